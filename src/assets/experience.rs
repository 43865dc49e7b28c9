//! The call experience a contact center gives in its config file, on top of the shipped flows:
//! the menu ([`Menu`]), its own wording of any prompt (plain text or SSML), and the
//! text-to-speech voice. [`CallExperience::apply`] turns a shipped flow into the one deployed,
//! validated and simulated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Menu;
use crate::error::UserError;

/// Prompt overrides: flow name → action identifier → text, or SSML (`<speak>…</speak>`).
pub type Prompts = BTreeMap<String, BTreeMap<String, String>>;

/// The actions whose prompt a caller (or an agent, for whispers) hears, and the parameter
/// holding it.
const PROMPT_ACTIONS: [&str; 3] = [
    "MessageParticipant",
    "GetParticipantInput",
    "ConnectParticipantWithLexBot",
];

/// The text-to-speech voice of every flow's "Set voice" action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Voice {
    /// An Amazon Polly voice id, e.g. `Joanna`.
    pub name: String,
    /// `standard`, `neural` or `generative`.
    #[serde(default = "default_engine")]
    pub engine: String,
}

fn default_engine() -> String {
    "neural".to_string()
}

impl Default for Voice {
    fn default() -> Voice {
        Voice {
            name: "Joanna".into(),
            engine: default_engine(),
        }
    }
}

impl Voice {
    /// True for the blog's voice (what the record leaves out).
    pub fn is_default(&self) -> bool {
        *self == Voice::default()
    }

    /// Refuses a voice Polly does not document, or an engine it does not have.
    pub fn check(&self) -> Result<(), UserError> {
        let Some((_, language, engines)) = POLLY_VOICES.iter().find(|v| v.0 == self.name) else {
            let english: Vec<&str> = POLLY_VOICES
                .iter()
                .filter(|v| v.1 == "en-US")
                .map(|v| v.0)
                .collect();
            return Err(UserError::new(format!(
                "voice {:?} is not an Amazon Polly voice this tool knows",
                self.name
            ))
            .hint(format!(
                "use a voice id as Polly documents it (case matters), e.g. for en-US: {}",
                english.join(", ")
            )));
        };
        if !CONNECT_ENGINES.contains(&self.engine.as_str()) {
            return Err(UserError::new(format!(
                "voice engine {:?} is not one Amazon Connect flows can use",
                self.engine
            ))
            .hint(format!("use one of: {}", CONNECT_ENGINES.join(", "))));
        }
        if !engines.contains(&self.engine.as_str()) {
            return Err(UserError::new(format!(
                "voice {} ({language}) has no {} engine",
                self.name, self.engine
            ))
            .hint(format!("{} speaks with: {}", self.name, engines.join(", "))));
        }
        Ok(())
    }

    /// The engine as flows write it (`Neural`).
    fn flow_engine(&self) -> String {
        let mut chars = self.engine.chars();
        chars
            .next()
            .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }
}

/// The language of a documented voice (`en-US`).
fn voice_language(name: &str) -> Option<&'static str> {
    POLLY_VOICES.iter().find(|v| v.0 == name).map(|v| v.1)
}

/// The engines a flow's "Set voice" action takes.
const CONNECT_ENGINES: [&str; 3] = ["standard", "neural", "generative"];

/// Amazon Polly voices of the languages the bot can be built in (the Polly developer guide,
/// "Available voices"): (voice id, language, engines).
const POLLY_VOICES: &[(&str, &str, &[&str])] = &[
    ("Danielle", "en-US", &["neural", "generative", "long-form"]),
    ("Gregory", "en-US", &["neural", "long-form"]),
    ("Ivy", "en-US", &["standard", "neural"]),
    ("Joanna", "en-US", &["standard", "neural", "generative"]),
    ("Kendra", "en-US", &["standard", "neural"]),
    ("Kimberly", "en-US", &["standard", "neural"]),
    ("Salli", "en-US", &["standard", "neural", "generative"]),
    ("Joey", "en-US", &["standard", "neural"]),
    ("Justin", "en-US", &["standard", "neural"]),
    ("Kevin", "en-US", &["neural"]),
    ("Matthew", "en-US", &["standard", "neural", "generative"]),
    ("Ruth", "en-US", &["neural", "generative", "long-form"]),
    ("Stephen", "en-US", &["neural", "generative"]),
    ("Patrick", "en-US", &["long-form"]),
    ("Amy", "en-GB", &["standard", "neural", "generative"]),
    ("Emma", "en-GB", &["standard", "neural"]),
    ("Brian", "en-GB", &["standard", "neural", "generative"]),
    ("Arthur", "en-GB", &["neural"]),
    ("Lupe", "es-US", &["standard", "neural", "generative"]),
    ("Penelope", "es-US", &["standard"]),
    ("Miguel", "es-US", &["standard"]),
    ("Pedro", "es-US", &["neural", "generative"]),
];

/// The language the Lex bot is built in, and what callers say in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct BotLanguage {
    /// A Lex V2 locale id (`en_US`, `es_US`, `en_GB`, …).
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Utterances per intent (`Yes`, `No`); a locale the tool ships needs none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub utterances: BTreeMap<String, Vec<String>>,
}

fn default_locale() -> String {
    SHIPPED_LOCALE.to_string()
}

impl Default for BotLanguage {
    fn default() -> BotLanguage {
        BotLanguage {
            locale: default_locale(),
            utterances: BTreeMap::new(),
        }
    }
}

impl BotLanguage {
    /// True for the shipped bot (what the record leaves out).
    pub fn is_default(&self) -> bool {
        *self == BotLanguage::default()
    }
}

/// The locale of `assets/lex/returnCallerConcierge.json`.
pub const SHIPPED_LOCALE: &str = "en_US";

/// The other locales the tool ships utterances for (`assets/lex/locales/<locale>.json`).
pub const LOCALES: &[(&str, &str)] = &[
    ("en_GB", include_str!("../../assets/lex/locales/en_GB.json")),
    ("es_US", include_str!("../../assets/lex/locales/es_US.json")),
];

/// The Lex V2 locale ids (the Lex V2 developer guide, "Supported languages").
const LEX_LOCALES: &[&str] = &[
    "ca_ES", "de_AT", "de_DE", "en_AU", "en_GB", "en_IE", "en_IN", "en_NZ", "en_US", "en_ZA",
    "es_419", "es_ES", "es_US", "fr_CA", "fr_FR", "it_IT", "ja_JP", "ko_KR", "nl_NL", "pt_BR",
    "pt_PT", "zh_CN",
];

/// A shipped locale file: the bot's words in another language.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LocaleFile {
    locale: String,
    voice: String,
    clarification_prompt: String,
    abort_statement: String,
    intents: Vec<LocaleIntent>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocaleIntent {
    name: String,
    utterances: Vec<String>,
}

fn locale_file(locale: &str) -> Option<LocaleFile> {
    LOCALES
        .iter()
        .find(|(id, _)| *id == locale)
        .and_then(|(_, text)| serde_json::from_str(text).ok())
}

/// Everything of the call experience that shapes the flows and the bot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallExperience {
    pub menu: Menu,
    pub prompts: Prompts,
    pub voice: Voice,
    pub bot: BotLanguage,
}

/// True for SSML (what goes into an action's `SSML` instead of its `Text`).
pub fn is_ssml(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("<speak>") && text.ends_with("</speak>")
}

/// The first run of plain words in a prompt: no SSML tag, no `$.` reference (what a scenario
/// can expect a caller to hear).
pub fn plain_part(text: &str) -> String {
    let mut best = String::new();
    let mut current = String::new();
    let mut in_tag = false;
    let flush = |current: &mut String, best: &mut String| {
        let trimmed = current.trim();
        if best.is_empty() && !trimmed.is_empty() {
            *best = trimmed.to_string();
        }
        current.clear();
    };
    for word in text.split(' ') {
        if word.contains("$.") {
            flush(&mut current, &mut best);
            continue;
        }
        for c in word.chars() {
            match c {
                '<' => {
                    flush(&mut current, &mut best);
                    in_tag = true;
                }
                '>' => in_tag = false,
                c if !in_tag => current.push(c),
                _ => {}
            }
        }
        if !in_tag {
            current.push(' ');
        }
    }
    flush(&mut current, &mut best);
    best
}

impl CallExperience {
    /// Refuses a menu, voice or prompt list the flows could not carry. Bad input: exit 2.
    pub fn check(&self) -> Result<(), UserError> {
        self.menu.check()?;
        self.voice.check()?;
        self.bot_definition()?;
        for (flow, actions) in &self.prompts {
            let Some(asset) = super::flow(flow) else {
                let names: Vec<&str> = super::flows().iter().map(|f| f.name).collect();
                return Err(UserError::new(format!(
                    "[prompts.{flow}] names a flow the tool does not ship"
                ))
                .hint(format!("the flows are: {}", names.join(", "))));
            };
            let known = prompt_actions(asset.source);
            for (action, text) in actions {
                if !known.contains(action) {
                    return Err(UserError::new(format!(
                        "[prompts.{flow}] names action {action:?}, which says nothing to the caller"
                    ))
                    .hint(format!(
                        "actions of {flow} with a prompt: {}",
                        known.join(", ")
                    )));
                }
                if text.trim().is_empty() || text.chars().any(|c| c.is_control() && c != '\n') {
                    return Err(UserError::new(format!(
                        "[prompts.{flow}] {action:?} is empty or has control characters"
                    ))
                    .hint("write the words the caller hears, or SSML inside <speak>…</speak>"));
                }
                let trimmed = text.trim();
                if (trimmed.starts_with("<speak") || trimmed.ends_with("</speak>"))
                    && !is_ssml(trimmed)
                {
                    return Err(UserError::new(format!(
                        "[prompts.{flow}] {action:?} looks like SSML but is not one <speak>…</speak> element"
                    ))
                    .hint("begin the prompt with <speak> and end it with </speak>"));
                }
            }
        }
        Ok(())
    }

    /// The voice the flows speak with: the configured one, else the shipped locale's voice when
    /// the bot speaks another language than the shipped one.
    pub fn flow_voice(&self) -> Voice {
        if self.voice.is_default()
            && self.bot.locale != SHIPPED_LOCALE
            && let Some(file) = locale_file(&self.bot.locale)
        {
            return Voice {
                name: file.voice,
                engine: default_engine(),
            };
        }
        self.voice.clone()
    }

    /// The bot as deployed and simulated: the shipped definition in the configured locale, with
    /// the locale's (or the config file's) utterances.
    pub fn bot_definition(&self) -> Result<super::BotDefinition, UserError> {
        let mut bot = super::bot();
        let language = &self.bot;
        if !LEX_LOCALES.contains(&language.locale.as_str()) {
            return Err(UserError::new(format!(
                "locale {:?} is not a Lex V2 locale",
                language.locale
            ))
            .hint(format!("use one of: {}", LEX_LOCALES.join(", "))));
        }
        let voice = self.flow_voice();
        let spoken = voice_language(&voice.name).map(|l| l.replace('-', "_"));
        let family = |locale: &str| locale.split('_').next().unwrap_or_default().to_string();
        if language.locale != SHIPPED_LOCALE {
            let file = locale_file(&language.locale);
            if file.is_none() && language.utterances.is_empty() {
                let shipped: Vec<&str> = std::iter::once(SHIPPED_LOCALE)
                    .chain(LOCALES.iter().map(|(id, _)| *id))
                    .collect();
                return Err(UserError::new(format!(
                    "the tool ships no utterances for locale {}",
                    language.locale
                ))
                .hint(format!(
                    "give them as [bot.utterances] Yes = [\"…\"] and No = [\"…\"], or use a shipped locale: {}",
                    shipped.join(", ")
                )));
            }
            bot.locale = language.locale.clone();
            if let Some(file) = &file {
                bot.voice = file.voice.clone();
            }
            if let Some(file) = file {
                bot.clarification_prompt = file.clarification_prompt;
                bot.abort_statement = file.abort_statement;
                for intent in &mut bot.intents {
                    if let Some(words) = file.intents.iter().find(|i| i.name == intent.name) {
                        intent.utterances = words.utterances.clone();
                    }
                }
                debug_assert_eq!(file.locale, language.locale);
            }
        }
        // The bot speaks with the flows' voice when it is a voice of the bot's very locale.
        if spoken.as_deref() == Some(language.locale.as_str()) {
            bot.voice = voice.name.clone();
        }
        if spoken.as_deref().map(family) != Some(family(&language.locale)) {
            return Err(UserError::new(format!(
                "voice {} does not speak the bot's locale {}",
                voice.name, language.locale
            ))
            .hint("pick a [voice] of the bot's language, or leave [voice] out to use the locale's own (e.g. Lupe for es_US, Amy for en_GB)"));
        }
        for (intent, utterances) in &language.utterances {
            let Some(found) = bot.intents.iter_mut().find(|i| &i.name == intent) else {
                let shipped = super::bot();
                let names: Vec<&str> = shipped.intents.iter().map(|i| i.name.as_str()).collect();
                return Err(UserError::new(format!(
                    "[bot.utterances] names intent {intent:?}, which the bot does not have"
                ))
                .hint(format!(
                    "the flows branch on the intents {}",
                    names.join(" and ")
                )));
            };
            if utterances.is_empty() || utterances.iter().any(|u| u.trim().is_empty()) {
                return Err(UserError::new(format!(
                    "[bot.utterances] {intent} is empty or has an empty utterance"
                ))
                .hint("list what callers say for it, e.g. Yes = [\"yes\", \"sure\"]"));
            }
            found.utterances = utterances.clone();
        }
        Ok(bot)
    }

    /// The flow as deployed: the menu generated, the prompts replaced, the voice set. With
    /// `--assets DIR` the flows are the user's own: see [`CallExperience::apply_own`].
    pub fn apply(&self, flow: &str, source: &str) -> Result<String, String> {
        if super::assets_dir().is_some() {
            return self.apply_own(flow, source);
        }
        self.shape(flow, self.menu.apply(flow, source)?)
    }

    /// A flow of an assets directory as deployed: its menu action and queue branches are
    /// generated only when the config file gives its own menu (else they stay as written), the
    /// prompts and voice of the config file apply as to a shipped flow.
    pub fn apply_own(&self, flow: &str, source: &str) -> Result<String, String> {
        let source = if self.menu.is_blogs() {
            source.to_string()
        } else {
            self.menu.apply(flow, source)?
        };
        self.shape(flow, source)
    }

    /// The prompts and the voice written into `source`.
    fn shape(&self, flow: &str, source: String) -> Result<String, String> {
        let overrides = self.prompts.get(flow);
        let voice = self.flow_voice();
        if overrides.is_none() && voice.is_default() {
            return Ok(source);
        }
        let mut doc: serde_json::Value =
            serde_json::from_str(&source).map_err(|err| format!("{flow} is not JSON: {err}"))?;
        let actions = doc
            .get_mut("Actions")
            .and_then(|actions| actions.as_array_mut())
            .ok_or_else(|| format!("{flow} has no Actions"))?;
        for action in actions {
            let Some(id) = action["Identifier"].as_str().map(str::to_string) else {
                continue;
            };
            let Some(parameters) = action.get_mut("Parameters").and_then(|p| p.as_object_mut())
            else {
                continue;
            };
            if parameters.contains_key("TextToSpeechVoice") {
                parameters.insert("TextToSpeechVoice".into(), voice.name.clone().into());
                parameters.insert("TextToSpeechEngine".into(), voice.flow_engine().into());
            }
            if let Some(text) = overrides.and_then(|o| o.get(&id)) {
                parameters.remove("Text");
                parameters.remove("SSML");
                let key = if is_ssml(text) { "SSML" } else { "Text" };
                parameters.insert(key.into(), text.trim().to_string().into());
            }
        }
        serde_json::to_string_pretty(&doc).map_err(|err| err.to_string())
    }

    /// What the shipped flow said where a prompt is overridden, and what it says now:
    /// (flow action's shipped text, override).
    pub fn overridden(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (flow, actions) in &self.prompts {
            let Some(asset) = super::flow(flow) else {
                continue;
            };
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(asset.source) else {
                continue;
            };
            for action in doc["Actions"].as_array().into_iter().flatten() {
                let id = action["Identifier"].as_str().unwrap_or_default();
                if let (Some(text), Some(shipped)) = (
                    actions.get(id),
                    action["Parameters"]["Text"]
                        .as_str()
                        .or(action["Parameters"]["SSML"].as_str()),
                ) {
                    out.push((shipped.to_string(), text.clone()));
                }
            }
        }
        out
    }
}

/// The identifiers of the actions of `source` that say something.
fn prompt_actions(source: &str) -> Vec<String> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(source) else {
        return Vec::new();
    };
    doc["Actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| PROMPT_ACTIONS.contains(&a["Type"].as_str().unwrap_or_default()))
        .filter_map(|a| a["Identifier"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str) -> &'static str {
        crate::assets::flow(name).unwrap().source
    }

    #[test]
    fn the_default_experience_keeps_every_shipped_flow() {
        let experience = CallExperience::default();
        assert!(experience.check().is_ok());
        for flow in crate::assets::flows() {
            let out = experience.apply(flow.name, flow.source).unwrap();
            let a: serde_json::Value = serde_json::from_str(&out).unwrap();
            let b: serde_json::Value = serde_json::from_str(flow.source).unwrap();
            assert_eq!(a, b, "{}", flow.name);
        }
    }

    #[test]
    fn prompts_and_voice_are_written_into_the_flow() {
        let experience = CallExperience {
            prompts: BTreeMap::from([(
                "repeatCallerFlow".to_string(),
                BTreeMap::from([
                    ("Queue full".to_string(), "Busy, sorry.".to_string()),
                    (
                        "Ask same matter".to_string(),
                        "<speak>Hello <break time=\"1s\"/> again.</speak>".to_string(),
                    ),
                ]),
            )]),
            voice: Voice {
                name: "Matthew".into(),
                engine: "standard".into(),
            },
            ..CallExperience::default()
        };
        experience.check().unwrap();
        let out = experience
            .apply("repeatCallerFlow", shipped("repeatCallerFlow"))
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let action = |id: &str| {
            doc["Actions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["Identifier"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(action("Queue full")["Parameters"]["Text"], "Busy, sorry.");
        let lex = action("Ask same matter");
        assert!(lex["Parameters"].get("Text").is_none());
        assert!(
            lex["Parameters"]["SSML"]
                .as_str()
                .unwrap()
                .starts_with("<speak>")
        );
        assert_eq!(
            action("Set voice")["Parameters"]["TextToSpeechVoice"],
            "Matthew"
        );
        assert_eq!(
            action("Set voice")["Parameters"]["TextToSpeechEngine"],
            "Standard"
        );
        assert_eq!(
            plain_part("<speak>Hello <break time=\"1s\"/> again.</speak>"),
            "Hello"
        );
        assert_eq!(plain_part("New caller for $.Queue.Name."), "New caller for");
    }

    #[test]
    fn every_shipped_locale_gives_each_intent_its_own_utterances() {
        let shipped = crate::assets::bot();
        for (locale, _) in LOCALES {
            let experience = CallExperience {
                bot: BotLanguage {
                    locale: locale.to_string(),
                    utterances: BTreeMap::new(),
                },
                ..CallExperience::default()
            };
            let bot = experience.bot_definition().unwrap();
            assert_eq!(bot.locale, *locale);
            assert!(bot.problems().is_empty(), "{locale}: {:?}", bot.problems());
            let mut seen = std::collections::BTreeSet::new();
            for intent in &bot.intents {
                let english = shipped
                    .intents
                    .iter()
                    .find(|i| i.name == intent.name)
                    .unwrap();
                assert!(intent.utterances.len() >= 20, "{locale} {}", intent.name);
                if !locale.starts_with("en") {
                    assert_ne!(
                        intent.utterances, english.utterances,
                        "{locale} is translated"
                    );
                }
                for utterance in &intent.utterances {
                    assert!(
                        seen.insert(utterance.to_lowercase()),
                        "{locale}: {utterance} twice"
                    );
                }
            }
            let voice = experience.flow_voice();
            assert!(voice.check().is_ok(), "{locale}: {voice:?}");
        }
    }

    #[test]
    fn unknown_voices_engines_and_prompt_targets_are_refused_with_a_hint() {
        let voice = |name: &str, engine: &str| CallExperience {
            voice: Voice {
                name: name.into(),
                engine: engine.into(),
            },
            ..CallExperience::default()
        };
        let prompt = |flow: &str, action: &str, text: &str| CallExperience {
            prompts: BTreeMap::from([(
                flow.to_string(),
                BTreeMap::from([(action.to_string(), text.to_string())]),
            )]),
            ..CallExperience::default()
        };
        for bad in [
            voice("Mathew", "neural"),
            voice("matthew", "neural"),
            voice("Kevin", "standard"),
            voice("Patrick", "long-form"),
            prompt("noSuchFlow", "Queue full", "x"),
            prompt("repeatCallerFlow", "Set voice", "x"),
            prompt("repeatCallerFlow", "Queue full", " "),
            prompt("repeatCallerFlow", "Queue full", "<speak>unclosed"),
        ] {
            let err = bad.check().unwrap_err();
            assert!(!err.hints.is_empty(), "{err}");
        }
    }
}
