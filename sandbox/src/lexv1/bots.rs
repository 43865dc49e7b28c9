//! Lex V1 bots: GetBot, PutBot (with its build), GetBots, GetBotVersions, CreateBotVersion,
//! DeleteBot, DeleteBotVersion.
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, max_results, ok, paginate};
use crate::lex::{checksum, epoch};

fn bot_view(b: &Bot, version: &str) -> Option<Map<String, Value>> {
    let mut m;
    if version == LATEST {
        m = with_def(&b.latest);
        m.insert("status".into(), json!(status_name(&b.status)));
        if let Status::Failed(f) = &b.status {
            m.insert("failureReason".into(), json!(f));
        }
        m.insert("checksum".into(), json!(b.checksum));
        m.insert("createdDate".into(), epoch(b.created));
        m.insert("lastUpdatedDate".into(), epoch(b.updated));
    } else {
        let s = b.versions.get(&version.parse().ok()?)?;
        m = with_def(&s.def);
        m.insert("status".into(), json!("READY"));
        m.insert("checksum".into(), json!(s.checksum));
        m.insert("createdDate".into(), epoch(s.created));
        m.insert("lastUpdatedDate".into(), epoch(s.created));
    }
    m.insert("name".into(), json!(b.name));
    m.insert("version".into(), json!(version));
    Some(m)
}

pub(super) fn get_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    let which = r.param("versionoralias");
    let b = st
        .live_bot(name)
        .ok_or_else(|| not_found(format!("bot {name} does not exist")))?;
    let version = if which == LATEST || is_version_number(which) {
        which.to_string()
    } else {
        b.aliases
            .get(which)
            .map(|a| a.bot_version.clone())
            .ok_or_else(|| not_found(format!("bot {name} has no version or alias {which}")))?
    };
    let view = bot_view(b, &version)
        .ok_or_else(|| not_found(format!("version {version} of bot {name} does not exist")))?;
    Ok(ok(Value::Object(view)))
}

pub(super) fn put_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now, build) = enter(w);
    let name = r.param("name").to_string();
    if r.param("version") != LATEST {
        return Err(bad("PutBot only writes the $LATEST version".into()));
    }
    check_name("bot name", &name, 2, 50).map_err(bad)?;
    let body = Body::parse(r, INVALID)?;
    let given = body.opt_str("checksum")?;
    let build_now = match body.opt_str("processBehavior")?.as_deref() {
        None | Some("BUILD") => true,
        Some("SAVE") => false,
        Some(p) => return Err(bad(format!("processBehavior {p} must be SAVE or BUILD"))),
    };
    if body.opt_bool("createVersion")? == Some(true) {
        return Err(bad("createVersion on PutBot is not supported by the sandbox; call CreateBotVersion once the bot is READY".into()));
    }
    let mut def = body.pick(BOT_FIELDS);
    let existing = st.bots.get(&name);
    if existing.is_some_and(|b| b.deleted_at.is_some()) {
        return Err(conflict(format!(
            "bot {name} is being deleted; retry later"
        )));
    }
    if !def.contains_key("idleSessionTTLInSeconds") {
        let keep = existing
            .and_then(|b| b.latest.get("idleSessionTTLInSeconds").cloned())
            .unwrap_or(json!(300));
        def.insert("idleSessionTTLInSeconds".into(), keep);
    }
    def.entry("enableModelImprovements").or_insert(json!(true));
    def.entry("detectSentiment").or_insert(json!(false));
    validate_bot(st, &def).map_err(bad)?;
    check_checksum(
        &format!("bot {name}"),
        existing.map(|b| b.checksum.as_str()),
        given.as_deref(),
    )?;
    if existing.is_some_and(|b| matches!(b.status, Status::Building { .. })) {
        return Err(conflict(format!(
            "bot {name} is building; retry when the build has finished"
        )));
    }
    let status = if build_now {
        Status::Building {
            until: now + build,
            failure: build_failure(st, &def),
        }
    } else {
        Status::NotBuilt
    };
    let tags = body.get("tags").cloned();
    let b = st.bots.entry(name.clone()).or_insert_with(|| Bot {
        name: name.clone(),
        latest: Map::new(),
        checksum: String::new(),
        status: Status::NotBuilt,
        created: now,
        updated: now,
        versions: BTreeMap::new(),
        last_version: 0,
        aliases: BTreeMap::new(),
        tags: tags.clone().unwrap_or_else(|| json!([])),
        deleted_at: None,
    });
    b.latest = def;
    b.checksum = checksum();
    b.status = status;
    b.updated = now;
    let mut out = bot_view(b, LATEST).unwrap_or_default();
    out.insert("createVersion".into(), json!(false));
    out.insert("tags".into(), b.tags.clone());
    Ok(ok(Value::Object(out)))
}

fn bot_metadata(b: &Bot, version: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(b.name));
    if version == LATEST {
        if let Some(d) = b.latest.get("description") {
            m.insert("description".into(), d.clone());
        }
        m.insert("status".into(), json!(status_name(&b.status)));
        m.insert("lastUpdatedDate".into(), epoch(b.updated));
        m.insert("createdDate".into(), epoch(b.created));
    } else if let Some(s) = version.parse().ok().and_then(|n: u32| b.versions.get(&n)) {
        if let Some(d) = s.def.get("description") {
            m.insert("description".into(), d.clone());
        }
        m.insert("status".into(), json!("READY"));
        m.insert("lastUpdatedDate".into(), epoch(s.created));
        m.insert("createdDate".into(), epoch(s.created));
    }
    m.insert("version".into(), json!(version));
    Value::Object(m)
}

pub(super) fn page_params(r: &Req) -> Result<(usize, Option<String>), ApiError> {
    let max = match r.query("maxResults") {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| bad(format!("maxResults {s} is not a number")))?,
        ),
    };
    Ok((
        max_results(INVALID, max, 50, 10)?,
        r.query("nextToken").map(str::to_string),
    ))
}

pub(super) fn name_contains(r: &Req, name: &str) -> bool {
    r.query("nameContains")
        .is_none_or(|c| name.to_lowercase().contains(&c.to_lowercase()))
}

pub(super) fn get_bots(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let items: Vec<Value> = st
        .bots
        .values()
        .filter(|b| b.deleted_at.is_none() && name_contains(r, &b.name))
        .map(|b| bot_metadata(b, LATEST))
        .collect();
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ "bots": page, "nextToken": next })))
}

pub(super) fn get_bot_versions(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let name = r.param("name");
    let b = st
        .live_bot(name)
        .ok_or_else(|| not_found(format!("bot {name} does not exist")))?;
    let mut items = vec![bot_metadata(b, LATEST)];
    items.extend(b.versions.keys().map(|n| bot_metadata(b, &n.to_string())));
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ "bots": page, "nextToken": next })))
}

pub(super) fn create_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let name = r.param("name").to_string();
    let body = Body::parse(r, INVALID)?;
    let given = body.opt_str("checksum")?.filter(|c| !c.is_empty());
    let b = st
        .bots
        .get_mut(&name)
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| not_found(format!("bot {name} does not exist")))?;
    if given.as_deref().is_some_and(|g| g != b.checksum) {
        return Err(precondition(format!(
            "the checksum does not match the $LATEST revision of bot {name}"
        )));
    }
    if b.status != Status::Ready {
        return Err(bad(format!(
            "bot {name} is {}; only a READY bot can be published",
            status_name(&b.status)
        )));
    }
    if let Some((i, _)) = intent_refs(&b.latest).find(|(_, v)| *v == LATEST) {
        return Err(bad(format!(
            "bot {name} uses intent {i} at $LATEST; point the bot at a numbered version of every intent before publishing"
        )));
    }
    let number = match b.versions.iter().next_back() {
        Some((n, s)) if s.source == b.checksum => *n,
        _ => {
            b.last_version += 1;
            let s = Snap {
                def: b.latest.clone(),
                checksum: checksum(),
                source: b.checksum.clone(),
                created: now,
            };
            b.versions.insert(b.last_version, s);
            b.last_version
        }
    };
    let out = bot_view(b, &number.to_string()).unwrap_or_default();
    Ok(ok(Value::Object(out)).with_status(201))
}

pub(super) fn delete_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let name = r.param("name");
    let b = st
        .bots
        .get_mut(name)
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| not_found(format!("bot {name} does not exist")))?;
    if let Some(a) = b.aliases.values().next() {
        return Err(in_use(
            "BotAlias",
            &a.name,
            &a.bot_version,
            format!("bot {name} is referenced by alias {}", a.name),
        ));
    }
    if matches!(b.status, Status::Building { .. }) {
        return Err(conflict(format!(
            "bot {name} is building; retry when the build has finished"
        )));
    }
    b.deleted_at = Some(now);
    Ok(Resp::empty().with_status(204))
}

pub(super) fn delete_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    let version = r.param("version");
    if !is_version_number(version) {
        return Err(bad(format!(
            "version {version} must be a version number; use DeleteBot to delete $LATEST"
        )));
    }
    let b = st
        .bots
        .get_mut(name)
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| not_found(format!("bot {name} does not exist")))?;
    let n: u32 = version
        .parse()
        .map_err(|_| bad("version is not a number".into()))?;
    if !b.versions.contains_key(&n) {
        return Err(not_found(format!(
            "version {version} of bot {name} does not exist"
        )));
    }
    if let Some(a) = b.aliases.values().find(|a| a.bot_version == version) {
        return Err(in_use(
            "BotAlias",
            &a.name,
            version,
            format!(
                "version {version} of bot {name} is referenced by alias {}",
                a.name
            ),
        ));
    }
    b.versions.remove(&n);
    Ok(Resp::empty().with_status(204))
}
