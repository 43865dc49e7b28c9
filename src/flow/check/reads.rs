//! Read checks: every `$.External.<key>` comes from the Lambda that ran last on every path to the
//! read, and every `$.Attributes.<name>` (including those a Lambda reads) is set in the flow.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::placeholders::sole_placeholder;
use super::{Catalog, Report};
use crate::assets::placeholder::Placeholder;
use crate::flow::model::{self, Action, Flow};

/// The function an InvokeLambdaFunction action calls.
pub(super) fn invoked(a: &Action) -> Option<String> {
    if a.action_type != "InvokeLambdaFunction" {
        return None;
    }
    match a.param("LambdaFunctionARN").and_then(sole_placeholder) {
        Some(Placeholder::Lambda(name)) => Some(name),
        _ => None,
    }
}

/// Every `$.<path>` an action reads (parameters and condition operands are not paths).
pub(super) fn reads(a: &Action) -> Vec<String> {
    model::strings(&a.parameters)
        .into_iter()
        .flat_map(|(_, s)| model::json_paths(s))
        .collect()
}

/// `$.External.<key>` must come from the Lambda that ran last on every path to the read.
pub(super) fn check_external_reads(r: &mut Report<'_>, flow: &Flow, catalog: &Catalog) {
    // State on entry to each action: the set of "last successful Lambda" (None = no result).
    let mut entry: BTreeMap<&str, BTreeSet<Option<String>>> = BTreeMap::new();
    let Some(start) = flow.start.as_deref() else {
        return;
    };
    entry.entry(start).or_default().insert(None);
    let mut work = VecDeque::from([start]);
    while let Some(id) = work.pop_front() {
        let Some(a) = flow.action(id) else { continue };
        let state = entry.get(id).cloned().unwrap_or_default();
        let called = invoked(a);
        for (label, target) in a.targets() {
            let out: BTreeSet<Option<String>> = match &called {
                // After a failed or timed-out call there is no usable result.
                Some(_) if label.starts_with("error") => BTreeSet::from([None]),
                Some(f) => BTreeSet::from([Some(f.clone())]),
                None => state.clone(),
            };
            let slot = entry.entry(target).or_default();
            let before = slot.len();
            slot.extend(out);
            if slot.len() != before {
                work.push_back(target);
            }
        }
    }
    for a in &flow.actions {
        let state = entry.get(a.id.as_str()).cloned().unwrap_or_default();
        for path in reads(a) {
            let Some(key) = path.strip_prefix("$.External.") else {
                continue;
            };
            for last in &state {
                match last {
                    None => r.at(&a.id, format!("reads {path}, but on some path no Lambda result is there (none ran, or it failed)")),
                    Some(f) => {
                        if let Some(spec) = catalog.lambdas.get(f)
                            && !spec.returns.contains(key)
                        {
                            r.at(&a.id, format!("reads {path}, which {f} never returns"));
                        }
                    }
                }
            }
        }
    }
}

/// `$.Attributes.<name>` must be set in this flow; the contact attributes a Lambda reads likewise.
pub(super) fn check_attribute_reads(r: &mut Report<'_>, flow: &Flow, catalog: &Catalog) {
    let set: BTreeSet<&str> = flow
        .actions
        .iter()
        .filter(|a| a.action_type == "UpdateContactAttributes")
        .filter_map(|a| a.parameters.get("Attributes").and_then(Value::as_object))
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    for a in &flow.actions {
        for path in reads(a) {
            if let Some(name) = path.strip_prefix("$.Attributes.")
                && !set.contains(name)
            {
                r.at(
                    &a.id,
                    format!("reads {path}, which no action of this flow sets"),
                );
            }
        }
        if let Some(f) = invoked(a)
            && let Some(spec) = catalog.lambdas.get(&f)
        {
            for attr in &spec.contact_attributes {
                if !set.contains(attr.as_str()) {
                    r.at(&a.id, format!("{f} reads the contact attribute {attr}, which no action of this flow sets"));
                }
            }
        }
    }
}
