//! What Lex V2 and Lex V1 share beyond the request helpers of `input`: name patterns, ids,
//! checksums, timestamps and the way their route tables are declared.
use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

/// Declares each Lex route twice: without the trailing `/` (the Rust SDK strips it) and with it
/// (the service model's URI, as botocore and the AWS CLI send it).
macro_rules! routes {
    ($(($m:literal, $p:literal, $op:literal, $mut:literal, $h:ident)),* $(,)?) => {
        &[ $(
            $crate::core::Route { method: $m, path: $p, operation: $op, mutating: $mut, handler: $h },
            $crate::core::Route { method: $m, path: concat!($p, "/"), operation: $op, mutating: $mut, handler: $h },
        )* ]
    };
}
pub(crate) use routes;

/// Lex V2 resource names: `^([0-9a-zA-Z][_-]?){1,100}$`.
pub(crate) fn is_v2_name(s: &str) -> bool {
    alternating(s, |c| c.is_ascii_alphanumeric(), |c| c == '_' || c == '-') && s.len() <= 200
}

/// Lex V1 bot, alias, intent and slot type names: `^([A-Za-z]_?)+$`.
pub(crate) fn is_v1_name(s: &str) -> bool {
    alternating(s, |c| c.is_ascii_alphabetic(), |c| c == '_')
}

/// `(main sep?)+`: non-empty, starts with a main character, no two separators in a row.
fn alternating(s: &str, main: impl Fn(char) -> bool, sep: impl Fn(char) -> bool) -> bool {
    let mut prev_main = false;
    for c in s.chars() {
        if main(c) {
            prev_main = true;
        } else if sep(c) && prev_main {
            prev_main = false;
        } else {
            return false;
        }
    }
    !s.is_empty() && s.chars().next().is_some_and(&main)
}

/// A [`short_id`] that is not yet a key of `taken`.
pub(crate) fn unused_short_id<V>(taken: &BTreeMap<String, V>) -> String {
    let mut id = short_id();
    while taken.contains_key(&id) {
        id = short_id();
    }
    id
}

/// A 10-character upper-case alphanumeric id, as Lex V2 hands out for bots, intents and aliases.
pub(crate) fn short_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes[..10]
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// A fresh Lex V1 checksum (every change of `$LATEST` gets a new one).
pub(crate) fn checksum() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A timestamp in restJson1 default form: epoch seconds with milliseconds.
pub(crate) fn epoch(t: OffsetDateTime) -> Value {
    let millis = t.unix_timestamp_nanos() / 1_000_000;
    Value::from(millis as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns() {
        assert!(is_v2_name("returnCallerConcierge"));
        assert!(is_v2_name("a-b_c9"));
        assert!(!is_v2_name("-a"));
        assert!(!is_v2_name("a--b"));
        assert!(!is_v2_name("a b"));
        assert!(!is_v2_name(""));
        assert!(is_v1_name("Caller_Yes"));
        assert!(!is_v1_name("Caller__Yes"));
        assert!(!is_v1_name("Yes1"));
        assert!(!is_v1_name("_Yes"));
        assert!(!is_v1_name("Yes-No"));
    }

    #[test]
    fn ids_are_ten_upper_alnum() {
        let id = short_id();
        assert_eq!(id.len(), 10);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
    }
}
