//! Queues: Create/Describe/List/Search/Delete, UpdateQueueOutboundCallerConfig, UpdateQueueName,
//! UpdateQueueHoursOfOperation.
use serde_json::{Value, json};

use super::{
    INVALID, Instance, Queue, criteria_hold, duplicate, in_use, instance, instance_mut,
    invalid_param, last_segment, not_found, parse_tags, search_answer, sub_arn, tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, opt_str, req_str};

pub(super) fn queue_ref<'a>(inst: &'a Instance, r: &str) -> Result<&'a Queue, ApiError> {
    let q = if r.starts_with("arn:") {
        inst.queues.values().find(|q| q.arn == r)
    } else {
        inst.queues.get(r)
    };
    q.ok_or_else(|| not_found(format!("queue not found in this instance: {r}")))
}

/// Validates an OutboundCallerConfig against the instance; returns it normalised.
fn outbound_config(w: &World, inst: &Instance, v: &Value) -> Result<Value, ApiError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid_param("OutboundCallerConfig must be an object"))?;
    let mut out = serde_json::Map::new();
    if let Some(n) = opt_str(INVALID, v, "OutboundCallerIdName", 1, 255)? {
        out.insert("OutboundCallerIdName".into(), json!(n));
    }
    if let Some(pn) = opt_str(INVALID, v, "OutboundCallerIdNumberId", 1, 500)? {
        let found = w.connect.phone_numbers.values().find(|p| {
            (p.id == pn || p.arn == pn) && p.instance_id.as_deref() == Some(inst.id.as_str())
        });
        if found.is_none() {
            return Err(not_found(format!(
                "phone number {pn} is not claimed by this instance"
            )));
        }
        out.insert("OutboundCallerIdNumberId".into(), json!(pn));
    }
    if let Some(f) = opt_str(INVALID, v, "OutboundFlowId", 1, 500)? {
        let flow = inst
            .flows
            .get(last_segment(f))
            .filter(|x| !f.starts_with("arn:") || x.arn == f);
        match flow {
            None => {
                return Err(not_found(format!(
                    "flow {f} does not exist in this instance"
                )));
            }
            Some(x) if x.flow_type != "OUTBOUND_WHISPER" => {
                return Err(invalid_param(format!(
                    "OutboundFlowId must be an OUTBOUND_WHISPER flow, {f} is {}",
                    x.flow_type
                )));
            }
            Some(_) => {}
        }
        out.insert("OutboundFlowId".into(), json!(f));
    }
    if let Some(k) = obj.keys().find(|k| {
        ![
            "OutboundCallerIdName",
            "OutboundCallerIdNumberId",
            "OutboundFlowId",
        ]
        .contains(&k.as_str())
    }) {
        return Err(invalid_param(format!(
            "unknown OutboundCallerConfig member {k}"
        )));
    }
    Ok(Value::Object(out))
}

fn queue_json(q: &Queue) -> Value {
    let mut v = json!({
        "Name": q.name, "QueueArn": q.arn, "QueueId": q.id, "OutboundCallerConfig": q.outbound_caller_config,
        "HoursOfOperationId": q.hours_id, "Status": q.status, "Tags": tags_json(&q.tags),
    });
    if let Some(d) = &q.description {
        v["Description"] = json!(d);
    }
    if let Some(m) = q.max_contacts {
        v["MaxContacts"] = json!(m);
    }
    v
}

pub(super) fn create_queue(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let name = req_str(INVALID, &body, "Name", 1, 127)?.to_string();
    let description = opt_str(INVALID, &body, "Description", 1, 250)?.map(str::to_string);
    let hours = req_str(INVALID, &body, "HoursOfOperationId", 1, 500)?.to_string();
    let max_contacts = match body.get("MaxContacts") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid_param("MaxContacts must be a non-negative integer"))?,
        ),
    };
    if body
        .get("QuickConnectIds")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 50)
    {
        return Err(invalid_param("at most 50 QuickConnectIds are allowed"));
    }
    let tags = parse_tags(body.get("Tags"))?;
    let inst = instance(w, req.param("InstanceId"))?;
    if inst.queues.values().any(|q| q.name == name) {
        return Err(duplicate(format!(
            "a queue named {name:?} already exists in this instance"
        )));
    }
    let hours_id = last_segment(&hours).to_string();
    if !inst.hours.contains_key(&hours_id) {
        return Err(not_found(format!("hours of operation not found: {hours}")));
    }
    let occ = match body.get("OutboundCallerConfig") {
        None | Some(Value::Null) => json!({}),
        Some(v) => outbound_config(w, inst, v)?,
    };
    let iid = inst.id.clone();
    let qid = w.next_id();
    let arn = sub_arn(w, &iid, "queue", &qid);
    let q = Queue {
        id: qid.clone(),
        arn: arn.clone(),
        name,
        description,
        queue_type: "STANDARD".into(),
        hours_id,
        outbound_caller_config: occ,
        max_contacts,
        status: "ENABLED".into(),
        tags,
    };
    instance_mut(w, &iid)?.queues.insert(qid.clone(), q);
    Ok(Resp::ok(json!({ "QueueArn": arn, "QueueId": qid })))
}

pub(super) fn describe_queue(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let q = queue_ref(inst, req.param("QueueId"))?;
    Ok(Resp::ok(json!({ "Queue": queue_json(q) })))
}

pub(super) fn list_queues(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let types = req.query_all("queueTypes");
    if let Some(t) = types.iter().find(|t| **t != "STANDARD" && **t != "AGENT") {
        return Err(invalid_param(format!(
            "queueTypes must be STANDARD or AGENT, got {t:?}"
        )));
    }
    let mut qs: Vec<&Queue> = inst
        .queues
        .values()
        .filter(|q| types.is_empty() || types.contains(&q.queue_type.as_str()))
        .collect();
    qs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = qs
        .iter()
        .map(|q| json!({"Id": q.id, "Arn": q.arn, "Name": q.name, "QueueType": q.queue_type}))
        .collect();
    list_query(
        INVALID,
        req,
        "QueueSummaryList",
        items,
        1000,
        100,
        &format!("queues:{}:{}", inst.id, types.join(",")),
    )
}

fn queue_matches(q: &Queue, c: &Value) -> Result<bool, ApiError> {
    let field = |name: &str| match name {
        "name" => Some(q.name.clone()),
        "description" => Some(q.description.clone().unwrap_or_default()),
        "resourceID" | "resourceId" => Some(q.id.clone()),
        _ => None,
    };
    let queue_type = |c: &Value| match c.get("QueueTypeCondition").and_then(Value::as_str) {
        None => Ok(true),
        Some("STANDARD") => Ok(q.queue_type == "STANDARD"),
        Some(other) => Err(invalid_param(format!(
            "QueueTypeCondition must be STANDARD, got {other:?}"
        ))),
    };
    criteria_hold(c, true, &field, &queue_type)
}

pub(super) fn search_queues(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let iid = req_str(INVALID, &body, "InstanceId", 1, 100)?;
    let inst = instance(w, iid)?;
    let criteria = body.get("SearchCriteria").cloned().unwrap_or(json!({}));
    let mut found: Vec<&Queue> = Vec::new();
    for q in inst.queues.values() {
        if queue_matches(q, &criteria)? {
            found.push(q);
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = found.into_iter().map(queue_json).collect();
    search_answer(
        &body,
        "Queues",
        items,
        &format!("search-queues:{}:{criteria}", inst.id),
    )
}

pub(super) fn delete_queue(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let q = queue_ref(inst, req.param("QueueId"))?;
    let qid = q.id.clone();
    if let Some(rp) = inst.routing_profiles.values().find(|rp| {
        rp.default_outbound_queue_id == qid || rp.queues.iter().any(|x| x.queue_id == qid)
    }) {
        return Err(in_use(
            format!(
                "queue {qid} is used by routing profile {:?}; disassociate it first",
                rp.name
            ),
            "ROUTING_PROFILE",
            &rp.id,
        ));
    }
    if let Some(c) = inst
        .contacts
        .values()
        .find(|c| c.queue_id.as_deref() == Some(qid.as_str()) && c.state == "QUEUED")
    {
        return Err(in_use(
            format!("queue {qid} has a queued contact"),
            "CONTACT",
            &c.id,
        ));
    }
    let iid = inst.id.clone();
    instance_mut(w, &iid)?.queues.remove(&qid);
    Ok(Resp::empty())
}

pub(super) fn update_queue_outbound_caller_config(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let cfg = body
        .get("OutboundCallerConfig")
        .filter(|v| !v.is_null())
        .ok_or_else(|| invalid_param("OutboundCallerConfig is required"))?;
    let inst = instance(w, req.param("InstanceId"))?;
    let qid = queue_ref(inst, req.param("QueueId"))?.id.clone();
    let occ = outbound_config(w, inst, cfg)?;
    let iid = inst.id.clone();
    // the whole object is replaced: members left out are cleared (documented sandbox choice)
    if let Some(q) = instance_mut(w, &iid)?.queues.get_mut(&qid) {
        q.outbound_caller_config = occ;
    }
    Ok(Resp::empty())
}

pub(super) fn update_queue_hours_of_operation(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let hours = req_str(INVALID, &body, "HoursOfOperationId", 1, 500)?.to_string();
    let inst = instance(w, req.param("InstanceId"))?;
    let qid = queue_ref(inst, req.param("QueueId"))?.id.clone();
    let hours_id = last_segment(&hours).to_string();
    if !inst.hours.contains_key(&hours_id) {
        return Err(not_found(format!("hours of operation not found: {hours}")));
    }
    let iid = inst.id.clone();
    if let Some(q) = instance_mut(w, &iid)?.queues.get_mut(&qid) {
        q.hours_id = hours_id;
    }
    Ok(Resp::empty())
}

pub(super) fn update_queue_name(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let name = opt_str(INVALID, &body, "Name", 1, 127)?.map(str::to_string);
    let description = opt_str(INVALID, &body, "Description", 0, 250)?.map(str::to_string);
    let inst = instance(w, req.param("InstanceId"))?;
    let qid = queue_ref(inst, req.param("QueueId"))?.id.clone();
    if let Some(name) = &name
        && inst.queues.values().any(|q| &q.name == name && q.id != qid)
    {
        return Err(duplicate(format!(
            "a queue named {name:?} already exists in this instance"
        )));
    }
    let iid = inst.id.clone();
    if let Some(q) = instance_mut(w, &iid)?.queues.get_mut(&qid) {
        if let Some(name) = name {
            q.name = name;
        }
        if let Some(description) = description {
            q.description = Some(description);
        }
    }
    Ok(Resp::empty())
}
