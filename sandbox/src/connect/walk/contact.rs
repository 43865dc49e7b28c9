//! The contact's data during a walk: the queue, contact attribute and system paths, dynamic
//! values, queues by id or ARN, and the overrides a test case sets.
use serde_json::{Value, json};

use super::*;
use crate::connect::testlang::{Strategy, is_json_path};

impl Exec {
    pub(super) fn queue_json(&self) -> Value {
        match &self.target_queue {
            Some(q) => json!({"ARN": q.arn, "Name": q.name}),
            None => Value::Null,
        }
    }

    /// The value of one JSONPath in the contact's data (`None`: not set).
    pub(super) fn lookup(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix("$.")?;
        let (head, tail) = match rest.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (rest, None),
        };
        match (head, tail) {
            ("Attributes", Some(k)) => self.attributes.get(k).cloned(),
            ("External", Some(k)) => {
                let mut v = &self.external;
                for part in k.split('.') {
                    v = v.get(part)?;
                }
                Some(match v {
                    Value::String(s) => s.clone(),
                    Value::Null => return None,
                    other => other.to_string(),
                })
            }
            ("StoredCustomerInput", None) => self.stored_input.clone(),
            ("CallbackNumber", None) => self.callback_number.clone(),
            ("ContactId", None) | ("InitialContactId", None) => Some(self.job.contact_id.clone()),
            ("Channel", None) => Some("VOICE".into()),
            ("InitiationMethod", None) => Some("INBOUND".into()),
            ("InstanceARN", None) => Some(self.job.instance.arn.clone()),
            ("LanguageCode", None) => Some("en-US".into()),
            ("CustomerEndpoint", Some("Address")) => self.job.source_number.clone(),
            ("SystemEndpoint", Some("Address")) => self.job.destination_number.clone(),
            ("Queue", Some("Name")) => self.target_queue.as_ref().map(|q| q.name.clone()),
            ("Queue", Some("ARN")) => self.target_queue.as_ref().map(|q| q.arn.clone()),
            ("Lex", Some("IntentName")) => self.lex_intent.clone(),
            _ => None,
        }
    }

    /// A "static or single JSONPath" value; a path that is not set reads as empty.
    pub(super) fn value(&self, v: &Value) -> String {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if is_json_path(&s) {
            self.lookup(&s).unwrap_or_default()
        } else {
            s
        }
    }

    /// A "dynamic" text: every `$.Path` in it replaced by its value (empty when not set).
    pub(super) fn dynamic(&self, v: &Value) -> String {
        let s = match v {
            Value::String(s) => s.as_str(),
            _ => return self.value(v),
        };
        let mut out = String::new();
        let mut rest = s;
        while let Some(at) = rest.find("$.") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let len = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-'))
                .unwrap_or(after.len());
            let mut token = &after[..len];
            while token.ends_with('.') {
                token = &token[..token.len() - 1];
            }
            if token.is_empty() {
                out.push_str("$.");
                rest = after;
                continue;
            }
            out.push_str(&self.lookup(&format!("$.{token}")).unwrap_or_default());
            rest = &after[token.len()..];
        }
        out.push_str(rest);
        out
    }

    pub(super) fn find_queue(&self, id_or_arn: &str) -> Option<QueueRef> {
        let inst = &self.job.instance;
        let id = id_or_arn.rsplit('/').next().unwrap_or(id_or_arn);
        let q = inst.queues.get(id)?;
        if id_or_arn.starts_with("arn:") && id_or_arn != q.arn {
            return None;
        }
        Some(QueueRef {
            id: q.id.clone(),
            arn: q.arn.clone(),
            name: q.name.clone(),
        })
    }

    pub(super) fn override_for(&self, action_type: &str, names: &[String]) -> Option<Strategy> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.action_type == action_type && names.contains(&o.resource))
            .map(|o| o.strategy.clone())
    }
}
