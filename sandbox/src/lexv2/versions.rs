//! Lex V2 numbered bot versions: CreateBotVersion, DescribeBotVersion, ListBotVersions,
//! DeleteBotVersion.
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, ok};
use crate::lex::epoch;

pub(super) fn create_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let description = body.opt_str("description")?;
    check_description(&description)?;
    let spec = body
        .opt_obj("botVersionLocaleSpecification")?
        .ok_or_else(|| INVALID.err("botVersionLocaleSpecification is required"))?
        .clone();
    if spec.is_empty() {
        return Err(INVALID.err("botVersionLocaleSpecification must name at least one locale"));
    }
    let b = bot_mut(st, r.param("botId"))?;
    if b.versions.len() >= MAX_VERSIONS {
        return Err(ApiError::new(
            402,
            "ServiceQuotaExceededException",
            format!("bot {} already has {MAX_VERSIONS} versions", b.id),
        ));
    }
    let mut locales = BTreeMap::new();
    for (lid, details) in &spec {
        let source = details
            .get("sourceBotVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| INVALID.err(format!("sourceBotVersion is required for locale {lid}")))?;
        let l = version_locale(b, source, lid, Access::Write)?;
        if l.status != LocaleStatus::Built {
            return Err(precondition(format!(
                "locale {lid} of version {source} is {}; only a Built locale can be versioned",
                locale_status_name(&l.status)
            )));
        }
        locales.insert(lid.clone(), l.clone());
    }
    b.last_version += 1;
    let number = b.last_version;
    let v = BotVersion {
        number,
        description: description.clone(),
        bot_name: b.name.clone(),
        role_arn: b.role_arn.clone(),
        data_privacy: b.data_privacy.clone(),
        idle_ttl: b.idle_ttl,
        extra: b.extra.clone(),
        locales,
        created: now,
    };
    b.versions.insert(number, v);
    let mut out = Map::new();
    out.insert("botId".into(), json!(b.id));
    insert_opt(&mut out, "description", description.map(Value::from));
    out.insert("botVersion".into(), json!(number.to_string()));
    out.insert("botVersionLocaleSpecification".into(), Value::Object(spec));
    out.insert("botStatus".into(), json!("Creating"));
    out.insert("creationDateTime".into(), epoch(now));
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn numbered(version: &str) -> Result<u32, ApiError> {
    if !is_number(version) {
        return Err(INVALID.err(format!(
            "botVersion must be a version number, got {version}"
        )));
    }
    version
        .parse()
        .map_err(|_| INVALID.err("botVersion is not a number"))
}

pub(super) fn describe_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let n = numbered(r.param("botVersion"))?;
    let v = b
        .versions
        .get(&n)
        .ok_or_else(|| not_found(format!("version {n} of bot {} does not exist", b.id)))?;
    let mut m = Map::new();
    m.insert("botId".into(), json!(b.id));
    m.insert("botName".into(), json!(v.bot_name));
    m.insert("botVersion".into(), json!(v.number.to_string()));
    insert_opt(
        &mut m,
        "description",
        v.description.clone().map(Value::from),
    );
    m.insert("roleArn".into(), json!(v.role_arn));
    m.insert("dataPrivacy".into(), v.data_privacy.clone());
    m.insert("idleSessionTTLInSeconds".into(), json!(v.idle_ttl));
    m.insert("botStatus".into(), json!(bot_status(b)));
    m.insert("creationDateTime".into(), epoch(v.created));
    for (k, x) in &v.extra {
        m.insert(k.clone(), x.clone());
    }
    // DescribeBotVersion's output shape has no botVersionLocaleSpecification (only
    // CreateBotVersion's does): the version's locales are read with ListBotLocales.
    Ok(ok(Value::Object(m)))
}

pub(super) fn list_bot_versions(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let sort = sort_of(&body, &["BotVersion"])?;
    let b = bot(st, r.param("botId"), Access::Read)?;
    let status = bot_status(b);
    let mut items: Vec<Value> = vec![json!({
        "botName": b.name, "botVersion": "DRAFT", "description": b.description,
        "botStatus": status, "creationDateTime": epoch(b.created),
    })];
    let mut numbered: Vec<Value> = b
        .versions
        .values()
        .map(|v| {
            json!({
                "botName": v.bot_name, "botVersion": v.number.to_string(), "description": v.description,
                "botStatus": status, "creationDateTime": epoch(v.created),
            })
        })
        .collect();
    if sort.is_some_and(|(_, d)| d) {
        numbered.reverse();
    }
    items.extend(numbered);
    let (page, next) = list_page(&body, items, max)?;
    Ok(ok(
        json!({ "botId": b.id, "botVersionSummaries": page, "nextToken": next }),
    ))
}

pub(super) fn delete_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let skip = skip_in_use(r)?;
    let n = numbered(r.param("botVersion"))?;
    let b = bot_mut(st, r.param("botId"))?;
    if !b.versions.contains_key(&n) {
        return Err(precondition(format!(
            "version {n} of bot {} does not exist",
            b.id
        )));
    }
    let vs = n.to_string();
    if !skip
        && let Some(a) = b
            .aliases
            .values()
            .find(|a| a.bot_version.as_deref() == Some(vs.as_str()))
    {
        return Err(precondition(format!(
            "version {n} of bot {} is in use by alias {} ({}); point the alias elsewhere or set skipResourceInUseCheck",
            b.id, a.name, a.id
        )));
    }
    b.versions.remove(&n);
    Ok(ok(json!({ "botId": b.id, "botVersion": vs, "botStatus": "Deleting" })).with_status(202))
}
