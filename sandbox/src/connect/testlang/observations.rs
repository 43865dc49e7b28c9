//! Observations of a test case and the events they wait for (TestInitiated, TestCompleted,
//! MessageReceived, FlowActionStarted), with their `Usage`.
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::*;

pub(super) fn observation(
    v: &Value,
    at: &str,
    action_ids: &mut HashSet<String>,
    p: &mut Problems,
) -> Option<Observation> {
    let m = obj(v, at, p)?;
    unknown_members(
        m,
        &["Identifier", "Event", "Actions", "Usage", "Transitions"],
        at,
        p,
    );
    let id = string(m, "Identifier", at, p)
        .unwrap_or_default()
        .to_string();
    let event = match m.get("Event") {
        Some(e) => event(e, &format!("{at}.Event"), p),
        None => p.refuse(format!("{at}.Event is required")),
    };
    let mut actions = Vec::new();
    match m.get("Actions") {
        None => p.push(format!("{at}.Actions is required")),
        Some(Value::Array(list)) => {
            for (j, a) in list.iter().enumerate() {
                let aat = format!("{at}.Actions[{j}]");
                if let Some(a) = action(a, &aat, p) {
                    if !action_ids.insert(a.id.clone()) {
                        // stricter: action identifiers are unique across the whole test case
                        p.push(format!("{aat}: action Identifier {:?} is not unique", a.id));
                    }
                    actions.push(a);
                }
            }
        }
        Some(_) => p.push(format!("{at}.Actions must be a list")),
    }
    let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
    for a in &actions {
        if let Some(n) = &a.next
            && !ids.contains(&n.as_str())
        {
            p.push(format!(
                "{at}: action {:?} has NextAction {n:?}, which is not an action of this observation",
                a.id
            ));
        }
    }
    if chain_cycles(&actions) {
        p.push(format!(
            "{at}: the actions' NextAction transitions form a cycle"
        ));
    }
    let times = match m.get("Usage") {
        None => Some(1),
        Some(u) => usage(u, &format!("{at}.Usage"), p),
    };
    let mut next = Vec::new();
    if let Some(t) = m.get("Transitions")
        && let Some(t) = obj(t, &format!("{at}.Transitions"), p)
    {
        unknown_members(t, &["NextObservations"], &format!("{at}.Transitions"), p);
        match t.get("NextObservations") {
            None => {}
            Some(Value::Array(list)) => {
                for n in list {
                    match n.as_str() {
                        Some(s) if !s.is_empty() => next.push(s.to_string()),
                        _ => p.push(format!(
                            "{at}.Transitions.NextObservations must hold observation identifiers"
                        )),
                    }
                }
            }
            Some(_) => p.push(format!("{at}.Transitions.NextObservations must be a list")),
        }
    }
    Some(Observation {
        id,
        event: event?,
        actions,
        times,
        next,
    })
}

/// `Usage`: `{Type: EXACTLY, Times?}` (Times ≥ 1, default 1) or `{Type: ANY}`.
fn usage(v: &Value, at: &str, p: &mut Problems) -> Option<u32> {
    let m = obj(v, at, p)?;
    unknown_members(m, &["Type", "Times"], at, p);
    let times = match m.get("Times") {
        None => None,
        Some(t) => match t
            .as_u64()
            .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
        {
            Some(n) if (1..=100).contains(&n) => Some(n as u32),
            _ => p.refuse(format!("{at}.Times must be a whole number from 1 to 100")),
        },
    };
    match string(m, "Type", at, p) {
        Some("EXACTLY") => Some(times.unwrap_or(1)),
        Some("ANY") => {
            if times.is_some() {
                p.push(format!("{at}.Times applies to EXACTLY only"));
            }
            None
        }
        Some(other) => {
            p.push(format!("{at}.Type must be EXACTLY or ANY, got {other:?}"));
            Some(1)
        }
        None => Some(1),
    }
}

fn event(v: &Value, at: &str, p: &mut Problems) -> Option<Event> {
    let m = obj(v, at, p)?;
    unknown_members(
        m,
        &[
            "Identifier",
            "Type",
            "Actor",
            "Properties",
            "MatchingCriteria",
        ],
        at,
        p,
    );
    // stricter: the pages say the API must give the event an Identifier
    string(m, "Identifier", at, p);
    must_equal(m, "Actor", "System", at, p);
    let props_at = format!("{at}.Properties");
    let props = match m.get("Properties") {
        Some(v) => obj(v, &props_at, p),
        None => p.refuse(format!("{props_at} is required")),
    };
    let kind = string(m, "Type", at, p)?;
    if kind != "MessageReceived" && m.contains_key("MatchingCriteria") {
        p.push(format!(
            "{at}.MatchingCriteria applies to MessageReceived only"
        ));
    }
    match kind {
        "TestInitiated" | "TestCompleted" => {
            if let Some(props) = props
                && !props.is_empty()
            {
                p.push(format!("{props_at} must be an empty object for {kind}"));
            }
            Some(if kind == "TestInitiated" {
                Event::TestInitiated
            } else {
                Event::TestCompleted
            })
        }
        "MessageReceived" => message_event(m, props?, at, p),
        "FlowActionStarted" => {
            let props = props?;
            unknown_members(props, &["ActionType", "ActionParameters"], &props_at, p);
            let action_type = string(props, "ActionType", &props_at, p)?.to_string();
            let Some((_, key)) = OBSERVABLE_ACTIONS.iter().find(|(t, _)| *t == action_type) else {
                p.push(format!(
                    "{props_at}.ActionType {action_type:?} cannot be observed: FlowActionStarted observes {}",
                    OBSERVABLE_ACTIONS
                        .iter()
                        .map(|(t, _)| *t)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                return None;
            };
            let params_at = format!("{props_at}.ActionParameters");
            let params = obj(
                props.get("ActionParameters").unwrap_or(&Value::Null),
                &params_at,
                p,
            )?;
            let mut known = vec![key.split('.').next().unwrap_or(key)];
            if action_type == "TransferContactToQueue" {
                known.push("AgentId");
            }
            unknown_members(params, &known, &params_at, p);
            let resource = nested_string(params, key, &params_at, p)?;
            let agent_id = if action_type == "TransferContactToQueue" {
                opt_string(params, "AgentId", &params_at, p).map(str::to_string)
            } else {
                None
            };
            Some(Event::FlowActionStarted {
                action_type,
                resource,
                agent_id,
            })
        }
        other => {
            p.push(format!(
                "{at}.Type {other:?} is not an event: TestInitiated, TestCompleted, MessageReceived or FlowActionStarted"
            ));
            None
        }
    }
}

/// A required string at a dotted path (`LexV2Bot.AliasArn`).
pub(super) fn nested_string(
    m: &Map<String, Value>,
    path: &str,
    at: &str,
    p: &mut Problems,
) -> Option<String> {
    match path.split_once('.') {
        None => string(m, path, at, p).map(str::to_string),
        Some((head, rest)) => {
            let inner_at = format!("{at}.{head}");
            let inner = obj(m.get(head).unwrap_or(&Value::Null), &inner_at, p)?;
            unknown_members(inner, &[rest], &inner_at, p);
            nested_string(inner, rest, &inner_at, p)
        }
    }
}

fn message_event(
    m: &Map<String, Value>,
    props: &Map<String, Value>,
    at: &str,
    p: &mut Problems,
) -> Option<Event> {
    let props_at = format!("{at}.Properties");
    unknown_members(
        props,
        &["PromptId", "Text", "SSML", "Media", "MatchingCriteria"],
        &props_at,
        p,
    );
    let text = opt_string(props, "Text", &props_at, p).map(str::to_string);
    let ssml = opt_string(props, "SSML", &props_at, p).map(str::to_string);
    let prompt_id = opt_string(props, "PromptId", &props_at, p).map(str::to_string);
    let given = [
        text.is_some(),
        ssml.is_some(),
        prompt_id.is_some(),
        props.contains_key("Media"),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given != 1 {
        p.push(format!(
            "{props_at} must give exactly one of PromptId, Text, SSML or Media"
        ));
    }
    if props.contains_key("Media") {
        // media played from S3 cannot be compared by the sandbox
        p.push(format!("{props_at}.Media is not emulated by the sandbox"));
    }
    // The reference page puts MatchingCriteria in Properties ({Type}), the example on the event
    // (a string): both are read; giving both is refused.
    let raw = match (props.get("MatchingCriteria"), m.get("MatchingCriteria")) {
        (Some(_), Some(_)) => p.refuse(format!("{at}: MatchingCriteria is given twice")),
        (Some(v), None) | (None, Some(v)) => Some(v),
        (None, None) => None,
    };
    let matching = match raw {
        None => Matching::Inclusion,
        Some(v) => {
            let s = v
                .as_str()
                .or_else(|| v.get("Type").and_then(Value::as_str))
                .unwrap_or("");
            match s {
                "Inclusion" => Matching::Inclusion,
                "Similarity" => Matching::Similarity,
                other => {
                    p.push(format!(
                        "{at}: MatchingCriteria must be Similarity or Inclusion, got {other:?}"
                    ));
                    Matching::Inclusion
                }
            }
        }
    };
    Some(Event::MessageReceived {
        text,
        ssml,
        prompt_id,
        matching,
    })
}
