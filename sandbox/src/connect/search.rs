//! Search criteria of the Connect Search* operations (`OrConditions`, `AndConditions`,
//! `StringCondition`) against one resource, and the paged answers of those operations.
use serde_json::{Value, json};

use super::*;
use crate::core::{ApiError, Resp};
use crate::input::page;

/// The `MaxResults` of a Search* request: 1 to 100, 100 when absent.
pub(crate) fn search_max(body: &Value) -> Result<usize, ApiError> {
    body_max_results(body, 100, 100)
}

/// One page of a Search* answer: `items` under `key` from `token`, with the approximate count
/// of all of them.
pub(crate) fn search_page(
    key: &str,
    items: Vec<Value>,
    token: Option<&str>,
    max: usize,
    scope: &str,
) -> Result<Resp, ApiError> {
    let total = items.len();
    let (items, next) = page(INVALID, items, token, max, scope)?;
    let mut out = json!({ key: items, "ApproximateTotalCount": total });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(Resp::ok(out))
}

/// The paged answer of a Search* operation that takes no `SearchFilter`: `items` under `key`,
/// with the approximate count.
pub(crate) fn search_answer(
    body: &Value,
    key: &str,
    items: Vec<Value>,
    scope: &str,
) -> Result<Resp, ApiError> {
    let max = search_max(body)?;
    if body
        .get("SearchFilter")
        .is_some_and(|f| !f.as_object().is_some_and(|o| o.is_empty()))
    {
        return Err(invalid_param(
            "SearchFilter (tag-based access control) is not emulated by the sandbox",
        ));
    }
    let token = body.get("NextToken").and_then(Value::as_str);
    search_page(key, items, token, max, scope)
}

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
