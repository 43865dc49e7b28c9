//! What a scenario is: the file's steps and expectations, the outcome a run reports, and the
//! scenarios built into the binary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flow::sim::Run;

/// A scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What it shows.
    pub description: String,
    /// `returning-callers` or `callbacks`.
    pub solution: String,
    /// Start time (RFC 3339); default 2026-11-21T09:00:00Z.
    #[serde(default)]
    pub start: Option<String>,
    /// RECORD_TTL_MINUTES for the handlers (default: the contract default).
    #[serde(default)]
    pub record_ttl_minutes: Option<u32>,
    /// The queue callbacks wait in (default BasicQueue).
    #[serde(default)]
    pub callback_queue: Option<String>,
    /// The steps, in order.
    pub steps: Vec<StepSpec>,
}

/// One step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct StepSpec {
    /// `call`, `ctr`, `offer_callback` or `advance`.
    pub kind: String,
    /// A name other steps refer to (`of`).
    #[serde(default)]
    pub label: Option<String>,
    /// call: the flow (default: the solution's inbound flow).
    #[serde(default)]
    pub flow: Option<String>,
    /// call: caller id in E.164, or `anonymous`.
    #[serde(default)]
    pub caller: Option<String>,
    /// call: caller input in order: digits (`2`, `2065550123#`), `lex:Yes`, `say:not really`, `timeout`.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// call: functions whose invocation fails (error or timeout branch).
    #[serde(default)]
    pub fail: Vec<String>,
    /// call: the queue reports it is at capacity.
    #[serde(default)]
    pub queue_full: bool,
    /// call / offer_callback: the agent who answers (runs the agent whisper).
    #[serde(default)]
    pub agent: Option<String>,
    /// ctr / offer_callback: the label of the call that requested the callback.
    #[serde(default)]
    pub of: Option<String>,
    /// offer_callback: the agent hangs up after the whisper instead of letting Connect dial.
    #[serde(default)]
    pub agent_hangs_up: bool,
    /// advance: minutes to move the clock.
    #[serde(default)]
    pub minutes: Option<i64>,
    /// What must be true afterwards.
    #[serde(default)]
    pub expect: Expect,
}

/// Expected outcome of a step; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Expect {
    /// `queue`, `disconnect`, `end` (of the step's main flow).
    pub ends: Option<String>,
    /// The queue the contact was transferred to.
    pub queue: Option<String>,
    /// Effective priority (5 when never set).
    pub priority: Option<i64>,
    /// The AgentWhisper flow set on the contact.
    pub whisper: Option<String>,
    /// Whether a callback was created.
    pub callback_created: Option<bool>,
    /// Whether StopContact removed the callback.
    pub callback_stopped: Option<bool>,
    /// offer_callback: whether the callback reached an agent at all.
    pub offered: Option<bool>,
    /// offer_callback: whether Connect dialled the customer (outbound whisper ran).
    pub dialled: Option<bool>,
    /// Contact attributes that must have these values.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Actions that must be on the path (any flow of the step).
    #[serde(default)]
    pub path_includes: Vec<String>,
    /// Actions that must not be on the path.
    #[serde(default)]
    pub path_excludes: Vec<String>,
    /// Text that some prompt must contain.
    #[serde(default)]
    pub prompts_include: Vec<String>,
    /// Functions that must have been invoked.
    #[serde(default)]
    pub lambdas_called: Vec<String>,
    /// Functions that must not have been invoked.
    #[serde(default)]
    pub lambdas_not_called: Vec<String>,
    /// The DynamoDB record of this caller / callback afterwards: attribute → value
    /// (`"<absent>"` for an attribute that must not exist).
    #[serde(default)]
    pub record: BTreeMap<String, String>,
    /// Whether the record must exist.
    pub record_exists: Option<bool>,
}

/// The outcome of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    /// 1-based step number.
    pub step: usize,
    /// Step kind.
    pub kind: String,
    /// Label, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Flow runs (the main flow, then whispers).
    pub runs: Vec<Run>,
    /// Where the main flow ended.
    pub ends: Option<String>,
    /// Queue at the end.
    pub queue: Option<String>,
    /// Effective priority.
    pub priority: Option<i64>,
    /// AgentWhisper hook.
    pub whisper: Option<String>,
    /// A callback was created.
    pub callback_created: bool,
    /// StopContact removed the callback.
    pub callback_stopped: bool,
    /// offer_callback: reached an agent.
    pub offered: Option<bool>,
    /// offer_callback: customer dialled.
    pub dialled: Option<bool>,
    /// Contact attributes at the end (phone numbers masked).
    pub attributes: BTreeMap<String, String>,
    /// The record afterwards (phone numbers masked).
    pub record: Option<BTreeMap<String, String>>,
    /// Notes (e.g. processCtr results).
    pub notes: Vec<String>,
    /// Expectations that failed.
    pub mismatches: Vec<String>,
}

/// The outcome of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioOutcome {
    /// Scenario name (file stem).
    pub name: String,
    /// Description.
    pub description: String,
    /// True when every expectation held.
    pub passed: bool,
    /// Steps.
    pub steps: Vec<StepOutcome>,
    /// A failure that stopped the scenario (setup, unknown label, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The scenarios built into the binary: (name, TOML).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "new-caller-sales",
        include_str!("../../../assets/scenarios/new-caller-sales.toml"),
    ),
    (
        "new-caller-service",
        include_str!("../../../assets/scenarios/new-caller-service.toml"),
    ),
    (
        "new-caller-repairs",
        include_str!("../../../assets/scenarios/new-caller-repairs.toml"),
    ),
    (
        "new-caller-installations",
        include_str!("../../../assets/scenarios/new-caller-installations.toml"),
    ),
    (
        "new-caller-spare-parts",
        include_str!("../../../assets/scenarios/new-caller-spare-parts.toml"),
    ),
    (
        "returning-yes-yes",
        include_str!("../../../assets/scenarios/returning-yes-yes.toml"),
    ),
    (
        "returning-yes-no",
        include_str!("../../../assets/scenarios/returning-yes-no.toml"),
    ),
    (
        "returning-no",
        include_str!("../../../assets/scenarios/returning-no.toml"),
    ),
    (
        "returning-lex-no-match",
        include_str!("../../../assets/scenarios/returning-lex-no-match.toml"),
    ),
    (
        "caller-id-withheld",
        include_str!("../../../assets/scenarios/caller-id-withheld.toml"),
    ),
    (
        "record-expired-not-deleted",
        include_str!("../../../assets/scenarios/record-expired-not-deleted.toml"),
    ),
    (
        "search-lambda-error",
        include_str!("../../../assets/scenarios/search-lambda-error.toml"),
    ),
    (
        "whisper-refreshes-expiry",
        include_str!("../../../assets/scenarios/whisper-refreshes-expiry.toml"),
    ),
    (
        "menu-no-input",
        include_str!("../../../assets/scenarios/menu-no-input.toml"),
    ),
    (
        "callback-first-request",
        include_str!("../../../assets/scenarios/callback-first-request.toml"),
    ),
    (
        "callback-cancel-stopcontact",
        include_str!("../../../assets/scenarios/callback-cancel-stopcontact.toml"),
    ),
    (
        "callback-cancel-agent-hangs-up",
        include_str!("../../../assets/scenarios/callback-cancel-agent-hangs-up.toml"),
    ),
    (
        "callback-keep-no-duplicate",
        include_str!("../../../assets/scenarios/callback-keep-no-duplicate.toml"),
    ),
    (
        "callback-completed",
        include_str!("../../../assets/scenarios/callback-completed.toml"),
    ),
    (
        "callback-invalid-number",
        include_str!("../../../assets/scenarios/callback-invalid-number.toml"),
    ),
];

/// Parses a scenario file.
pub fn parse(text: &str) -> Result<Scenario, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}
