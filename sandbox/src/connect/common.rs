//! What the Connect operations share: their errors, instance lookup by id or ARN, tags,
//! timestamps and ARNs.
use serde_json::{Value, json};

use super::*;
use crate::core::{ApiError, World};
use crate::input::{Invalid, check_len, max_results_text};

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

/// The `MaxResults` member of a JSON request body, read as written against `1..=max`, with a
/// default.
pub(crate) fn body_max_results(
    body: &Value,
    max: usize,
    default: usize,
) -> Result<usize, ApiError> {
    max_results_text(
        INVALID,
        body.get("MaxResults").map(|v| v.to_string()).as_deref(),
        max,
        default,
    )
}

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
