//! Amazon Connect API emulation: the instance-scoped state model, shared helpers (instance lookup,
//! ARNs, pagination, validation), seeding, and the route table. Operation handlers live in
//! `connect/*.rs` by resource family; flow-language validation in `connect/flow_check.rs`.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::core::{ApiError, Route, Snapshot, World};
use crate::input::{Invalid, check_len};

mod assoc;
mod flow_check;
mod flows;
mod instance;
mod queues;
mod testcases;
mod testlang;
mod walk;

pub use flow_check::validate_flow;
pub use testcases::drive as drive_test_cases;
pub use walk::{LAMBDA_RUNNER_ENV, run_lambda};

/// Tags on a resource.
pub type Tags = BTreeMap<String, String>;

/// In-memory Connect state.
#[derive(Default, Serialize)]
pub struct State {
    /// Instances by id.
    pub instances: BTreeMap<String, Instance>,
    /// Claimed phone numbers by id.
    pub phone_numbers: BTreeMap<String, PhoneNumber>,
}

impl Snapshot for State {
    fn snapshot(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// One Connect instance and everything it owns.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub id: String,
    pub arn: String,
    pub alias: String,
    pub created: i64,
    pub tags: Tags,
    pub flows: BTreeMap<String, Flow>,
    pub queues: BTreeMap<String, Queue>,
    pub hours: BTreeMap<String, Hours>,
    pub routing_profiles: BTreeMap<String, RoutingProfile>,
    /// Associated Lambda function ARNs, in association order.
    pub lambdas: Vec<String>,
    /// Associated Lex V1 bots.
    pub lex_bots: Vec<LexV1Bot>,
    /// Associated Lex V2 alias ARNs.
    pub lex_v2_aliases: Vec<String>,
    pub storage_configs: BTreeMap<String, StorageConfig>,
    pub contacts: BTreeMap<String, Contact>,
    /// Idempotency tokens of Associate* calls: token -> what it associated.
    pub client_tokens: BTreeMap<String, String>,
    /// Test cases by id.
    pub test_cases: BTreeMap<String, testcases::TestCase>,
    /// Test-case executions by id (with their records).
    pub test_executions: BTreeMap<String, testcases::Execution>,
}

/// A contact flow: published content and an optional saved draft.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub flow_type: String,
    pub state: String,
    pub description: Option<String>,
    pub published: Option<String>,
    pub saved: Option<String>,
    pub version: i64,
    pub last_modified: f64,
    pub tags: Tags,
}

impl Flow {
    /// `PUBLISHED` once published content exists, else `SAVED`.
    pub fn status(&self) -> &'static str {
        if self.published.is_some() {
            "PUBLISHED"
        } else {
            "SAVED"
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub queue_type: String,
    pub hours_id: String,
    pub outbound_caller_config: Value,
    pub max_contacts: Option<i64>,
    pub status: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hours {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub time_zone: String,
    pub config: Value,
    pub tags: Tags,
}

/// One queue–channel entry of a routing profile.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RpQueue {
    pub queue_id: String,
    pub channel: String,
    pub priority: i64,
    pub delay: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoutingProfile {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub default_outbound_queue_id: String,
    pub media_concurrencies: Value,
    pub queues: Vec<RpQueue>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LexV1Bot {
    pub name: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StorageConfig {
    pub association_id: String,
    pub resource_type: String,
    pub config: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: String,
    pub arn: String,
    pub channel: String,
    pub initiation_method: String,
    pub queue_id: Option<String>,
    pub state: String,
    pub disconnect_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhoneNumber {
    pub id: String,
    pub arn: String,
    pub number: String,
    pub country: String,
    pub number_type: String,
    pub instance_id: Option<String>,
    pub flow_id: Option<String>,
    pub tags: Tags,
}

// ---------- error helpers ----------

/// Connect's input-error shape and wording.
pub(crate) const INVALID: Invalid = Invalid::CONNECT;

pub(crate) fn invalid_param(msg: impl Into<String>) -> ApiError {
    INVALID.err(msg)
}

pub(crate) fn invalid_request(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidRequestException", msg)
}

pub(crate) fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", msg)
}

pub(crate) fn duplicate(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "DuplicateResourceException", msg)
}

pub(crate) fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "ResourceConflictException", msg)
}

pub(crate) fn in_use(msg: impl Into<String>, rtype: &str, rid: &str) -> ApiError {
    ApiError::new(409, "ResourceInUseException", msg)
        .field("ResourceType", json!(rtype))
        .field("ResourceId", json!(rid))
}

// ---------- input helpers ----------

/// The last `/`-separated part of an id-or-ARN.
pub(crate) fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Instance id from an id or an instance ARN (or any ARN below an instance).
pub(crate) fn instance_key(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix("arn:") {
        if let Some(i) = rest.find(":instance/") {
            let after = &rest[i + ":instance/".len()..];
            return after.split('/').next().unwrap_or(after);
        }
        return s;
    }
    s
}

fn check_instance_param(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 250 {
        return Err(invalid_param(
            "InstanceId must be 1-100 characters (id) or an instance arn",
        ));
    }
    Ok(())
}

/// The instance named by an id or ARN, or ResourceNotFoundException.
pub(crate) fn instance<'a>(w: &'a World, id: &str) -> Result<&'a Instance, ApiError> {
    check_instance_param(id)?;
    w.connect
        .instances
        .get(instance_key(id))
        .ok_or_else(|| not_found(format!("instance not found: {id}")))
}

/// Mutable instance lookup.
pub(crate) fn instance_mut<'a>(w: &'a mut World, id: &str) -> Result<&'a mut Instance, ApiError> {
    check_instance_param(id)?;
    w.connect
        .instances
        .get_mut(instance_key(id))
        .ok_or_else(|| not_found(format!("instance not found: {id}")))
}

/// `Tags` from a body: at most 50, keys 1–128, values ≤256, no `aws:` prefix.
pub(crate) fn parse_tags(v: Option<&Value>) -> Result<Tags, ApiError> {
    let mut out = Tags::new();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    let m = v
        .as_object()
        .ok_or_else(|| invalid_param("tags must be a map of strings"))?;
    if m.len() > 50 {
        return Err(invalid_param("at most 50 tags are allowed"));
    }
    for (k, val) in m {
        let s = val
            .as_str()
            .ok_or_else(|| invalid_param("tag values must be strings"))?;
        check_len(INVALID, "tag key", k, 1, 128)?;
        check_len(INVALID, "tag value", s, 0, 256)?;
        if k.starts_with("aws:") {
            return Err(invalid_param("tag keys must not start with aws:"));
        }
        out.insert(k.clone(), s.to_string());
    }
    Ok(out)
}

/// A tags map as JSON.
pub(crate) fn tags_json(t: &Tags) -> Value {
    Value::Object(t.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

/// Now as epoch seconds (restJson timestamps).
pub(crate) fn epoch(w: &World) -> f64 {
    let n = w.now();
    n.unix_timestamp() as f64 + f64::from(n.millisecond()) / 1000.0
}

// ---------- search ----------

/// A search criteria object (`ContactFlowSearchCriteria`, `QueueSearchCriteria`, ...) against one
/// resource: every part given must hold (`OrConditions`: one of them; `AndConditions`: all;
/// `StringCondition` on the fields `field` knows; what `extra` checks). With `contains_limit`
/// (the queue and routing-profile models document `name` and `description` CONTAINS queries as
/// 2 to 25 characters) the sandbox refuses others rather than answer with undefined results.
pub(crate) fn criteria_hold(
    c: &Value,
    contains_limit: bool,
    field: &dyn Fn(&str) -> Option<String>,
    extra: &dyn Fn(&Value) -> Result<bool, ApiError>,
) -> Result<bool, ApiError> {
    if let Some(ors) = c.get("OrConditions").and_then(Value::as_array) {
        let mut any = false;
        for o in ors {
            any |= criteria_hold(o, contains_limit, field, extra)?;
        }
        if !any {
            return Ok(false);
        }
    }
    if let Some(ands) = c.get("AndConditions").and_then(Value::as_array) {
        for a in ands {
            if !criteria_hold(a, contains_limit, field, extra)? {
                return Ok(false);
            }
        }
    }
    if let Some(sc) = c.get("StringCondition") {
        let name = sc.get("FieldName").and_then(Value::as_str).unwrap_or("");
        let value = sc.get("Value").and_then(Value::as_str).unwrap_or("");
        let contains = sc.get("ComparisonType").and_then(Value::as_str) == Some("CONTAINS");
        if contains_limit && contains && (name == "name" || name == "description") {
            let n = value.chars().count();
            if !(2..=25).contains(&n) {
                return Err(invalid_param(format!(
                    "a CONTAINS query on {name} takes 2 to 25 characters, got {n}"
                )));
            }
        }
        if !string_condition_holds(sc, field)? {
            return Ok(false);
        }
    }
    extra(c)
}

/// Whether a search `StringCondition` (`FieldName`, `Value`, `ComparisonType`) holds for the
/// field value `field` gives (`None`: a field the search does not support, refused).
pub(crate) fn string_condition_holds(
    sc: &Value,
    field: impl Fn(&str) -> Option<String>,
) -> Result<bool, ApiError> {
    let name = sc.get("FieldName").and_then(Value::as_str).unwrap_or("");
    let value = sc.get("Value").and_then(Value::as_str).unwrap_or("");
    let actual = field(name).ok_or_else(|| {
        invalid_param(format!(
            "unsupported search field {name:?} (use name, description or resourceId)"
        ))
    })?;
    match sc
        .get("ComparisonType")
        .and_then(Value::as_str)
        .unwrap_or("EXACT")
    {
        "EXACT" => Ok(actual == value),
        "STARTS_WITH" => Ok(actual.starts_with(value)),
        "CONTAINS" => Ok(actual.contains(value)),
        other => Err(invalid_param(format!(
            "unsupported ComparisonType {other:?}"
        ))),
    }
}

// ---------- ARNs ----------

pub(crate) fn instance_arn(w: &World, id: &str) -> String {
    format!(
        "arn:aws:connect:{}:{}:instance/{id}",
        w.region(),
        w.account_id()
    )
}

pub(crate) fn sub_arn(w: &World, instance_id: &str, kind: &str, id: &str) -> String {
    format!("{}/{kind}/{id}", instance_arn(w, instance_id))
}

// ---------- seeding and admin contacts ----------

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
    let days = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ];
    let config: Vec<Value> = days
        .iter()
        .map(|d| json!({"Day": d, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 0, "Minutes": 0}}))
        .collect();
    inst.hours.insert(
        hours_id.clone(),
        Hours {
            id: hours_id.clone(),
            arn: sub_arn(w, &id, "operating-hours", &hours_id),
            name: "Basic Hours".into(),
            description: Some("Basic Hours".into()),
            time_zone: "UTC".into(),
            config: Value::Array(config),
            tags: Tags::new(),
        },
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
    let pn_id = w.next_id();
    let number = format!("+1206555{:04}", (99 + n) % 10000);
    let pn_arn = format!(
        "arn:aws:connect:{}:{}:phone-number/{pn_id}",
        w.region(),
        w.account_id()
    );
    w.connect.phone_numbers.insert(
        pn_id.clone(),
        PhoneNumber {
            id: pn_id.clone(),
            arn: pn_arn.clone(),
            number: number.clone(),
            country: "US".into(),
            number_type: "DID".into(),
            instance_id: Some(id.clone()),
            flow_id: None,
            tags: Tags::new(),
        },
    );
    let out = json!({
        "instance": {"id": id, "arn": inst.arn, "alias": alias},
        "hours_of_operation": {"name": "Basic Hours", "id": hours_id, "arn": inst.hours[&hours_id].arn},
        "queue": {"name": "BasicQueue", "id": queue_id, "arn": queue_arn},
        "routing_profile": {"name": "Basic Routing Profile", "id": rp_id, "arn": inst.routing_profiles[&rp_id].arn},
        "phone_number": {"id": pn_id, "arn": pn_arn, "number": number},
        "flows": flows,
    });
    w.connect.instances.insert(id, inst);
    Ok(out)
}

/// Admin: adds hours of operation (`{"instance_id", "name"}`) the way an administrator would
/// in the console (the emulator serves no CreateHoursOfOperation). Always open, UTC.
pub fn admin_add_hours(w: &mut World, body: &Value) -> Result<Value, ApiError> {
    let iid = body
        .get("instance_id")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request("instance_id is required"))?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request("name is required"))?
        .to_string();
    let hours_id = w.next_id();
    let arn = sub_arn(w, instance_key(iid), "operating-hours", &hours_id);
    let inst = instance_mut(w, iid)?;
    if inst.hours.values().any(|h| h.name == name) {
        return Err(duplicate(format!(
            "hours of operation {name} already exist"
        )));
    }
    let config: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
        .iter()
        .map(|d| json!({"Day": d, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 0, "Minutes": 0}}))
        .collect();
    inst.hours.insert(
        hours_id.clone(),
        Hours {
            id: hours_id.clone(),
            arn: arn.clone(),
            name: name.clone(),
            description: Some(name.clone()),
            time_zone: "UTC".into(),
            config: Value::Array(config),
            tags: Tags::new(),
        },
    );
    Ok(json!({"id": hours_id, "arn": arn, "name": name}))
}

/// Admin: claims one more phone number for an instance (`{"instance_id"}`), as ClaimPhoneNumber
/// would; returns `{id, arn, number}`.
pub fn admin_claim_number(w: &mut World, body: &Value) -> Result<Value, ApiError> {
    let iid = body
        .get("instance_id")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request("instance_id is required"))?
        .to_string();
    let instance_id = instance_mut(w, &iid)?.id.clone();
    let pn_id = w.next_id();
    let taken = w.connect.phone_numbers.len();
    let number = format!("+1206556{:04}", (100 + taken) % 10000);
    let pn_arn = format!(
        "arn:aws:connect:{}:{}:phone-number/{pn_id}",
        w.region(),
        w.account_id()
    );
    w.connect.phone_numbers.insert(
        pn_id.clone(),
        PhoneNumber {
            id: pn_id.clone(),
            arn: pn_arn.clone(),
            number: number.clone(),
            country: "US".into(),
            number_type: "DID".into(),
            instance_id: Some(instance_id),
            flow_id: None,
            tags: Tags::new(),
        },
    );
    Ok(json!({"id": pn_id, "arn": pn_arn, "number": number}))
}

/// Admin: creates a queued callback contact (`{"instance_id", "queue_id"?}`) so StopContact has a target.
pub fn admin_create_contact(w: &mut World, body: &Value) -> Result<Value, ApiError> {
    let iid = body
        .get("instance_id")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request("instance_id is required"))?;
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

macro_rules! r {
    ($m:literal, $p:literal, $op:literal, $mu:expr, $h:path) => {
        Route {
            method: $m,
            path: $p,
            operation: $op,
            mutating: $mu,
            handler: $h,
        }
    };
}

/// Connect route table (URIs from the aws-sdk-connect 1.220.0 serializers).
pub static ROUTES: &[Route] = &[
    r!(
        "GET",
        "/instance/{InstanceId}",
        "DescribeInstance",
        false,
        instance::describe_instance
    ),
    r!(
        "GET",
        "/instance",
        "ListInstances",
        false,
        instance::list_instances
    ),
    r!(
        "PUT",
        "/contact-flows/{InstanceId}",
        "CreateContactFlow",
        true,
        flows::create_contact_flow
    ),
    r!(
        "GET",
        "/contact-flows/{InstanceId}/{ContactFlowId}",
        "DescribeContactFlow",
        false,
        flows::describe_contact_flow
    ),
    r!(
        "GET",
        "/contact-flows-summary/{InstanceId}",
        "ListContactFlows",
        false,
        flows::list_contact_flows
    ),
    r!(
        "POST",
        "/search-contact-flows",
        "SearchContactFlows",
        false,
        flows::search_contact_flows
    ),
    r!(
        "DELETE",
        "/contact-flows/{InstanceId}/{ContactFlowId}",
        "DeleteContactFlow",
        true,
        flows::delete_contact_flow
    ),
    r!(
        "POST",
        "/contact-flows/{InstanceId}/{ContactFlowId}/content",
        "UpdateContactFlowContent",
        true,
        flows::update_contact_flow_content
    ),
    r!(
        "POST",
        "/contact-flows/{InstanceId}/{ContactFlowId}/metadata",
        "UpdateContactFlowMetadata",
        true,
        flows::update_contact_flow_metadata
    ),
    r!(
        "PUT",
        "/queues/{InstanceId}",
        "CreateQueue",
        true,
        queues::create_queue
    ),
    r!(
        "GET",
        "/queues/{InstanceId}/{QueueId}",
        "DescribeQueue",
        false,
        queues::describe_queue
    ),
    r!(
        "GET",
        "/queues-summary/{InstanceId}",
        "ListQueues",
        false,
        queues::list_queues
    ),
    r!(
        "POST",
        "/search-queues",
        "SearchQueues",
        false,
        queues::search_queues
    ),
    r!(
        "DELETE",
        "/queues/{InstanceId}/{QueueId}",
        "DeleteQueue",
        true,
        queues::delete_queue
    ),
    r!(
        "POST",
        "/queues/{InstanceId}/{QueueId}/outbound-caller-config",
        "UpdateQueueOutboundCallerConfig",
        true,
        queues::update_queue_outbound_caller_config
    ),
    r!(
        "POST",
        "/queues/{InstanceId}/{QueueId}/hours-of-operation",
        "UpdateQueueHoursOfOperation",
        true,
        queues::update_queue_hours_of_operation
    ),
    r!(
        "POST",
        "/queues/{InstanceId}/{QueueId}/name",
        "UpdateQueueName",
        true,
        queues::update_queue_name
    ),
    r!(
        "POST",
        "/hours-of-operations/{InstanceId}/{HoursOfOperationId}",
        "UpdateHoursOfOperation",
        true,
        queues::update_hours_of_operation
    ),
    r!(
        "GET",
        "/hours-of-operations-summary/{InstanceId}",
        "ListHoursOfOperations",
        false,
        queues::list_hours_of_operations
    ),
    r!(
        "GET",
        "/hours-of-operations/{InstanceId}/{HoursOfOperationId}",
        "DescribeHoursOfOperation",
        false,
        queues::describe_hours_of_operation
    ),
    r!(
        "PUT",
        "/routing-profiles/{InstanceId}",
        "CreateRoutingProfile",
        true,
        queues::create_routing_profile
    ),
    r!(
        "GET",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}",
        "DescribeRoutingProfile",
        false,
        queues::describe_routing_profile
    ),
    r!(
        "GET",
        "/routing-profiles-summary/{InstanceId}",
        "ListRoutingProfiles",
        false,
        queues::list_routing_profiles
    ),
    r!(
        "POST",
        "/search-routing-profiles",
        "SearchRoutingProfiles",
        false,
        queues::search_routing_profiles
    ),
    r!(
        "DELETE",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}",
        "DeleteRoutingProfile",
        true,
        queues::delete_routing_profile
    ),
    r!(
        "POST",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}/associate-queues",
        "AssociateRoutingProfileQueues",
        true,
        queues::associate_routing_profile_queues
    ),
    r!(
        "POST",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}/disassociate-queues",
        "DisassociateRoutingProfileQueues",
        true,
        queues::disassociate_routing_profile_queues
    ),
    r!(
        "GET",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}/queues",
        "ListRoutingProfileQueues",
        false,
        queues::list_routing_profile_queues
    ),
    r!(
        "PUT",
        "/instance/{InstanceId}/lambda-function",
        "AssociateLambdaFunction",
        true,
        assoc::associate_lambda_function
    ),
    r!(
        "DELETE",
        "/instance/{InstanceId}/lambda-function",
        "DisassociateLambdaFunction",
        true,
        assoc::disassociate_lambda_function
    ),
    r!(
        "GET",
        "/instance/{InstanceId}/lambda-functions",
        "ListLambdaFunctions",
        false,
        assoc::list_lambda_functions
    ),
    r!(
        "PUT",
        "/instance/{InstanceId}/bot",
        "AssociateBot",
        true,
        assoc::associate_bot
    ),
    r!(
        "POST",
        "/instance/{InstanceId}/bot",
        "DisassociateBot",
        true,
        assoc::disassociate_bot
    ),
    r!(
        "GET",
        "/instance/{InstanceId}/bots",
        "ListBots",
        false,
        assoc::list_bots
    ),
    r!(
        "PUT",
        "/instance/{InstanceId}/lex-bot",
        "AssociateLexBot",
        true,
        assoc::associate_lex_bot
    ),
    r!(
        "DELETE",
        "/instance/{InstanceId}/lex-bot",
        "DisassociateLexBot",
        true,
        assoc::disassociate_lex_bot
    ),
    r!(
        "GET",
        "/instance/{InstanceId}/lex-bots",
        "ListLexBots",
        false,
        assoc::list_lex_bots
    ),
    r!(
        "PUT",
        "/instance/{InstanceId}/storage-config",
        "AssociateInstanceStorageConfig",
        true,
        assoc::associate_instance_storage_config
    ),
    r!(
        "DELETE",
        "/instance/{InstanceId}/storage-config/{AssociationId}",
        "DisassociateInstanceStorageConfig",
        true,
        assoc::disassociate_instance_storage_config
    ),
    r!(
        "GET",
        "/instance/{InstanceId}/storage-configs",
        "ListInstanceStorageConfigs",
        false,
        assoc::list_instance_storage_configs
    ),
    r!(
        "GET",
        "/instance/{InstanceId}/storage-config/{AssociationId}",
        "DescribeInstanceStorageConfig",
        false,
        assoc::describe_instance_storage_config
    ),
    r!(
        "POST",
        "/instance/{InstanceId}/storage-config/{AssociationId}",
        "UpdateInstanceStorageConfig",
        true,
        assoc::update_instance_storage_config
    ),
    r!(
        "POST",
        "/phone-number/list",
        "ListPhoneNumbersV2",
        false,
        assoc::list_phone_numbers_v2
    ),
    r!(
        "GET",
        "/phone-number/{PhoneNumberId}",
        "DescribePhoneNumber",
        false,
        assoc::describe_phone_number
    ),
    r!(
        "PUT",
        "/phone-number/{PhoneNumberId}/contact-flow",
        "AssociatePhoneNumberContactFlow",
        true,
        assoc::associate_phone_number_contact_flow
    ),
    r!(
        "DELETE",
        "/phone-number/{PhoneNumberId}/contact-flow",
        "DisassociatePhoneNumberContactFlow",
        true,
        assoc::disassociate_phone_number_contact_flow
    ),
    r!(
        "GET",
        "/flow-associations-summary/{InstanceId}",
        "ListFlowAssociations",
        false,
        assoc::list_flow_associations
    ),
    r!(
        "POST",
        "/tags/{resourceArn}",
        "TagResource",
        true,
        instance::tag_resource
    ),
    r!(
        "DELETE",
        "/tags/{resourceArn}",
        "UntagResource",
        true,
        instance::untag_resource
    ),
    r!(
        "GET",
        "/tags/{resourceArn}",
        "ListTagsForResource",
        false,
        instance::list_tags_for_resource
    ),
    r!(
        "POST",
        "/contact/stop",
        "StopContact",
        true,
        instance::stop_contact
    ),
    r!(
        "PUT",
        "/test-cases/{InstanceId}",
        "CreateTestCase",
        true,
        testcases::create_test_case
    ),
    r!(
        "GET",
        "/test-cases/{InstanceId}/{TestCaseId}",
        "DescribeTestCase",
        false,
        testcases::describe_test_case
    ),
    r!(
        "POST",
        "/test-cases/{InstanceId}/{TestCaseId}",
        "UpdateTestCase",
        true,
        testcases::update_test_case
    ),
    r!(
        "DELETE",
        "/test-cases/{InstanceId}/{TestCaseId}",
        "DeleteTestCase",
        true,
        testcases::delete_test_case
    ),
    r!(
        "GET",
        "/test-cases-summary/{InstanceId}",
        "ListTestCases",
        false,
        testcases::list_test_cases
    ),
    r!(
        "POST",
        "/search-test-cases",
        "SearchTestCases",
        false,
        testcases::search_test_cases
    ),
    r!(
        "PUT",
        "/test-cases/{InstanceId}/{TestCaseId}/start-execution",
        "StartTestCaseExecution",
        true,
        testcases::start_test_case_execution
    ),
    r!(
        "POST",
        "/test-cases/{InstanceId}/{TestCaseId}/{TestCaseExecutionId}/stop-execution",
        "StopTestCaseExecution",
        true,
        testcases::stop_test_case_execution
    ),
    r!(
        "GET",
        "/test-cases/{InstanceId}/{TestCaseId}/{TestCaseExecutionId}/summary",
        "GetTestCaseExecutionSummary",
        false,
        testcases::get_test_case_execution_summary
    ),
    r!(
        "GET",
        "/test-case-executions/{InstanceId}",
        "ListTestCaseExecutions",
        false,
        testcases::list_test_case_executions
    ),
    r!(
        "GET",
        "/test-cases/{InstanceId}/{TestCaseId}/{TestCaseExecutionId}/records",
        "ListTestCaseExecutionRecords",
        false,
        testcases::list_test_case_execution_records
    ),
];
