//! Structure checks of one flow: legal, unique identifiers; transitions to actions that exist;
//! every action reachable from the start; the branches each action type needs; and action types
//! allowed in the flow's type.

use std::collections::{BTreeSet, VecDeque};

use super::Report;
use super::rules::{FORBIDDEN_ID_CHARS, RESERVED_IDS, rule};
use crate::flow::model::Flow;

pub(super) fn check_identifiers(r: &mut Report<'_>, flow: &Flow) {
    let mut seen = BTreeSet::new();
    for a in &flow.actions {
        if a.id.is_empty() || a.id.chars().count() > 50 {
            r.at(&a.id, "identifier must be 1-50 characters");
        }
        if let Some(c) = a.id.chars().find(|c| FORBIDDEN_ID_CHARS.contains(c)) {
            r.at(
                &a.id,
                format!("identifier contains the forbidden character {c:?}"),
            );
        }
        if RESERVED_IDS.contains(&a.id.as_str()) {
            r.at(&a.id, "identifier is a reserved name");
        }
        if !seen.insert(a.id.as_str()) {
            r.at(&a.id, "identifier is not unique");
        }
    }
}

pub(super) fn check_transitions(r: &mut Report<'_>, flow: &Flow, flow_type: &str) {
    let ids: BTreeSet<&str> = flow.actions.iter().map(|a| a.id.as_str()).collect();
    match flow.start.as_deref() {
        None => r.flow("StartAction is missing"),
        Some(s) if !ids.contains(s) => {
            r.flow(format!("StartAction {s:?} is not an action of this flow"))
        }
        Some(_) => {}
    }
    for a in &flow.actions {
        for (label, target) in a.targets() {
            if !ids.contains(target) {
                r.at(
                    &a.id,
                    format!("{label} goes to {target:?}, which is not an action of this flow"),
                );
            }
        }
        let Some(rule) = rule(&a.action_type) else {
            r.at(
                &a.id,
                format!("action type {:?} is not one this tool knows", a.action_type),
            );
            continue;
        };
        if !rule.allowed_in.contains(&flow_type) {
            r.at(
                &a.id,
                format!("{} is not allowed in {flow_type} flows", a.action_type),
            );
        }
        if rule.terminal {
            if !a.targets().is_empty() {
                r.at(
                    &a.id,
                    format!(
                        "{} ends the flow and must have no transitions",
                        a.action_type
                    ),
                );
            }
            continue;
        }
        if rule.next && a.next.is_none() {
            r.at(&a.id, "has no NextAction");
        }
        for e in rule.errors {
            if a.on_error(e).is_none() {
                r.at(&a.id, format!("has no {e} error branch"));
            }
        }
        match a.action_type.as_str() {
            "Compare" | "ConnectParticipantWithLexBot" if a.conditions.is_empty() => {
                r.at(&a.id, "has no conditions");
            }
            "GetParticipantInput" => {
                let stores = a.param("StoreInput") == Some("True");
                if stores {
                    if a.next.is_none() {
                        r.at(&a.id, "stores input but has no NextAction");
                    }
                } else {
                    if a.conditions.is_empty() {
                        r.at(&a.id, "a menu needs conditions for its digits");
                    }
                    if a.on_error("NoMatchingCondition").is_none() {
                        r.at(&a.id, "has no NoMatchingCondition error branch");
                    }
                }
            }
            "Loop" => {
                for label in ["ContinueLooping", "DoneLooping"] {
                    if a.on_equals(label).is_none() {
                        r.at(&a.id, format!("Loop has no {label} condition"));
                    }
                }
            }
            _ => {}
        }
        for c in &a.conditions {
            let known = [
                "Equals",
                "TextStartsWith",
                "TextEndsWith",
                "TextContains",
                "NumberGreaterThan",
                "NumberGreaterOrEqualTo",
                "NumberLessThan",
                "NumberLessOrEqualTo",
            ];
            if !known.contains(&c.operator.as_str()) {
                r.at(
                    &a.id,
                    format!("condition operator {:?} is not supported", c.operator),
                );
            }
            if c.operands.len() != 1 {
                r.at(&a.id, "a condition needs exactly one operand");
            }
        }
    }
    // Reachability from the start action.
    if let Some(start) = flow.start.as_deref().filter(|s| ids.contains(s)) {
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(id) = queue.pop_front() {
            if let Some(a) = flow.action(id) {
                for (_, t) in a.targets() {
                    if ids.contains(t) && seen.insert(t) {
                        queue.push_back(t);
                    }
                }
            }
        }
        for a in &flow.actions {
            if !seen.contains(a.id.as_str()) {
                r.at(&a.id, "is not reachable from StartAction");
            }
        }
    }
}
