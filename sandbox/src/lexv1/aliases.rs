//! Lex V1 bot aliases: PutBotAlias, GetBotAlias, GetBotAliases, DeleteBotAlias.
use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, check_len, ok, paginate};
use crate::lex::{checksum, epoch};

fn alias_json(a: &Alias, bot: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(a.name));
    if let Some(d) = &a.description {
        m.insert("description".into(), json!(d));
    }
    m.insert("botVersion".into(), json!(a.bot_version));
    m.insert("botName".into(), json!(bot));
    m.insert("lastUpdatedDate".into(), epoch(a.updated));
    m.insert("createdDate".into(), epoch(a.created));
    m.insert("checksum".into(), json!(a.checksum));
    if let Some(c) = &a.conversation_logs {
        m.insert("conversationLogs".into(), c.clone());
    }
    m
}

pub(super) fn put_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let bot_name = r.param("botName").to_string();
    let name = r.param("name").to_string();
    check_name("bot name", &bot_name, 2, 50).map_err(bad)?;
    check_name("alias name", &name, 1, 100).map_err(bad)?;
    let body = Body::parse(r, INVALID)?;
    let version = body.req_str("botVersion")?;
    let description = body.opt_str("description")?;
    if let Some(d) = &description {
        check_len(INVALID, "description", d, 0, 200)?;
    }
    let given = body.opt_str("checksum")?;
    let b = st
        .bots
        .get_mut(&bot_name)
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| bad(format!("bot {bot_name} does not exist")))?;
    let exists = version == LATEST
        || (is_version_number(&version)
            && version
                .parse()
                .is_ok_and(|n: u32| b.versions.contains_key(&n)));
    if !exists {
        return Err(bad(format!(
            "version {version} of bot {bot_name} does not exist"
        )));
    }
    check_checksum(
        &format!("alias {name} of bot {bot_name}"),
        b.aliases.get(&name).map(|a| a.checksum.as_str()),
        given.as_deref(),
    )?;
    let tags = body.get("tags").cloned();
    let a = b.aliases.entry(name.clone()).or_insert_with(|| Alias {
        name: name.clone(),
        bot_version: String::new(),
        description: None,
        checksum: String::new(),
        conversation_logs: None,
        tags: tags.unwrap_or_else(|| json!([])),
        created: now,
        updated: now,
    });
    a.bot_version = version;
    a.description = description;
    a.conversation_logs = body.get("conversationLogs").cloned();
    a.checksum = checksum();
    a.updated = now;
    let mut out = alias_json(a, &bot_name);
    out.insert("tags".into(), a.tags.clone());
    Ok(ok(Value::Object(out)))
}

pub(super) fn get_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let bot_name = r.param("botName");
    let name = r.param("name");
    let a = st
        .live_bot(bot_name)
        .and_then(|b| b.aliases.get(name))
        .ok_or_else(|| not_found(format!("alias {name} of bot {bot_name} does not exist")))?;
    Ok(ok(Value::Object(alias_json(a, bot_name))))
}

pub(super) fn get_bot_aliases(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let bot_name = r.param("botName");
    let items: Vec<Value> = st
        .live_bot(bot_name)
        .map(|b| {
            b.aliases
                .values()
                .filter(|a| name_contains(r, &a.name))
                .map(|a| Value::Object(alias_json(a, bot_name)))
                .collect()
        })
        .unwrap_or_default();
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ "BotAliases": page, "nextToken": next })))
}

pub(super) fn delete_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let bot_name = r.param("botName");
    let name = r.param("name");
    let b = st
        .bots
        .get_mut(bot_name)
        .filter(|b| b.deleted_at.is_none() && b.aliases.contains_key(name))
        .ok_or_else(|| not_found(format!("alias {name} of bot {bot_name} does not exist")))?;
    b.aliases.remove(name);
    Ok(Resp::empty().with_status(204))
}
