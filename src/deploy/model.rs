//! The deployment model: what a deployment is made with, as plain values. Each setting is
//! defined once here (its name, default, range and meaning); the command line, the config file,
//! the deployment record and `status` all read these definitions.
//!
//! This module knows nothing of clap: the command-line enums convert into these with `From`.

use returns_lambdas::contract::{self, Bounds};
use serde::{Deserialize, Serialize};

use crate::assets::{BotLanguage, CallExperience, Menu, Prompts, Voice};
use crate::error::UserError;

/// Which solution(s) a command acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolutionChoice {
    ReturningCallers,
    Callbacks,
    All,
}

impl SolutionChoice {
    pub fn id(self) -> &'static str {
        match self {
            SolutionChoice::ReturningCallers => "returning-callers",
            SolutionChoice::Callbacks => "callbacks",
            SolutionChoice::All => "all",
        }
    }

    /// The part of `self` that `within` also covers (destroy `--solution` of a recorded `all`).
    pub fn narrowed_to(self, within: SolutionChoice) -> Option<SolutionChoice> {
        use SolutionChoice::*;
        match (self, within) {
            (All, other) | (other, All) => Some(other),
            (a, b) if a == b => Some(a),
            _ => None,
        }
    }
}

/// The Lex version of the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LexVersion {
    V2,
    V1,
}

/// The default deployment name (the blog's stack name).
pub const DEFAULT_NAME: &str = "returnCaller";
/// Hours of operation of the new queues when none are given.
pub const DEFAULT_HOURS: &str = "Basic Hours";
/// Minutes a caller counts as returning: the DynamoDB TTL of a call record. One definition,
/// shared with the handler's parser (`returns_lambdas::contract`), and checked against the
/// template's `RecordTTL` parameter by `validate`.
pub const RECORD_TTL_MINUTES: Bounds = contract::RECORD_TTL_MINUTES;
/// Hours a callback record is kept (template parameter `CallbackTTLHours`).
pub const CALLBACK_TTL_HOURS: Bounds = contract::CALLBACK_TTL_HOURS;

/// The settings a deployment is made with (flags, environment, config file, record and
/// defaults already merged). Serialised into the deployment record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Settings {
    pub name: String,
    pub solution: SolutionChoice,
    pub lex: LexVersion,
    pub prefix: String,
    pub hours: String,
    pub callback_queue: String,
    pub ctr_stream: Option<String>,
    pub phone_number: Option<String>,
    pub callback_phone_number: Option<String>,
    pub record_ttl_minutes: i64,
    pub callback_ttl_hours: i64,
    /// The IAM role CloudFormation assumes to change the stacks (`--cfn-service-role`); `None`:
    /// CloudFormation uses the caller's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfn_service_role: Option<String>,
    /// The returning-caller menu: its queues, their keys and wording (config file `[[queues]]`
    /// and `[menu]`); left out of the record when it is the blog's.
    #[serde(default, skip_serializing_if = "Menu::is_blogs")]
    pub menu: Menu,
    /// The config file's own wording of prompts (`[prompts.<flow>]`), by flow and action.
    #[serde(default, skip_serializing_if = "Prompts::is_empty")]
    pub prompts: Prompts,
    /// The text-to-speech voice of the flows (`[voice]`); left out when it is the blog's.
    #[serde(default, skip_serializing_if = "Voice::is_default")]
    pub voice: Voice,
    /// The Lex bot's locale and utterances (`[bot]`); left out when it is the shipped bot.
    #[serde(default, skip_serializing_if = "BotLanguage::is_default")]
    pub bot: BotLanguage,
    /// The sha256 of the assets directory the flows and bot came from (`--assets DIR`); `None`:
    /// the ones built into the tool. Never inherited from a record: `status` without `--assets`
    /// compares with the built-in assets and says the deployment was made from a directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assets: Option<String>,
    /// An existing routing profile the menu's queues are added to (`--routing-profile`); `None`:
    /// the solution creates its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_profile: Option<String>,
    /// The priority of the menu's queues on VOICE in the routing profile (`--routing-priority`).
    #[serde(
        default = "default_routing_priority",
        skip_serializing_if = "is_default_routing_priority"
    )]
    pub routing_priority: i64,
    /// `--adopt` is a permission for one run, not a property of the deployment.
    #[serde(skip)]
    pub adopt: bool,
}

/// Settings one invocation asks for; `None` means "not given" (then the deployment record or
/// the default decides). Built by the commands from flags, environment and config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intent {
    pub solution: Option<SolutionChoice>,
    pub lex: Option<LexVersion>,
    pub prefix: Option<String>,
    pub hours: Option<String>,
    pub callback_queue: Option<String>,
    pub ctr_stream: Option<String>,
    pub phone_number: Option<String>,
    pub callback_phone_number: Option<String>,
    pub record_ttl_minutes: Option<i64>,
    pub callback_ttl_hours: Option<i64>,
    pub cfn_service_role: Option<String>,
    pub menu: Option<Menu>,
    pub prompts: Option<Prompts>,
    pub voice: Option<Voice>,
    pub bot: Option<BotLanguage>,
    pub assets: Option<String>,
    pub routing_profile: Option<String>,
    pub routing_priority: Option<i64>,
}

/// The blog's priority for the solution's queues in a routing profile.
pub const DEFAULT_ROUTING_PRIORITY: i64 = 2;
/// The priorities Amazon Connect accepts for a queue in a routing profile.
pub const ROUTING_PRIORITIES: std::ops::RangeInclusive<i64> = 1..=99;

fn default_routing_priority() -> i64 {
    DEFAULT_ROUTING_PRIORITY
}

fn is_default_routing_priority(priority: &i64) -> bool {
    *priority == DEFAULT_ROUTING_PRIORITY
}

impl Intent {
    /// `base` with every given value of `self` on top.
    pub fn over(&self, base: &Settings) -> Settings {
        Settings {
            name: base.name.clone(),
            solution: self.solution.unwrap_or(base.solution),
            lex: self.lex.unwrap_or(base.lex),
            prefix: self.prefix.clone().unwrap_or_else(|| base.prefix.clone()),
            hours: self.hours.clone().unwrap_or_else(|| base.hours.clone()),
            callback_queue: self
                .callback_queue
                .clone()
                .unwrap_or_else(|| base.callback_queue.clone()),
            ctr_stream: self.ctr_stream.clone().or_else(|| base.ctr_stream.clone()),
            phone_number: self
                .phone_number
                .clone()
                .or_else(|| base.phone_number.clone()),
            callback_phone_number: self
                .callback_phone_number
                .clone()
                .or_else(|| base.callback_phone_number.clone()),
            record_ttl_minutes: self.record_ttl_minutes.unwrap_or(base.record_ttl_minutes),
            callback_ttl_hours: self.callback_ttl_hours.unwrap_or(base.callback_ttl_hours),
            cfn_service_role: self
                .cfn_service_role
                .clone()
                .or_else(|| base.cfn_service_role.clone()),
            menu: self.menu.clone().unwrap_or_else(|| base.menu.clone()),
            prompts: self.prompts.clone().unwrap_or_else(|| base.prompts.clone()),
            voice: self.voice.clone().unwrap_or_else(|| base.voice.clone()),
            bot: self.bot.clone().unwrap_or_else(|| base.bot.clone()),
            assets: self.assets.clone(),
            routing_profile: self
                .routing_profile
                .clone()
                .or_else(|| base.routing_profile.clone()),
            routing_priority: self.routing_priority.unwrap_or(base.routing_priority),
            adopt: base.adopt,
        }
    }

    /// The settings of a deploy: what is given, defaults for the rest.
    pub fn resolve(&self, name: &str) -> Settings {
        self.over(&Settings::defaults(name))
    }
}

impl Settings {
    /// Every setting at its default.
    pub fn defaults(name: &str) -> Settings {
        Settings {
            name: name.to_string(),
            solution: SolutionChoice::All,
            lex: LexVersion::V2,
            prefix: String::new(),
            hours: DEFAULT_HOURS.to_string(),
            callback_queue: crate::assets::DEFAULT_CALLBACK_QUEUE.to_string(),
            ctr_stream: None,
            phone_number: None,
            callback_phone_number: None,
            record_ttl_minutes: i64::from(RECORD_TTL_MINUTES.default),
            callback_ttl_hours: i64::from(CALLBACK_TTL_HOURS.default),
            cfn_service_role: None,
            menu: Menu::blogs(),
            prompts: Prompts::new(),
            voice: Voice::default(),
            bot: BotLanguage::default(),
            assets: None,
            routing_profile: None,
            routing_priority: DEFAULT_ROUTING_PRIORITY,
            adopt: false,
        }
    }

    pub fn returning_callers(&self) -> bool {
        matches!(
            self.solution,
            SolutionChoice::ReturningCallers | SolutionChoice::All
        )
    }

    pub fn callbacks(&self) -> bool {
        matches!(
            self.solution,
            SolutionChoice::Callbacks | SolutionChoice::All
        )
    }

    /// What shapes the flows: menu, prompts, voice.
    pub fn experience(&self) -> CallExperience {
        CallExperience {
            menu: self.menu.clone(),
            prompts: self.prompts.clone(),
            voice: self.voice.clone(),
            bot: self.bot.clone(),
        }
    }

    /// A Connect resource name with the `--prefix` applied.
    pub fn named(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The Lex bot's name for this deployment's Lex version. Bots live at account-and-Region
    /// scope, so the name carries the deployment's, as the stack names do.
    pub fn bot_name(&self) -> String {
        match self.lex {
            LexVersion::V2 => bot_name_v2(&self.name),
            LexVersion::V1 => bot_name_v1(&self.name),
        }
    }

    /// The settings that differ between `self` and `other`, as `(setting, self, other)`, with
    /// phone numbers masked. Used by `status` to say which intent is outdated.
    pub fn differences(&self, other: &Settings) -> Vec<(&'static str, String, String)> {
        let masked = |number: &Option<String>| {
            number
                .as_deref()
                .map(crate::resources::connect::phone::masked)
                .unwrap_or_else(|| "(none)".into())
        };
        let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "(none)".into());
        let mut out = Vec::new();
        let mut push = |key: &'static str, a: String, b: String| {
            if a != b {
                out.push((key, a, b));
            }
        };
        push(
            "solution",
            self.solution.id().into(),
            other.solution.id().into(),
        );
        push(
            "lex",
            format!("{:?}", self.lex).to_lowercase(),
            format!("{:?}", other.lex).to_lowercase(),
        );
        push("prefix", self.prefix.clone(), other.prefix.clone());
        push("hours", self.hours.clone(), other.hours.clone());
        push(
            "callback-queue",
            self.callback_queue.clone(),
            other.callback_queue.clone(),
        );
        push(
            "ctr-stream",
            text(&self.ctr_stream),
            text(&other.ctr_stream),
        );
        push(
            "phone-number",
            masked(&self.phone_number),
            masked(&other.phone_number),
        );
        push(
            "callback-phone-number",
            masked(&self.callback_phone_number),
            masked(&other.callback_phone_number),
        );
        push(
            "record-ttl-minutes",
            self.record_ttl_minutes.to_string(),
            other.record_ttl_minutes.to_string(),
        );
        push(
            "callback-ttl-hours",
            self.callback_ttl_hours.to_string(),
            other.callback_ttl_hours.to_string(),
        );
        push(
            "cfn-service-role",
            text(&self.cfn_service_role),
            text(&other.cfn_service_role),
        );
        push("menu", self.menu.summary(), other.menu.summary());
        let prompts = |prompts: &Prompts| {
            let keys: Vec<String> = prompts
                .iter()
                .flat_map(|(flow, actions)| actions.keys().map(move |a| format!("{flow}/{a}")))
                .collect();
            if keys.is_empty() {
                "(shipped)".to_string()
            } else {
                keys.join(", ")
            }
        };
        if self.prompts != other.prompts {
            // Which prompts differ by name; two different wordings of one prompt still differ.
            let (a, b) = (prompts(&self.prompts), prompts(&other.prompts));
            let (a, b) = if a == b {
                (format!("{a} (other words)"), b)
            } else {
                (a, b)
            };
            push("prompts", a, b);
        }
        let assets = |fingerprint: &Option<String>| match fingerprint {
            None => "built-in".to_string(),
            Some(sha) => format!(
                "an assets directory (sha256 {}…; pass --assets DIR to compare with it)",
                &sha[..sha.len().min(12)]
            ),
        };
        push("assets", assets(&self.assets), assets(&other.assets));
        push(
            "bot-locale",
            self.bot.locale.clone(),
            other.bot.locale.clone(),
        );
        if self.bot.utterances != other.bot.utterances {
            push(
                "bot-utterances",
                format!("{} intents given", self.bot.utterances.len()),
                format!("{} intents given (other words)", other.bot.utterances.len()),
            );
        }
        push(
            "voice",
            format!("{} ({})", self.voice.name, self.voice.engine),
            format!("{} ({})", other.voice.name, other.voice.engine),
        );
        push(
            "routing-profile",
            text(&self.routing_profile),
            text(&other.routing_profile),
        );
        push(
            "routing-priority",
            self.routing_priority.to_string(),
            other.routing_priority.to_string(),
        );
        out
    }
}

/// Refuses a value outside `bounds` with the setting's flag and meaning in the hint.
/// What every bot name ends with: the default deployment's bot is the blog's
/// `returnCallerConcierge`, so an existing default deployment keeps its bot.
pub const BOT_NAME_SUFFIX: &str = "Concierge";

/// The Lex V2 bot of deployment `deployment`: `<deployment>Concierge`.
pub fn bot_name_v2(deployment: &str) -> String {
    format!("{deployment}{BOT_NAME_SUFFIX}")
}

/// Lex V1 names allow letters and single underscores only (`^([A-Za-z]_?)+$`), at most 50
/// characters.
pub const LEX_V1_NAME_MAX: usize = 50;

/// The Lex V1 bot of deployment `deployment`. A name of letters and hyphens maps one to one
/// (hyphens become underscores); any other name keeps its letters and gains six letters of its
/// sha256, so two deployment names never share a bot.
pub fn bot_name_v1(deployment: &str) -> String {
    let mut base = String::new();
    let mut faithful = true;
    for c in deployment.chars() {
        match c {
            'a'..='z' | 'A'..='Z' => base.push(c),
            '-' if base.ends_with(|c: char| c.is_ascii_alphabetic()) => base.push('_'),
            _ => faithful = false,
        }
    }
    let room = LEX_V1_NAME_MAX - BOT_NAME_SUFFIX.len();
    if faithful && base.len() <= room {
        return format!("{base}{BOT_NAME_SUFFIX}");
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(deployment.as_bytes());
    let tag: String = digest
        .iter()
        .take(6)
        .map(|b| char::from(b'a' + b % 26))
        .collect();
    let keep = room - tag.len() - 1;
    let mut base: String = base.chars().take(keep).collect();
    if !base.is_empty() && !base.ends_with('_') {
        base.push('_');
    }
    format!("{base}{tag}{BOT_NAME_SUFFIX}")
}

/// A Lex V1 intent of deployment `deployment`. Intents, too, live at account-and-Region scope in
/// V1: the default deployment keeps the blog's names, any other prefixes them with its bot's.
pub fn intent_name_v1(deployment: &str, intent: &str) -> String {
    if deployment == DEFAULT_NAME {
        intent.to_string()
    } else {
        format!("{}_{intent}", bot_name_v1(deployment))
    }
}

/// True when `name` is a name Lex V2 accepts for a bot (`^([0-9a-zA-Z][_-]?){1,100}$`).
pub fn is_lex_v2_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 100
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .windows(2)
            .all(|w| w[0].is_ascii_alphanumeric() || w[1].is_ascii_alphanumeric())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// True when `name` is a name Lex V1 accepts for a bot or intent.
pub fn is_lex_v1_name(name: &str, max: usize) -> bool {
    let bytes = name.as_bytes();
    (2..=max).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes.windows(2).all(|w| w[0] != b'_' || w[1] != b'_')
        && bytes.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_')
}

pub fn check_bounds(
    flag: &str,
    value: i64,
    bounds: Bounds,
    meaning: &str,
) -> Result<(), UserError> {
    if (i64::from(bounds.min)..=i64::from(bounds.max)).contains(&value) {
        return Ok(());
    }
    Err(
        UserError::new(format!("--{flag} {value} is out of range")).hint(format!(
            "give {meaning}: {} to {} (default {})",
            bounds.min, bounds.max, bounds.default
        )),
    )
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// The one settings fixture of the unit tests.
    pub fn example() -> Settings {
        Settings::defaults("returnCaller")
    }

    #[test]
    fn the_default_deployment_keeps_the_blogs_bot_and_intent_names() {
        assert_eq!(bot_name_v2(DEFAULT_NAME), crate::assets::bot().name);
        assert_eq!(bot_name_v1(DEFAULT_NAME), crate::assets::bot().name);
        assert_eq!(intent_name_v1(DEFAULT_NAME, "Yes"), "Yes");
    }

    #[test]
    fn every_deployment_name_gives_bot_names_lex_accepts_and_no_two_share_one() {
        let names = [
            "a",
            "ci",
            "dev-",
            "pr-12",
            "pr-1-2",
            "p-r12",
            "prod",
            "a--b",
            "x1",
            "x-1",
            "X",
            "ab",
            &"long".repeat(16),
            &format!("{}-{}", "a".repeat(31), "b".repeat(31)),
        ];
        let mut v1 = std::collections::BTreeSet::new();
        let mut v2 = std::collections::BTreeSet::new();
        for name in names {
            let bot = bot_name_v1(name);
            assert!(is_lex_v1_name(&bot, LEX_V1_NAME_MAX), "{name} -> {bot}");
            assert!(is_lex_v1_name(&intent_name_v1(name, "Yes"), 100), "{name}");
            assert!(v1.insert(bot), "{name} shares a V1 bot");
            assert!(v2.insert(bot_name_v2(name)), "{name} shares a V2 bot");
        }
        assert!(is_lex_v2_name("ciConcierge"));
        assert!(is_lex_v2_name("pr-12Concierge"));
        assert!(!is_lex_v2_name("a--bConcierge"));
        assert!(!is_lex_v2_name("-a"));
        assert!(!is_lex_v1_name("a__b", 50));
        assert!(!is_lex_v1_name("a1", 50));
    }

    #[test]
    fn an_intent_overrides_only_what_it_gives() {
        let recorded = Settings {
            record_ttl_minutes: 120,
            hours: "Night".into(),
            ..example()
        };
        let intent = Intent {
            record_ttl_minutes: Some(60),
            ..Intent::default()
        };
        let merged = intent.over(&recorded);
        assert_eq!(merged.record_ttl_minutes, 60);
        assert_eq!(merged.hours, "Night");
        assert_eq!(
            merged.differences(&recorded),
            vec![("record-ttl-minutes", "60".to_string(), "120".to_string())]
        );
    }

    #[test]
    fn settings_round_trip_through_the_record_format_without_adopt() {
        let mut settings = example();
        settings.adopt = true;
        settings.phone_number = Some("+12065550100".into());
        let text = serde_json::to_string(&settings).unwrap();
        assert!(!text.contains("adopt"), "{text}");
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            Settings {
                adopt: false,
                ..settings
            }
        );
    }

    #[test]
    fn narrowing_a_solution() {
        use SolutionChoice::*;
        assert_eq!(All.narrowed_to(Callbacks), Some(Callbacks));
        assert_eq!(Callbacks.narrowed_to(All), Some(Callbacks));
        assert_eq!(Callbacks.narrowed_to(ReturningCallers), None);
    }
}
