//! Routing profiles: Create/Describe/List/Search/Delete, and their queue associations
//! (Associate/Disassociate/ListRoutingProfileQueues).
use serde_json::{Value, json};

use super::queues::queue_ref;
use super::{
    INVALID, Instance, RoutingProfile, RpQueue, criteria_hold, duplicate, instance, instance_mut,
    invalid_param, last_segment, not_found, parse_tags, search_answer, sub_arn, tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, req_str};

const CHANNELS: &[&str] = &["VOICE", "CHAT", "TASK", "EMAIL"];

pub(super) fn search_routing_profiles(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let iid = req_str(INVALID, &body, "InstanceId", 1, 100)?;
    let inst = instance(w, iid)?;
    let criteria = body.get("SearchCriteria").cloned().unwrap_or(json!({}));
    let mut found: Vec<&RoutingProfile> = Vec::new();
    for rp in inst.routing_profiles.values() {
        let field = |name: &str| match name {
            "name" => Some(rp.name.clone()),
            "description" => Some(rp.description.clone()),
            "resourceID" | "resourceId" => Some(rp.id.clone()),
            _ => None,
        };
        if criteria_hold(&criteria, true, &field, &|_| Ok(true))? {
            found.push(rp);
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = found.into_iter().map(|rp| rp_json(inst, rp)).collect();
    search_answer(
        &body,
        "RoutingProfiles",
        items,
        &format!("search-rps:{}:{criteria}", inst.id),
    )
}

fn queue_configs(
    inst: &Instance,
    v: Option<&Value>,
    required: bool,
) -> Result<Vec<RpQueue>, ApiError> {
    let list = match v {
        None | Some(Value::Null) if !required => return Ok(Vec::new()),
        None | Some(Value::Null) => return Err(invalid_param("QueueConfigs is required")),
        Some(v) => v
            .as_array()
            .ok_or_else(|| invalid_param("QueueConfigs must be a list"))?,
    };
    if list.len() > 10 || (required && list.is_empty()) {
        return Err(invalid_param(format!(
            "QueueConfigs must have 1-10 entries per call, got {}",
            list.len()
        )));
    }
    let mut out: Vec<RpQueue> = Vec::new();
    for c in list {
        let r = c
            .get("QueueReference")
            .ok_or_else(|| invalid_param("QueueReference is required"))?;
        let (qid, channel) = queue_reference(inst, r)?;
        let priority = c
            .get("Priority")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid_param("Priority is required"))?;
        let delay = c
            .get("Delay")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid_param("Delay is required"))?;
        if !(1..=99).contains(&priority) {
            return Err(invalid_param("Priority must be 1-99"));
        }
        if !(0..=9999).contains(&delay) {
            return Err(invalid_param("Delay must be 0-9999"));
        }
        if out
            .iter()
            .any(|x| x.queue_id == qid && x.channel == channel)
        {
            return Err(invalid_param(format!(
                "queue {qid} on {channel} is listed twice"
            )));
        }
        out.push(RpQueue {
            queue_id: qid,
            channel,
            priority,
            delay,
        });
    }
    Ok(out)
}

fn queue_reference(inst: &Instance, r: &Value) -> Result<(String, String), ApiError> {
    let q = req_str(INVALID, r, "QueueId", 1, 500)?;
    let channel = req_str(INVALID, r, "Channel", 1, 16)?;
    if !CHANNELS.contains(&channel) {
        return Err(invalid_param(format!(
            "Channel must be one of {}",
            CHANNELS.join(", ")
        )));
    }
    Ok((queue_ref(inst, q)?.id.clone(), channel.to_string()))
}

fn media_concurrencies(v: Option<&Value>) -> Result<Value, ApiError> {
    let list = v
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_param("MediaConcurrencies is required"))?;
    if list.is_empty() {
        return Err(invalid_param("MediaConcurrencies must not be empty"));
    }
    let mut seen = Vec::new();
    for m in list {
        let ch = req_str(INVALID, m, "Channel", 1, 16)?;
        if !CHANNELS.contains(&ch) {
            return Err(invalid_param(format!(
                "Channel must be one of {}",
                CHANNELS.join(", ")
            )));
        }
        if seen.contains(&ch) {
            return Err(invalid_param(format!(
                "channel {ch} is listed twice in MediaConcurrencies"
            )));
        }
        seen.push(ch);
        let c = m
            .get("Concurrency")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid_param("Concurrency is required"))?;
        let ok = if ch == "VOICE" {
            c == 1
        } else {
            (1..=10).contains(&c)
        };
        if !ok {
            return Err(invalid_param(format!(
                "Concurrency {c} is not allowed for {ch} (VOICE must be 1, others 1-10)"
            )));
        }
    }
    Ok(Value::Array(list.clone()))
}

fn rp_json(inst: &Instance, rp: &RoutingProfile) -> Value {
    let mut ids: Vec<&str> = rp.queues.iter().map(|q| q.queue_id.as_str()).collect();
    ids.dedup();
    json!({
        "InstanceId": inst.id, "Name": rp.name, "RoutingProfileArn": rp.arn, "RoutingProfileId": rp.id,
        "Description": rp.description, "MediaConcurrencies": rp.media_concurrencies,
        "DefaultOutboundQueueId": rp.default_outbound_queue_id, "Tags": tags_json(&rp.tags),
        "NumberOfAssociatedQueues": rp.queues.len(), "NumberOfAssociatedUsers": 0, "AssociatedQueueIds": ids,
    })
}

fn rp_ref<'a>(inst: &'a Instance, id: &str) -> Result<&'a RoutingProfile, ApiError> {
    inst.routing_profiles
        .get(last_segment(id))
        .ok_or_else(|| not_found(format!("routing profile not found: {id}")))
}

pub(super) fn create_routing_profile(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let name = req_str(INVALID, &body, "Name", 1, 127)?.to_string();
    let description = req_str(INVALID, &body, "Description", 1, 250)?.to_string();
    let default_q = req_str(INVALID, &body, "DefaultOutboundQueueId", 1, 500)?.to_string();
    let media = media_concurrencies(body.get("MediaConcurrencies"))?;
    let tags = parse_tags(body.get("Tags"))?;
    let inst = instance(w, req.param("InstanceId"))?;
    if inst.routing_profiles.values().any(|r| r.name == name) {
        return Err(duplicate(format!(
            "a routing profile named {name:?} already exists in this instance"
        )));
    }
    let default_q = queue_ref(inst, &default_q)?.id.clone();
    let queues = queue_configs(inst, body.get("QueueConfigs"), false)?;
    let iid = inst.id.clone();
    let id = w.next_id();
    let arn = sub_arn(w, &iid, "routing-profile", &id);
    let rp = RoutingProfile {
        id: id.clone(),
        arn: arn.clone(),
        name,
        description,
        default_outbound_queue_id: default_q,
        media_concurrencies: media,
        queues,
        tags,
    };
    instance_mut(w, &iid)?
        .routing_profiles
        .insert(id.clone(), rp);
    Ok(Resp::ok(
        json!({ "RoutingProfileArn": arn, "RoutingProfileId": id }),
    ))
}

pub(super) fn describe_routing_profile(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let rp = rp_ref(inst, req.param("RoutingProfileId"))?;
    Ok(Resp::ok(json!({ "RoutingProfile": rp_json(inst, rp) })))
}

pub(super) fn list_routing_profiles(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let mut rps: Vec<&RoutingProfile> = inst.routing_profiles.values().collect();
    rps.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = rps
        .iter()
        .map(|r| json!({"Id": r.id, "Arn": r.arn, "Name": r.name}))
        .collect();
    list_query(
        INVALID,
        req,
        "RoutingProfileSummaryList",
        items,
        1000,
        100,
        &format!("rps:{}", inst.id),
    )
}

pub(super) fn delete_routing_profile(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let id = rp_ref(inst, req.param("RoutingProfileId"))?.id.clone();
    let iid = inst.id.clone();
    instance_mut(w, &iid)?.routing_profiles.remove(&id);
    Ok(Resp::empty())
}

pub(super) fn associate_routing_profile_queues(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let inst = instance(w, req.param("InstanceId"))?;
    let rp = rp_ref(inst, req.param("RoutingProfileId"))?;
    let add = queue_configs(inst, body.get("QueueConfigs"), true)?;
    if let Some(x) = add.iter().find(|a| {
        rp.queues
            .iter()
            .any(|q| q.queue_id == a.queue_id && q.channel == a.channel)
    }) {
        // the operation models no ResourceConflictException
        return Err(invalid_param(format!(
            "queue {} on {} is already associated with this routing profile",
            x.queue_id, x.channel
        )));
    }
    if rp.queues.len() + add.len() > 50 {
        return Err(ApiError::new(
            429,
            "LimitExceededException",
            "a routing profile can have at most 50 queue-channel pairs",
        ));
    }
    let (iid, rid) = (inst.id.clone(), rp.id.clone());
    if let Some(rp) = instance_mut(w, &iid)?.routing_profiles.get_mut(&rid) {
        rp.queues.extend(add);
    }
    Ok(Resp::empty())
}

pub(super) fn disassociate_routing_profile_queues(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let inst = instance(w, req.param("InstanceId"))?;
    let rp = rp_ref(inst, req.param("RoutingProfileId"))?;
    let refs = body
        .get("QueueReferences")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_param("QueueReferences is required"))?;
    if refs.is_empty() || refs.len() > 10 {
        return Err(invalid_param(format!(
            "QueueReferences must have 1-10 entries per call, got {}",
            refs.len()
        )));
    }
    let mut remove = Vec::new();
    for r in refs {
        let (qid, ch) = queue_reference(inst, r)?;
        if !rp
            .queues
            .iter()
            .any(|q| q.queue_id == qid && q.channel == ch)
        {
            return Err(not_found(format!(
                "queue {qid} on {ch} is not associated with this routing profile"
            )));
        }
        remove.push((qid, ch));
    }
    let (iid, rid) = (inst.id.clone(), rp.id.clone());
    if let Some(rp) = instance_mut(w, &iid)?.routing_profiles.get_mut(&rid) {
        rp.queues.retain(|q| {
            !remove
                .iter()
                .any(|(id, ch)| *id == q.queue_id && *ch == q.channel)
        });
    }
    Ok(Resp::empty())
}

pub(super) fn list_routing_profile_queues(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let rp = rp_ref(inst, req.param("RoutingProfileId"))?;
    let items = rp
        .queues
        .iter()
        .map(|q| {
            let (arn, name) = inst.queues.get(&q.queue_id).map(|x| (x.arn.clone(), x.name.clone())).unwrap_or_default();
            json!({"QueueId": q.queue_id, "QueueArn": arn, "QueueName": name, "Priority": q.priority, "Delay": q.delay, "Channel": q.channel})
        })
        .collect();
    list_query(
        INVALID,
        req,
        "RoutingProfileQueueConfigSummaryList",
        items,
        100,
        100,
        &format!("rpq:{}:{}", inst.id, rp.id),
    )
}
