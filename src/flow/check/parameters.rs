//! Parameter checks of one action by its type: the kinds of value each parameter takes, static
//! numbers in range, Lambda parameters against the handler contract, event hooks naming a flow of
//! the right type, and Lex intents against the bot.

use std::collections::BTreeSet;

use serde_json::Value;

use super::placeholders::{check_placeholders_in, sole_placeholder};
use super::rules::EVENT_HOOKS;
use super::{Catalog, Report};
use crate::assets::Solution;
use crate::assets::placeholder::Placeholder;
use crate::flow::model::{self, Action};

pub(super) fn is_single_path(s: &str) -> bool {
    s.starts_with("$.") && model::json_paths(s).first().is_some_and(|p| p == s)
}

pub(super) fn static_int(action: &Action, key: &str) -> Option<Result<i64, String>> {
    let v = action.parameters.get(key)?;
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Some(Err(format!("{key} must be a whole number"))),
    };
    if text.contains("$.") {
        return Some(Err(format!("{key} must be static, not a json path")));
    }
    Some(
        text.trim()
            .parse::<i64>()
            .map_err(|_| format!("{key} must be a whole number, got {text:?}")),
    )
}

pub(super) fn check_parameters(
    r: &mut Report<'_>,
    a: &Action,
    flow_type: &str,
    solution: Solution,
    catalog: &Catalog,
) {
    check_placeholders_in(r, a, solution, catalog);
    let id = a.id.as_str();
    match a.action_type.as_str() {
        "InvokeLambdaFunction" => {
            let function = match a.param("LambdaFunctionARN").map(sole_placeholder) {
                Some(Some(Placeholder::Lambda(name))) => Some(name),
                _ => {
                    r.at(
                        id,
                        "LambdaFunctionARN must be exactly one ${lambda:<function id>} placeholder",
                    );
                    None
                }
            };
            match static_int(a, "InvocationTimeLimitSeconds") {
                Some(Ok(n)) if (1..=8).contains(&n) => {}
                Some(Ok(n)) => r.at(
                    id,
                    format!("InvocationTimeLimitSeconds must be 1-8, got {n}"),
                ),
                Some(Err(e)) => r.at(id, e),
                None => r.at(id, "InvocationTimeLimitSeconds is missing"),
            }
            let given: BTreeSet<String> = a
                .parameters
                .get("LambdaInvocationAttributes")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            if let Some(spec) = function.as_deref().and_then(|f| catalog.lambdas.get(f)) {
                let function = function.as_deref().unwrap_or_default();
                for key in &given {
                    if !spec.parameters.iter().any(|(p, _)| p == key) {
                        r.at(
                            id,
                            format!("passes parameter {key} that {function} does not read"),
                        );
                    }
                }
                for (p, required) in &spec.parameters {
                    if *required && !given.contains(p) {
                        r.at(id, format!("{function} needs the parameter {p}"));
                    }
                }
            }
        }
        "UpdateContactTargetQueue" => match (a.param("QueueId"), a.param("AgentId")) {
            (Some(q), None) => {
                let ok = is_single_path(q)
                    || matches!(
                        sole_placeholder(q),
                        Some(Placeholder::Queue(_) | Placeholder::CallbackQueue)
                    );
                if !ok {
                    r.at(id, "QueueId must be a ${queue:..} / ${callbackQueue} placeholder or one json path");
                }
            }
            (None, Some(agent)) if is_single_path(agent) => {}
            _ => r.at(id, "exactly one of QueueId or AgentId is required"),
        },
        "UpdateContactRoutingBehavior" => match static_int(a, "QueuePriority") {
            Some(Ok(n)) if n > 0 => {}
            Some(Ok(n)) => r.at(id, format!("QueuePriority must be greater than 0, got {n}")),
            Some(Err(e)) => r.at(id, e),
            None => {
                if a.parameters.get("QueueTimeAdjustmentSeconds").is_none() {
                    r.at(
                        id,
                        "QueuePriority or QueueTimeAdjustmentSeconds is required",
                    );
                }
            }
        },
        "UpdateContactEventHooks" => {
            let hooks = a.parameters.get("EventHooks").and_then(Value::as_object);
            match hooks {
                Some(h) if h.len() == 1 => {
                    for (key, v) in h {
                        let Some(&(_, want)) = EVENT_HOOKS.iter().find(|(k, _)| k == key) else {
                            r.at(id, format!("event hook {key} is not one this tool uses"));
                            continue;
                        };
                        match v.as_str().and_then(sole_placeholder) {
                            Some(Placeholder::Flow(name)) => {
                                if let Some((t, _)) = catalog.flows.get(&name)
                                    && t != want
                                {
                                    r.at(
                                        id,
                                        format!(
                                            "event hook {key} needs a {want} flow, {name} is {t}"
                                        ),
                                    );
                                }
                            }
                            _ => r.at(
                                id,
                                format!("event hook {key} must be one ${{flow:..}} placeholder"),
                            ),
                        }
                    }
                }
                _ => r.at(id, "EventHooks must have exactly one entry"),
            }
        }
        "CreateCallbackContact" => {
            for (key, min) in [
                ("InitialCallDelaySeconds", 0),
                ("MaximumConnectionAttempts", 1),
                ("RetryDelaySeconds", 0),
            ] {
                match static_int(a, key) {
                    Some(Ok(n)) if n >= min => {}
                    Some(Ok(n)) => r.at(id, format!("{key} must be at least {min}, got {n}")),
                    Some(Err(e)) => r.at(id, e),
                    None if key == "MaximumConnectionAttempts" => {
                        r.at(id, "MaximumConnectionAttempts is required and must be > 0")
                    }
                    None => {}
                }
            }
        }
        "ConnectParticipantWithLexBot" => {
            if a.parameters.get("LexBot").is_some() {
                r.at(id, "write the Lex block as LexV2Bot with ${lex:..}; deploy renders the V1 LexBot shape");
            }
            match a
                .parameters
                .pointer("/LexV2Bot/AliasArn")
                .and_then(Value::as_str)
                .map(sole_placeholder)
            {
                Some(Some(Placeholder::Lex(_))) => {}
                _ => r.at(id, "LexV2Bot.AliasArn must be one ${lex:<bot>} placeholder"),
            }
            for c in &a.conditions {
                if c.operator != "Equals" {
                    r.at(
                        id,
                        format!("Lex results only support Equals, not {}", c.operator),
                    );
                }
                for intent in &c.operands {
                    if !catalog.intents.contains(intent) {
                        r.at(
                            id,
                            format!(
                                "branches on intent {intent:?}, which the bot {} does not have",
                                catalog.bot_name
                            ),
                        );
                    }
                }
            }
            let _ = flow_type;
        }
        "GetParticipantInput" => {
            match a.param("StoreInput") {
                Some("True") | Some("False") => {}
                _ => r.at(id, "StoreInput must be \"True\" or \"False\""),
            }
            match static_int(a, "InputTimeLimitSeconds") {
                Some(Ok(n)) if n > 0 => {}
                Some(Ok(n)) => r.at(
                    id,
                    format!("InputTimeLimitSeconds must be positive, got {n}"),
                ),
                Some(Err(e)) => r.at(id, e),
                None => r.at(id, "InputTimeLimitSeconds is missing"),
            }
            if a.param("StoreInput") == Some("False") {
                for c in &a.conditions {
                    let digit = c.operands.iter().all(|o| {
                        o.len() == 1
                            && (o.chars().all(|ch| ch.is_ascii_digit()) || o == "*" || o == "#")
                    });
                    if c.operator != "Equals" || !digit {
                        r.at(id, "menu conditions must be Equals a single digit, * or #");
                    }
                }
            }
            if a.parameters
                .pointer("/InputValidation/PhoneNumberValidation")
                .is_some()
                && a.on_error("InvalidPhoneNumber").is_none()
            {
                r.at(
                    id,
                    "validates a phone number but has no InvalidPhoneNumber error branch",
                );
            }
        }
        "Compare" => match a.param("ComparisonValue") {
            Some(v) if is_single_path(v) => {}
            _ => r.at(id, "ComparisonValue must be one json path"),
        },
        "UpdateContactCallbackNumber" => match a.param("CallbackNumber") {
            Some(v) if is_single_path(v) => {}
            _ => r.at(id, "CallbackNumber must be one json path"),
        },
        "MessageParticipant" => {
            let n = ["Text", "SSML", "PromptId"]
                .iter()
                .filter(|k| a.parameters.get(**k).is_some())
                .count();
            if n != 1 {
                r.at(id, "exactly one of Text, SSML or PromptId is required");
            }
        }
        "Loop" => match static_int(a, "LoopCount") {
            Some(Ok(n)) if n >= 1 => {}
            _ => r.at(id, "LoopCount must be a whole number of at least 1"),
        },
        "UpdateContactAttributes" => {
            match a.parameters.get("Attributes").and_then(Value::as_object) {
                Some(m) if !m.is_empty() && m.values().all(Value::is_string) => {}
                _ => r.at(id, "Attributes must be a non-empty map of strings"),
            }
        }
        _ => {}
    }
}
