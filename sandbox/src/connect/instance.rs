//! Connect instance operations (DescribeInstance, ListInstances), tags (Tag/Untag/ListTagsForResource)
//! and StopContact (for contacts created through the admin API).
use serde_json::{Value, json};

use super::{
    INVALID, Instance, Tags, instance, instance_mut, invalid_param, invalid_request, not_found,
    parse_tags, tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, req_str};

fn instance_json(i: &Instance, with_tags: bool) -> Value {
    let mut v = json!({
        "Id": i.id,
        "Arn": i.arn,
        "IdentityManagementType": "CONNECT_MANAGED",
        "InstanceAlias": i.alias,
        "CreatedTime": i.created,
        "ServiceRole": format!("arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect",
            i.arn.split(':').nth(4).unwrap_or_default()),
        "InstanceStatus": "ACTIVE",
        "InboundCallsEnabled": true,
        "OutboundCallsEnabled": true,
        "InstanceAccessUrl": format!("https://{}.my.connect.aws", i.alias),
    });
    if with_tags {
        v["Tags"] = tags_json(&i.tags);
    }
    v
}

pub(super) fn describe_instance(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let i = instance(w, req.param("InstanceId"))?;
    Ok(Resp::ok(json!({ "Instance": instance_json(i, true) })))
}

pub(super) fn list_instances(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let items = w
        .connect
        .instances
        .values()
        .map(|i| instance_json(i, false))
        .collect();
    list_query(
        INVALID,
        req,
        "InstanceSummaryList",
        items,
        10,
        10,
        "instances",
    )
}

/// The tag map of the resource an ARN names.
fn tags_mut<'a>(w: &'a mut World, arn: &str) -> Result<&'a mut Tags, ApiError> {
    let missing = || not_found(format!("resource not found: {arn}"));
    let prefix = format!("arn:aws:connect:{}:{}:", w.region(), w.account_id());
    let rest = arn.strip_prefix(&prefix).ok_or_else(missing)?;
    if let Some(pid) = rest.strip_prefix("phone-number/") {
        return w
            .connect
            .phone_numbers
            .get_mut(pid)
            .map(|p| &mut p.tags)
            .ok_or_else(missing);
    }
    let rest = rest.strip_prefix("instance/").ok_or_else(missing)?;
    let parts: Vec<&str> = rest.split('/').collect();
    let inst = w.connect.instances.get_mut(parts[0]).ok_or_else(missing)?;
    let t = match parts.as_slice() {
        [_] => Some(&mut inst.tags),
        [_, "queue", id] => inst.queues.get_mut(*id).map(|x| &mut x.tags),
        [_, "contact-flow", id] => inst.flows.get_mut(*id).map(|x| &mut x.tags),
        [_, "routing-profile", id] => inst.routing_profiles.get_mut(*id).map(|x| &mut x.tags),
        [_, "operating-hours", id] => inst.hours.get_mut(*id).map(|x| &mut x.tags),
        [_, "test-case", id] => inst.test_cases.get_mut(*id).map(|x| &mut x.tags),
        _ => None,
    };
    t.ok_or_else(missing)
}

pub(super) fn tag_resource(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let tags = parse_tags(Some(
        body.get("tags")
            .ok_or_else(|| invalid_param("tags is required"))?,
    ))?;
    if tags.is_empty() {
        return Err(invalid_param("tags must not be empty"));
    }
    let t = tags_mut(w, req.param("resourceArn"))?;
    let mut merged = t.clone();
    merged.extend(tags);
    if merged.len() > 50 {
        return Err(invalid_param("a resource can have at most 50 tags"));
    }
    *t = merged;
    Ok(Resp::empty())
}

pub(super) fn untag_resource(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let keys: Vec<String> = req
        .query_all("tagKeys")
        .into_iter()
        .map(str::to_string)
        .collect();
    if keys.is_empty() {
        return Err(invalid_param("tagKeys is required"));
    }
    let t = tags_mut(w, req.param("resourceArn"))?;
    for k in keys {
        t.remove(&k);
    }
    Ok(Resp::empty())
}

pub(super) fn list_tags_for_resource(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let t = tags_mut(w, req.param("resourceArn"))?;
    Ok(Resp::ok(json!({ "tags": tags_json(t) })))
}

const UNSTOPPABLE: &[&str] = &[
    "DISCONNECT",
    "TRANSFER",
    "QUEUE_TRANSFER",
    "EXTERNAL_OUTBOUND",
    "MONITOR",
];

pub(super) fn stop_contact(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let cid = req_str(INVALID, &body, "ContactId", 1, 256)?.to_string();
    let iid = req_str(INVALID, &body, "InstanceId", 1, 250)?.to_string();
    let reason = body
        .pointer("/DisconnectReason/Code")
        .and_then(Value::as_str)
        .map(str::to_string);
    let inst = instance_mut(w, &iid)?;
    let gone = || {
        ApiError::new(
            410,
            "ContactNotFoundException",
            format!("contact {cid} not found or no longer active"),
        )
    };
    let c = inst.contacts.get_mut(&cid).ok_or_else(gone)?;
    if c.state != "QUEUED" && c.state != "CONNECTED" {
        return Err(gone());
    }
    if UNSTOPPABLE.contains(&c.initiation_method.as_str()) {
        return Err(invalid_request(format!(
            "contacts initiated by {} cannot be stopped",
            c.initiation_method
        )));
    }
    c.state = "DISCONNECTED".into();
    c.disconnect_reason = reason.or(Some("CONTACT_FLOW_DISCONNECT".into()));
    Ok(Resp::empty())
}
