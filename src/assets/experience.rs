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

/// Everything of the call experience that shapes the flows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallExperience {
    pub menu: Menu,
    pub prompts: Prompts,
    pub voice: Voice,
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

    /// The flow as deployed: the menu generated, the prompts replaced, the voice set.
    pub fn apply(&self, flow: &str, source: &str) -> Result<String, String> {
        let source = self.menu.apply(flow, source)?;
        let overrides = self.prompts.get(flow);
        if overrides.is_none() && self.voice.is_default() {
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
                parameters.insert("TextToSpeechVoice".into(), self.voice.name.clone().into());
                parameters.insert("TextToSpeechEngine".into(), self.voice.flow_engine().into());
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
