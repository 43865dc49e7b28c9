//! The shipped assets (flows, bot, templates, scenarios) and their placeholders.
//!
//! Flows live in `assets/flows/<name>.json` as Amazon Connect flow language with typed placeholders
//! instead of ARNs: `${lambda:<function id>}`, `${queue:<queue name>}`, `${callbackQueue}` (the queue
//! callbacks wait in, chosen at deploy time), `${flow:<flow name>}` and `${lex:<bot name>}`. Deploy
//! resolves each to a real ARN and calls [`FlowAsset::render`]; `validate` checks each is known.

pub mod cfn;
pub mod experience;
pub mod lex;
pub mod menu;
pub mod placeholder;

use std::fmt;

pub use experience::{BotLanguage, CallExperience, Prompts, Voice};
pub use lex::{BotDefinition, bot};
pub use menu::{Menu, MenuQueue};
pub use placeholder::Placeholder;

/// Which of the two solutions an asset belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Solution {
    /// Last agent / last queue routing (`returning-callers`).
    ReturningCallers,
    /// Cancelled callback management (`callbacks`).
    Callbacks,
}

impl Solution {
    /// Both solutions, returning callers first.
    pub const ALL: [Solution; 2] = [Solution::ReturningCallers, Solution::Callbacks];

    /// The solution id used on the command line (`--solution`).
    pub fn id(&self) -> &'static str {
        match self {
            Solution::ReturningCallers => "returning-callers",
            Solution::Callbacks => "callbacks",
        }
    }

    /// The solution whose id is `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }
}

impl fmt::Display for Solution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The queue callbacks wait in when `--callback-queue` is not given (the blog uses BasicQueue).
pub const DEFAULT_CALLBACK_QUEUE: &str = "BasicQueue";

/// Flow types used by the six flows (the `Type` of CreateContactFlow).
pub mod flow_type {
    /// An inbound flow.
    pub const CONTACT_FLOW: &str = "CONTACT_FLOW";
    /// Runs for the agent before the contact is connected.
    pub const AGENT_WHISPER: &str = "AGENT_WHISPER";
    /// Runs for the customer on an outbound (callback) call before connecting.
    pub const OUTBOUND_WHISPER: &str = "OUTBOUND_WHISPER";
}

/// One shipped flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowAsset {
    /// The flow name in Connect (the blogs' names).
    pub name: &'static str,
    /// `CONTACT_FLOW`, `AGENT_WHISPER` or `OUTBOUND_WHISPER`.
    pub flow_type: &'static str,
    /// The solution it belongs to.
    pub solution: Solution,
    /// Flow-language JSON with placeholders.
    pub source: &'static str,
}

const FLOWS: [FlowAsset; 6] = [
    FlowAsset {
        name: "newCallerAgentWhisper",
        flow_type: flow_type::AGENT_WHISPER,
        solution: Solution::ReturningCallers,
        source: include_str!("../../assets/flows/newCallerAgentWhisper.json"),
    },
    FlowAsset {
        name: "returningCallerAgentWhisper",
        flow_type: flow_type::AGENT_WHISPER,
        solution: Solution::ReturningCallers,
        source: include_str!("../../assets/flows/returningCallerAgentWhisper.json"),
    },
    FlowAsset {
        name: "repeatCallerFlow",
        flow_type: flow_type::CONTACT_FLOW,
        solution: Solution::ReturningCallers,
        source: include_str!("../../assets/flows/repeatCallerFlow.json"),
    },
    FlowAsset {
        name: "cfAgentCallBackWhisperflow",
        flow_type: flow_type::AGENT_WHISPER,
        solution: Solution::Callbacks,
        source: include_str!("../../assets/flows/cfAgentCallBackWhisperflow.json"),
    },
    FlowAsset {
        name: "cfOutboundWhisperflow",
        flow_type: flow_type::OUTBOUND_WHISPER,
        solution: Solution::Callbacks,
        source: include_str!("../../assets/flows/cfOutboundWhisperflow.json"),
    },
    FlowAsset {
        name: "cfSetCallBackflow",
        flow_type: flow_type::CONTACT_FLOW,
        solution: Solution::Callbacks,
        source: include_str!("../../assets/flows/cfSetCallBackflow.json"),
    },
];

/// Development and test override: read the flow sources from `<dir>/<name>.json` instead of the
/// built-in ones (a flow missing there keeps its built-in source). It exists so a test can run
/// the binary as "another version" whose shipped flows differ.
pub const FLOWS_DIR_VAR: &str = "CONNECT_RETURNS_FLOWS_DIR";

/// The assets directory of this run (`--assets DIR`), set once before any asset is read.
static ASSETS_DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Makes this run use the flows (`flows/<name>.json`) and the bot
/// (`lex/returnCallerConcierge.json`) under `dir` instead of the built-in ones: `--assets DIR`
/// of deploy, status, destroy and simulate. A file missing there keeps the built-in one (deploy
/// validates the directory first and refuses a missing file). Call it before anything reads an
/// asset; a second, different directory is refused.
pub fn use_assets_dir(dir: &std::path::Path) -> Result<(), String> {
    if FLOWS_IN_USE.get().is_some() && assets_dir() != Some(dir) {
        return Err("the built-in flows were read before the assets directory was given".into());
    }
    let dir = dir.to_path_buf();
    let set = ASSETS_DIR.get_or_init(|| dir.clone());
    if *set != dir {
        return Err(format!("assets already come from {}", set.display()));
    }
    Ok(())
}

/// The assets directory of this run, when `--assets` gave one.
pub fn assets_dir() -> Option<&'static std::path::Path> {
    ASSETS_DIR.get().map(std::path::PathBuf::as_path)
}

/// sha256 of the flow and bot files under `dir` (what a deployment made with `--assets DIR`
/// records, so `status` elsewhere can tell whether it compares with the same assets).
pub fn dir_fingerprint(dir: &std::path::Path) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let files = FLOWS
        .iter()
        .map(|flow| format!("flows/{}.json", flow.name))
        .chain(["lex/returnCallerConcierge.json".to_string()]);
    for file in files {
        hasher.update(file.as_bytes());
        hasher.update(std::fs::read(dir.join(&file)).unwrap_or_default());
    }
    let digest = hasher.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The flows of this run, read once.
static FLOWS_IN_USE: std::sync::OnceLock<Vec<FlowAsset>> = std::sync::OnceLock::new();

/// All six flows, in a valid creation order (every flow after the flows it references).
pub fn flows() -> &'static [FlowAsset] {
    let dir = assets_dir()
        .map(|dir| dir.join("flows").into_os_string())
        .or_else(|| std::env::var_os(FLOWS_DIR_VAR));
    FLOWS_IN_USE.get_or_init(|| match dir {
        None => FLOWS.to_vec(),
        Some(dir) => FLOWS
            .iter()
            .map(|flow| {
                let path = std::path::Path::new(&dir).join(format!("{}.json", flow.name));
                match std::fs::read_to_string(path) {
                    Ok(text) => FlowAsset {
                        source: Box::leak(text.into_boxed_str()),
                        ..*flow
                    },
                    Err(_) => *flow,
                }
            })
            .collect(),
    })
}

/// The shipped flow named `name`.
pub fn flow(name: &str) -> Option<&'static FlowAsset> {
    flows().iter().find(|f| f.name == name)
}

/// How the Lex block of a flow is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexRendering {
    /// `LexV2Bot {AliasArn}` with the resolved `${lex:..}` alias ARN.
    V2,
    /// Lex V1: `LexBot {Name, Region, Alias}`.
    V1 {
        /// The V1 bot name.
        bot_name: String,
        /// The bot's region.
        region: String,
        /// The alias (`prod`).
        alias: String,
        /// Intents named otherwise in V1, as (shipped name, V1 name): the Lex block's
        /// conditions compare the intent's name.
        intents: Vec<(String, String)>,
    },
}

/// A flow could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    /// The source is not valid JSON.
    #[error("flow {flow} is not valid json: {detail}")]
    Json {
        /// The flow name.
        flow: String,
        /// The parser message.
        detail: String,
    },
    /// A `${..}` placeholder has an unknown kind or shape.
    #[error("flow {flow}: unknown placeholder {text}")]
    UnknownPlaceholder {
        /// The flow name.
        flow: String,
        /// The placeholder as written.
        text: String,
    },
    /// The resolver had no value for a placeholder.
    #[error("flow {flow}: placeholder {placeholder} is not resolved")]
    Unresolved {
        /// The flow name.
        flow: String,
        /// The placeholder.
        placeholder: Placeholder,
    },
}

impl FlowAsset {
    /// Every distinct well-formed placeholder, in order of first appearance (tests; deploy
    /// and validate scan through `placeholder::scan`).
    #[cfg(test)]
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut out: Vec<Placeholder> = Vec::new();
        for found in placeholder::scan(self.source) {
            if let Ok(p) = found.parsed
                && !out.contains(&p)
            {
                out.push(p);
            }
        }
        out
    }

    /// Names of the flows this flow references (they must exist before it); tests check the
    /// creation order of `flows()` with it.
    #[cfg(test)]
    pub fn depends_on_flows(&self) -> Vec<&'static str> {
        self.placeholders()
            .iter()
            .filter_map(|p| match p {
                Placeholder::Flow(name) => flow(name).map(|f| f.name),
                _ => None,
            })
            .collect()
    }

    /// The flow content to send to Connect: every placeholder replaced by `resolve`, the Lex block
    /// in the requested shape. Compact JSON with sorted keys, so equal inputs give equal bytes.
    /// Deploy renders through [`render_source`] with its own resolver; this is the tests' entry.
    #[cfg(test)]
    pub fn render(
        &self,
        resolve: &dyn Fn(&Placeholder) -> Option<String>,
        lex: LexRendering,
    ) -> Result<String, AssetError> {
        render_source(self.name, self.source, resolve, &lex)
    }
}

/// Renders flow-language `source` (see [`FlowAsset::render`]); `name` is used in errors.
pub fn render_source(
    name: &str,
    source: &str,
    resolve: &dyn Fn(&Placeholder) -> Option<String>,
    lex: &LexRendering,
) -> Result<String, AssetError> {
    let mut doc: serde_json::Value =
        serde_json::from_str(source).map_err(|e| AssetError::Json {
            flow: name.to_string(),
            detail: e.to_string(),
        })?;
    if let LexRendering::V1 {
        bot_name,
        region,
        alias,
        intents,
    } = lex
    {
        to_lex_v1(&mut doc, bot_name, region, alias);
        rename_intents(&mut doc, intents);
    }
    substitute(name, &mut doc, resolve)?;
    Ok(doc.to_string())
}

/// Replaces every `LexV2Bot {AliasArn}` object by `LexBot {Name, Region, Alias}`.
fn to_lex_v1(value: &mut serde_json::Value, bot_name: &str, region: &str, alias: &str) {
    match value {
        serde_json::Value::Object(map) => {
            if map.remove("LexV2Bot").is_some() {
                map.insert(
                    "LexBot".to_string(),
                    serde_json::json!({ "Name": bot_name, "Region": region, "Alias": alias }),
                );
            }
            for v in map.values_mut() {
                to_lex_v1(v, bot_name, region, alias);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                to_lex_v1(v, bot_name, region, alias);
            }
        }
        _ => {}
    }
}

/// Renames the intents the Lex blocks' conditions compare against (`Operands` of the
/// `Conditions` of each `ConnectParticipantWithLexBot` action).
fn rename_intents(value: &mut serde_json::Value, intents: &[(String, String)]) {
    if intents.is_empty() {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            if map.get("Type").and_then(|t| t.as_str()) == Some("ConnectParticipantWithLexBot")
                && let Some(conditions) = map
                    .get_mut("Transitions")
                    .and_then(|t| t.get_mut("Conditions"))
                    .and_then(|c| c.as_array_mut())
            {
                for condition in conditions {
                    let operands = condition
                        .get_mut("Condition")
                        .and_then(|c| c.get_mut("Operands"))
                        .and_then(|o| o.as_array_mut());
                    for operand in operands.into_iter().flatten() {
                        if let Some((_, ours)) = intents
                            .iter()
                            .find(|(shipped, _)| operand.as_str() == Some(shipped.as_str()))
                        {
                            *operand = serde_json::Value::String(ours.clone());
                        }
                    }
                }
            }
            for v in map.values_mut() {
                rename_intents(v, intents);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                rename_intents(v, intents);
            }
        }
        _ => {}
    }
}

fn substitute(
    name: &str,
    value: &mut serde_json::Value,
    resolve: &dyn Fn(&Placeholder) -> Option<String>,
) -> Result<(), AssetError> {
    match value {
        serde_json::Value::String(s) if s.contains("${") => {
            *s = placeholder::replace(name, s, resolve)?;
        }
        serde_json::Value::Object(map) => {
            for v in map.values_mut() {
                substitute(name, v, resolve)?;
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                substitute(name, v, resolve)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The CloudFormation template of a solution (YAML).
pub fn template(solution: Solution) -> &'static str {
    match solution {
        Solution::ReturningCallers => include_str!("../../templates/returning-callers.yaml"),
        Solution::Callbacks => include_str!("../../templates/callbacks.yaml"),
    }
}

/// The file name of a solution's template under `templates/`.
pub fn template_file(solution: Solution) -> &'static str {
    match solution {
        Solution::ReturningCallers => "returning-callers.yaml",
        Solution::Callbacks => "callbacks.yaml",
    }
}

/// Stack outputs of a solution's template (deploy reads these; the flows need the Lambda ARNs).
pub fn template_outputs(solution: Solution) -> &'static [&'static str] {
    match solution {
        Solution::ReturningCallers => &[
            "LambdaSearchCustomerDetailsARN",
            "LambdaAddCustomerDetailsARN",
            "ReturnCallsTableName",
            "LexBotRoleARN",
        ],
        Solution::Callbacks => &[
            "LambdaGet10DigitPhoneARN",
            "LambdaGetCurrentTimeARN",
            "LambdaWriteCallbackARN",
            "LambdaReadCallbackARN",
            "LambdaUpdateCallbackARN",
            "LambdaStopContactARN",
            "LambdaProcessCtrARN",
            "CallbacksTableName",
            "CtrStreamARN",
        ],
    }
}

/// The output holding the ARN of the Lambda whose function id is `function_id`.
pub fn lambda_output(function_id: &str) -> Option<&'static str> {
    Some(match function_id {
        "searchCustomerCalls" => "LambdaSearchCustomerDetailsARN",
        "addCustomerCalls" => "LambdaAddCustomerDetailsARN",
        "get10DigitPhone" => "LambdaGet10DigitPhoneARN",
        "getCurrentTime" => "LambdaGetCurrentTimeARN",
        "writeCallback" => "LambdaWriteCallbackARN",
        "readCallback" => "LambdaReadCallbackARN",
        "updateCallback" => "LambdaUpdateCallbackARN",
        "stopContact" => "LambdaStopContactARN",
        "processCtr" => "LambdaProcessCtrARN",
        _ => return None,
    })
}

/// The template parameter carrying the record TTL (minutes).
pub const RECORD_TTL_PARAMETER: &str = "RecordTTL";
/// The template parameter carrying the callback TTL (hours).
pub const CALLBACK_TTL_PARAMETER: &str = "CallbackTTLHours";

/// The template parameters that carry a numeric deployment setting, with the setting's one
/// definition of default and range: `validate` checks the template's `Default`, `MinValue` and
/// `MaxValue` against it.
pub fn setting_parameters(
    solution: Solution,
) -> &'static [(&'static str, returns_lambdas::contract::Bounds)] {
    match solution {
        Solution::ReturningCallers => &[(
            RECORD_TTL_PARAMETER,
            returns_lambdas::contract::RECORD_TTL_MINUTES,
        )],
        Solution::Callbacks => &[(
            CALLBACK_TTL_PARAMETER,
            returns_lambdas::contract::CALLBACK_TTL_HOURS,
        )],
    }
}

/// Parameters of a solution's template. `ConnectInstanceARN`, `ArtifactBucket` and `ArtifactKey`
/// are required; the rest have defaults (see the template).
pub fn template_parameters(solution: Solution) -> &'static [&'static str] {
    match solution {
        Solution::ReturningCallers => &[
            "ConnectInstanceARN",
            "ArtifactBucket",
            "ArtifactKey",
            RECORD_TTL_PARAMETER,
            "LogRetentionDays",
            "Architecture",
        ],
        Solution::Callbacks => &[
            "ConnectInstanceARN",
            "ArtifactBucket",
            "ArtifactKey",
            CALLBACK_TTL_PARAMETER,
            "ExistingCtrStreamArn",
            "LogRetentionDays",
            "Architecture",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(p: &Placeholder) -> Option<String> {
        let text = p.to_string();
        Some(format!(
            "arn:aws:test:{}",
            text.trim_start_matches("${").trim_end_matches('}')
        ))
    }

    #[test]
    fn whispers_come_before_the_flows_that_name_them() {
        for (i, f) in flows().iter().enumerate() {
            for dep in f.depends_on_flows() {
                let j = flows().iter().position(|g| g.name == dep).unwrap();
                assert!(j < i, "{} needs {dep} first", f.name);
            }
        }
        assert_eq!(
            flow("repeatCallerFlow").unwrap().depends_on_flows().len(),
            2
        );
        assert_eq!(
            flow("cfSetCallBackflow").unwrap().depends_on_flows(),
            vec!["cfAgentCallBackWhisperflow"]
        );
    }

    #[test]
    fn render_replaces_every_placeholder() {
        for f in flows() {
            let out = f.render(&fake, LexRendering::V2).unwrap();
            assert!(!out.contains("${"), "{}", f.name);
        }
        let out = flow("repeatCallerFlow")
            .unwrap()
            .render(&fake, LexRendering::V2)
            .unwrap();
        assert!(
            out.contains(r#""LexV2Bot":{"AliasArn":"arn:aws:test:lex:returnCallerConcierge"}"#),
            "{out}"
        );
        assert!(out.contains(r#""QueueId":"arn:aws:test:queue:Spare_Parts""#));
    }

    #[test]
    fn render_fails_on_an_unresolved_placeholder() {
        let only_lambdas = |p: &Placeholder| match p {
            Placeholder::Lambda(_) => Some("arn:aws:lambda:r:1:function:x".to_string()),
            _ => None,
        };
        let err = flow("repeatCallerFlow")
            .unwrap()
            .render(&only_lambdas, LexRendering::V2)
            .unwrap_err();
        assert!(matches!(err, AssetError::Unresolved { .. }), "{err}");
    }

    #[test]
    fn lex_v1_rendering_names_the_bot() {
        let v1 = LexRendering::V1 {
            bot_name: "returnCallerConcierge".into(),
            region: "eu-west-2".into(),
            alias: "prod".into(),
            intents: vec![("Yes".into(), "ciConcierge_Yes".into())],
        };
        // V1 needs no ${lex:..} resolution.
        let no_lex = |p: &Placeholder| match p {
            Placeholder::Lex(_) => None,
            other => fake(other),
        };
        let out = flow("repeatCallerFlow")
            .unwrap()
            .render(&no_lex, v1)
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let lex_blocks: Vec<_> = doc["Actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["Type"] == "ConnectParticipantWithLexBot")
            .collect();
        assert_eq!(lex_blocks.len(), 2);
        for b in lex_blocks {
            assert_eq!(b["Parameters"]["LexBot"]["Alias"], "prod");
            assert_eq!(b["Parameters"]["LexBot"]["Region"], "eu-west-2");
            assert!(b["Parameters"].get("LexV2Bot").is_none());
            let operands: Vec<&str> = b["Transitions"]["Conditions"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["Condition"]["Operands"].as_array().unwrap())
                .map(|o| o.as_str().unwrap())
                .collect();
            assert_eq!(
                operands,
                ["ciConcierge_Yes", "No"],
                "intents renamed for V1"
            );
        }
    }

    #[test]
    fn render_is_deterministic() {
        for f in flows() {
            assert_eq!(
                f.render(&fake, LexRendering::V2).unwrap(),
                f.render(&fake, LexRendering::V2).unwrap()
            );
        }
    }
}
