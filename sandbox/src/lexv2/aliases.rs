//! Lex V2 bot aliases: CreateBotAlias, DescribeBotAlias, UpdateBotAlias, DeleteBotAlias,
//! ListBotAliases.
use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, ok};
use crate::lex::{epoch, unused_short_id};

/// The members an alias's description and its ListBotAliases summary share.
fn alias_common(a: &Alias) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("botAliasId".into(), json!(a.id));
    m.insert("botAliasName".into(), json!(a.name));
    insert_opt(
        &mut m,
        "description",
        a.description.clone().map(Value::from),
    );
    insert_opt(&mut m, "botVersion", a.bot_version.clone().map(Value::from));
    m.insert("botAliasStatus".into(), json!("Available"));
    m.insert("creationDateTime".into(), epoch(a.created));
    m
}

fn alias_json(bot_id: &str, a: &Alias) -> Map<String, Value> {
    let mut m = alias_common(a);
    for (k, v) in &a.settings {
        m.insert(k.clone(), v.clone());
    }
    m.insert("botId".into(), json!(bot_id));
    m
}

const ALIAS_SETTINGS: &[&str] = &[
    "botAliasLocaleSettings",
    "conversationLogSettings",
    "sentimentAnalysisSettings",
];

/// Name and description of an alias request.
fn alias_input(body: &Body) -> Result<(String, Option<String>), ApiError> {
    let name = body.req_str("botAliasName")?;
    check_v2_name("botAliasName", &name)?;
    let description = body.opt_str("description")?;
    check_description(&description)?;
    Ok((name, description))
}

/// The alias `aid` of a bot that is being changed: PreconditionFailedException when it is missing.
fn check_alias(b: &Bot, aid: &str) -> Result<(), ApiError> {
    if !b.aliases.contains_key(aid) {
        return Err(precondition(format!(
            "alias {aid} of bot {} does not exist",
            b.id
        )));
    }
    Ok(())
}

/// Validates an alias's target version and locale settings against the bot.
fn alias_target(b: &Bot, body: &Body, test_alias: bool) -> Result<Option<String>, ApiError> {
    let version = body.opt_str("botVersion")?;
    let locales = match &version {
        None => None,
        Some(v) if test_alias => {
            if v != "DRAFT" {
                return Err(INVALID.err("TestBotAlias always points at the DRAFT version"));
            }
            Some(&b.draft)
        }
        Some(v) => {
            numbered(v)?;
            Some(version_locales(b, v, Access::Write)?)
        }
    };
    if let Some(settings) = body.opt_obj("botAliasLocaleSettings")? {
        for (lid, s) in settings {
            if !s.get("enabled").is_some_and(Value::is_boolean) {
                return Err(
                    INVALID.err(format!("botAliasLocaleSettings.{lid}.enabled is required"))
                );
            }
            if let Some(locales) = locales
                && !locales.contains_key(lid)
            {
                return Err(INVALID.err(format!(
                    "locale {lid} is not in version {} of bot {}",
                    version.as_deref().unwrap_or(""),
                    b.id
                )));
            }
        }
    }
    Ok(version)
}

pub(super) fn create_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let (name, description) = alias_input(&body)?;
    let b = bot_mut(st, r.param("botId"))?;
    let version = alias_target(b, &body, false)?;
    if b.aliases.values().any(|a| a.name == name) {
        return Err(conflict(format!(
            "an alias named {name} already exists for bot {}",
            b.id
        )));
    }
    let id = unused_short_id(&b.aliases);
    let tags = body.get("tags").cloned().unwrap_or_else(|| json!({}));
    let alias = Alias {
        id: id.clone(),
        name,
        description,
        history: version.iter().map(|v| (v.clone(), now, None)).collect(),
        bot_version: version,
        settings: body.pick(ALIAS_SETTINGS),
        tags: tags.clone(),
        created: now,
        updated: now,
    };
    let mut out = alias_json(&b.id, &alias);
    out.insert("botAliasStatus".into(), json!("Creating"));
    out.insert("tags".into(), tags);
    b.aliases.insert(id, alias);
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn describe_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let aid = r.param("botAliasId");
    let a = b
        .aliases
        .get(aid)
        .ok_or_else(|| not_found(format!("alias {aid} of bot {} does not exist", b.id)))?;
    let mut out = alias_json(&b.id, a);
    let history: Vec<Value> = a
        .history
        .iter()
        .map(|(v, s, e)| {
            let mut m = Map::new();
            m.insert("botVersion".into(), json!(v));
            m.insert("startDate".into(), epoch(*s));
            insert_opt(&mut m, "endDate", e.map(epoch));
            Value::Object(m)
        })
        .collect();
    out.insert("botAliasHistoryEvents".into(), json!(history));
    out.insert("lastUpdatedDateTime".into(), epoch(a.updated));
    Ok(ok(Value::Object(out)))
}

pub(super) fn update_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let (name, description) = alias_input(&body)?;
    let b = bot_mut(st, r.param("botId"))?;
    let aid = r.param("botAliasId").to_string();
    check_alias(b, &aid)?;
    let version = alias_target(b, &body, aid == TEST_ALIAS_ID)?;
    if b.aliases.values().any(|a| a.id != aid && a.name == name) {
        return Err(conflict(format!(
            "an alias named {name} already exists for bot {}",
            b.id
        )));
    }
    let bot_id = b.id.clone();
    let a = b
        .aliases
        .get_mut(&aid)
        .ok_or_else(|| precondition("alias vanished"))?;
    let version = if aid == TEST_ALIAS_ID {
        Some("DRAFT".to_string())
    } else {
        version
    };
    if version != a.bot_version {
        if let Some(last) = a.history.last_mut() {
            last.2 = Some(now);
        }
        if let Some(v) = &version {
            a.history.push((v.clone(), now, None));
        }
    }
    a.name = name;
    a.description = description;
    a.bot_version = version;
    a.settings = body.pick(ALIAS_SETTINGS);
    a.updated = now;
    let mut out = alias_json(&bot_id, a);
    out.insert("lastUpdatedDateTime".into(), epoch(a.updated));
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn delete_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    skip_in_use(r)?;
    let b = bot_mut(st, r.param("botId"))?;
    let aid = r.param("botAliasId").to_string();
    check_alias(b, &aid)?;
    if aid == TEST_ALIAS_ID {
        return Err(
            INVALID.err("TestBotAlias is deleted with its bot and cannot be deleted on its own")
        );
    }
    b.aliases.remove(&aid);
    Ok(
        ok(json!({ "botAliasId": aid, "botId": b.id, "botAliasStatus": "Deleting" }))
            .with_status(202),
    )
}

pub(super) fn list_bot_aliases(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let b = bot(st, r.param("botId"), Access::Read)?;
    let mut aliases: Vec<&Alias> = b.aliases.values().collect();
    aliases.sort_by(|x, y| x.name.cmp(&y.name));
    let items: Vec<Value> = aliases
        .into_iter()
        .map(|a| {
            let mut m = alias_common(a);
            m.insert("lastUpdatedDateTime".into(), epoch(a.updated));
            Value::Object(m)
        })
        .collect();
    let (page, next) = list_page(&body, items, max)?;
    Ok(ok(
        json!({ "botAliasSummaries": page, "nextToken": next, "botId": b.id }),
    ))
}
