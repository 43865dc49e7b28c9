//! A scenario in the testing language (Version `2025-06-21`): one observation per step, each
//! active once the one before it passed; the last logs what the executor saw and ends the test.
//! Pure.

use serde_json::{Value, json};

use super::scenarios::{Deployed, Expect, Input, Scenario};

/// The testing language version `verify` writes.
pub const VERSION: &str = "2025-06-21";

/// The test case content of `scenario` against the deployed resources; an error names what the
/// deployment lacks.
pub fn render(scenario: &Scenario, deployed: &Deployed) -> Result<String, String> {
    let mut observations = Vec::new();
    let last = scenario.steps.len().saturating_sub(1);
    for (index, step) in scenario.steps.iter().enumerate() {
        let event = match &step.expect {
            Expect::Prompt(text) => json!({
                "Identifier": format!("{}-event", step.id), "Type": "MessageReceived", "Actor": "System",
                "Properties": {"Text": text}, "MatchingCriteria": "Inclusion"}),
            Expect::Lambda(function) => {
                let arn = deployed
                    .lambda_arns
                    .get(*function)
                    .ok_or_else(|| format!("the deployment has no function {function}"))?;
                json!({"Identifier": format!("{}-event", step.id), "Type": "FlowActionStarted", "Actor": "System",
                       "Properties": {"ActionType": "InvokeLambdaFunction", "ActionParameters": {"LambdaFunctionARN": arn}}})
            }
            Expect::Unheard { flow, action } => {
                return Err(format!(
                    "flow {flow} has no action {action:?} that says something in plain words"
                ));
            }
            Expect::Transfer(queue) => {
                let arn = deployed
                    .queue_arns
                    .get(queue)
                    .ok_or_else(|| format!("the deployment has no queue {queue}"))?;
                json!({"Identifier": format!("{}-event", step.id), "Type": "FlowActionStarted", "Actor": "System",
                       "Properties": {"ActionType": "TransferContactToQueue", "ActionParameters": {"QueueId": arn}}})
            }
        };
        let mut actions = Vec::new();
        if let Some(input) = &step.then {
            let instruction = match input {
                Input::Dtmf(digits) => {
                    json!({"Type": "DtmfInput", "Properties": {"Value": digits}})
                }
                Input::Say(text) => {
                    json!({"Type": "TextUtterance", "Properties": {"Text": text, "LanguageCode": scenario.language}})
                }
            };
            actions.push(json!({"Identifier": format!("{}-send", step.id), "Type": "SendInstruction",
                "Parameters": {"ActionType": "SendInstruction", "Actor": "Customer", "Instruction": instruction}}));
        }
        let mut observation = json!({"Identifier": step.id, "Event": event});
        if index == last {
            let expressions: serde_json::Map<String, Value> = scenario
                .logged
                .iter()
                .map(|(label, path)| (label.to_string(), json!(path)))
                .collect();
            actions.push(json!({"Identifier": "log-what-was-seen", "Type": "TestControl",
                "Parameters": {"ActionType": "TestControl", "Command": {"Type": "LogData", "Properties": {"Expressions": expressions}}}}));
            actions.push(json!({"Identifier": "end-test", "Type": "TestControl",
                "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}}));
        } else {
            observation["Transitions"] =
                json!({"NextObservations": [scenario.steps[index + 1].id]});
        }
        // Actions run in order: each names the next.
        for position in 0..actions.len().saturating_sub(1) {
            let next = actions[position + 1]["Identifier"].clone();
            actions[position]["Transitions"] = json!({"NextAction": next});
        }
        observation["Actions"] = Value::Array(actions);
        observations.push(observation);
    }
    Ok(json!({"Version": VERSION, "Metadata": {}, "Observations": observations}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::scenarios;

    fn deployed() -> Deployed {
        let mut deployed = Deployed {
            callback_queue: "BasicQueue".into(),
            ..Deployed::default()
        };
        for queue in ["Sales", "Service", "Repairs", "BasicQueue"] {
            deployed
                .queue_arns
                .insert(queue.into(), format!("arn:queue/{queue}"));
        }
        for function in ["searchCustomerCalls", "updateCallback", "stopContact"] {
            deployed
                .lambda_arns
                .insert(function.into(), format!("arn:function:{function}"));
        }
        deployed
    }

    #[test]
    fn each_step_is_an_observation_chained_to_the_next_and_the_last_ends_the_test() {
        let scenario = scenarios::for_experience(&Default::default())
            .into_iter()
            .find(|s| s.name == "new-caller-sales")
            .unwrap();
        let content: Value =
            serde_json::from_str(&render(&scenario, &deployed()).unwrap()).unwrap();
        let observations = content["Observations"].as_array().unwrap();
        let ids: Vec<&str> = observations
            .iter()
            .map(|o| o["Identifier"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["looks-up-caller", "main-menu", "transfer-to-sales"]);
        assert_eq!(
            observations[1]["Transitions"]["NextObservations"],
            json!(["transfer-to-sales"])
        );
        assert_eq!(
            observations[1]["Actions"][0]["Parameters"]["Instruction"]["Properties"]["Value"],
            "1"
        );
        assert_eq!(
            observations[2]["Event"]["Properties"]["ActionParameters"]["QueueId"],
            "arn:queue/Sales"
        );
        let last_actions = observations[2]["Actions"].as_array().unwrap();
        assert_eq!(last_actions[0]["Transitions"]["NextAction"], "end-test");
        assert_eq!(last_actions[1]["Parameters"]["Command"]["Type"], "EndTest");
    }

    #[test]
    fn a_missing_queue_is_named() {
        let scenario = scenarios::for_experience(&Default::default())
            .into_iter()
            .find(|s| s.name == "returning-no")
            .unwrap();
        let mut lacking = deployed();
        lacking.queue_arns.remove("Repairs");
        assert_eq!(
            render(&scenario, &lacking).unwrap_err(),
            "the deployment has no queue Repairs"
        );
    }
}
