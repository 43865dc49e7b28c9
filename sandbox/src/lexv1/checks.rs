//! What the Lex V1 operations share: their errors, name, checksum, message and description
//! checks, and the validation of bot, intent and slot type definitions (and what fails a build).
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;
use crate::core::{ApiError, World};
use crate::lex::is_v1_name;

pub(super) fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(404, "NotFoundException", msg)
}

pub(super) fn precondition(msg: impl Into<String>) -> ApiError {
    ApiError::new(412, "PreconditionFailedException", msg)
}

pub(super) fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", msg)
}

pub(super) fn in_use(reference_type: &str, name: &str, version: &str, msg: String) -> ApiError {
    ApiError::new(400, "ResourceInUseException", msg)
        .field("referenceType", json!(reference_type))
        .field(
            "exampleReference",
            json!({ "name": name, "version": version }),
        )
}

pub(super) fn enter(w: &mut World) -> (&mut State, OffsetDateTime, Duration) {
    let now = w.now();
    let build = w.config.lex_build_duration;
    w.lexv1.settle(now, build);
    (&mut w.lexv1, now, build)
}

/// Validates a bot, alias, intent or slot type name (`^([A-Za-z]_?)+$` and length bounds).
pub(super) fn check_name(what: &str, name: &str, min: usize, max: usize) -> Result<(), String> {
    let n = name.chars().count();
    if n < min || n > max {
        return Err(format!(
            "{what} {name:?} must be {min} to {max} characters long"
        ));
    }
    if !is_v1_name(name) {
        return Err(format!("{what} {name:?} must match ^([A-Za-z]_?)+$"));
    }
    Ok(())
}

pub(super) fn bad(msg: String) -> ApiError {
    INVALID.err(msg)
}

/// Checksum rules for `Put*`: none on create (else BadRequest), the current one on update
/// (missing or stale is PreconditionFailed).
pub(super) fn check_checksum(
    what: &str,
    current: Option<&str>,
    given: Option<&str>,
) -> Result<(), ApiError> {
    let given = given.filter(|g| !g.is_empty());
    match (current, given) {
        (None, Some(_)) => Err(bad(format!(
            "{what} does not exist yet; leave the checksum empty to create it"
        ))),
        (Some(_), None) => Err(precondition(format!(
            "{what} exists; the checksum of its $LATEST revision is required to update it"
        ))),
        (Some(c), Some(g)) if c != g => Err(precondition(format!(
            "the checksum does not match the $LATEST revision of {what}"
        ))),
        _ => Ok(()),
    }
}

pub(super) fn is_version_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_digit())
}

fn check_messages(what: &str, v: &Value, prompt: bool) -> Result<(), String> {
    let msgs = v
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{what}.messages is required"))?;
    if msgs.is_empty() || msgs.len() > 15 {
        return Err(format!("{what}.messages must have 1 to 15 messages"));
    }
    for m in msgs {
        let ct = m.get("contentType").and_then(Value::as_str).unwrap_or("");
        if !["PlainText", "SSML", "CustomPayload"].contains(&ct) {
            return Err(format!(
                "{what}: contentType must be PlainText, SSML or CustomPayload"
            ));
        }
        let content = m.get("content").and_then(Value::as_str).unwrap_or("");
        if content.is_empty() || content.chars().count() > 1000 {
            return Err(format!(
                "{what}: message content must be 1 to 1000 characters"
            ));
        }
    }
    if prompt {
        let n = v
            .get("maxAttempts")
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("{what}.maxAttempts is required"))?;
        if !(1..=5).contains(&n) {
            return Err(format!("{what}.maxAttempts must be between 1 and 5"));
        }
    }
    Ok(())
}

fn check_description(def: &Map<String, Value>) -> Result<(), String> {
    match def.get("description") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s.chars().count() <= 200 => Ok(()),
        Some(_) => Err("description must be a string of at most 200 characters".into()),
    }
}

/// Checks a bot definition against the intents that exist.
pub(super) fn validate_bot(st: &State, def: &Map<String, Value>) -> Result<(), String> {
    check_description(def)?;
    let locale = def
        .get("locale")
        .and_then(Value::as_str)
        .ok_or("locale is required")?;
    if !LOCALES.contains(&locale) {
        return Err(format!("locale {locale} is not supported"));
    }
    if !def.get("childDirected").is_some_and(Value::is_boolean) {
        return Err("childDirected is required and must be a boolean".into());
    }
    if let Some(ttl) = def.get("idleSessionTTLInSeconds") {
        let ttl = ttl
            .as_i64()
            .ok_or("idleSessionTTLInSeconds must be an integer")?;
        if !(60..=86400).contains(&ttl) {
            return Err(format!(
                "idleSessionTTLInSeconds must be between 60 and 86400, got {ttl}"
            ));
        }
    }
    if let Some(t) = def.get("nluIntentConfidenceThreshold") {
        let t = t
            .as_f64()
            .ok_or("nluIntentConfidenceThreshold must be a number")?;
        if !(0.0..=1.0).contains(&t) {
            return Err("nluIntentConfidenceThreshold must be between 0 and 1".into());
        }
    }
    if let Some(p) = def.get("clarificationPrompt") {
        check_messages("clarificationPrompt", p, true)?;
    }
    if let Some(s) = def.get("abortStatement") {
        check_messages("abortStatement", s, false)?;
    }
    if let Some(v) = def.get("voiceId")
        && !v.is_string()
    {
        return Err("voiceId must be a string".into());
    }
    let intents = match def.get("intents") {
        None => return Ok(()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("intents must be a list".into()),
    };
    if intents.len() > 250 {
        return Err("a bot has at most 250 intents".into());
    }
    let mut seen = Vec::new();
    for i in intents {
        let name = i
            .get("intentName")
            .and_then(Value::as_str)
            .ok_or("each intent needs an intentName")?;
        let version = i
            .get("intentVersion")
            .and_then(Value::as_str)
            .ok_or("each intent needs an intentVersion")?;
        check_name("intentName", name, 1, 100)?;
        if version != LATEST && !is_version_number(version) {
            return Err(format!(
                "intentVersion {version} must be $LATEST or a version number"
            ));
        }
        if seen.contains(&name) {
            return Err(format!("intent {name} is listed twice"));
        }
        seen.push(name);
        if State::def_at(&st.intents, name, version).is_none() {
            return Err(format!("intent {name} version {version} does not exist"));
        }
    }
    Ok(())
}

/// Checks an intent definition against the slot types that exist.
pub(super) fn validate_intent(st: &State, def: &Map<String, Value>) -> Result<(), String> {
    check_description(def)?;
    if let Some(u) = def.get("sampleUtterances") {
        let u = u.as_array().ok_or("sampleUtterances must be a list")?;
        if u.len() > 1500 {
            return Err("an intent has at most 1500 sample utterances".into());
        }
        for x in u {
            let s = x.as_str().ok_or("each sample utterance must be a string")?;
            if s.is_empty() || s.chars().count() > 200 {
                return Err(format!(
                    "sample utterance {s:?} must be 1 to 200 characters"
                ));
            }
        }
    }
    if let Some(f) = def.get("fulfillmentActivity") {
        match f.get("type").and_then(Value::as_str) {
            Some("ReturnIntent") => {}
            Some("CodeHook") => {
                if !f
                    .get("codeHook")
                    .and_then(|c| c.get("uri"))
                    .is_some_and(Value::is_string)
                {
                    return Err("fulfillmentActivity of type CodeHook needs codeHook.uri".into());
                }
            }
            _ => return Err("fulfillmentActivity.type must be ReturnIntent or CodeHook".into()),
        }
    }
    for (k, prompt) in [
        ("confirmationPrompt", true),
        ("rejectionStatement", false),
        ("conclusionStatement", false),
    ] {
        if let Some(v) = def.get(k) {
            check_messages(k, v, prompt)?;
        }
    }
    if def.contains_key("confirmationPrompt") != def.contains_key("rejectionStatement") {
        return Err("confirmationPrompt and rejectionStatement must be given together".into());
    }
    if let Some(slots) = def.get("slots") {
        let slots = slots.as_array().ok_or("slots must be a list")?;
        if slots.len() > 100 {
            return Err("an intent has at most 100 slots".into());
        }
        for s in slots {
            let name = s
                .get("name")
                .and_then(Value::as_str)
                .ok_or("each slot needs a name")?;
            let ok = !name.is_empty()
                && name.len() <= 100
                && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_' || c == '.');
            if !ok {
                return Err(format!(
                    "slot name {name:?} must match ^([A-Za-z](-|_|.)?)+$"
                ));
            }
            match s.get("slotConstraint").and_then(Value::as_str) {
                Some("Required" | "Optional") => {}
                _ => {
                    return Err(format!(
                        "slot {name}: slotConstraint must be Required or Optional"
                    ));
                }
            }
            if s.get("slotType").and_then(Value::as_str).is_none() {
                return Err(format!("slot {name} needs a slotType"));
            }
        }
    }
    for (t, v) in slot_type_refs(def) {
        if State::def_at(&st.slot_types, t, v).is_none() {
            return Err(format!("slot type {t} version {v} does not exist"));
        }
    }
    Ok(())
}

pub(super) fn validate_slot_type(def: &Map<String, Value>) -> Result<(), String> {
    check_description(def)?;
    let values = def.get("enumerationValues").and_then(Value::as_array);
    if values.is_none_or(Vec::is_empty) && def.get("parentSlotTypeSignature").is_none() {
        return Err("enumerationValues is required for a custom slot type".into());
    }
    for v in values.into_iter().flatten() {
        let s = v
            .get("value")
            .and_then(Value::as_str)
            .ok_or("each enumeration value needs a value")?;
        if s.is_empty() || s.chars().count() > 140 {
            return Err(format!(
                "enumeration value {s:?} must be 1 to 140 characters"
            ));
        }
    }
    match def.get("valueSelectionStrategy").and_then(Value::as_str) {
        None | Some("ORIGINAL_VALUE" | "TOP_RESOLUTION") => Ok(()),
        Some(s) => Err(format!(
            "valueSelectionStrategy {s} must be ORIGINAL_VALUE or TOP_RESOLUTION"
        )),
    }
}

/// Why a bot definition cannot build, if it cannot: it needs at least one intent, and every
/// intent that is not built-in needs sample utterances.
pub(super) fn build_failure(st: &State, def: &Map<String, Value>) -> Option<String> {
    let refs: Vec<(&str, &str)> = intent_refs(def).collect();
    if refs.is_empty() {
        return Some("the bot has no intents; add at least one intent before building".into());
    }
    let mut reasons = Vec::new();
    for (n, v) in refs {
        let Some(i) = State::def_at(&st.intents, n, v) else {
            reasons.push(format!("intent {n} version {v} does not exist"));
            continue;
        };
        let builtin = i.get("parentIntentSignature").is_some_and(Value::is_string);
        let utterances = i
            .get("sampleUtterances")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if !builtin && utterances == 0 {
            reasons.push(format!("intent {n} has no sample utterances"));
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

pub(super) fn with_def(def: &Map<String, Value>) -> Map<String, Value> {
    def.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
