//! The bot as both Lex versions deploy it: [`BotSpec`], derived from the bot definition
//! (`assets::BotDefinition`) and then renamed per deployment, its V2 fingerprint, and the
//! ownership marker both versions write into descriptions.
//!
//! `BotSpec` is not `assets::BotDefinition`: it keeps only what the Lex calls send, under the
//! engine's names, and the deployment rewrites its bot and (for V1) intent names. Its serde form
//! is what the V1 fingerprint hashes, so its fields are part of what a deployed bot records.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// One intent of the bot definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentSpec {
    /// Exact, case-sensitive: the flows branch on it.
    pub name: String,
    pub description: String,
    pub utterances: Vec<String>,
}

/// The bot definition, filled by the engine from `assets::bot()` (see [`BotSpec::from_definition`]).
/// Used by V2 and V1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotSpec {
    /// e.g. `returnCallerConcierge`.
    pub name: String,
    pub description: String,
    /// Lex V2 locale id, e.g. `en_US` (V1 uses `en-US`, derived).
    pub locale: String,
    /// Polly voice, e.g. `Joanna`.
    pub voice_id: String,
    pub nlu_confidence_threshold: f64,
    pub idle_session_ttl_seconds: i32,
    pub intents: Vec<IntentSpec>,
    /// V1 only: what the bot says when it did not understand.
    pub clarification_prompt: String,
    /// V1 only: what the bot says when it gives up.
    pub abort_statement: String,
}

impl BotSpec {
    /// The spec of the shipped bot definition.
    pub fn from_definition(bot: &crate::assets::BotDefinition) -> BotSpec {
        BotSpec {
            name: bot.name.clone(),
            description: bot.description.clone(),
            locale: bot.locale.clone(),
            voice_id: bot.voice.clone(),
            nlu_confidence_threshold: bot.confidence_threshold,
            idle_session_ttl_seconds: bot.idle_session_ttl_seconds as i32,
            intents: bot
                .intents
                .iter()
                .map(|i| IntentSpec {
                    name: i.name.clone(),
                    description: i.description.clone(),
                    utterances: i.utterances.clone(),
                })
                .collect(),
            clarification_prompt: bot.clarification_prompt.clone(),
            abort_statement: bot.abort_statement.clone(),
        }
    }

    /// sha256 (hex) of everything a Lex V2 version captures from this definition.
    pub fn fingerprint_v2(&self) -> String {
        #[derive(Serialize)]
        struct V2<'a> {
            name: &'a str,
            locale: &'a str,
            voice_id: &'a str,
            threshold: String,
            idle: i32,
            intents: &'a [IntentSpec],
        }
        let v2 = V2 {
            name: &self.name,
            locale: &self.locale,
            voice_id: &self.voice_id,
            threshold: format!("{:.2}", self.nlu_confidence_threshold),
            idle: self.idle_session_ttl_seconds,
            intents: &self.intents,
        };
        hex::encode(Sha256::digest(serde_json::to_vec(&v2).unwrap_or_default()))
    }
}

/// The marker in a bot's description that says which deployment owns it.
pub fn ownership_marker(deployment: &str) -> String {
    format!("connect-returns deployment={deployment}")
}

/// The deployment named in a description written by [`ownership_marker`].
pub fn owner_of(description: &str) -> Option<&str> {
    let rest = description.split("connect-returns deployment=").nth(1)?;
    Some(
        rest.split(|c: char| c.is_whitespace() || c == ')' || c == ';')
            .next()
            .unwrap_or(rest),
    )
}
