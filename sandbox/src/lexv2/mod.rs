//! Lex V2 model-building API emulation (models.lex.v2 2020-08-07): bots, locales, intents,
//! asynchronous locale builds, numbered versions and aliases, on the restJson1 wire format the
//! aws-sdk-lexmodelsv2 and botocore clients speak. Strictness choices are listed in `sandbox/README.md`.
use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::core::{ApiError, Req, Resp, Route, World};

use crate::input::{Body, Invalid, check_len, max_results, ok, paginate};
use crate::lex::{epoch, is_v2_name, short_id};

const INVALID: Invalid = Invalid::LEX_V2;
const TEST_ALIAS_ID: &str = "TSTALIASID";
const TEST_ALIAS_NAME: &str = "TestBotAlias";
const FALLBACK_ID: &str = "FALLBCKINT";
const MAX_VERSIONS: usize = 100;

/// Locale ids Lex V2 supports, with the names it reports.
const LOCALES: &[(&str, &str)] = &[
    ("ar_AE", "Gulf Arabic (UAE)"),
    ("ca_ES", "Catalan (Spain)"),
    ("de_AT", "German (Austria)"),
    ("de_DE", "German (DE)"),
    ("en_AU", "English (AU)"),
    ("en_GB", "English (GB)"),
    ("en_IE", "English (IE)"),
    ("en_IN", "English (IN)"),
    ("en_NZ", "English (NZ)"),
    ("en_US", "English (US)"),
    ("en_ZA", "English (ZA)"),
    ("es_419", "Spanish (LATAM)"),
    ("es_ES", "Spanish (ES)"),
    ("es_US", "Spanish (US)"),
    ("fr_CA", "French (CA)"),
    ("fr_FR", "French (FR)"),
    ("it_IT", "Italian (IT)"),
    ("ja_JP", "Japanese (JP)"),
    ("ko_KR", "Korean (KR)"),
    ("nl_NL", "Dutch (NL)"),
    ("pt_BR", "Portuguese (BR)"),
    ("pt_PT", "Portuguese (PT)"),
    ("zh_CN", "Mandarin (PRC)"),
];

/// Locale settings passed through unchanged (stored and echoed).
const LOCALE_SETTINGS: &[&str] = &[
    "voiceSettings",
    "unifiedSpeechSettings",
    "audioFillerSettings",
    "speechRecognitionSettings",
    "generativeAISettings",
    "speechDetectionSensitivity",
    "speakerDiarizationSettings",
];

/// Intent members stored and echoed as given.
const INTENT_FIELDS: &[&str] = &[
    "intentDisplayName",
    "description",
    "parentIntentSignature",
    "sampleUtterances",
    "dialogCodeHook",
    "fulfillmentCodeHook",
    "slotPriorities",
    "intentConfirmationSetting",
    "intentClosingSetting",
    "inputContexts",
    "outputContexts",
    "kendraConfiguration",
    "initialResponseSetting",
    "qnAIntentConfiguration",
    "qInConnectIntentConfiguration",
];

/// A bot alias as a Connect test-case execution sees it: per usable locale, the intents (not the
/// fallback intent) with their sample utterances. See [`State::alias_model`].
#[derive(Debug, Clone, Default)]
pub struct AliasModel {
    /// Locale id (`en_US`) → `(intent name, sample utterances)` in intent-name order.
    pub locales: BTreeMap<String, Vec<(String, Vec<String>)>>,
}

/// In-memory Lex V2 state.
#[derive(Default)]
pub struct State {
    bots: BTreeMap<String, Bot>,
}

struct Bot {
    id: String,
    name: String,
    description: Option<String>,
    role_arn: String,
    data_privacy: Value,
    idle_ttl: i64,
    extra: Map<String, Value>,
    tags: Value,
    created: OffsetDateTime,
    updated: OffsetDateTime,
    /// Set by DeleteBot; the bot disappears one build duration later.
    deleting_since: Option<OffsetDateTime>,
    draft: BTreeMap<String, Locale>,
    versions: BTreeMap<u32, BotVersion>,
    /// Highest version number ever issued (numbers are never reused).
    last_version: u32,
    aliases: BTreeMap<String, Alias>,
}

#[derive(Clone)]
struct Locale {
    id: String,
    description: Option<String>,
    threshold: f64,
    settings: Map<String, Value>,
    created: OffsetDateTime,
    updated: OffsetDateTime,
    status: LocaleStatus,
    last_build: Option<OffsetDateTime>,
    history: Vec<(String, OffsetDateTime)>,
    intents: BTreeMap<String, Intent>,
}

#[derive(Clone, PartialEq)]
enum LocaleStatus {
    NotBuilt,
    /// Building until `until`; the outcome (failure reasons, empty = success) is fixed at submission.
    Building {
        until: OffsetDateTime,
        failures: Vec<String>,
    },
    Built,
    Failed(Vec<String>),
}

#[derive(Clone)]
struct Intent {
    id: String,
    name: String,
    fields: Map<String, Value>,
    created: OffsetDateTime,
    updated: OffsetDateTime,
}

struct BotVersion {
    number: u32,
    description: Option<String>,
    bot_name: String,
    role_arn: String,
    data_privacy: Value,
    idle_ttl: i64,
    extra: Map<String, Value>,
    locales: BTreeMap<String, Locale>,
    created: OffsetDateTime,
}

struct Alias {
    id: String,
    name: String,
    description: Option<String>,
    bot_version: Option<String>,
    settings: Map<String, Value>,
    tags: Value,
    created: OffsetDateTime,
    updated: OffsetDateTime,
    /// (version, start, end) for DescribeBotAlias's history.
    history: Vec<(String, OffsetDateTime, Option<OffsetDateTime>)>,
}

impl State {
    /// Whether `alias_arn` (`arn:aws:lex:{region}:{account}:bot-alias/{botId}/{aliasId}`) names an
    /// alias of a live bot in this sandbox's `region` and `account`.
    pub fn alias_exists_in(&self, region: &str, account: &str, alias_arn: &str) -> bool {
        let prefix = format!("arn:aws:lex:{region}:{account}:bot-alias/");
        let Some(rest) = alias_arn.strip_prefix(&prefix) else {
            return false;
        };
        let Some((bot_id, alias_id)) = rest.split_once('/') else {
            return false;
        };
        self.bots
            .get(bot_id)
            .is_some_and(|b| b.deleting_since.is_none() && b.aliases.contains_key(alias_id))
    }

    /// Whether `alias_arn` names an alias of a live bot, whatever region and account the ARN
    /// carries (use [`State::alias_exists_in`] to also check them).
    pub fn alias_exists(&self, alias_arn: &str) -> bool {
        let parts: Vec<&str> = alias_arn.splitn(6, ':').collect();
        if parts.len() != 6 {
            return false;
        }
        self.alias_exists_in(parts[3], parts[4], alias_arn)
    }

    /// Moves time-driven states forward: finished builds, finished bot deletions.
    fn settle(&mut self, now: OffsetDateTime, build: Duration) {
        self.bots
            .retain(|_, b| b.deleting_since.is_none_or(|t| now < t + build));
        for bot in self.bots.values_mut() {
            for loc in bot.draft.values_mut() {
                if let LocaleStatus::Building { until, failures } = &loc.status
                    && now >= *until
                {
                    let done = *until;
                    loc.status = if failures.is_empty() {
                        loc.history.push(("Built".into(), done));
                        LocaleStatus::Built
                    } else {
                        loc.history.push(("Failed".into(), done));
                        LocaleStatus::Failed(failures.clone())
                    };
                }
            }
        }
    }

    /// What a Connect test-case execution needs of a bot alias: for every locale the alias can
    /// serve, its intents and their sample utterances (the built version the alias points at;
    /// `TestBotAlias` serves the DRAFT, which must be `Built`). Numbered aliases serve only the
    /// locales their `botAliasLocaleSettings` enable. `Err` says why the alias cannot answer.
    pub fn alias_model(
        &mut self,
        now: OffsetDateTime,
        build: Duration,
        region: &str,
        account: &str,
        alias_arn: &str,
    ) -> Result<AliasModel, String> {
        self.settle(now, build);
        if !self.alias_exists_in(region, account, alias_arn) {
            return Err(format!("no Lex V2 bot alias {alias_arn} in {region}"));
        }
        let rest = alias_arn.rsplit("bot-alias/").next().unwrap_or_default();
        let (bot_id, alias_id) = rest.split_once('/').unwrap_or_default();
        let bot = &self.bots[bot_id];
        let alias = &bot.aliases[alias_id];
        let version = alias
            .bot_version
            .clone()
            .ok_or_else(|| format!("alias {alias_arn} points at no bot version"))?;
        let (locales, draft) = if version == "DRAFT" {
            (&bot.draft, true)
        } else {
            let n: u32 = version.parse().unwrap_or_default();
            match bot.versions.get(&n) {
                Some(v) => (&v.locales, false),
                None => return Err(format!("version {version} of bot {bot_id} does not exist")),
            }
        };
        let mut out = AliasModel::default();
        for (lid, l) in locales {
            if draft && l.status != LocaleStatus::Built {
                continue;
            }
            if alias.id != TEST_ALIAS_ID
                && alias
                    .settings
                    .get("botAliasLocaleSettings")
                    .and_then(|s| s.get(lid))
                    .and_then(|s| s.get("enabled"))
                    .and_then(Value::as_bool)
                    != Some(true)
            {
                continue;
            }
            let intents = l
                .intents
                .values()
                .filter(|i| {
                    i.fields
                        .get("parentIntentSignature")
                        .and_then(Value::as_str)
                        != Some("AMAZON.FallbackIntent")
                })
                .map(|i| {
                    let utterances = i
                        .fields
                        .get("sampleUtterances")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter_map(|u| u.get("utterance").and_then(Value::as_str))
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    (i.name.clone(), utterances)
                })
                .collect::<Vec<(String, Vec<String>)>>();
            let mut intents = intents;
            intents.sort_by(|a, b| a.0.cmp(&b.0));
            out.locales.insert(lid.clone(), intents);
        }
        Ok(out)
    }

    fn bot_names(&self) -> impl Iterator<Item = &str> {
        self.bots.values().map(|b| b.name.as_str())
    }
}

impl crate::core::Snapshot for State {
    fn snapshot(&self) -> Value {
        let bots: Vec<Value> = self
            .bots
            .values()
            .map(|b| {
                json!({
                    "botId": b.id,
                    "botName": b.name,
                    "botStatus": bot_status(b),
                    "botTags": b.tags,
                    "locales": b.draft.iter().map(|(k, l)| (k.clone(), json!({
                        "botLocaleStatus": locale_status_name(&l.status),
                        "intents": l.intents.values().map(|i| i.name.clone()).collect::<Vec<_>>(),
                    }))).collect::<Map<String, Value>>(),
                    "versions": b.versions.keys().map(|v| v.to_string()).collect::<Vec<_>>(),
                    "aliases": b.aliases.values().map(|a| json!({
                        "botAliasId": a.id, "botAliasName": a.name, "botVersion": a.bot_version, "tags": a.tags,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "bots": bots })
    }
}

fn bot_status(b: &Bot) -> &'static str {
    if b.deleting_since.is_some() {
        "Deleting"
    } else {
        "Available"
    }
}

fn locale_status_name(s: &LocaleStatus) -> &'static str {
    match s {
        LocaleStatus::NotBuilt => "NotBuilt",
        LocaleStatus::Building { .. } => "Building",
        LocaleStatus::Built => "Built",
        LocaleStatus::Failed(_) => "Failed",
    }
}

fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", msg)
}

fn precondition(msg: impl Into<String>) -> ApiError {
    ApiError::new(412, "PreconditionFailedException", msg)
}

fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", msg)
}

/// Prepares a handler: settles time-driven state and returns it with the current time.
fn enter(w: &mut World) -> (&mut State, OffsetDateTime) {
    let now = w.now();
    let build = w.config.lex_build_duration;
    w.lexv2.settle(now, build);
    (&mut w.lexv2, now)
}

/// Whether an operation reads or changes: unknown resources are ResourceNotFoundException for
/// reads (the only operations that model it) and PreconditionFailedException for changes.
#[derive(Clone, Copy, PartialEq)]
enum Access {
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

fn bot<'a>(st: &'a State, id: &str, access: Access) -> Result<&'a Bot, ApiError> {
    check_id("botId", id)?;
    st.bots
        .get(id)
        .ok_or_else(|| missing(access, format!("bot {id} does not exist")))
}

/// A bot that may be changed: it exists and is not being deleted.
fn bot_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Bot, ApiError> {
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

fn check_draft(version: &str) -> Result<(), ApiError> {
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

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit())
}

/// The locales of `version` (DRAFT or a number) of a bot.
fn version_locales<'a>(
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

fn locale_name(id: &str) -> Option<&'static str> {
    LOCALES.iter().find(|(l, _)| *l == id).map(|(_, n)| *n)
}

fn check_description(d: &Option<String>) -> Result<(), ApiError> {
    if let Some(d) = d {
        check_len(INVALID, "description", d, 0, 2000)?;
    }
    Ok(())
}

fn check_v2_name(what: &str, name: &str) -> Result<(), ApiError> {
    check_len(INVALID, what, name, 1, 100)?;
    if !is_v2_name(name) {
        return Err(INVALID.err(format!(
            "{what} {name:?} must match ^([0-9a-zA-Z][_-]?){{1,100}}$"
        )));
    }
    Ok(())
}

fn max_of(b: &Body, default: usize) -> Result<usize, ApiError> {
    max_results(INVALID, b.opt_i64("maxResults")?, 1000, default)
}

/// Applies ListX `filters` (`name`, `values`, `operator` in CO/EQ/NE) to a string attribute.
fn filter_matches(
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
fn sort_of(b: &Body, allowed: &[&str]) -> Result<Option<(String, bool)>, ApiError> {
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

fn insert_opt(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v);
    }
}

// ---------------------------------------------------------------- bots

fn bot_json(b: &Bot) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("botId".into(), json!(b.id));
    m.insert("botName".into(), json!(b.name));
    insert_opt(
        &mut m,
        "description",
        b.description.clone().map(Value::from),
    );
    m.insert("roleArn".into(), json!(b.role_arn));
    m.insert("dataPrivacy".into(), b.data_privacy.clone());
    m.insert("idleSessionTTLInSeconds".into(), json!(b.idle_ttl));
    m.insert("botStatus".into(), json!(bot_status(b)));
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
    let idle_ttl = b
        .opt_i64("idleSessionTTLInSeconds")?
        .ok_or_else(|| INVALID.err("idleSessionTTLInSeconds is required"))?;
    if !(60..=86400).contains(&idle_ttl) {
        return Err(INVALID.err(format!(
            "idleSessionTTLInSeconds must be between 60 and 86400, got {idle_ttl}"
        )));
    }
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

fn create_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
    let mut id = short_id();
    while st.bots.contains_key(&id) {
        id = short_id();
    }
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

fn describe_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let mut out = bot_json(b);
    out.insert("lastUpdatedDateTime".into(), epoch(b.updated));
    Ok(ok(Value::Object(out)))
}

fn update_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn skip_in_use(r: &Req) -> Result<bool, ApiError> {
    match r.query("skipResourceInUseCheck") {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(v) => Err(INVALID.err(format!(
            "skipResourceInUseCheck must be true or false, got {v}"
        ))),
    }
}

fn delete_bot(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn list_bots(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
            let mut m = Map::new();
            m.insert("botId".into(), json!(b.id));
            m.insert("botName".into(), json!(b.name));
            insert_opt(
                &mut m,
                "description",
                b.description.clone().map(Value::from),
            );
            m.insert("botStatus".into(), json!(bot_status(b)));
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
    let (page, next) = paginate(
        INVALID,
        summaries,
        max,
        body.opt_str("nextToken")?.as_deref(),
    )?;
    Ok(ok(json!({ "botSummaries": page, "nextToken": next })))
}

// ---------------------------------------------------------------- locales

fn locale_json(bot_id: &str, version: &str, l: &Locale) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("botId".into(), json!(bot_id));
    m.insert("botVersion".into(), json!(version));
    m.insert("localeId".into(), json!(l.id));
    m.insert("localeName".into(), json!(locale_name(&l.id).unwrap_or("")));
    insert_opt(
        &mut m,
        "description",
        l.description.clone().map(Value::from),
    );
    m.insert("nluIntentConfidenceThreshold".into(), json!(l.threshold));
    for (k, v) in &l.settings {
        m.insert(k.clone(), v.clone());
    }
    m.insert(
        "botLocaleStatus".into(),
        json!(locale_status_name(&l.status)),
    );
    m.insert("creationDateTime".into(), epoch(l.created));
    m
}

/// Description, confidence threshold and pass-through settings of a locale request.
type LocaleInput = (Option<String>, f64, Map<String, Value>);

fn locale_input(b: &Body) -> Result<LocaleInput, ApiError> {
    let description = b.opt_str("description")?;
    check_description(&description)?;
    let threshold = b
        .opt_f64("nluIntentConfidenceThreshold")?
        .ok_or_else(|| INVALID.err("nluIntentConfidenceThreshold is required"))?;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(INVALID.err(format!(
            "nluIntentConfidenceThreshold must be between 0 and 1, got {threshold}"
        )));
    }
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
    fields.insert(
        "parentIntentSignature".into(),
        json!("AMAZON.FallbackIntent"),
    );
    Intent {
        id: FALLBACK_ID.into(),
        name: "FallbackIntent".into(),
        fields,
        created: now,
        updated: now,
    }
}

fn create_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn describe_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let locales = version_locales(b, version, Access::Read)?;
    let lid = r.param("localeId");
    let l = locales.get(lid).ok_or_else(|| {
        not_found(format!(
            "locale {lid} does not exist in version {version} of bot {}",
            b.id
        ))
    })?;
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
fn touch_locale(l: &mut Locale, now: OffsetDateTime) -> Result<(), ApiError> {
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

fn draft_locale<'a>(b: &'a mut Bot, lid: &str) -> Result<&'a mut Locale, ApiError> {
    let id = b.id.clone();
    b.draft
        .get_mut(lid)
        .ok_or_else(|| precondition(format!("locale {lid} does not exist in bot {id}")))
}

fn update_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn delete_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn list_bot_locales(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
            m.insert("lastUpdatedDateTime".into(), epoch(l.updated));
            insert_opt(
                &mut m,
                "lastBuildSubmittedDateTime",
                l.last_build.map(epoch),
            );
            Value::Object(m)
        })
        .collect();
    let (page, next) = paginate(
        INVALID,
        summaries,
        max,
        body.opt_str("nextToken")?.as_deref(),
    )?;
    Ok(ok(
        json!({ "botId": b.id, "botVersion": version, "botLocaleSummaries": page, "nextToken": next }),
    ))
}

/// Why a locale cannot build (empty when it can): it needs an intent besides the fallback, and
/// every intent that is not built-in needs at least one sample utterance.
fn build_failures(l: &Locale) -> Vec<String> {
    let mut reasons = Vec::new();
    let custom: Vec<&Intent> = l
        .intents
        .values()
        .filter(|i| {
            i.fields
                .get("parentIntentSignature")
                .and_then(Value::as_str)
                != Some("AMAZON.FallbackIntent")
        })
        .collect();
    if custom.is_empty() {
        reasons.push(format!(
            "Failed to build the bot locale {}: it must contain at least one intent other than the fallback intent",
            l.id
        ));
    }
    for i in custom {
        let builtin = i
            .fields
            .get("parentIntentSignature")
            .and_then(Value::as_str)
            .is_some();
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

fn build_bot_locale(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

// ---------------------------------------------------------------- intents

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

fn create_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    check_draft(r.param("botVersion"))?;
    let (name, fields) = intent_input(&body)?;
    if fields.get("parentIntentSignature").and_then(Value::as_str) == Some("AMAZON.FallbackIntent")
    {
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
    let mut id = short_id();
    while l.intents.contains_key(&id) {
        id = short_id();
    }
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

fn describe_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let lid = r.param("localeId");
    let l = version_locales(b, version, Access::Read)?
        .get(lid)
        .ok_or_else(|| {
            not_found(format!(
                "locale {lid} does not exist in version {version} of bot {}",
                b.id
            ))
        })?;
    let iid = r.param("intentId");
    let i = l
        .intents
        .get(iid)
        .ok_or_else(|| not_found(format!("intent {iid} does not exist in locale {lid}")))?;
    let mut out = intent_json(&b.id, version, lid, i);
    out.insert("lastUpdatedDateTime".into(), epoch(i.updated));
    Ok(ok(Value::Object(out)))
}

fn update_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
        i.fields.insert(
            "parentIntentSignature".into(),
            json!("AMAZON.FallbackIntent"),
        );
    }
    i.updated = now;
    let mut out = intent_json(&bot_id, "DRAFT", &lid, i);
    out.insert("lastUpdatedDateTime".into(), epoch(i.updated));
    Ok(ok(Value::Object(out)))
}

fn delete_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn list_intents(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let filters = body.opt_arr("filters")?;
    let sort = sort_of(&body, &["IntentName", "LastUpdatedDateTime"])?;
    let b = bot(st, r.param("botId"), Access::Read)?;
    let version = r.param("botVersion");
    let lid = r.param("localeId");
    let l = version_locales(b, version, Access::Read)?
        .get(lid)
        .ok_or_else(|| {
            not_found(format!(
                "locale {lid} does not exist in version {version} of bot {}",
                b.id
            ))
        })?;
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
    let (page, next) = paginate(
        INVALID,
        summaries,
        max,
        body.opt_str("nextToken")?.as_deref(),
    )?;
    Ok(ok(json!({
        "botId": b.id, "botVersion": version, "localeId": lid, "intentSummaries": page, "nextToken": next,
    })))
}

// ---------------------------------------------------------------- versions

fn create_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
        let from = version_locales(b, source, Access::Write)?;
        let l = from.get(lid).ok_or_else(|| {
            precondition(format!(
                "locale {lid} does not exist in version {source} of bot {}",
                b.id
            ))
        })?;
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

fn numbered(version: &str) -> Result<u32, ApiError> {
    if !is_number(version) {
        return Err(INVALID.err(format!(
            "botVersion must be a version number, got {version}"
        )));
    }
    version
        .parse()
        .map_err(|_| INVALID.err("botVersion is not a number"))
}

fn describe_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
    m.insert(
        "botStatus".into(),
        json!(if b.deleting_since.is_some() {
            "Deleting"
        } else {
            "Available"
        }),
    );
    m.insert("creationDateTime".into(), epoch(v.created));
    for (k, x) in &v.extra {
        m.insert(k.clone(), x.clone());
    }
    // DescribeBotVersion's output shape has no botVersionLocaleSpecification (only
    // CreateBotVersion's does): the version's locales are read with ListBotLocales.
    Ok(ok(Value::Object(m)))
}

fn list_bot_versions(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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
    let (page, next) = paginate(INVALID, items, max, body.opt_str("nextToken")?.as_deref())?;
    Ok(ok(
        json!({ "botId": b.id, "botVersionSummaries": page, "nextToken": next }),
    ))
}

fn delete_bot_version(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

// ---------------------------------------------------------------- aliases

fn alias_json(bot_id: &str, a: &Alias) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("botAliasId".into(), json!(a.id));
    m.insert("botAliasName".into(), json!(a.name));
    insert_opt(
        &mut m,
        "description",
        a.description.clone().map(Value::from),
    );
    insert_opt(&mut m, "botVersion", a.bot_version.clone().map(Value::from));
    for (k, v) in &a.settings {
        m.insert(k.clone(), v.clone());
    }
    m.insert("botAliasStatus".into(), json!("Available"));
    m.insert("botId".into(), json!(bot_id));
    m.insert("creationDateTime".into(), epoch(a.created));
    m
}

const ALIAS_SETTINGS: &[&str] = &[
    "botAliasLocaleSettings",
    "conversationLogSettings",
    "sentimentAnalysisSettings",
];

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

fn create_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let name = body.req_str("botAliasName")?;
    check_v2_name("botAliasName", &name)?;
    let description = body.opt_str("description")?;
    check_description(&description)?;
    let b = bot_mut(st, r.param("botId"))?;
    let version = alias_target(b, &body, false)?;
    if b.aliases.values().any(|a| a.name == name) {
        return Err(conflict(format!(
            "an alias named {name} already exists for bot {}",
            b.id
        )));
    }
    let mut id = short_id();
    while b.aliases.contains_key(&id) {
        id = short_id();
    }
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

fn describe_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
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

fn update_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, now) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let name = body.req_str("botAliasName")?;
    check_v2_name("botAliasName", &name)?;
    let description = body.opt_str("description")?;
    check_description(&description)?;
    let b = bot_mut(st, r.param("botId"))?;
    let aid = r.param("botAliasId").to_string();
    if !b.aliases.contains_key(&aid) {
        return Err(precondition(format!(
            "alias {aid} of bot {} does not exist",
            b.id
        )));
    }
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

fn delete_bot_alias(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    skip_in_use(r)?;
    let b = bot_mut(st, r.param("botId"))?;
    let aid = r.param("botAliasId").to_string();
    if !b.aliases.contains_key(&aid) {
        return Err(precondition(format!(
            "alias {aid} of bot {} does not exist",
            b.id
        )));
    }
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

fn list_bot_aliases(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let max = max_of(&body, 10)?;
    let b = bot(st, r.param("botId"), Access::Read)?;
    let mut aliases: Vec<&Alias> = b.aliases.values().collect();
    aliases.sort_by(|x, y| x.name.cmp(&y.name));
    let items: Vec<Value> = aliases
        .into_iter()
        .map(|a| {
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
            m.insert("lastUpdatedDateTime".into(), epoch(a.updated));
            Value::Object(m)
        })
        .collect();
    let (page, next) = paginate(INVALID, items, max, body.opt_str("nextToken")?.as_deref())?;
    Ok(ok(
        json!({ "botAliasSummaries": page, "nextToken": next, "botId": b.id }),
    ))
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

/// Lex V2 route table.
pub static ROUTES: &[Route] = routes![
    ("PUT", "/bots", "CreateBot", true, create_bot),
    ("POST", "/bots", "ListBots", false, list_bots),
    ("GET", "/bots/{botId}", "DescribeBot", false, describe_bot),
    ("PUT", "/bots/{botId}", "UpdateBot", true, update_bot),
    ("DELETE", "/bots/{botId}", "DeleteBot", true, delete_bot),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales",
        "CreateBotLocale",
        true,
        create_bot_locale
    ),
    (
        "POST",
        "/bots/{botId}/botversions/{botVersion}/botlocales",
        "ListBotLocales",
        false,
        list_bot_locales
    ),
    (
        "GET",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "DescribeBotLocale",
        false,
        describe_bot_locale
    ),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "UpdateBotLocale",
        true,
        update_bot_locale
    ),
    (
        "DELETE",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "DeleteBotLocale",
        true,
        delete_bot_locale
    ),
    (
        "POST",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "BuildBotLocale",
        true,
        build_bot_locale
    ),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents",
        "CreateIntent",
        true,
        create_intent
    ),
    (
        "POST",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents",
        "ListIntents",
        false,
        list_intents
    ),
    (
        "GET",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents/{intentId}",
        "DescribeIntent",
        false,
        describe_intent
    ),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents/{intentId}",
        "UpdateIntent",
        true,
        update_intent
    ),
    (
        "DELETE",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents/{intentId}",
        "DeleteIntent",
        true,
        delete_intent
    ),
    (
        "PUT",
        "/bots/{botId}/botversions",
        "CreateBotVersion",
        true,
        create_bot_version
    ),
    (
        "POST",
        "/bots/{botId}/botversions",
        "ListBotVersions",
        false,
        list_bot_versions
    ),
    (
        "GET",
        "/bots/{botId}/botversions/{botVersion}",
        "DescribeBotVersion",
        false,
        describe_bot_version
    ),
    (
        "DELETE",
        "/bots/{botId}/botversions/{botVersion}",
        "DeleteBotVersion",
        true,
        delete_bot_version
    ),
    (
        "PUT",
        "/bots/{botId}/botaliases",
        "CreateBotAlias",
        true,
        create_bot_alias
    ),
    (
        "POST",
        "/bots/{botId}/botaliases",
        "ListBotAliases",
        false,
        list_bot_aliases
    ),
    (
        "GET",
        "/bots/{botId}/botaliases/{botAliasId}",
        "DescribeBotAlias",
        false,
        describe_bot_alias
    ),
    (
        "PUT",
        "/bots/{botId}/botaliases/{botAliasId}",
        "UpdateBotAlias",
        true,
        update_bot_alias
    ),
    (
        "DELETE",
        "/bots/{botId}/botaliases/{botAliasId}",
        "DeleteBotAlias",
        true,
        delete_bot_alias
    ),
];
