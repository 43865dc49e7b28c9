//! The flow-language document model (Version 2019-10-30): actions, transitions and parameter
//! access, parsed leniently so validation can report every problem at once.

use serde_json::Value;

/// The only flow-language version.
pub const VERSION: &str = "2019-10-30";

/// One condition of a transition list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Operator (`Equals`, …).
    pub operator: String,
    /// Operands (one string).
    pub operands: Vec<String>,
    /// Where it goes.
    pub next: String,
}

/// One error branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBranch {
    /// Error type (`NoMatchingError`, …).
    pub error_type: String,
    /// Where it goes.
    pub next: String,
}

/// One action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Identifier (unique in the flow).
    pub id: String,
    /// Type.
    pub action_type: String,
    /// Parameters (an object).
    pub parameters: Value,
    /// Default next action.
    pub next: Option<String>,
    /// Error branches.
    pub errors: Vec<ErrorBranch>,
    /// Conditions.
    pub conditions: Vec<Condition>,
}

impl Action {
    /// A string parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.parameters.get(key).and_then(Value::as_str)
    }

    /// Where the error branch `error_type` goes.
    pub fn on_error(&self, error_type: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.error_type == error_type)
            .map(|e| e.next.as_str())
    }

    /// Where the first condition `Equals value` goes.
    pub fn on_equals(&self, value: &str) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.operator == "Equals" && c.operands.iter().any(|o| o == value))
            .map(|c| c.next.as_str())
    }

    /// Every action this one can go to, with a label for the branch.
    pub fn targets(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        if let Some(n) = &self.next {
            out.push(("NextAction".to_string(), n.as_str()));
        }
        for e in &self.errors {
            out.push((format!("error {}", e.error_type), e.next.as_str()));
        }
        for c in &self.conditions {
            out.push((
                format!("condition {} {}", c.operator, c.operands.join(",")),
                c.next.as_str(),
            ));
        }
        out
    }
}

/// A parsed flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// `Version`.
    pub version: Option<String>,
    /// `StartAction`.
    pub start: Option<String>,
    /// The actions in document order.
    pub actions: Vec<Action>,
}

impl Flow {
    /// Parses a flow document; `problems` receives `(action identifier, message)` for shapes it cannot read.
    pub fn parse(doc: &Value, problems: &mut Vec<(Option<String>, String)>) -> Flow {
        let version = doc
            .get("Version")
            .and_then(Value::as_str)
            .map(str::to_string);
        let start = doc
            .get("StartAction")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut actions = Vec::new();
        match doc.get("Actions").and_then(Value::as_array) {
            None => problems.push((None, "Actions is missing or not a list".to_string())),
            Some(list) => {
                for (i, raw) in list.iter().enumerate() {
                    let Some(id) = raw.get("Identifier").and_then(Value::as_str) else {
                        problems.push((None, format!("action #{} has no Identifier", i + 1)));
                        continue;
                    };
                    let action_type = raw
                        .get("Type")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    if action_type.is_empty() {
                        problems.push((Some(id.to_string()), "action has no Type".to_string()));
                    }
                    let parameters = raw
                        .get("Parameters")
                        .cloned()
                        .unwrap_or(Value::Object(Default::default()));
                    if !parameters.is_object() {
                        problems.push((
                            Some(id.to_string()),
                            "Parameters is not an object".to_string(),
                        ));
                    }
                    let t = raw.get("Transitions");
                    if t.is_none_or(|t| !t.is_object()) {
                        problems.push((
                            Some(id.to_string()),
                            "Transitions is missing or not an object".to_string(),
                        ));
                    }
                    let empty = Value::Object(Default::default());
                    let t = t.unwrap_or(&empty);
                    let next = t
                        .get("NextAction")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let errors = t
                        .get("Errors")
                        .and_then(Value::as_array)
                        .map(|errs| {
                            errs.iter()
                                .map(|e| ErrorBranch {
                                    error_type: e
                                        .get("ErrorType")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_string(),
                                    next: e
                                        .get("NextAction")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_string(),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let conditions = t
                        .get("Conditions")
                        .and_then(Value::as_array)
                        .map(|conds| {
                            conds
                                .iter()
                                .map(|c| Condition {
                                    operator: c
                                        .pointer("/Condition/Operator")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_string(),
                                    operands: c
                                        .pointer("/Condition/Operands")
                                        .and_then(Value::as_array)
                                        .map(|o| {
                                            o.iter()
                                                .filter_map(Value::as_str)
                                                .map(str::to_string)
                                                .collect()
                                        })
                                        .unwrap_or_default(),
                                    next: c
                                        .get("NextAction")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_string(),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    actions.push(Action {
                        id: id.to_string(),
                        action_type,
                        parameters,
                        next,
                        errors,
                        conditions,
                    });
                }
            }
        }
        Flow {
            version,
            start,
            actions,
        }
    }

    /// The action with identifier `id`.
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }
}

/// Every `$.<path>` reference inside a string (dynamic text may mix text and paths).
pub fn json_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("$.") {
        let tail = &rest[i..];
        let end = tail[2..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
            .map(|e| e + 2)
            .unwrap_or(tail.len());
        let path = tail[..end].trim_end_matches('.');
        if path.len() > 2 {
            out.push(path.to_string());
        }
        rest = &tail[end.max(2)..];
    }
    out
}

/// Every string in a JSON value, with its JSON pointer.
pub fn strings(value: &Value) -> Vec<(String, &str)> {
    fn walk<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
        match v {
            Value::String(s) => out.push((at, s)),
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                for (k, x) in map {
                    walk(x, format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_paths_in_dynamic_text() {
        assert_eq!(
            json_paths("New caller for $.Queue.Name."),
            vec!["$.Queue.Name"]
        );
        assert_eq!(json_paths("$.External.found"), vec!["$.External.found"]);
        assert_eq!(
            json_paths("a $.Attributes.x and $.External.y_z"),
            vec!["$.Attributes.x", "$.External.y_z"]
        );
        assert!(json_paths("costs $5.00").is_empty());
    }
}
