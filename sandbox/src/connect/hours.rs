//! Hours of operation: ListHoursOfOperations, DescribeHoursOfOperation, UpdateHoursOfOperation.
use serde_json::{Value, json};

use super::{
    Hours, INVALID, duplicate, instance, instance_mut, invalid_param, last_segment, not_found,
    tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, opt_str};

pub(super) fn update_hours_of_operation(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let name = opt_str(INVALID, &body, "Name", 1, 127)?.map(str::to_string);
    let description = opt_str(INVALID, &body, "Description", 1, 250)?.map(str::to_string);
    let time_zone = opt_str(INVALID, &body, "TimeZone", 1, 100)?.map(str::to_string);
    let config = match body.get("Config") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Array(entries)) if entries.len() <= 100 => Some(v.clone()),
        Some(_) => {
            return Err(invalid_param(
                "Config must be a list of at most 100 entries",
            ));
        }
    };
    let inst = instance(w, req.param("InstanceId"))?;
    let hid = req.param("HoursOfOperationId").to_string();
    if !inst.hours.contains_key(&hid) {
        return Err(not_found(format!("hours of operation not found: {hid}")));
    }
    if let Some(name) = &name
        && inst.hours.values().any(|h| &h.name == name && h.id != hid)
    {
        return Err(duplicate(format!(
            "hours of operation named {name:?} already exist in this instance"
        )));
    }
    let iid = inst.id.clone();
    if let Some(h) = instance_mut(w, &iid)?.hours.get_mut(&hid) {
        if let Some(name) = name {
            h.name = name;
        }
        if let Some(description) = description {
            h.description = Some(description);
        }
        if let Some(time_zone) = time_zone {
            h.time_zone = time_zone;
        }
        if let Some(config) = config {
            h.config = config;
        }
    }
    Ok(Resp::empty())
}

fn hours_json(h: &Hours) -> Value {
    let mut v = json!({
        "HoursOfOperationId": h.id, "HoursOfOperationArn": h.arn, "Name": h.name, "TimeZone": h.time_zone,
        "Config": h.config, "Tags": tags_json(&h.tags),
    });
    if let Some(d) = &h.description {
        v["Description"] = json!(d);
    }
    v
}

pub(super) fn list_hours_of_operations(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let mut hs: Vec<&Hours> = inst.hours.values().collect();
    hs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = hs
        .iter()
        .map(|h| json!({"Id": h.id, "Arn": h.arn, "Name": h.name}))
        .collect();
    list_query(
        INVALID,
        req,
        "HoursOfOperationSummaryList",
        items,
        1000,
        100,
        &format!("hours:{}", inst.id),
    )
}

pub(super) fn describe_hours_of_operation(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let id = req.param("HoursOfOperationId");
    let h = inst
        .hours
        .get(last_segment(id))
        .ok_or_else(|| not_found(format!("hours of operation not found: {id}")))?;
    Ok(Resp::ok(json!({ "HoursOfOperation": hours_json(h) })))
}
