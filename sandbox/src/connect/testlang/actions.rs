//! Actions of an observation: SendInstruction (with its instruction), OverrideSystemBehavior
//! (with its mock responses), TestControl, and the check that overrides do not chain in a cycle.
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::*;

pub(super) fn chain_cycles(actions: &[Action]) -> bool {
    let next: HashMap<&str, &str> = actions
        .iter()
        .filter_map(|a| a.next.as_deref().map(|n| (a.id.as_str(), n)))
        .collect();
    for a in actions {
        let mut seen = HashSet::new();
        let mut at = a.id.as_str();
        while let Some(n) = next.get(at) {
            if !seen.insert(at) {
                return true;
            }
            at = n;
        }
    }
    false
}

pub(super) fn action(v: &Value, at: &str, p: &mut Problems) -> Option<Action> {
    let m = obj(v, at, p)?;
    unknown_members(
        m,
        &["Identifier", "Type", "Actor", "Parameters", "Transitions"],
        at,
        p,
    );
    let id = string(m, "Identifier", at, p)?.to_string();
    let kind = string(m, "Type", at, p)?.to_string();
    let params_at = format!("{at}.Parameters");
    let params = obj(m.get("Parameters").unwrap_or(&Value::Null), &params_at, p)?;
    let mut next = None;
    if let Some(t) = m.get("Transitions")
        && let Some(t) = obj(t, &format!("{at}.Transitions"), p)
    {
        unknown_members(t, &["NextAction"], &format!("{at}.Transitions"), p);
        match t.get("NextAction") {
            None => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) => next = Some(s.clone()),
            Some(_) => p.push(format!("{at}.Transitions.NextAction must be a string")),
        }
    }
    if kind != "Assert" {
        // every documented action repeats its type as Parameters.ActionType
        must_equal(params, "ActionType", &kind, &params_at, p);
    }
    let kind = match kind.as_str() {
        "SendInstruction" => {
            if let Some(a) = m.get("Actor")
                && a.as_str() != Some("Customer")
            {
                p.push(format!("{at}.Actor must be \"Customer\""));
            }
            unknown_members(
                params,
                &["ActionType", "Actor", "Instruction"],
                &params_at,
                p,
            );
            must_equal(params, "Actor", "Customer", &params_at, p);
            ActionKind::Send(instruction(params, &params_at, p)?)
        }
        "OverrideSystemBehavior" => {
            unknown_members(params, &["ActionType", "Behavior"], &params_at, p);
            ActionKind::Override(override_behavior(params, &params_at, p)?)
        }
        "TestControl" => {
            unknown_members(params, &["ActionType", "Command"], &params_at, p);
            let cat = format!("{params_at}.Command");
            let c = obj(params.get("Command").unwrap_or(&Value::Null), &cat, p)?;
            match string(c, "Type", &cat, p)? {
                "EndTest" => {
                    unknown_members(c, &["Type"], &cat, p);
                    ActionKind::EndTest
                }
                "LogData" => {
                    unknown_members(c, &["Type", "Properties"], &cat, p);
                    let pat = format!("{cat}.Properties");
                    let props = obj(c.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
                    unknown_members(props, &["Expressions"], &pat, p);
                    let eat = format!("{pat}.Expressions");
                    let ex = obj(props.get("Expressions").unwrap_or(&Value::Null), &eat, p)?;
                    if ex.is_empty() {
                        p.push(format!("{eat} must hold at least one expression"));
                    }
                    let mut out = BTreeMap::new();
                    for (k, v) in ex {
                        match v.as_str() {
                            Some(path) if is_json_path(path) => {
                                out.insert(k.clone(), path.to_string());
                            }
                            _ => {
                                p.push(format!("{eat}.{k} must be a JSONPath such as $.Queue.Name"))
                            }
                        }
                    }
                    ActionKind::LogData(out)
                }
                other => {
                    p.push(format!(
                        "{cat}.Type must be EndTest or LogData, got {other:?}"
                    ));
                    return None;
                }
            }
        }
        "Assert" => {
            unknown_members(params, &["Namespace", "Operator", "Operand"], &params_at, p);
            let namespace = string(params, "Namespace", &params_at, p)?.to_string();
            if !is_json_path(&namespace) {
                p.push(format!(
                    "{params_at}.Namespace must be a JSONPath such as $.Queue.Name"
                ));
            }
            // stricter: Equals is the only operator the documentation shows
            must_equal(params, "Operator", "Equals", &params_at, p);
            let operand = match params.get("Operand") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    p.push(format!("{params_at}.Operand is required (a string)"));
                    return None;
                }
            };
            ActionKind::Assert { namespace, operand }
        }
        other => {
            p.push(format!(
                "{at}.Type {other:?} is not an action: SendInstruction, OverrideSystemBehavior, TestControl or Assert"
            ));
            return None;
        }
    };
    Some(Action { id, kind, next })
}

/// Whether `s` is one JSONPath (`$.` followed by a path).
pub fn is_json_path(s: &str) -> bool {
    s.len() > 2
        && s.starts_with("$.")
        && s[2..]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
}

fn instruction(params: &Map<String, Value>, at: &str, p: &mut Problems) -> Option<Instruction> {
    let iat = format!("{at}.Instruction");
    let ins = obj(params.get("Instruction").unwrap_or(&Value::Null), &iat, p)?;
    let kind = string(ins, "Type", &iat, p)?;
    let pat = format!("{iat}.Properties");
    match kind {
        "DtmfInput" => {
            unknown_members(ins, &["Type", "Properties"], &iat, p);
            let props = obj(ins.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
            unknown_members(props, &["Value"], &pat, p);
            // "String or number representing the DTMF input"
            let value = match props.get("Value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if n.is_u64() => n.to_string(),
                _ => {
                    p.push(format!(
                        "{pat}.Value is required: DTMF keys as a string or a number"
                    ));
                    return None;
                }
            };
            if value.is_empty()
                || value.len() > 64
                || !value
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
            {
                p.push(format!(
                    "{pat}.Value must be 1-64 keypad keys (0-9, * and #), got {value:?}"
                ));
            }
            Some(Instruction::Dtmf(value))
        }
        "TextUtterance" => {
            unknown_members(ins, &["Type", "Properties"], &iat, p);
            let props = obj(ins.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
            unknown_members(props, &["Text", "SSML", "LanguageCode"], &pat, p);
            let text = opt_string(props, "Text", &pat, p);
            let ssml = opt_string(props, "SSML", &pat, p);
            // stricter: LanguageCode is listed without "optional"
            let language = string(props, "LanguageCode", &pat, p)?.to_string();
            if !language_code(&language) {
                p.push(format!(
                    "{pat}.LanguageCode must look like en-US, got {language:?}"
                ));
            }
            let text = match (text, ssml) {
                (Some(t), None) => t.to_string(),
                (None, Some(s)) => strip_tags(s),
                _ => {
                    p.push(format!("{pat} must give exactly one of Text or SSML"));
                    return None;
                }
            };
            Some(Instruction::Utterance { text, language })
        }
        "Disconnect" => {
            unknown_members(ins, &["Type"], &iat, p);
            Some(Instruction::Disconnect)
        }
        other => {
            p.push(format!(
                "{iat}.Type must be DtmfInput, TextUtterance or Disconnect, got {other:?}"
            ));
            None
        }
    }
}

fn language_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[0].is_ascii_lowercase()
        && b[1].is_ascii_lowercase()
        && b[2] == b'-'
        && b[3].is_ascii_uppercase()
        && b[4].is_ascii_uppercase()
}

/// SSML without its tags (what a listener hears).
pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn override_behavior(params: &Map<String, Value>, at: &str, p: &mut Problems) -> Option<Override> {
    let bat = format!("{at}.Behavior");
    let b = obj(params.get("Behavior").unwrap_or(&Value::Null), &bat, p)?;
    unknown_members(b, &["Type", "Properties"], &bat, p);
    must_equal(b, "Type", "FlowAction", &bat, p);
    let pat = format!("{bat}.Properties");
    let props = obj(b.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
    unknown_members(
        props,
        &["ActionType", "ActionParameters", "Strategy"],
        &pat,
        p,
    );
    let action_type = string(props, "ActionType", &pat, p)?.to_string();
    let Some((_, key)) = OVERRIDABLE_ACTIONS.iter().find(|(t, _)| *t == action_type) else {
        p.push(format!(
            "{pat}.ActionType {action_type:?} cannot be overridden: {}",
            OVERRIDABLE_ACTIONS
                .iter()
                .map(|(t, _)| *t)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return None;
    };
    let apat = format!("{pat}.ActionParameters");
    let ap = obj(
        props.get("ActionParameters").unwrap_or(&Value::Null),
        &apat,
        p,
    )?;
    unknown_members(ap, &[key.split('.').next().unwrap_or(key)], &apat, p);
    let resource = nested_string(ap, key, &apat, p)?;
    let sat = format!("{pat}.Strategy");
    let s = obj(props.get("Strategy").unwrap_or(&Value::Null), &sat, p)?;
    let strategy = match string(s, "Type", &sat, p)? {
        "SubstituteResource" => {
            unknown_members(s, &["Type", "SubstituteArn"], &sat, p);
            Strategy::Substitute(string(s, "SubstituteArn", &sat, p)?.to_string())
        }
        "MockResponse" => {
            unknown_members(s, &["Type", "Response"], &sat, p);
            mock_response(&action_type, s, &sat, p)?
        }
        other => {
            p.push(format!(
                "{sat}.Type must be SubstituteResource or MockResponse, got {other:?}"
            ));
            return None;
        }
    };
    Some(Override {
        action_type,
        resource,
        strategy,
    })
}

/// The error values each overridable action's `MockResponse` may give.
fn error_values(action_type: &str) -> &'static [&'static str] {
    match action_type {
        "InvokeLambdaFunction" | "ConnectParticipantWithLexBot" => {
            &["TimeLimitExceeded", "NoMatchingError"]
        }
        "CheckHoursOfOperation" => &["NoMatchingError"],
        _ => &["QueueAtCapacity", "NoMatchingError"],
    }
}

fn mock_response(
    action_type: &str,
    s: &Map<String, Value>,
    at: &str,
    p: &mut Problems,
) -> Option<Strategy> {
    let rat = format!("{at}.Response");
    let r = obj(s.get("Response").unwrap_or(&Value::Null), &rat, p)?;
    let delay_ok = |m: &Map<String, Value>, at: &str, p: &mut Problems| {
        if let Some(d) = m.get("DelaySeconds")
            && !d.as_f64().is_some_and(|d| (0.0..=300.0).contains(&d))
        {
            p.push(format!(
                "{at}.DelaySeconds must be a number of seconds (0-300)"
            ));
        }
    };
    match string(r, "Type", &rat, p)? {
        "ExecutionResult" => {
            unknown_members(r, &["Type", "ExecutionResult"], &rat, p);
            let eat = format!("{rat}.ExecutionResult");
            let e = obj(r.get("ExecutionResult").unwrap_or(&Value::Null), &eat, p)?;
            match action_type {
                "InvokeLambdaFunction" | "ConnectParticipantWithLexBot" => {
                    unknown_members(e, &["DelaySeconds", "LoadedData"], &eat, p);
                    delay_ok(e, &eat, p);
                    let raw = string(e, "LoadedData", &eat, p)?;
                    match serde_json::from_str::<Value>(raw) {
                        Ok(v @ Value::Object(_)) => Some(Strategy::Result {
                            loaded_data: Some(v),
                            value: None,
                        }),
                        _ => p.refuse(format!("{eat}.LoadedData must be a serialized JSON object")),
                    }
                }
                "CheckHoursOfOperation" => {
                    unknown_members(e, &["Value"], &eat, p);
                    let v = string(e, "Value", &eat, p)?;
                    if v != "InHours" && v != "OutOfHours" {
                        p.push(format!(
                            "{eat}.Value must be InHours or OutOfHours, got {v:?}"
                        ));
                    }
                    Some(Strategy::Result {
                        loaded_data: None,
                        value: Some(v.to_string()),
                    })
                }
                _ => {
                    p.push(format!(
                        "{rat}.Type: {action_type} can only be mocked with an Error response"
                    ));
                    None
                }
            }
        }
        "Error" => {
            unknown_members(r, &["Type", "Error"], &rat, p);
            let eat = format!("{rat}.Error");
            let e = obj(r.get("Error").unwrap_or(&Value::Null), &eat, p)?;
            unknown_members(e, &["DelaySeconds", "Value"], &eat, p);
            delay_ok(e, &eat, p);
            let v = string(e, "Value", &eat, p)?;
            let allowed = error_values(action_type);
            if !allowed.contains(&v) {
                p.push(format!(
                    "{eat}.Value for {action_type} must be one of {}, got {v:?}",
                    allowed.join(", ")
                ));
            }
            Some(Strategy::Error(v.to_string()))
        }
        other => {
            p.push(format!(
                "{rat}.Type must be ExecutionResult or Error, got {other:?}"
            ));
            None
        }
    }
}
