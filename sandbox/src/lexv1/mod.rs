//! Lex V1 model-building API emulation (lex-models 2017-04-19): bots with `$LATEST` builds
//! (NOT_BUILT → BUILDING → READY/FAILED), intents and slot types with numbered versions, bot
//! aliases, checksums on every `$LATEST` revision, ResourceInUse ordering on deletes, and
//! StartImport/GetImport of the Lex V1 zip format. Strictness choices are listed in `sandbox/README.md`.
use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::core::{ApiError, Req, Resp, Route, World};
use crate::input::{Body, Invalid, check_len, max_results, ok, paginate};
use crate::lex::{checksum, epoch, is_v1_name};

mod import;

const INVALID: Invalid = Invalid::LEX_V1;
const LATEST: &str = "$LATEST";

/// Bot definition members of PutBot, stored for `$LATEST` and copied into versions.
const BOT_FIELDS: &[&str] = &[
    "description",
    "intents",
    "enableModelImprovements",
    "nluIntentConfidenceThreshold",
    "clarificationPrompt",
    "abortStatement",
    "idleSessionTTLInSeconds",
    "voiceId",
    "locale",
    "childDirected",
    "detectSentiment",
];

/// Intent definition members of PutIntent.
const INTENT_FIELDS: &[&str] = &[
    "description",
    "slots",
    "sampleUtterances",
    "confirmationPrompt",
    "rejectionStatement",
    "followUpPrompt",
    "conclusionStatement",
    "dialogCodeHook",
    "fulfillmentActivity",
    "parentIntentSignature",
    "kendraConfiguration",
    "inputContexts",
    "outputContexts",
];

/// Slot type definition members of PutSlotType.
const SLOT_TYPE_FIELDS: &[&str] = &[
    "description",
    "enumerationValues",
    "valueSelectionStrategy",
    "parentSlotTypeSignature",
    "slotTypeConfigurations",
];

const LOCALES: &[&str] = &[
    "de-DE", "en-AU", "en-GB", "en-IN", "en-US", "es-419", "es-ES", "es-US", "fr-FR", "fr-CA",
    "it-IT", "ja-JP", "ko-KR",
];

/// In-memory Lex V1 state.
#[derive(Default)]
pub struct State {
    bots: BTreeMap<String, Bot>,
    intents: BTreeMap<String, Versioned>,
    slot_types: BTreeMap<String, Versioned>,
    imports: BTreeMap<String, Import>,
}

struct Bot {
    name: String,
    latest: Map<String, Value>,
    checksum: String,
    status: Status,
    created: OffsetDateTime,
    updated: OffsetDateTime,
    versions: BTreeMap<u32, Snap>,
    last_version: u32,
    aliases: BTreeMap<String, Alias>,
    tags: Value,
    /// Set by DeleteBot: the bot is gone for reads at once, but keeps referencing its intents
    /// (DeleteIntent answers ResourceInUse) until it is removed one build duration later.
    deleted_at: Option<OffsetDateTime>,
}

#[derive(Clone, PartialEq)]
enum Status {
    NotBuilt,
    Building {
        until: OffsetDateTime,
        failure: Option<String>,
    },
    Ready,
    Failed(String),
}

/// A numbered version of a bot, intent or slot type.
struct Snap {
    def: Map<String, Value>,
    checksum: String,
    /// Checksum of `$LATEST` when this version was published (an unchanged `$LATEST` republishes nothing).
    source: String,
    created: OffsetDateTime,
}

struct Alias {
    name: String,
    bot_version: String,
    description: Option<String>,
    checksum: String,
    conversation_logs: Option<Value>,
    tags: Value,
    created: OffsetDateTime,
    updated: OffsetDateTime,
}

/// An intent or slot type: `$LATEST` plus numbered versions.
struct Versioned {
    name: String,
    latest: Map<String, Value>,
    checksum: String,
    created: OffsetDateTime,
    updated: OffsetDateTime,
    versions: BTreeMap<u32, Snap>,
    last_version: u32,
}

struct Import {
    id: String,
    name: Option<String>,
    resource_type: String,
    merge_strategy: String,
    failures: Vec<String>,
    tags: Value,
    created: OffsetDateTime,
}

impl State {
    /// Whether a live bot named `name` exists (Connect's AssociateLexBot checks this).
    pub fn bot_exists(&self, name: &str) -> bool {
        self.bots.get(name).is_some_and(|b| b.deleted_at.is_none())
    }

    /// Whether the live bot `bot` has an alias named `alias`.
    pub fn alias_exists(&self, bot: &str, alias: &str) -> bool {
        self.bots
            .get(bot)
            .is_some_and(|b| b.deleted_at.is_none() && b.aliases.contains_key(alias))
    }

    fn settle(&mut self, now: OffsetDateTime, build: Duration) {
        self.bots
            .retain(|_, b| b.deleted_at.is_none_or(|t| now < t + build));
        for b in self.bots.values_mut() {
            if let Status::Building { until, failure } = &b.status
                && now >= *until
            {
                b.status = match failure {
                    None => Status::Ready,
                    Some(f) => Status::Failed(f.clone()),
                };
            }
        }
    }

    fn live_bot(&self, name: &str) -> Option<&Bot> {
        self.bots.get(name).filter(|b| b.deleted_at.is_none())
    }

    /// The definition of `name` at `version` (`$LATEST` or a number) in `map`.
    fn def_at<'a>(
        map: &'a BTreeMap<String, Versioned>,
        name: &str,
        version: &str,
    ) -> Option<&'a Map<String, Value>> {
        let v = map.get(name)?;
        if version == LATEST {
            Some(&v.latest)
        } else {
            v.versions.get(&version.parse().ok()?).map(|s| &s.def)
        }
    }

    /// A bot whose `$LATEST` uses intent `$LATEST` revisions must be rebuilt after they change.
    fn intent_changed(&mut self, intent: &str) {
        for b in self.bots.values_mut() {
            let uses = intent_refs(&b.latest).any(|(n, v)| n == intent && v == LATEST);
            if uses && matches!(b.status, Status::Ready | Status::Failed(_)) {
                b.status = Status::NotBuilt;
            }
        }
    }
}

impl crate::core::Snapshot for State {
    fn snapshot(&self) -> Value {
        let bots: Vec<Value> = self
            .bots
            .values()
            .map(|b| {
                json!({
                    "name": b.name, "status": status_name(&b.status), "checksum": b.checksum,
                    "deleted": b.deleted_at.is_some(), "tags": b.tags,
                    "versions": b.versions.keys().map(|v| v.to_string()).collect::<Vec<_>>(),
                    "aliases": b.aliases.values().map(|a| json!({"name": a.name, "botVersion": a.bot_version})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let list = |m: &BTreeMap<String, Versioned>| -> Vec<Value> {
            m.values()
                .map(|v| json!({"name": v.name, "versions": v.versions.keys().map(|n| n.to_string()).collect::<Vec<_>>()}))
                .collect()
        };
        json!({ "bots": bots, "intents": list(&self.intents), "slotTypes": list(&self.slot_types), "imports": self.imports.len() })
    }
}

fn status_name(s: &Status) -> &'static str {
    match s {
        Status::NotBuilt => "NOT_BUILT",
        Status::Building { .. } => "BUILDING",
        Status::Ready => "READY",
        Status::Failed(_) => "FAILED",
    }
}

fn intent_refs(def: &Map<String, Value>) -> impl Iterator<Item = (&str, &str)> {
    def.get("intents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i.get("intentName")?.as_str()?,
                i.get("intentVersion")?.as_str()?,
            ))
        })
}

fn slot_type_refs(def: &Map<String, Value>) -> impl Iterator<Item = (&str, &str)> {
    def.get("slots")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let t = s.get("slotType")?.as_str()?;
            (!t.starts_with("AMAZON.")).then(|| {
                (
                    t,
                    s.get("slotTypeVersion")
                        .and_then(Value::as_str)
                        .unwrap_or(LATEST),
                )
            })
        })
}

fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(404, "NotFoundException", msg)
}

fn precondition(msg: impl Into<String>) -> ApiError {
    ApiError::new(412, "PreconditionFailedException", msg)
}

fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", msg)
}

fn in_use(reference_type: &str, name: &str, version: &str, msg: String) -> ApiError {
    ApiError::new(400, "ResourceInUseException", msg)
        .field("referenceType", json!(reference_type))
        .field(
            "exampleReference",
            json!({ "name": name, "version": version }),
        )
}

fn enter(w: &mut World) -> (&mut State, OffsetDateTime, Duration) {
    let now = w.now();
    let build = w.config.lex_build_duration;
    w.lexv1.settle(now, build);
    (&mut w.lexv1, now, build)
}

/// Validates a bot, alias, intent or slot type name (`^([A-Za-z]_?)+$` and length bounds).
fn check_name(what: &str, name: &str, min: usize, max: usize) -> Result<(), String> {
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

fn bad(msg: String) -> ApiError {
    INVALID.err(msg)
}

/// Checksum rules for `Put*`: none on create (else BadRequest), the current one on update
/// (missing or stale is PreconditionFailed).
fn check_checksum(what: &str, current: Option<&str>, given: Option<&str>) -> Result<(), ApiError> {
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

fn is_version_number(s: &str) -> bool {
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
fn validate_bot(st: &State, def: &Map<String, Value>) -> Result<(), String> {
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
fn validate_intent(st: &State, def: &Map<String, Value>) -> Result<(), String> {
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

fn validate_slot_type(def: &Map<String, Value>) -> Result<(), String> {
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
fn build_failure(st: &State, def: &Map<String, Value>) -> Option<String> {
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

fn with_def(def: &Map<String, Value>) -> Map<String, Value> {
    def.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

// ---------------------------------------------------------------- bots

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

fn get_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn put_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn page_params(r: &Req) -> Result<(usize, Option<String>), ApiError> {
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

fn name_contains(r: &Req, name: &str) -> bool {
    r.query("nameContains")
        .is_none_or(|c| name.to_lowercase().contains(&c.to_lowercase()))
}

fn get_bots(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn get_bot_versions(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn create_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn delete_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn delete_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

// ---------------------------------------------------------------- aliases

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

fn put_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn get_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let bot_name = r.param("botName");
    let name = r.param("name");
    let a = st
        .live_bot(bot_name)
        .and_then(|b| b.aliases.get(name))
        .ok_or_else(|| not_found(format!("alias {name} of bot {bot_name} does not exist")))?;
    Ok(ok(Value::Object(alias_json(a, bot_name))))
}

fn get_bot_aliases(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn delete_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

// ---------------------------------------------------------------- intents and slot types

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Intent,
    SlotType,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Intent => "intent",
            Kind::SlotType => "slot type",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Intent => INTENT_FIELDS,
            Kind::SlotType => SLOT_TYPE_FIELDS,
        }
    }

    fn map(self, st: &mut State) -> &mut BTreeMap<String, Versioned> {
        match self {
            Kind::Intent => &mut st.intents,
            Kind::SlotType => &mut st.slot_types,
        }
    }

    fn validate(self, st: &State, def: &Map<String, Value>) -> Result<(), String> {
        match self {
            Kind::Intent => validate_intent(st, def),
            Kind::SlotType => validate_slot_type(def),
        }
    }
}

fn versioned_view(v: &Versioned, version: &str) -> Option<Map<String, Value>> {
    let mut m;
    if version == LATEST {
        m = with_def(&v.latest);
        m.insert("checksum".into(), json!(v.checksum));
        m.insert("createdDate".into(), epoch(v.created));
        m.insert("lastUpdatedDate".into(), epoch(v.updated));
    } else {
        let s = v.versions.get(&version.parse().ok()?)?;
        m = with_def(&s.def);
        m.insert("checksum".into(), json!(s.checksum));
        m.insert("createdDate".into(), epoch(s.created));
        m.insert("lastUpdatedDate".into(), epoch(s.created));
    }
    m.insert("name".into(), json!(v.name));
    m.insert("version".into(), json!(version));
    Some(m)
}

/// Publishes `$LATEST` as a new numbered version unless it is unchanged since the last one.
fn publish(v: &mut Versioned, now: OffsetDateTime) -> u32 {
    if let Some((n, s)) = v.versions.iter().next_back()
        && s.source == v.checksum
    {
        return *n;
    }
    v.last_version += 1;
    let s = Snap {
        def: v.latest.clone(),
        checksum: checksum(),
        source: v.checksum.clone(),
        created: now,
    };
    v.versions.insert(v.last_version, s);
    v.last_version
}

/// Writes `$LATEST` of an intent or slot type (no checksum checks: callers do them).
fn store_latest(
    st: &mut State,
    kind: Kind,
    name: &str,
    def: Map<String, Value>,
    now: OffsetDateTime,
) {
    let v = kind
        .map(st)
        .entry(name.to_string())
        .or_insert_with(|| Versioned {
            name: name.to_string(),
            latest: Map::new(),
            checksum: String::new(),
            created: now,
            updated: now,
            versions: BTreeMap::new(),
            last_version: 0,
        });
    v.latest = def;
    v.checksum = checksum();
    v.updated = now;
    if kind == Kind::Intent {
        st.intent_changed(name);
    }
}

fn put_versioned(w: &mut World, r: &Req, kind: Kind) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let name = r.param("name").to_string();
    if r.param("version") != LATEST {
        return Err(bad(format!(
            "Put of a {} only writes the $LATEST version",
            kind.label()
        )));
    }
    check_name(&format!("{} name", kind.label()), &name, 1, 100).map_err(bad)?;
    let body = Body::parse(r, INVALID)?;
    let given = body.opt_str("checksum")?;
    let create_version = body.opt_bool("createVersion")?.unwrap_or(false);
    let def = body.pick(kind.fields());
    kind.validate(st, &def).map_err(bad)?;
    let current = kind.map(st).get(&name).map(|v| v.checksum.clone());
    check_checksum(
        &format!("{} {name}", kind.label()),
        current.as_deref(),
        given.as_deref(),
    )?;
    store_latest(st, kind, &name, def, now);
    let v = kind
        .map(st)
        .get_mut(&name)
        .ok_or_else(|| bad("vanished".into()))?;
    let version = if create_version {
        publish(v, now).to_string()
    } else {
        LATEST.to_string()
    };
    let mut out = versioned_view(v, LATEST).unwrap_or_default();
    out.insert("version".into(), json!(version));
    out.insert("createVersion".into(), json!(create_version));
    Ok(ok(Value::Object(out)))
}

fn get_versioned(w: &mut World, r: &Req, kind: Kind) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    let version = r.param("version");
    let view = kind
        .map(st)
        .get(name)
        .and_then(|v| versioned_view(v, version))
        .ok_or_else(|| {
            not_found(format!(
                "{} {name} version {version} does not exist",
                kind.label()
            ))
        })?;
    Ok(ok(Value::Object(view)))
}

fn create_version(w: &mut World, r: &Req, kind: Kind) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let name = r.param("name");
    let body = Body::parse(r, INVALID)?;
    let given = body.opt_str("checksum")?.filter(|c| !c.is_empty());
    let v = kind
        .map(st)
        .get_mut(name)
        .ok_or_else(|| not_found(format!("{} {name} does not exist", kind.label())))?;
    if given.as_deref().is_some_and(|g| g != v.checksum) {
        return Err(precondition(format!(
            "the checksum does not match the $LATEST revision of {} {name}",
            kind.label()
        )));
    }
    let n = publish(v, now);
    let out = versioned_view(v, &n.to_string()).unwrap_or_default();
    Ok(ok(Value::Object(out)).with_status(201))
}

fn metadata(v: &Versioned, version: &str) -> Value {
    let (def, created, updated) = if version == LATEST {
        (&v.latest, v.created, v.updated)
    } else {
        match version.parse().ok().and_then(|n: u32| v.versions.get(&n)) {
            Some(s) => (&s.def, s.created, s.created),
            None => (&v.latest, v.created, v.updated),
        }
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(v.name));
    if let Some(d) = def.get("description") {
        m.insert("description".into(), d.clone());
    }
    m.insert("lastUpdatedDate".into(), epoch(updated));
    m.insert("createdDate".into(), epoch(created));
    m.insert("version".into(), json!(version));
    Value::Object(m)
}

fn list_versioned(w: &mut World, r: &Req, kind: Kind, key: &str) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let items: Vec<Value> = kind
        .map(st)
        .values()
        .filter(|v| name_contains(r, &v.name))
        .map(|v| metadata(v, LATEST))
        .collect();
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ key: page, "nextToken": next })))
}

fn list_versions_of(w: &mut World, r: &Req, kind: Kind, key: &str) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let name = r.param("name");
    let v = kind
        .map(st)
        .get(name)
        .ok_or_else(|| not_found(format!("{} {name} does not exist", kind.label())))?;
    let mut items = vec![metadata(v, LATEST)];
    items.extend(v.versions.keys().map(|n| metadata(v, &n.to_string())));
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ key: page, "nextToken": next })))
}

fn delete_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    if !st.intents.contains_key(name) {
        return Err(not_found(format!("intent {name} does not exist")));
    }
    for b in st.bots.values() {
        let uses_latest = intent_refs(&b.latest).any(|(n, _)| n == name);
        let version = if uses_latest {
            Some(LATEST.to_string())
        } else {
            b.versions
                .iter()
                .find(|(_, s)| intent_refs(&s.def).any(|(n, _)| n == name))
                .map(|(n, _)| n.to_string())
        };
        if let Some(v) = version {
            return Err(in_use(
                "Bot",
                &b.name,
                &v,
                format!("intent {name} is used by bot {} version {v}", b.name),
            ));
        }
    }
    st.intents.remove(name);
    Ok(Resp::empty().with_status(204))
}

fn delete_slot_type(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    if !st.slot_types.contains_key(name) {
        return Err(not_found(format!("slot type {name} does not exist")));
    }
    for i in st.intents.values() {
        let latest = slot_type_refs(&i.latest)
            .any(|(t, _)| t == name)
            .then(|| LATEST.to_string());
        let version = latest.or_else(|| {
            i.versions
                .iter()
                .find(|(_, s)| slot_type_refs(&s.def).any(|(t, _)| t == name))
                .map(|(n, _)| n.to_string())
        });
        if let Some(v) = version {
            return Err(in_use(
                "Intent",
                &i.name,
                &v,
                format!("slot type {name} is used by intent {} version {v}", i.name),
            ));
        }
    }
    st.slot_types.remove(name);
    Ok(Resp::empty().with_status(204))
}

macro_rules! kinded {
    ($name:ident, $f:ident, $kind:expr) => {
        fn $name(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
            $f(w, r, $kind)
        }
    };
    ($name:ident, $f:ident, $kind:expr, $key:literal) => {
        fn $name(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
            $f(w, r, $kind, $key)
        }
    };
}

kinded!(put_intent, put_versioned, Kind::Intent);
kinded!(get_intent, get_versioned, Kind::Intent);
kinded!(create_intent_version, create_version, Kind::Intent);
kinded!(get_intents, list_versioned, Kind::Intent, "intents");
kinded!(
    get_intent_versions,
    list_versions_of,
    Kind::Intent,
    "intents"
);
kinded!(put_slot_type, put_versioned, Kind::SlotType);
kinded!(get_slot_type, get_versioned, Kind::SlotType);
kinded!(create_slot_type_version, create_version, Kind::SlotType);
kinded!(get_slot_types, list_versioned, Kind::SlotType, "slotTypes");
kinded!(
    get_slot_type_versions,
    list_versions_of,
    Kind::SlotType,
    "slotTypes"
);

// ---------------------------------------------------------------- import

fn import_json(i: &Import, status: &str) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(n) = &i.name {
        m.insert("name".into(), json!(n));
    }
    m.insert("resourceType".into(), json!(i.resource_type));
    m.insert("mergeStrategy".into(), json!(i.merge_strategy));
    m.insert("importId".into(), json!(i.id));
    m.insert("importStatus".into(), json!(status));
    m.insert("createdDate".into(), epoch(i.created));
    m
}

fn start_import(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let id = w.next_id();
    let (st, now, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let payload = body.req_str("payload")?;
    let resource_type = body.req_str("resourceType")?;
    let merge = body.req_str("mergeStrategy")?;
    if !["BOT", "INTENT", "SLOT_TYPE"].contains(&resource_type.as_str()) {
        return Err(bad(format!(
            "resourceType {resource_type} must be BOT, INTENT or SLOT_TYPE"
        )));
    }
    let overwrite = match merge.as_str() {
        "OVERWRITE_LATEST" => true,
        "FAIL_ON_CONFLICT" => false,
        _ => {
            return Err(bad(format!(
                "mergeStrategy {merge} must be OVERWRITE_LATEST or FAIL_ON_CONFLICT"
            )));
        }
    };
    let tags = body.get("tags").cloned();
    if tags.is_some() && resource_type != "BOT" {
        return Err(bad("tags can only be set when importing a bot".into()));
    }
    use base64::Engine as _;
    let zip = base64::engine::general_purpose::STANDARD
        .decode(payload.as_bytes())
        .map_err(|e| bad(format!("payload is not valid base64: {e}")))?;
    let outcome = import::run(st, &zip, &resource_type, overwrite, tags.clone(), now);
    let (name, failures) = match outcome {
        Ok(name) => (Some(name), Vec::new()),
        Err((name, reasons)) => (name, reasons),
    };
    let imp = Import {
        id: id.clone(),
        name,
        resource_type,
        merge_strategy: merge,
        failures,
        tags: tags.unwrap_or(json!([])),
        created: now,
    };
    let mut out = import_json(&imp, "IN_PROGRESS");
    out.insert("tags".into(), imp.tags.clone());
    st.imports.insert(id, imp);
    Ok(ok(Value::Object(out)).with_status(201))
}

fn get_import(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let id = r.param("importId");
    let i = st
        .imports
        .get(id)
        .ok_or_else(|| not_found(format!("import {id} does not exist")))?;
    let mut out = import_json(
        i,
        if i.failures.is_empty() {
            "COMPLETE"
        } else {
            "FAILED"
        },
    );
    if !i.failures.is_empty() {
        out.insert("failureReason".into(), json!(i.failures));
    }
    Ok(ok(Value::Object(out)))
}

/// Declares each route twice: without the trailing `/` (the Rust SDK strips it) and with it
/// (the service model's URI, as botocore and the AWS CLI send it).
macro_rules! routes {
    ($(($m:literal, $p:literal, $op:literal, $mut:literal, $h:ident)),* $(,)?) => {
        &[ $(
            Route { method: $m, path: $p, operation: $op, mutating: $mut, handler: $h },
            Route { method: $m, path: concat!($p, "/"), operation: $op, mutating: $mut, handler: $h },
        )* ]
    };
}

/// Lex V1 route table.
pub static ROUTES: &[Route] = routes![
    ("POST", "/imports", "StartImport", true, start_import),
    ("GET", "/imports/{importId}", "GetImport", false, get_import),
    ("GET", "/bots", "GetBots", false, get_bots),
    (
        "GET",
        "/bots/{name}/versions",
        "GetBotVersions",
        false,
        get_bot_versions
    ),
    (
        "POST",
        "/bots/{name}/versions",
        "CreateBotVersion",
        true,
        create_bot_version
    ),
    (
        "GET",
        "/bots/{name}/versions/{versionoralias}",
        "GetBot",
        false,
        get_bot
    ),
    (
        "PUT",
        "/bots/{name}/versions/{version}",
        "PutBot",
        true,
        put_bot
    ),
    (
        "DELETE",
        "/bots/{name}/versions/{version}",
        "DeleteBotVersion",
        true,
        delete_bot_version
    ),
    ("DELETE", "/bots/{name}", "DeleteBot", true, delete_bot),
    (
        "GET",
        "/bots/{botName}/aliases",
        "GetBotAliases",
        false,
        get_bot_aliases
    ),
    (
        "GET",
        "/bots/{botName}/aliases/{name}",
        "GetBotAlias",
        false,
        get_bot_alias
    ),
    (
        "PUT",
        "/bots/{botName}/aliases/{name}",
        "PutBotAlias",
        true,
        put_bot_alias
    ),
    (
        "DELETE",
        "/bots/{botName}/aliases/{name}",
        "DeleteBotAlias",
        true,
        delete_bot_alias
    ),
    ("GET", "/intents", "GetIntents", false, get_intents),
    (
        "GET",
        "/intents/{name}/versions",
        "GetIntentVersions",
        false,
        get_intent_versions
    ),
    (
        "POST",
        "/intents/{name}/versions",
        "CreateIntentVersion",
        true,
        create_intent_version
    ),
    (
        "GET",
        "/intents/{name}/versions/{version}",
        "GetIntent",
        false,
        get_intent
    ),
    (
        "PUT",
        "/intents/{name}/versions/{version}",
        "PutIntent",
        true,
        put_intent
    ),
    (
        "DELETE",
        "/intents/{name}",
        "DeleteIntent",
        true,
        delete_intent
    ),
    ("GET", "/slottypes", "GetSlotTypes", false, get_slot_types),
    (
        "GET",
        "/slottypes/{name}/versions",
        "GetSlotTypeVersions",
        false,
        get_slot_type_versions
    ),
    (
        "POST",
        "/slottypes/{name}/versions",
        "CreateSlotTypeVersion",
        true,
        create_slot_type_version
    ),
    (
        "GET",
        "/slottypes/{name}/versions/{version}",
        "GetSlotType",
        false,
        get_slot_type
    ),
    (
        "PUT",
        "/slottypes/{name}/versions/{version}",
        "PutSlotType",
        true,
        put_slot_type
    ),
    (
        "DELETE",
        "/slottypes/{name}",
        "DeleteSlotType",
        true,
        delete_slot_type
    ),
];
