//! Lex V2 bot locales: CreateBotLocale, DescribeBotLocale, UpdateBotLocale, DeleteBotLocale,
//! ListBotLocales, and BuildBotLocale with the checks a build runs.
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, ok};
use crate::lex::epoch;

/// The members a locale's description and its ListBotLocales summary share.
fn locale_common(l: &Locale) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("localeId".into(), json!(l.id));
    m.insert("localeName".into(), json!(locale_name(&l.id).unwrap_or("")));
    insert_opt(
        &mut m,
        "description",
        l.description.clone().map(Value::from),
    );
    m.insert(
        "botLocaleStatus".into(),
        json!(locale_status_name(&l.status)),
    );
    m
}

fn locale_json(bot_id: &str, version: &str, l: &Locale) -> Map<String, Value> {
    let mut m = locale_common(l);
    m.insert("botId".into(), json!(bot_id));
    m.insert("botVersion".into(), json!(version));
    m.insert("nluIntentConfidenceThreshold".into(), json!(l.threshold));
    for (k, v) in &l.settings {
        m.insert(k.clone(), v.clone());
    }
    m.insert("creationDateTime".into(), epoch(l.created));
    m
}

/// Description, confidence threshold and pass-through settings of a locale request.
type LocaleInput = (Option<String>, f64, Map<String, Value>);

fn locale_input(b: &Body) -> Result<LocaleInput, ApiError> {
    let description = b.opt_str("description")?;
    check_description(&description)?;
    let threshold = required_within(
        "nluIntentConfidenceThreshold",
        b.opt_f64("nluIntentConfidenceThreshold")?,
        0.0,
        1.0,
    )?;
    if let Some(v) = b.opt_obj("voiceSettings")?
        && !v.get("voiceId").is_some_and(Value::is_string)
    {
        return Err(INVALID.err("voiceSettings.voiceId is required"));
    }
    Ok((description, threshold, b.pick(LOCALE_SETTINGS)))
}

fn fallback_intent(now: OffsetDateTime) -> Intent {
    let mut fields = Map::new();
    fields.insert(
        "description".into(),
        json!("Default intent when no other intent matches"),
    );
    fields.insert("parentIntentSignature".into(), json!(FALLBACK_SIGNATURE));
    Intent {
        id: FALLBACK_ID.into(),
        name: "FallbackIntent".into(),
        fields,
        created: now,
        updated: now,
    }
}

pub(super) fn create_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    check_draft(r.param("botVersion"))?;
    let locale_id = body.req_str("localeId")?;
    if locale_name(&locale_id).is_none() {
        return Err(INVALID.err(format!("localeId {locale_id} is not a supported locale")));
    }
    let (description, threshold, settings) = locale_input(&body)?;
    let b = bot_mut(st, r.param("botId"))?;
    if b.draft.contains_key(&locale_id) {
        return Err(conflict(format!(
            "locale {locale_id} already exists in bot {}",
            b.id
        )));
    }
    let mut intents = BTreeMap::new();
    intents.insert(FALLBACK_ID.to_string(), fallback_intent(now));
    let loc = Locale {
        id: locale_id.clone(),
        description,
        threshold,
        settings,
        created: now,
        updated: now,
        status: LocaleStatus::NotBuilt,
        last_build: None,
        history: Vec::new(),
        intents,
    };
    let mut out = locale_json(&b.id, "DRAFT", &loc);
    out.insert("botLocaleStatus".into(), json!("Creating"));
    b.draft.insert(locale_id, loc);
    b.updated = now;
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn describe_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let l = version_locale(b, version, r.param("localeId"), Access::Read)?;
    let mut out = locale_json(&b.id, version, l);
    out.insert("intentsCount".into(), json!(l.intents.len()));
    out.insert("slotTypesCount".into(), json!(0));
    if let LocaleStatus::Failed(reasons) = &l.status {
        out.insert("failureReasons".into(), json!(reasons));
    }
    out.insert("lastUpdatedDateTime".into(), epoch(l.updated));
    insert_opt(
        &mut out,
        "lastBuildSubmittedDateTime",
        l.last_build.map(epoch),
    );
    let history: Vec<Value> = l
        .history
        .iter()
        .map(|(e, t)| json!({ "event": e, "eventDate": epoch(*t) }))
        .collect();
    out.insert("botLocaleHistoryEvents".into(), json!(history));
    Ok(ok(Value::Object(out)))
}

/// Marks a locale's content as changed: a built or failed locale goes back to NotBuilt; a locale
/// that is building refuses the change.
pub(super) fn touch_locale(l: &mut Locale, now: OffsetDateTime) -> Result<(), ApiError> {
    if matches!(l.status, LocaleStatus::Building { .. }) {
        return Err(conflict(format!(
            "locale {} is building; retry when the build has finished",
            l.id
        )));
    }
    l.status = LocaleStatus::NotBuilt;
    l.updated = now;
    Ok(())
}

pub(super) fn draft_locale<'a>(b: &'a mut Bot, lid: &str) -> Result<&'a mut Locale, ApiError> {
    let id = b.id.clone();
    b.draft
        .get_mut(lid)
        .ok_or_else(|| precondition(format!("locale {lid} does not exist in bot {id}")))
}

pub(super) fn update_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    check_draft(r.param("botVersion"))?;
    let (description, threshold, settings) = locale_input(&body)?;
    let b = bot_mut(st, r.param("botId"))?;
    let bot_id = b.id.clone();
    let l = draft_locale(b, r.param("localeId"))?;
    touch_locale(l, now)?;
    l.description = description;
    l.threshold = threshold;
    l.settings = settings;
    let mut out = locale_json(&bot_id, "DRAFT", l);
    out.insert("lastUpdatedDateTime".into(), epoch(l.updated));
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn delete_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    check_draft(r.param("botVersion"))?;
    let b = bot_mut(st, r.param("botId"))?;
    let lid = r.param("localeId").to_string();
    let l = draft_locale(b, &lid)?;
    if matches!(l.status, LocaleStatus::Building { .. }) {
        return Err(conflict(format!("locale {lid} is building")));
    }
    b.draft.remove(&lid);
    b.updated = now;
    Ok(ok(json!({ "botId": b.id, "botVersion": "DRAFT", "localeId": lid, "botLocaleStatus": "Deleting" }))
        .with_status(202))
}

pub(super) fn list_bot_locales(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let filters = body.opt_arr("filters")?;
    let sort = sort_of(&body, &["BotLocaleName"])?;
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let locales = version_locales(b, version, Access::Read)?;
    let mut items: Vec<&Locale> = Vec::new();
    for l in locales.values() {
        if filter_matches(filters, &[("BotLocaleName", &["CO", "EQ"])], |_| {
            locale_name(&l.id).unwrap_or("").to_string()
        })? {
            items.push(l);
        }
    }
    items.sort_by_key(|l| locale_name(&l.id).unwrap_or(""));
    if sort.is_some_and(|(_, d)| d) {
        items.reverse();
    }
    let summaries: Vec<Value> = items
        .into_iter()
        .map(|l| {
            let mut m = locale_common(l);
            m.insert("lastUpdatedDateTime".into(), epoch(l.updated));
            insert_opt(
                &mut m,
                "lastBuildSubmittedDateTime",
                l.last_build.map(epoch),
            );
            Value::Object(m)
        })
        .collect();
    let (page, next) = list_page(&body, summaries, max)?;
    Ok(ok(
        json!({ "botId": b.id, "botVersion": version, "botLocaleSummaries": page, "nextToken": next }),
    ))
}

/// Why a locale cannot build (empty when it can): it needs an intent besides the fallback, and
/// every intent that is not built-in needs at least one sample utterance.
fn build_failures(l: &Locale) -> Vec<String> {
    let mut reasons = Vec::new();
    let custom: Vec<&Intent> = l.intents.values().filter(|i| !i.is_fallback()).collect();
    if custom.is_empty() {
        reasons.push(format!(
            "Failed to build the bot locale {}: it must contain at least one intent other than the fallback intent",
            l.id
        ));
    }
    for i in custom {
        let builtin = parent_signature(&i.fields).is_some();
        let utterances = i
            .fields
            .get("sampleUtterances")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if !builtin && utterances == 0 {
            reasons.push(format!(
                "Intent {} must have at least one sample utterance",
                i.name
            ));
        }
    }
    reasons
}

pub(super) fn build_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let build = w.config.lex_build_duration;
    let (st, now) = enter(w);
    check_draft(r.param("botVersion"))?;
    let b = bot_mut(st, r.param("botId"))?;
    let bot_id = b.id.clone();
    let l = draft_locale(b, r.param("localeId"))?;
    if matches!(l.status, LocaleStatus::Building { .. }) {
        return Err(conflict(format!("locale {} is already building", l.id)));
    }
    let failures = build_failures(l);
    l.status = LocaleStatus::Building {
        until: now + build,
        failures,
    };
    l.last_build = Some(now);
    l.history.push(("Build submitted".into(), now));
    Ok(ok(json!({
        "botId": bot_id,
        "botVersion": "DRAFT",
        "localeId": l.id,
        "botLocaleStatus": "Building",
        "lastBuildSubmittedDateTime": epoch(now),
    }))
    .with_status(202))
}
