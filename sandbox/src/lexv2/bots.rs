//! Lex V2 bots: CreateBot, DescribeBot, UpdateBot, DeleteBot, ListBots.
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, check_len, ok};
use crate::lex::{epoch, unused_short_id};

/// The members a bot's description and its ListBots summary share.
fn bot_common(b: &Bot) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("botId".into(), json!(b.id));
    m.insert("botName".into(), json!(b.name));
    insert_opt(
        &mut m,
        "description",
        b.description.clone().map(Value::from),
    );
    m.insert("botStatus".into(), json!(bot_status(b)));
    m
}

fn bot_json(b: &Bot) -> Map<String, Value> {
    let mut m = bot_common(b);
    m.insert("roleArn".into(), json!(b.role_arn));
    m.insert("dataPrivacy".into(), b.data_privacy.clone());
    m.insert("idleSessionTTLInSeconds".into(), json!(b.idle_ttl));
    m.insert("creationDateTime".into(), epoch(b.created));
    for (k, v) in &b.extra {
        m.insert(k.clone(), v.clone());
    }
    m
}

struct BotInput {
    name: String,
    description: Option<String>,
    role_arn: String,
    data_privacy: Value,
    idle_ttl: i64,
    extra: Map<String, Value>,
}

fn bot_input(b: &Body) -> Result<BotInput, ApiError> {
    let name = b.req_str("botName")?;
    check_v2_name("botName", &name)?;
    let description = b.opt_str("description")?;
    check_description(&description)?;
    let role_arn = b.req_str("roleArn")?;
    check_len(INVALID, "roleArn", &role_arn, 32, 2048)?;
    let acct = role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"));
    if !acct.is_some_and(|(a, r)| {
        a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()) && !r.is_empty()
    }) {
        return Err(INVALID.err(format!(
            "roleArn {role_arn:?} must match ^arn:aws:iam::[0-9]{{12}}:role/.*$"
        )));
    }
    let privacy = b
        .opt_obj("dataPrivacy")?
        .ok_or_else(|| INVALID.err("dataPrivacy is required"))?;
    if !privacy.get("childDirected").is_some_and(Value::is_boolean) {
        return Err(INVALID.err("dataPrivacy.childDirected is required and must be a boolean"));
    }
    let idle_ttl = required_within(
        "idleSessionTTLInSeconds",
        b.opt_i64("idleSessionTTLInSeconds")?,
        60,
        86400,
    )?;
    if let Some(t) = b.opt_str("botType")?
        && t != "Bot"
    {
        return Err(INVALID.err(format!(
            "botType {t} is not supported by the sandbox (only Bot)"
        )));
    }
    Ok(BotInput {
        name,
        description,
        role_arn,
        data_privacy: Value::Object(privacy.clone()),
        idle_ttl,
        extra: b.pick(&["botType", "errorLogSettings"]),
    })
}

pub(super) fn create_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let b = Body::parse(r, INVALID)?;
    let input = bot_input(&b)?;
    if st.bot_names().any(|n| n == input.name) {
        return Err(conflict(format!(
            "a bot named {} already exists",
            input.name
        )));
    }
    let tags = b.get("botTags").cloned().unwrap_or_else(|| json!({}));
    let test_tags = b
        .get("testBotAliasTags")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let id = unused_short_id(&st.bots);
    let mut aliases = BTreeMap::new();
    aliases.insert(
        TEST_ALIAS_ID.to_string(),
        Alias {
            id: TEST_ALIAS_ID.into(),
            name: TEST_ALIAS_NAME.into(),
            description: Some("test bot alias".into()),
            bot_version: Some("DRAFT".into()),
            settings: Map::new(),
            tags: test_tags.clone(),
            created: now,
            updated: now,
            history: vec![("DRAFT".into(), now, None)],
        },
    );
    let bot = Bot {
        id: id.clone(),
        name: input.name,
        description: input.description,
        role_arn: input.role_arn,
        data_privacy: input.data_privacy,
        idle_ttl: input.idle_ttl,
        extra: input.extra,
        tags: tags.clone(),
        created: now,
        updated: now,
        deleting_since: None,
        draft: BTreeMap::new(),
        versions: BTreeMap::new(),
        last_version: 0,
        aliases,
    };
    let mut out = bot_json(&bot);
    out.insert("botStatus".into(), json!("Creating"));
    out.insert("botTags".into(), tags);
    out.insert("testBotAliasTags".into(), test_tags);
    st.bots.insert(id, bot);
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn describe_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let mut out = bot_json(b);
    out.insert("lastUpdatedDateTime".into(), epoch(b.updated));
    Ok(ok(Value::Object(out)))
}

pub(super) fn update_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let input = bot_input(&body)?;
    let id = r.param("botId").to_string();
    bot_mut(st, &id)?;
    if st.bots.values().any(|b| b.id != id && b.name == input.name) {
        return Err(conflict(format!(
            "a bot named {} already exists",
            input.name
        )));
    }
    let b = bot_mut(st, &id)?;
    b.name = input.name;
    b.description = input.description;
    b.role_arn = input.role_arn;
    b.data_privacy = input.data_privacy;
    b.idle_ttl = input.idle_ttl;
    b.extra = input.extra;
    b.updated = now;
    let mut out = bot_json(b);
    out.insert("lastUpdatedDateTime".into(), epoch(b.updated));
    Ok(ok(Value::Object(out)).with_status(202))
}

pub(super) fn skip_in_use(r: &Req) -> Result<bool, ApiError> {
    match r.query("skipResourceInUseCheck") {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(v) => Err(INVALID.err(format!(
            "skipResourceInUseCheck must be true or false, got {v}"
        ))),
    }
}

pub(super) fn delete_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let skip = skip_in_use(r)?;
    let b = bot_mut(st, r.param("botId"))?;
    if !skip && let Some(a) = b.aliases.values().find(|a| a.id != TEST_ALIAS_ID) {
        return Err(precondition(format!(
            "bot {} is in use by alias {} ({}); delete the alias first or set skipResourceInUseCheck",
            b.id, a.name, a.id
        )));
    }
    if b.draft
        .values()
        .any(|l| matches!(l.status, LocaleStatus::Building { .. }))
    {
        return Err(conflict(format!(
            "bot {} has a locale that is building",
            b.id
        )));
    }
    b.deleting_since = Some(now);
    Ok(ok(json!({ "botId": b.id, "botStatus": "Deleting" })).with_status(202))
}

pub(super) fn list_bots(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let filters = body.opt_arr("filters")?;
    let sort = sort_of(&body, &["BotName"])?;
    let mut bots: Vec<&Bot> = Vec::new();
    for b in st.bots.values() {
        let matched = filter_matches(
            filters,
            &[("BotName", &["CO", "EQ", "NE"]), ("BotType", &["EQ", "NE"])],
            |f| {
                if f == "BotName" {
                    b.name.clone()
                } else {
                    "Bot".into()
                }
            },
        )?;
        if matched {
            bots.push(b);
        }
    }
    bots.sort_by(|a, b| a.name.cmp(&b.name));
    if sort.is_some_and(|(_, desc)| desc) {
        bots.reverse();
    }
    let summaries: Vec<Value> = bots
        .into_iter()
        .map(|b| {
            let mut m = bot_common(b);
            insert_opt(
                &mut m,
                "latestBotVersion",
                b.versions.keys().next_back().map(|v| json!(v.to_string())),
            );
            m.insert("lastUpdatedDateTime".into(), epoch(b.updated));
            m.insert("botType".into(), json!("Bot"));
            Value::Object(m)
        })
        .collect();
    let (page, next) = list_page(&body, summaries, max)?;
    Ok(ok(json!({ "botSummaries": page, "nextToken": next })))
}
