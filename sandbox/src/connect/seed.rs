//! A seeded instance that looks like a new Connect instance (hours, queue, routing profile,
//! phone number, the default flows), and the admin additions: more hours of operation, claimed
//! numbers, queued contacts.
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, World};

fn seed_flow_content(flow_type: &str, queue_arn: &str) -> String {
    let v = match flow_type {
        "CONTACT_FLOW" | "AGENT_TRANSFER" | "QUEUE_TRANSFER" => json!({
            "Version": "2019-10-30",
            "StartAction": "Set queue",
            "Metadata": {},
            "Actions": [
                {"Identifier": "Set queue", "Type": "UpdateContactTargetQueue",
                 "Parameters": {"QueueId": queue_arn},
                 "Transitions": {"NextAction": "Transfer", "Errors": [{"NextAction": "Disconnect", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "Transfer", "Type": "TransferContactToQueue", "Parameters": {},
                 "Transitions": {"NextAction": "Disconnect", "Errors": [
                     {"NextAction": "Disconnect", "ErrorType": "QueueAtCapacity"},
                     {"NextAction": "Disconnect", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "Disconnect", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
            ]
        }),
        "CUSTOMER_QUEUE" => json!({
            "Version": "2019-10-30",
            "StartAction": "Hold message",
            "Metadata": {},
            "Actions": [
                {"Identifier": "Hold message", "Type": "MessageParticipant",
                 "Parameters": {"Text": "Thank you for calling. Your call is very important to us and will be answered in the order it was received."},
                 "Transitions": {"NextAction": "End", "Errors": [{"NextAction": "End", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "End", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
            ]
        }),
        _ => json!({
            "Version": "2019-10-30",
            "StartAction": "End",
            "Metadata": {},
            "Actions": [
                {"Identifier": "End", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
            ]
        }),
    };
    v.to_string()
}

/// The flows a new instance has: (name, type).
pub const DEFAULT_FLOWS: &[(&str, &str)] = &[
    ("Default agent hold", "AGENT_HOLD"),
    ("Default agent whisper", "AGENT_WHISPER"),
    ("Default agent transfer", "AGENT_TRANSFER"),
    ("Default customer hold", "CUSTOMER_HOLD"),
    ("Default customer queue", "CUSTOMER_QUEUE"),
    ("Default customer whisper", "CUSTOMER_WHISPER"),
    ("Default outbound", "OUTBOUND_WHISPER"),
    ("Default queue transfer", "QUEUE_TRANSFER"),
    (
        "Sample inbound flow (first contact experience)",
        "CONTACT_FLOW",
    ),
];

/// Creates an instance that looks like a new Connect instance and returns its ids and ARNs.
pub fn seed(w: &mut World, alias: Option<&str>) -> Result<Value, ApiError> {
    let n = w.connect.instances.len() + 1;
    let alias = alias
        .map(str::to_string)
        .unwrap_or_else(|| format!("sandbox-instance-{n}"));
    if w.connect.instances.values().any(|i| i.alias == alias) {
        return Err(duplicate(format!(
            "an instance with alias {alias} already exists"
        )));
    }
    let id = w.next_id();
    let now = w.now().unix_timestamp();
    let ts = epoch(w);
    let mut inst = Instance {
        id: id.clone(),
        arn: instance_arn(w, &id),
        alias: alias.clone(),
        created: now,
        tags: Tags::new(),
        flows: BTreeMap::new(),
        queues: BTreeMap::new(),
        hours: BTreeMap::new(),
        routing_profiles: BTreeMap::new(),
        lambdas: Vec::new(),
        lex_bots: Vec::new(),
        lex_v2_aliases: Vec::new(),
        storage_configs: BTreeMap::new(),
        contacts: BTreeMap::new(),
        client_tokens: BTreeMap::new(),
        test_cases: BTreeMap::new(),
        test_executions: BTreeMap::new(),
    };
    let hours_id = w.next_id();
    let hours_arn = sub_arn(w, &id, "operating-hours", &hours_id);
    inst.hours.insert(
        hours_id.clone(),
        always_open(&hours_id, &hours_arn, "Basic Hours"),
    );
    let queue_id = w.next_id();
    let queue_arn = sub_arn(w, &id, "queue", &queue_id);
    inst.queues.insert(
        queue_id.clone(),
        Queue {
            id: queue_id.clone(),
            arn: queue_arn.clone(),
            name: "BasicQueue".into(),
            description: Some("A simple, basic voice queue.".into()),
            queue_type: "STANDARD".into(),
            hours_id: hours_id.clone(),
            outbound_caller_config: json!({}),
            max_contacts: None,
            status: "ENABLED".into(),
            tags: Tags::new(),
        },
    );
    let rp_id = w.next_id();
    inst.routing_profiles.insert(
        rp_id.clone(),
        RoutingProfile {
            id: rp_id.clone(),
            arn: sub_arn(w, &id, "routing-profile", &rp_id),
            name: "Basic Routing Profile".into(),
            description: "Basic routing profile".into(),
            default_outbound_queue_id: queue_id.clone(),
            media_concurrencies: json!([
                {"Channel": "VOICE", "Concurrency": 1, "CrossChannelBehavior": {"BehaviorType": "ROUTE_CURRENT_CHANNEL_ONLY"}},
                {"Channel": "CHAT", "Concurrency": 2, "CrossChannelBehavior": {"BehaviorType": "ROUTE_CURRENT_CHANNEL_ONLY"}},
                {"Channel": "TASK", "Concurrency": 1, "CrossChannelBehavior": {"BehaviorType": "ROUTE_CURRENT_CHANNEL_ONLY"}}
            ]),
            queues: ["VOICE", "CHAT", "TASK"]
                .iter()
                .map(|c| RpQueue { queue_id: queue_id.clone(), channel: (*c).into(), priority: 1, delay: 0 })
                .collect(),
            tags: Tags::new(),
        },
    );
    let mut flows = Map::new();
    for (name, ftype) in DEFAULT_FLOWS {
        let fid = w.next_id();
        let arn = sub_arn(w, &id, "contact-flow", &fid);
        flows.insert(
            (*name).into(),
            json!({"id": fid, "arn": arn, "type": ftype}),
        );
        inst.flows.insert(
            fid.clone(),
            Flow {
                id: fid,
                arn,
                name: (*name).into(),
                flow_type: (*ftype).into(),
                state: "ACTIVE".into(),
                description: Some(format!("{name} (created with the instance)")),
                published: Some(seed_flow_content(ftype, &queue_arn)),
                saved: None,
                version: 1,
                last_modified: ts,
                tags: Tags::new(),
            },
        );
    }
    let phone_number = claim_number(w, &id, format!("+1206555{:04}", (99 + n) % 10000));
    let out = json!({
        "instance": {"id": id, "arn": inst.arn, "alias": alias},
        "hours_of_operation": {"name": "Basic Hours", "id": hours_id, "arn": hours_arn},
        "queue": {"name": "BasicQueue", "id": queue_id, "arn": queue_arn},
        "routing_profile": {"name": "Basic Routing Profile", "id": rp_id, "arn": inst.routing_profiles[&rp_id].arn},
        "phone_number": phone_number,
        "flows": flows,
    });
    w.connect.instances.insert(id, inst);
    Ok(out)
}

/// The string member `key` of an admin request body, or InvalidRequestException.
fn required<'a>(body: &'a Value, key: &str) -> Result<&'a str, ApiError> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request(format!("{key} is required")))
}

/// Admin: adds hours of operation (`{"instance_id", "name"}`) the way an administrator would
/// in the console (the emulator serves no CreateHoursOfOperation). Always open, UTC.
pub fn admin_add_hours(w: &mut World, body: &Value) -> Result<Value, ApiError> {
    let iid = required(body, "instance_id")?;
    let name = required(body, "name")?.to_string();
    let hours_id = w.next_id();
    let arn = sub_arn(w, instance_key(iid), "operating-hours", &hours_id);
    let inst = instance_mut(w, iid)?;
    if inst.hours.values().any(|h| h.name == name) {
        return Err(duplicate(format!(
            "hours of operation {name} already exist"
        )));
    }
    inst.hours
        .insert(hours_id.clone(), always_open(&hours_id, &arn, &name));
    Ok(json!({"id": hours_id, "arn": arn, "name": name}))
}

/// Hours of operation open all day every day, in UTC, described by their name.
fn always_open(id: &str, arn: &str, name: &str) -> Hours {
    let config: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
        .iter()
        .map(|d| json!({"Day": d, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 0, "Minutes": 0}}))
        .collect();
    Hours {
        id: id.to_string(),
        arn: arn.to_string(),
        name: name.to_string(),
        description: Some(name.to_string()),
        time_zone: "UTC".into(),
        config: Value::Array(config),
        tags: Tags::new(),
    }
}

/// Admin: claims one more phone number for an instance (`{"instance_id"}`), as ClaimPhoneNumber
/// would; returns `{id, arn, number}`.
pub fn admin_claim_number(w: &mut World, body: &Value) -> Result<Value, ApiError> {
    let instance_id = instance_mut(w, required(body, "instance_id")?)?.id.clone();
    let taken = w.connect.phone_numbers.len();
    let number = format!("+1206556{:04}", (100 + taken) % 10000);
    Ok(claim_number(w, &instance_id, number))
}

/// Claims the US DID `number` for the instance `instance_id`, with no flow associated, and
/// returns `{id, arn, number}`.
fn claim_number(w: &mut World, instance_id: &str, number: String) -> Value {
    let pn_id = w.next_id();
    let pn_arn = format!(
        "arn:aws:connect:{}:{}:phone-number/{pn_id}",
        w.region(),
        w.account_id()
    );
    let out = json!({"id": pn_id, "arn": pn_arn, "number": number});
    w.connect.phone_numbers.insert(
        pn_id.clone(),
        PhoneNumber {
            id: pn_id,
            arn: pn_arn,
            number,
            country: "US".into(),
            number_type: "DID".into(),
            instance_id: Some(instance_id.to_string()),
            flow_id: None,
            tags: Tags::new(),
        },
    );
    out
}

/// Admin: creates a queued callback contact (`{"instance_id", "queue_id"?}`) so StopContact has a target.
pub fn admin_create_contact(w: &mut World, body: &Value) -> Result<Value, ApiError> {
    let iid = required(body, "instance_id")?;
    let queue = body
        .get("queue_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let cid = w.next_id();
    let arn_base = instance_arn(w, instance_key(iid));
    let inst = instance_mut(w, iid)?;
    if let Some(q) = &queue
        && !inst.queues.contains_key(last_segment(q))
    {
        return Err(not_found(format!("queue not found: {q}")));
    }
    let c = Contact {
        id: cid.clone(),
        arn: format!("{arn_base}/contact/{cid}"),
        channel: "VOICE".into(),
        initiation_method: body
            .get("initiation_method")
            .and_then(Value::as_str)
            .unwrap_or("CALLBACK")
            .into(),
        queue_id: queue.map(|q| last_segment(&q).to_string()),
        state: "QUEUED".into(),
        disconnect_reason: None,
    };
    let out = json!({"contact_id": c.id, "arn": c.arn, "state": c.state});
    inst.contacts.insert(cid, c);
    Ok(out)
}
