//! Lex V2 intents: CreateIntent, DescribeIntent, UpdateIntent, DeleteIntent, ListIntents.
use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, check_len, ok};
use crate::lex::{epoch, unused_short_id};

fn intent_json(bot_id: &str, version: &str, locale: &str, i: &Intent) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("intentId".into(), json!(i.id));
    m.insert("intentName".into(), json!(i.name));
    for (k, v) in &i.fields {
        m.insert(k.clone(), v.clone());
    }
    m.insert("botId".into(), json!(bot_id));
    m.insert("botVersion".into(), json!(version));
    m.insert("localeId".into(), json!(locale));
    m.insert("creationDateTime".into(), epoch(i.created));
    m
}

fn intent_input(b: &Body) -> Result<(String, Map<String, Value>), ApiError> {
    let name = b.req_str("intentName")?;
    check_v2_name("intentName", &name)?;
    check_description(&b.opt_str("description")?)?;
    if let Some(utts) = b.opt_arr("sampleUtterances")? {
        if utts.len() > 1500 {
            return Err(INVALID.err("an intent has at most 1500 sample utterances"));
        }
        for u in utts {
            let text = u
                .get("utterance")
                .and_then(Value::as_str)
                .ok_or_else(|| INVALID.err("each sample utterance needs an utterance string"))?;
            check_len(INVALID, "utterance", text, 1, 500)?;
        }
    }
    if let Some(sig) = b.opt_str("parentIntentSignature")?
        && !sig.starts_with("AMAZON.")
    {
        return Err(INVALID.err(format!(
            "parentIntentSignature {sig} is not a built-in intent"
        )));
    }
    Ok((name, b.pick(INTENT_FIELDS)))
}

pub(super) fn create_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    check_draft(r.param("botVersion"))?;
    let (name, fields) = intent_input(&body)?;
    if parent_signature(&fields) == Some(FALLBACK_SIGNATURE) {
        return Err(
            INVALID.err("a locale has exactly one fallback intent, created with the locale")
        );
    }
    let b = bot_mut(st, r.param("botId"))?;
    let bot_id = b.id.clone();
    let lid = r.param("localeId").to_string();
    let l = draft_locale(b, &lid)?;
    if l.intents.values().any(|i| i.name == name) {
        return Err(conflict(format!(
            "an intent named {name} already exists in locale {lid}"
        )));
    }
    touch_locale(l, now)?;
    let id = unused_short_id(&l.intents);
    let intent = Intent {
        id: id.clone(),
        name,
        fields,
        created: now,
        updated: now,
    };
    let out = intent_json(&bot_id, "DRAFT", &lid, &intent);
    l.intents.insert(id, intent);
    Ok(ok(Value::Object(out)))
}

pub(super) fn describe_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let lid = r.param("localeId");
    let l = version_locale(b, version, lid, Access::Read)?;
    let iid = r.param("intentId");
    let i = l
        .intents
        .get(iid)
        .ok_or_else(|| not_found(format!("intent {iid} does not exist in locale {lid}")))?;
    let mut out = intent_json(&b.id, version, lid, i);
    out.insert("lastUpdatedDateTime".into(), epoch(i.updated));
    Ok(ok(Value::Object(out)))
}

pub(super) fn update_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    check_draft(r.param("botVersion"))?;
    let (name, fields) = intent_input(&body)?;
    let b = bot_mut(st, r.param("botId"))?;
    let bot_id = b.id.clone();
    let lid = r.param("localeId").to_string();
    let l = draft_locale(b, &lid)?;
    let iid = r.param("intentId");
    let Some(current) = l.intents.get(iid) else {
        return Err(precondition(format!(
            "intent {iid} does not exist in locale {lid}"
        )));
    };
    if iid == FALLBACK_ID && name != current.name {
        return Err(INVALID.err("the fallback intent cannot be renamed"));
    }
    if l.intents.values().any(|i| i.id != iid && i.name == name) {
        return Err(conflict(format!(
            "an intent named {name} already exists in locale {lid}"
        )));
    }
    touch_locale(l, now)?;
    let i = l
        .intents
        .get_mut(iid)
        .ok_or_else(|| precondition("intent vanished"))?;
    i.name = name;
    i.fields = fields;
    if iid == FALLBACK_ID {
        i.fields
            .insert("parentIntentSignature".into(), json!(FALLBACK_SIGNATURE));
    }
    i.updated = now;
    let mut out = intent_json(&bot_id, "DRAFT", &lid, i);
    out.insert("lastUpdatedDateTime".into(), epoch(i.updated));
    Ok(ok(Value::Object(out)))
}

pub(super) fn delete_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    check_draft(r.param("botVersion"))?;
    let b = bot_mut(st, r.param("botId"))?;
    let lid = r.param("localeId").to_string();
    let l = draft_locale(b, &lid)?;
    let iid = r.param("intentId");
    if !l.intents.contains_key(iid) {
        return Err(precondition(format!(
            "intent {iid} does not exist in locale {lid}"
        )));
    }
    if iid == FALLBACK_ID {
        return Err(INVALID.err("the fallback intent cannot be deleted"));
    }
    touch_locale(l, now)?;
    l.intents.remove(iid);
    Ok(Resp::empty().with_status(204))
}

pub(super) fn list_intents(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let filters = body.opt_arr("filters")?;
    let sort = sort_of(&body, &["IntentName", "LastUpdatedDateTime"])?;
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let lid = r.param("localeId");
    let l = version_locale(b, version, lid, Access::Read)?;
    let mut items: Vec<&Intent> = Vec::new();
    for i in l.intents.values() {
        if filter_matches(filters, &[("IntentName", &["CO", "EQ"])], |_| {
            i.name.clone()
        })? {
            items.push(i);
        }
    }
    match &sort {
        Some((a, _)) if a == "LastUpdatedDateTime" => {
            items.sort_by_key(|i| (i.updated, i.name.clone()))
        }
        _ => items.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    if sort.is_some_and(|(_, d)| d) {
        items.reverse();
    }
    let summaries: Vec<Value> = items
        .into_iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("intentId".into(), json!(i.id));
            m.insert("intentName".into(), json!(i.name));
            for k in [
                "intentDisplayName",
                "description",
                "parentIntentSignature",
                "inputContexts",
                "outputContexts",
            ] {
                insert_opt(&mut m, k, i.fields.get(k).cloned());
            }
            m.insert("lastUpdatedDateTime".into(), epoch(i.updated));
            Value::Object(m)
        })
        .collect();
    let (page, next) = list_page(&body, summaries, max)?;
    Ok(ok(json!({
        "botId": b.id, "botVersion": version, "localeId": lid, "intentSummaries": page, "nextToken": next,
    })))
}
