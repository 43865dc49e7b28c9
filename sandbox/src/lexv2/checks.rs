//! What the Lex V2 operations share: their errors, bot lookups (with the answer a deleted or
//! deleting bot gets), id, version, name and description checks, list filters and sorting.
use std::collections::BTreeMap;
use std::fmt::Display;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::*;
use crate::core::{ApiError, World};
use crate::input::{Body, check_len, max_results, paginate};
use crate::lex::is_v2_name;

pub(super) fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", msg)
}

pub(super) fn precondition(msg: impl Into<String>) -> ApiError {
    ApiError::new(412, "PreconditionFailedException", msg)
}

pub(super) fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", msg)
}

/// Prepares a handler: settles time-driven state and returns it with the current time.
pub(super) fn enter(w: &mut World) -> (&mut State, OffsetDateTime) {
    let now = w.now();
    let build = w.config.lex_build_duration;
    w.lexv2.settle(now, build);
    (&mut w.lexv2, now)
}

/// Whether an operation reads or changes: unknown resources are ResourceNotFoundException for
/// reads (the only operations that model it) and PreconditionFailedException for changes.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Access {
    Read,
    Write,
}

fn missing(access: Access, msg: String) -> ApiError {
    match access {
        Access::Read => not_found(msg),
        Access::Write => precondition(msg),
    }
}

fn check_id(what: &str, id: &str) -> Result<(), ApiError> {
    if id.len() != 10 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(INVALID.err(format!("{what} must be 10 alphanumeric characters")));
    }
    Ok(())
}

pub(super) fn bot<'a>(st: &'a State, id: &str, access: Access) -> Result<&'a Bot, ApiError> {
    check_id("botId", id)?;
    st.bots
        .get(id)
        .ok_or_else(|| missing(access, format!("bot {id} does not exist")))
}

/// A bot that may be changed: it exists and is not being deleted.
pub(super) fn bot_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Bot, ApiError> {
    check_id("botId", id)?;
    let b = st
        .bots
        .get_mut(id)
        .ok_or_else(|| precondition(format!("bot {id} does not exist")))?;
    if b.deleting_since.is_some() {
        return Err(conflict(format!("bot {id} is being deleted")));
    }
    Ok(b)
}

pub(super) fn check_draft(version: &str) -> Result<(), ApiError> {
    if version != "DRAFT" {
        return Err(INVALID.err(format!(
            "botVersion must be DRAFT for this operation, got {version}"
        )));
    }
    Ok(())
}

fn check_bot_version(version: &str) -> Result<(), ApiError> {
    if version == "DRAFT" || is_number(version) {
        Ok(())
    } else {
        Err(INVALID.err(format!(
            "botVersion must be DRAFT or a version number, got {version}"
        )))
    }
}

pub(super) fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit())
}

/// The locales of `version` (DRAFT or a number) of a bot.
pub(super) fn version_locales<'a>(
    b: &'a Bot,
    version: &str,
    access: Access,
) -> Result<&'a BTreeMap<String, Locale>, ApiError> {
    check_bot_version(version)?;
    if version == "DRAFT" {
        return Ok(&b.draft);
    }
    let n: u32 = version
        .parse()
        .map_err(|_| INVALID.err("botVersion is not a number"))?;
    b.versions.get(&n).map(|v| &v.locales).ok_or_else(|| {
        missing(
            access,
            format!("version {version} of bot {} does not exist", b.id),
        )
    })
}

/// Locale `lid` of `version` (DRAFT or a number) of a bot.
pub(super) fn version_locale<'a>(
    b: &'a Bot,
    version: &str,
    lid: &str,
    access: Access,
) -> Result<&'a Locale, ApiError> {
    version_locales(b, version, access)?
        .get(lid)
        .ok_or_else(|| {
            missing(
                access,
                format!(
                    "locale {lid} does not exist in version {version} of bot {}",
                    b.id
                ),
            )
        })
}

pub(super) fn locale_name(id: &str) -> Option<&'static str> {
    LOCALES.iter().find(|(l, _)| *l == id).map(|(_, n)| *n)
}

pub(super) fn check_description(d: &Option<String>) -> Result<(), ApiError> {
    if let Some(d) = d {
        check_len(INVALID, "description", d, 0, 2000)?;
    }
    Ok(())
}

pub(super) fn check_v2_name(what: &str, name: &str) -> Result<(), ApiError> {
    check_len(INVALID, what, name, 1, 100)?;
    if !is_v2_name(name) {
        return Err(INVALID.err(format!(
            "{what} {name:?} must match ^([0-9a-zA-Z][_-]?){{1,100}}$"
        )));
    }
    Ok(())
}

/// A required number member `what`, read as `v`, that must lie in `min..=max`.
pub(super) fn required_within<T: PartialOrd + Display + Copy>(
    what: &str,
    v: Option<T>,
    min: T,
    max: T,
) -> Result<T, ApiError> {
    let v = v.ok_or_else(|| INVALID.err(format!("{what} is required")))?;
    if !(min..=max).contains(&v) {
        return Err(INVALID.err(format!("{what} must be between {min} and {max}, got {v}")));
    }
    Ok(v)
}

pub(super) fn max_of(b: &Body, default: usize) -> Result<usize, ApiError> {
    max_results(INVALID, b.opt_i64("maxResults")?, 1000, default)
}

/// One page of a ListX answer: `items` cut at `max` from the request's `nextToken`.
pub(super) fn list_page(
    body: &Body,
    items: Vec<Value>,
    max: usize,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    paginate(INVALID, items, max, body.opt_str("nextToken")?.as_deref())
}

/// Applies ListX `filters` (`name`, `values`, `operator` in CO/EQ/NE) to a string attribute.
pub(super) fn filter_matches(
    filters: Option<&Vec<Value>>,
    allowed: &[(&str, &[&str])],
    attr: impl Fn(&str) -> String,
) -> Result<bool, ApiError> {
    let Some(filters) = filters else {
        return Ok(true);
    };
    for f in filters {
        let name = f
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| INVALID.err("filter name is required"))?;
        let op = f
            .get("operator")
            .and_then(Value::as_str)
            .ok_or_else(|| INVALID.err("filter operator is required"))?;
        let values: Vec<&str> = f
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| INVALID.err("filter values are required"))?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let Some((_, ops)) = allowed.iter().find(|(n, _)| *n == name) else {
            return Err(INVALID.err(format!("unknown filter name {name}")));
        };
        if !ops.contains(&op) {
            return Err(INVALID.err(format!("operator {op} is not valid for filter {name}")));
        }
        if values.len() != 1 {
            return Err(INVALID.err("a filter takes exactly one value"));
        }
        let have = attr(name);
        let want = values[0];
        let ok = match op {
            "EQ" => have == want,
            "NE" => have != want,
            _ => have.to_lowercase().contains(&want.to_lowercase()),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Reads `sortBy` (`attribute`, `order`): returns (attribute, descending).
pub(super) fn sort_of(b: &Body, allowed: &[&str]) -> Result<Option<(String, bool)>, ApiError> {
    let Some(s) = b.opt_obj("sortBy")? else {
        return Ok(None);
    };
    let attr = s
        .get("attribute")
        .and_then(Value::as_str)
        .ok_or_else(|| INVALID.err("sortBy.attribute is required"))?;
    if !allowed.contains(&attr) {
        return Err(INVALID.err(format!("sortBy.attribute {attr} is not valid")));
    }
    let desc = match s.get("order").and_then(Value::as_str) {
        Some("Ascending") => false,
        Some("Descending") => true,
        _ => return Err(INVALID.err("sortBy.order must be Ascending or Descending")),
    };
    Ok(Some((attr.to_string(), desc)))
}

pub(super) fn insert_opt(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v);
    }
}
