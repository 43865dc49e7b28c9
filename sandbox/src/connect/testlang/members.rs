//! Reading JSON members of a test case's `Content` while collecting every problem found.
use serde_json::{Map, Value};

use super::*;

pub(super) struct Problems(pub(super) Vec<String>);

impl Problems {
    pub(super) fn push(&mut self, p: impl Into<String>) {
        if self.0.len() < MAX_PROBLEMS {
            let mut s: String = p.into();
            if s.chars().count() > 256 {
                s = s.chars().take(253).collect::<String>() + "...";
            }
            self.0.push(s);
        }
    }

    /// Records `problem` and answers `None`: what a reader gives back for a member it refuses.
    pub(super) fn refuse<T>(&mut self, problem: impl Into<String>) -> Option<T> {
        self.push(problem);
        None
    }
}

pub(super) fn obj<'a>(v: &'a Value, at: &str, p: &mut Problems) -> Option<&'a Map<String, Value>> {
    match v.as_object() {
        Some(m) => Some(m),
        None => p.refuse(format!("{at} must be an object")),
    }
}

pub(super) fn string<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    at: &str,
    p: &mut Problems,
) -> Option<&'a str> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::String(_)) => p.refuse(format!("{at}.{key} must not be empty")),
        Some(_) => p.refuse(format!("{at}.{key} must be a string")),
        None => p.refuse(format!("{at}.{key} is required")),
    }
}

pub(super) fn opt_string<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    at: &str,
    p: &mut Problems,
) -> Option<&'a str> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(_) => string(m, key, at, p),
    }
}

/// Members of `m` not in `known` (stricter: unknown members are refused, not ignored).
pub(super) fn unknown_members(m: &Map<String, Value>, known: &[&str], at: &str, p: &mut Problems) {
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            p.push(format!("{at} has an unknown member {k:?}"));
        }
    }
}

pub(super) fn must_equal(
    m: &Map<String, Value>,
    key: &str,
    want: &str,
    at: &str,
    p: &mut Problems,
) {
    if let Some(v) = string(m, key, at, p)
        && v != want
    {
        p.push(format!("{at}.{key} must be {want:?}, got {v:?}"));
    }
}
