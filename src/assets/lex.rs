//! The Lex bot `returnCallerConcierge`, defined once in `assets/lex/returnCallerConcierge.json`, and
//! what is generated from it: the Lex V1 import zip (the documented V1 JSON schema) and the data of
//! the Lex V2 create calls, plus a fingerprint to tell whether the deployed bot is current.

use std::io::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// The shipped bot. Panics only if the shipped file is broken, which the unit tests rule out.
pub fn bot() -> BotDefinition {
    parse(SOURCE).expect("assets/lex/returnCallerConcierge.json is valid")
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
    /// The V1 locale (`en-US`).
    pub fn v1_locale(&self) -> String {
        self.locale.replace('_', "-")
    }

    /// The intent names, in definition order.
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

    /// The bot in the Lex V1 import format (`resourceType` BOT; see reference/lex.md §1.2).
    pub fn lex_v1_json(&self) -> serde_json::Value {
        let plain = |text: &str| serde_json::json!({ "contentType": "PlainText", "content": text });
        let intents: Vec<serde_json::Value> = self
            .intents
            .iter()
            .map(|i| {
                serde_json::json!({
                    "name": i.name,
                    "description": i.description,
                    "version": "1",
                    "fulfillmentActivity": { "type": "ReturnIntent" },
                    "sampleUtterances": i.utterances,
                    "slots": [],
                })
            })
            .collect();
        serde_json::json!({
            "metadata": { "schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON" },
            "resource": {
                "name": self.name,
                "version": "1",
                "description": self.description,
                "intents": intents,
                "slotTypes": [],
                "voiceId": self.voice,
                "childDirected": self.child_directed,
                "locale": self.v1_locale(),
                "idleSessionTTLInSeconds": self.idle_session_ttl_seconds,
                "clarificationPrompt": {
                    "messages": [plain(&self.clarification_prompt)],
                    "maxAttempts": self.clarification_max_attempts,
                },
                "abortStatement": { "messages": [plain(&self.abort_statement)] },
                "detectSentiment": false,
                "enableModelImprovements": true,
            }
        })
    }

    /// The V1 StartImport payload: a zip with one JSON file, byte-for-byte reproducible.
    pub fn lex_v1_import_zip(&self) -> Vec<u8> {
        let json = serde_json::to_vec_pretty(&self.lex_v1_json()).expect("json values serialise");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::DEFAULT)
            .unix_permissions(0o644);
        let file = format!("{}_Bot_LEX_V1.json", self.name);
        zip.start_file(file, options).expect("in-memory zip entry");
        zip.write_all(&json).expect("in-memory zip write");
        zip.finish().expect("in-memory zip finish").into_inner()
    }

    /// sha256 (hex) of the canonical definition: changes exactly when the bot's meaning changes.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(&serde_json::to_value(self).expect("serialisable"))
            .expect("serialisable");
        hex::encode(Sha256::digest(&canonical))
    }

    /// Sample utterances of one intent as the V2 CreateIntent `sampleUtterances` list needs them.
    pub fn v2_sample_utterances(&self, intent: &str) -> Vec<String> {
        self.intents
            .iter()
            .find(|i| i.name == intent)
            .map(|i| i.utterances.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

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

    #[test]
    fn v1_zip_is_reproducible_and_holds_the_documented_schema() {
        let b = bot();
        let z1 = b.lex_v1_import_zip();
        assert_eq!(z1, b.lex_v1_import_zip());
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(z1)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut text = String::new();
        archive
            .by_index(0)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["metadata"]["importType"], "LEX");
        assert_eq!(doc["resource"]["locale"], "en-US");
        assert_eq!(
            doc["resource"]["intents"][0]["fulfillmentActivity"]["type"],
            "ReturnIntent"
        );
        assert_eq!(doc["resource"]["intents"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn fingerprint_changes_with_the_definition() {
        let b = bot();
        let mut changed = b.clone();
        changed.intents[1].utterances.push("no sir".into());
        assert_eq!(b.fingerprint(), bot().fingerprint());
        assert_ne!(b.fingerprint(), changed.fingerprint());
        assert_eq!(b.fingerprint().len(), 64);
    }
}
