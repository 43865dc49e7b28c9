//! The call paths `verify` proves, taken from the two blogs and fitted to the deployment's call
//! experience: what the caller does, what the flow must do in answer, and what each path needs
//! seeded first. Pure: the experience comes in as the deployment record has it, the deployed
//! ARNs through [`Deployed`], the testing-language content goes out through [`super::content`].
//!
//! - The menu: with the blog's, the shipped paths (`new-caller-sales`, …); with another, one
//!   new-caller path per configured entry, and the returning-caller paths carried over with the
//!   blog's k-th queue standing for the menu's k-th (left out when the menu has no k-th).
//! - The prompts: what the caller must hear is what the deployed action says (the menu's own
//!   words, a `[prompts]` override), its first run of plain words.
//! - The bot: the caller answers in the bot's locale, with that locale's words.
//!
//! Scenario names equal the `simulate` scenarios that walk the same path for the same
//! experience, so the offline simulator and the service's executor can be compared on the same
//! call (`tests/e2e/verify.rs`).

use crate::assets::experience::plain_part;
use crate::assets::menu::{MENU_ACTION, MENU_FLOW};
use crate::assets::{BotDefinition, CallExperience, MenuQueue, Solution};
use crate::flow::menu_scenarios;

/// A number no real caller has: the North American fictional range 555-0100 … 555-0199.
/// Every scenario has its own, so scenarios run side by side without sharing a record, and a
/// record left under one of them (after a kill) is ours by construction.
pub const RESERVED_NUMBER_PREFIX: &str = "+1201555";

/// The last two digits of every reserved number a scenario can have, whatever the menu: the
/// shipped returning-caller paths, one per menu key (`1` + the digit, `20` for `*`, `21` for
/// `#`), the callback paths. A run removes records under all of them, so that what a run
/// against an earlier menu left is found too.
const RETURNING_SUFFIXES: [&str; 16] = [
    "01", "02", "03", "04", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21",
];
const CALLBACK_SUFFIXES: [&str; 2] = ["51", "52"];

/// Everything a scenario reads from the deployment.
#[derive(Debug, Clone, Default)]
pub struct Deployed {
    /// Queue ARN by the menu's queue name (`Sales`, `Service`, …, and the callback queue).
    pub queue_arns: std::collections::BTreeMap<String, String>,
    /// The callback queue's name (the callbacks flow puts the contact there first).
    pub callback_queue: String,
    /// Lambda ARN by function id (`stopContact`, …).
    pub lambda_arns: std::collections::BTreeMap<String, String>,
}

/// What a scenario needs in DynamoDB before the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// Nothing: the caller is new / has no callback.
    Nothing,
    /// A returning-caller record: last call went to this queue (the menu's name).
    LastCall { queue: String },
    /// A PENDING callback in the callback queue, before its CTR arrived (no callback contact id).
    PendingCallback,
}

/// What the caller sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Dtmf(String),
    Say(String),
}

/// What the flow must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A prompt containing this text is played.
    Prompt(String),
    /// The flow invokes the deployment's function with this id.
    Lambda(&'static str),
    /// The contact is about to be transferred to this queue (the menu's name). The test ends
    /// there: a simulated contact that reaches a real queue can be offered to real agents.
    Transfer(String),
    /// A prompt the flows do not have (a flow of an assets directory without the shipped
    /// action, or one that says nothing in plain words): the scenario cannot run.
    Unheard { flow: String, action: String },
}

/// One observation: wait for `expect`, then send `then` (if any).
#[derive(Debug, Clone)]
pub struct Step {
    /// The observation's identifier, which the report names when it fails.
    pub id: String,
    pub expect: Expect,
    pub then: Option<Input>,
}

/// A call path.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub solution: Solution,
    pub description: String,
    /// Last two digits of the reserved caller number.
    pub number_suffix: &'static str,
    /// The language the caller speaks (the bot's locale, `en-US`).
    pub language: String,
    pub seed: Seed,
    pub steps: Vec<Step>,
    /// Contact attributes the test logs at the end (what the executor saw), by label.
    pub logged: Vec<(&'static str, &'static str)>,
}

impl Scenario {
    /// The caller's number (E.164), reserved for this scenario.
    pub fn caller(&self) -> String {
        reserved_number(self.number_suffix)
    }

    /// True when a prompt the scenario waits for is not in the flows (it cannot run).
    pub fn unheard(&self) -> bool {
        self.steps
            .iter()
            .any(|step| matches!(step.expect, Expect::Unheard { .. }))
    }

    /// How the test ends, for the report.
    pub fn ending(&self) -> String {
        match self.steps.last().map(|step| &step.expect) {
            Some(Expect::Transfer(queue)) => format!(
                "ends at the transfer to {queue}: the contact is never queued, so no agent is offered it"
            ),
            _ => "ends after the last prompt, before the caller is disconnected".to_string(),
        }
    }
}

fn reserved_number(suffix: &str) -> String {
    format!("{RESERVED_NUMBER_PREFIX}01{suffix}")
}

/// Every reserved number of `solution`'s scenarios, for any call experience.
pub fn reserved_numbers(solution: Solution) -> Vec<String> {
    let suffixes: &[&str] = match solution {
        Solution::ReturningCallers => &RETURNING_SUFFIXES,
        Solution::Callbacks => &CALLBACK_SUFFIXES,
    };
    suffixes
        .iter()
        .map(|suffix| reserved_number(suffix))
        .collect()
}

/// The reserved number suffix of the new-caller path of the menu entry with `digit`.
fn key_suffix(digit: &str) -> &'static str {
    match digit {
        "0" => "10",
        "1" => "11",
        "2" => "12",
        "3" => "13",
        "4" => "14",
        "5" => "15",
        "6" => "16",
        "7" => "17",
        "8" => "18",
        "9" => "19",
        "*" => "20",
        _ => "21",
    }
}

fn step(id: impl Into<String>, expect: Expect, then: Option<Input>) -> Step {
    Step {
        id: id.into(),
        expect,
        then,
    }
}

fn dtmf(digits: &str) -> Option<Input> {
    Some(Input::Dtmf(digits.to_string()))
}

/// What the deployed flows say and understand, for this experience.
struct Heard<'a> {
    experience: &'a CallExperience,
    bot: BotDefinition,
}

impl Heard<'_> {
    /// The first plain words the action `action` of `flow` says as deployed (the shipped flow,
    /// or the assets directory's, with the experience applied).
    fn prompt(&self, flow: &str, action: &str) -> Expect {
        let said = crate::assets::flow(flow).and_then(|asset| {
            let source = self
                .experience
                .apply(flow, asset.source)
                .unwrap_or_else(|_| asset.source.to_string());
            let doc: serde_json::Value = serde_json::from_str(&source).ok()?;
            let parameters = &doc["Actions"]
                .as_array()?
                .iter()
                .find(|a| a["Identifier"] == action)?["Parameters"];
            let said = parameters["Text"]
                .as_str()
                .or(parameters["SSML"].as_str())?;
            Some(plain_part(said))
        });
        match said {
            Some(text) if !text.is_empty() => Expect::Prompt(text),
            _ => Expect::Unheard {
                flow: flow.to_string(),
                action: action.to_string(),
            },
        }
    }

    /// The language the caller speaks: the bot's locale as a language tag (`en-US`).
    fn language(&self) -> String {
        self.experience.bot.locale.replace('_', "-")
    }

    /// The caller answering with the bot's `intent`: `shipped` when the bot understands it,
    /// else the first utterance the bot has for the intent.
    fn say(&self, intent: &str, shipped: &str) -> Option<Input> {
        let utterances = self
            .bot
            .intents
            .iter()
            .find(|i| i.name == intent)
            .map(|i| i.utterances.as_slice())
            .unwrap_or_default();
        let said = if utterances.iter().any(|u| u.eq_ignore_ascii_case(shipped)) {
            shipped.to_string()
        } else {
            utterances
                .first()
                .cloned()
                .unwrap_or_else(|| shipped.to_string())
        };
        Some(Input::Say(said))
    }
}

/// Every scenario of a deployment with `experience`, in the order they are reported.
pub fn for_experience(experience: &CallExperience) -> Vec<Scenario> {
    let heard = Heard {
        experience,
        bot: experience
            .bot_definition()
            .unwrap_or_else(|_| crate::assets::bot()),
    };
    let mut out = returning_callers(&heard);
    out.extend(callbacks(&heard));
    out
}

/// The returning-caller paths: new callers through the menu, returning callers back to their
/// last queue or through the menu again.
fn returning_callers(heard: &Heard) -> Vec<Scenario> {
    let menu = &heard.experience.menu;
    let main_menu = heard.prompt(MENU_FLOW, MENU_ACTION);
    let new_caller = |name: String, suffix: &'static str, queue: &MenuQueue| Scenario {
        name,
        solution: Solution::ReturningCallers,
        description: format!(
            "a new caller presses {} and is transferred to {}",
            queue.digit, queue.name
        ),
        number_suffix: suffix,
        language: heard.language(),
        seed: Seed::Nothing,
        steps: vec![
            step(
                "looks-up-caller",
                Expect::Lambda("searchCustomerCalls"),
                None,
            ),
            step("main-menu", main_menu.clone(), dtmf(&queue.digit)),
            step(
                format!("transfer-to-{}", menu_scenarios::slug(&queue.name)),
                Expect::Transfer(queue.name.clone()),
                None,
            ),
        ],
        logged: vec![("queue", "$.Queue.Name")],
    };
    let mut out: Vec<Scenario> = if menu.is_blogs() {
        // The shipped paths, named as the shipped simulate scenarios.
        vec![
            new_caller("new-caller-sales".into(), "01", &menu.queues[0]),
            new_caller("new-caller-service".into(), "02", &menu.queues[1]),
        ]
    } else {
        menu.queues
            .iter()
            .map(|queue| {
                new_caller(
                    menu_scenarios::generated_name(queue),
                    key_suffix(&queue.digit),
                    queue,
                )
            })
            .collect()
    };
    let welcome_back = heard.prompt(MENU_FLOW, "Ask same matter");
    // The blog's returning caller last called Service, its second queue; the one who wants
    // something else presses the key of Repairs, its third.
    let (previous, other) = (menu.queues.get(1), menu.queues.get(2));
    if let Some(previous) = previous {
        out.push(Scenario {
            name: "returning-yes-yes".into(),
            solution: Solution::ReturningCallers,
            description: format!(
                "a returning caller hears welcome back, says yes twice and goes to the previous queue ({})",
                previous.name
            ),
            number_suffix: "03",
            language: heard.language(),
            seed: Seed::LastCall {
                queue: previous.name.clone(),
            },
            steps: vec![
                step(
                    "welcome-back",
                    welcome_back.clone(),
                    heard.say("Yes", "yeah"),
                ),
                step(
                    "same-department",
                    heard.prompt(MENU_FLOW, "Ask same department"),
                    heard.say("Yes", "yes"),
                ),
                step(
                    "transfer-to-previous-queue",
                    Expect::Transfer(previous.name.clone()),
                    None,
                ),
            ],
            logged: vec![("queue", "$.Queue.Name")],
        });
    }
    if let (Some(previous), Some(other)) = (previous, other) {
        out.push(Scenario {
            name: "returning-no".into(),
            solution: Solution::ReturningCallers,
            description: format!(
                "a returning caller says no to the same matter, gets the main menu and presses {} for {}",
                other.digit, other.name
            ),
            number_suffix: "04",
            language: heard.language(),
            seed: Seed::LastCall {
                queue: previous.name.clone(),
            },
            steps: vec![
                step("welcome-back", welcome_back, heard.say("No", "nope")),
                step("main-menu", main_menu, dtmf(&other.digit)),
                step(
                    format!("transfer-to-{}", menu_scenarios::slug(&other.name)),
                    Expect::Transfer(other.name.clone()),
                    None,
                ),
            ],
            logged: vec![("queue", "$.Queue.Name")],
        });
    }
    out
}

/// The cancelled-callback paths: a caller with a PENDING callback keeps it, or cancels it.
fn callbacks(heard: &Heard) -> Vec<Scenario> {
    const FLOW: &str = "cfSetCallBackflow";
    let asks_number = |suffix: &str| {
        // The caller types the reserved number as a local 10-digit number, then #.
        let number = reserved_number(suffix);
        step(
            "asks-number",
            heard.prompt(FLOW, "Ask number"),
            dtmf(&format!("{}#", &number[2..])),
        )
    };
    vec![
        Scenario {
            name: "callback-keep-no-duplicate".into(),
            solution: Solution::Callbacks,
            description: "a caller with a PENDING callback keeps it: the pending menu, no second request".into(),
            number_suffix: "51",
            language: heard.language(),
            seed: Seed::PendingCallback,
            steps: vec![
                asks_number("51"),
                step("pending-menu", heard.prompt(FLOW, "Pending menu"), dtmf("2")),
                step("keeps-callback", heard.prompt(FLOW, "Keep callback"), None),
            ],
            logged: vec![("status", "$.Attributes.CallBackStatus")],
        },
        Scenario {
            name: "callback-cancel-agent-hangs-up".into(),
            solution: Solution::Callbacks,
            description: "a caller cancels a PENDING callback whose contact id is not known yet: the record is cancelled, StopContact is tried, the agent will be told".into(),
            number_suffix: "52",
            language: heard.language(),
            seed: Seed::PendingCallback,
            steps: vec![
                asks_number("52"),
                step("pending-menu", heard.prompt(FLOW, "Pending menu"), dtmf("1")),
                step("cancels-record", Expect::Lambda("updateCallback"), None),
                step("stops-callback", Expect::Lambda("stopContact"), None),
                step(
                    "confirms-cancel",
                    heard.prompt(FLOW, "Cancelled message"),
                    None,
                ),
            ],
            logged: vec![("handledBy", "$.Attributes.CallBackCancelHandledBy")],
        },
    ]
}

#[cfg(test)]
mod tests;
