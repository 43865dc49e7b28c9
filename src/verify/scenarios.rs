//! The call paths `verify` proves, taken from the two blogs: what the caller does, what the flow
//! must do in answer, and what each path needs seeded first. Pure: the deployed ARNs come in
//! through [`Deployed`], the testing-language content goes out through [`super::content`].
//!
//! Scenario names equal the `simulate` scenarios that walk the same path, so the offline
//! simulator and the service's executor can be compared on the same call (`tests/e2e/verify.rs`).

use crate::assets::Solution;

/// A number no real caller has: the North American fictional range 555-0100 … 555-0199.
/// Every scenario has its own, so scenarios run side by side without sharing a record, and a
/// record left under one of them (after a kill) is ours by construction.
pub const RESERVED_NUMBER_PREFIX: &str = "+1201555";

/// Everything a scenario reads from the deployment.
#[derive(Debug, Clone, Default)]
pub struct Deployed {
    /// Queue ARN by the shipped queue name (`Sales`, `Service`, …, and the callback queue).
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
    /// A returning-caller record: last call went to this queue (shipped name).
    LastCall { queue: &'static str },
    /// A PENDING callback in the callback queue, before its CTR arrived (no callback contact id).
    PendingCallback,
}

/// What the caller sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Dtmf(String),
    Say(&'static str),
}

/// What the flow must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A prompt containing this text is played.
    Prompt(&'static str),
    /// The flow invokes the deployment's function with this id.
    Lambda(&'static str),
    /// The contact is about to be transferred to this queue (shipped name). The test ends
    /// there: a simulated contact that reaches a real queue can be offered to real agents.
    Transfer(&'static str),
}

/// One observation: wait for `expect`, then send `then` (if any).
#[derive(Debug, Clone)]
pub struct Step {
    /// The observation's identifier, which the report names when it fails.
    pub id: &'static str,
    pub expect: Expect,
    pub then: Option<Input>,
}

/// A call path.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub solution: Solution,
    pub description: &'static str,
    /// Last two digits of the reserved caller number.
    pub number_suffix: &'static str,
    pub seed: Seed,
    pub steps: Vec<Step>,
    /// Contact attributes the test logs at the end (what the executor saw), by label.
    pub logged: Vec<(&'static str, &'static str)>,
}

impl Scenario {
    /// The caller's number (E.164), reserved for this scenario.
    pub fn caller(&self) -> String {
        format!("{RESERVED_NUMBER_PREFIX}01{}", self.number_suffix)
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

fn step(id: &'static str, expect: Expect, then: Option<Input>) -> Step {
    Step { id, expect, then }
}

fn dtmf(digits: &str) -> Option<Input> {
    Some(Input::Dtmf(digits.to_string()))
}

const MAIN_MENU: &str = "For Sales, press 1. For Service, press 2.";
const WELCOME_BACK: &str = "Welcome back! Are you calling about the same matter";
const SAME_DEPARTMENT: &str = "same department as last time";
const ASK_NUMBER: &str = "To request a callback, enter your phone number";
const PENDING_MENU: &str = "You already have a callback request waiting";

/// Every scenario, in the order they are reported.
pub fn all() -> Vec<Scenario> {
    let queue_logged = vec![("queue", "$.Queue.Name")];
    let callback_number_entry = |scenario: &Scenario| -> String {
        // The caller types the reserved number as a local 10-digit number, then #.
        format!("{}#", &scenario.caller()[2..])
    };
    let mut callbacks = vec![
        Scenario {
            name: "callback-keep-no-duplicate",
            solution: Solution::Callbacks,
            description: "a caller with a PENDING callback keeps it: the pending menu, no second request",
            number_suffix: "51",
            seed: Seed::PendingCallback,
            steps: vec![],
            logged: vec![("status", "$.Attributes.CallBackStatus")],
        },
        Scenario {
            name: "callback-cancel-agent-hangs-up",
            solution: Solution::Callbacks,
            description: "a caller cancels a PENDING callback whose contact id is not known yet: the record is cancelled, StopContact is tried, the agent will be told",
            number_suffix: "52",
            seed: Seed::PendingCallback,
            steps: vec![],
            logged: vec![("handledBy", "$.Attributes.CallBackCancelHandledBy")],
        },
    ];
    for scenario in &mut callbacks {
        let number = callback_number_entry(scenario);
        scenario.steps = vec![step(
            "asks-number",
            Expect::Prompt(ASK_NUMBER),
            dtmf(&number),
        )];
        if scenario.name == "callback-keep-no-duplicate" {
            scenario.steps.extend([
                step("pending-menu", Expect::Prompt(PENDING_MENU), dtmf("2")),
                step(
                    "keeps-callback",
                    Expect::Prompt("Your callback request stays in place"),
                    None,
                ),
            ]);
        } else {
            scenario.steps.extend([
                step("pending-menu", Expect::Prompt(PENDING_MENU), dtmf("1")),
                step("cancels-record", Expect::Lambda("updateCallback"), None),
                step("stops-callback", Expect::Lambda("stopContact"), None),
                step(
                    "confirms-cancel",
                    Expect::Prompt("Your callback request has been cancelled"),
                    None,
                ),
            ]);
        }
    }
    let mut scenarios = vec![
        Scenario {
            name: "new-caller-sales",
            solution: Solution::ReturningCallers,
            description: "a new caller presses 1 and is transferred to Sales",
            number_suffix: "01",
            seed: Seed::Nothing,
            steps: vec![
                step(
                    "looks-up-caller",
                    Expect::Lambda("searchCustomerCalls"),
                    None,
                ),
                step("main-menu", Expect::Prompt(MAIN_MENU), dtmf("1")),
                step("transfer-to-sales", Expect::Transfer("Sales"), None),
            ],
            logged: queue_logged.clone(),
        },
        Scenario {
            name: "new-caller-service",
            solution: Solution::ReturningCallers,
            description: "a new caller presses 2 and is transferred to Service",
            number_suffix: "02",
            seed: Seed::Nothing,
            steps: vec![
                step("main-menu", Expect::Prompt(MAIN_MENU), dtmf("2")),
                step("transfer-to-service", Expect::Transfer("Service"), None),
            ],
            logged: queue_logged.clone(),
        },
        Scenario {
            name: "returning-yes-yes",
            solution: Solution::ReturningCallers,
            description: "a returning caller hears welcome back, says yes twice and goes to the previous queue (Service)",
            number_suffix: "03",
            seed: Seed::LastCall { queue: "Service" },
            steps: vec![
                step(
                    "welcome-back",
                    Expect::Prompt(WELCOME_BACK),
                    Some(Input::Say("yeah")),
                ),
                step(
                    "same-department",
                    Expect::Prompt(SAME_DEPARTMENT),
                    Some(Input::Say("yes")),
                ),
                step(
                    "transfer-to-previous-queue",
                    Expect::Transfer("Service"),
                    None,
                ),
            ],
            logged: queue_logged.clone(),
        },
        Scenario {
            name: "returning-no",
            solution: Solution::ReturningCallers,
            description: "a returning caller says nope to the same matter, gets the main menu and presses 3 for Repairs",
            number_suffix: "04",
            seed: Seed::LastCall { queue: "Service" },
            steps: vec![
                step(
                    "welcome-back",
                    Expect::Prompt(WELCOME_BACK),
                    Some(Input::Say("nope")),
                ),
                step("main-menu", Expect::Prompt(MAIN_MENU), dtmf("3")),
                step("transfer-to-repairs", Expect::Transfer("Repairs"), None),
            ],
            logged: queue_logged,
        },
    ];
    scenarios.extend(callbacks);
    scenarios
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_has_its_own_reserved_number_and_a_last_step_that_waits_for_something() {
        let scenarios = all();
        let mut numbers: Vec<String> = scenarios.iter().map(Scenario::caller).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), scenarios.len());
        for scenario in &scenarios {
            let caller = scenario.caller();
            assert_eq!(caller.len(), 12, "{caller}");
            assert!(caller.starts_with("+120155501"), "{caller}");
            assert!(
                scenario.steps.last().unwrap().then.is_none(),
                "{}",
                scenario.name
            );
        }
    }

    #[test]
    fn every_scenario_shares_its_name_with_a_simulate_scenario() {
        for scenario in all() {
            assert!(
                crate::flow::scenario::BUILT_IN
                    .iter()
                    .any(|(name, _)| *name == scenario.name),
                "{} has no simulate scenario of the same name",
                scenario.name
            );
        }
    }
}
