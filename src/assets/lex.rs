//! The Lex bot `returnCallerConcierge`, defined once in `assets/lex/returnCallerConcierge.json`,
//! and the checks that its names are legal in both Lex V1 and V2. The Lex resource modules build
//! the V2 create calls and the V1 import zip (with its fingerprint) from it:
//! `resources::lex::BotSpec::from_definition`, `resources::lex::v1` (its import zip).

use serde::{Deserialize, Serialize};

/// The bot definition file as shipped.
pub const SOURCE: &str = include_str!("../../assets/lex/returnCallerConcierge.json");

/// One intent: a name the flows branch on, and what callers say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotIntent {
    /// Intent name (legal in V1 and V2: letters only, not a built-in name). Flows compare it exactly.
    pub name: String,
    /// What the intent means.
    pub description: String,
    /// Sample utterances.
    pub utterances: Vec<String>,
}

/// The bot, as defined in `assets/lex/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BotDefinition {
    /// Bot name in both services.
    pub name: String,
    /// Description.
    pub description: String,
    /// V2 locale id (`en_US`); V1 uses the hyphenated form.
    pub locale: String,
    /// Polly voice.
    pub voice: String,
    /// Idle session TTL, seconds (60–86400).
    pub idle_session_ttl_seconds: u32,
    /// V2 NLU intent confidence threshold (0–1).
    pub confidence_threshold: f64,
    /// COPPA flag.
    pub child_directed: bool,
    /// V1 clarification prompt.
    pub clarification_prompt: String,
    /// V1 clarification attempts.
    pub clarification_max_attempts: u32,
    /// V1 abort statement.
    pub abort_statement: String,
    /// The intents.
    pub intents: Vec<BotIntent>,
}

/// The bot definition file of this run: `lex/returnCallerConcierge.json` of the `--assets`
/// directory when there is one, else the shipped file.
pub fn source() -> std::borrow::Cow<'static, str> {
    super::assets_dir()
        .and_then(|dir| std::fs::read_to_string(dir.join("lex/returnCallerConcierge.json")).ok())
        .filter(|text| parse(text).is_ok())
        .map(std::borrow::Cow::Owned)
        .unwrap_or(std::borrow::Cow::Borrowed(SOURCE))
}

/// The bot of this run (see [`source`]). A directory's file that does not parse leaves the
/// shipped bot in place (validation reports the file). Panics only if the shipped file is
/// broken, which the unit tests rule out.
pub fn bot() -> BotDefinition {
    parse(&source()).expect("assets/lex/returnCallerConcierge.json is valid")
}

/// Parses a bot definition file.
pub fn parse(text: &str) -> Result<BotDefinition, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Lex V1 and V2 name rule for bots and intents: letters with single underscores (`^([A-Za-z]_?)+$`).
pub fn legal_lex_name(name: &str) -> bool {
    let mut prev_underscore = true;
    for c in name.chars() {
        if c == '_' {
            if prev_underscore {
                return false;
            }
            prev_underscore = true;
        } else if c.is_ascii_alphabetic() {
            prev_underscore = false;
        } else {
            return false;
        }
    }
    !name.is_empty()
}

/// Intent names V1 refuses (built-in names, with or without `AMAZON.`) and V2 reserves.
pub const RESERVED_INTENT_NAMES: &[&str] = &[
    "YesIntent",
    "NoIntent",
    "FallbackIntent",
    "HelpIntent",
    "CancelIntent",
    "StopIntent",
    "RepeatIntent",
    "StartOverIntent",
    "KendraSearchIntent",
    "QnAIntent",
    "BedrockAgentIntent",
];

impl BotDefinition {
    /// The intent names, in definition order.
    #[cfg(test)]
    pub fn intent_names(&self) -> Vec<&str> {
        self.intents.iter().map(|i| i.name.as_str()).collect()
    }

    /// Problems with the definition (names, lengths, duplicates); empty when it is usable in both services.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !legal_lex_name(&self.name) || !(2..=50).contains(&self.name.len()) {
            out.push(format!(
                "bot name {:?} must be 2-50 letters or single underscores",
                self.name
            ));
        }
        if !(60..=86_400).contains(&self.idle_session_ttl_seconds) {
            out.push("idleSessionTtlSeconds must be between 60 and 86400".to_string());
        }
        if !(0.0..=1.0).contains(&self.confidence_threshold) {
            out.push("confidenceThreshold must be between 0 and 1".to_string());
        }
        if self.intents.is_empty() {
            out.push("the bot has no intents".to_string());
        }
        let mut seen_intents = std::collections::BTreeSet::new();
        let mut seen_utterances = std::collections::BTreeMap::new();
        for intent in &self.intents {
            if !legal_lex_name(&intent.name) || intent.name.len() > 100 {
                out.push(format!("intent name {:?} must be letters or single underscores (no digits, no hyphens)", intent.name));
            }
            if RESERVED_INTENT_NAMES
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&intent.name))
            {
                out.push(format!(
                    "intent name {:?} is a built-in intent name",
                    intent.name
                ));
            }
            if !seen_intents.insert(intent.name.to_ascii_lowercase()) {
                out.push(format!(
                    "intent name {:?} is defined twice (names are case-insensitive)",
                    intent.name
                ));
            }
            if intent.utterances.is_empty() {
                out.push(format!("intent {} has no utterances", intent.name));
            }
            for u in &intent.utterances {
                if u.trim().is_empty() || u.len() > 200 {
                    out.push(format!(
                        "intent {}: utterance {u:?} must be 1-200 characters",
                        intent.name
                    ));
                }
                if let Some(other) = seen_utterances.insert(u.to_lowercase(), intent.name.clone())
                    && other != intent.name
                {
                    out.push(format!(
                        "utterance {u:?} is in both {other} and {}",
                        intent.name
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_bot_is_legal_in_both_services() {
        let b = bot();
        assert_eq!(b.name, "returnCallerConcierge");
        assert_eq!(b.locale, "en_US");
        assert_eq!(b.problems(), Vec::<String>::new());
        for must in ["sure", "yeah", "nope", "not really"] {
            assert!(
                b.intents
                    .iter()
                    .any(|i| i.utterances.iter().any(|u| u == must)),
                "{must}"
            );
        }
    }

    #[test]
    fn names_follow_the_lex_pattern() {
        assert!(legal_lex_name("Yes"));
        assert!(legal_lex_name("Caller_Yes"));
        assert!(!legal_lex_name("Yes2"));
        assert!(!legal_lex_name("yes-no"));
        assert!(!legal_lex_name("a__b"));
        assert!(!legal_lex_name("_a"));
        let mut b = bot();
        b.intents[0].name = "YesIntent".into();
        assert!(b.problems().iter().any(|p| p.contains("built-in")));
    }
}
