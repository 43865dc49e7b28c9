//! Helpers shared by the Lex V2 and Lex V1 emulations: typed access to JSON request bodies,
//! name patterns, ids, checksums, timestamps and list pagination.
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::core::{ApiError, Req, Resp};

/// The error shape a service uses for malformed input (`ValidationException` for V2,
/// `BadRequestException` for V1), with its HTTP status.
#[derive(Clone, Copy)]
pub(crate) struct Invalid(pub &'static str);

impl Invalid {
    /// An input error with `message`.
    pub(crate) fn err(self, message: impl Into<String>) -> ApiError {
        ApiError::new(400, self.0, message)
    }
}

/// A JSON object request body with typed, validated getters.
pub(crate) struct Body {
    map: Map<String, Value>,
    invalid: Invalid,
}

impl Body {
    /// Parses the request body; anything but a JSON object is an input error.
    pub(crate) fn parse(req: &Req, invalid: Invalid) -> Result<Body, ApiError> {
        match req.json()? {
            Value::Object(map) => Ok(Body { map, invalid }),
            _ => Err(invalid.err("request body must be a json object")),
        }
    }

    /// The raw value of `key`, treating JSON null as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// An optional string member.
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.invalid.err(format!("{key} must be a string"))),
        }
    }

    /// A required string member.
    pub(crate) fn req_str(&self, key: &str) -> Result<String, ApiError> {
        self.opt_str(key)?
            .ok_or_else(|| self.invalid.err(format!("{key} is required")))
    }

    /// An optional integer member.
    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.invalid.err(format!("{key} must be an integer"))),
        }
    }

    /// An optional number member.
    pub(crate) fn opt_f64(&self, key: &str) -> Result<Option<f64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.invalid.err(format!("{key} must be a number"))),
        }
    }

    /// An optional boolean member.
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid.err(format!("{key} must be a boolean"))),
        }
    }

    /// An optional object member.
    pub(crate) fn opt_obj(&self, key: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(self.invalid.err(format!("{key} must be an object"))),
        }
    }

    /// An optional array member.
    pub(crate) fn opt_arr(&self, key: &str) -> Result<Option<&Vec<Value>>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.invalid.err(format!("{key} must be a list"))),
        }
    }

    /// Copies the listed members that are present into a new map (pass-through settings).
    pub(crate) fn pick(&self, keys: &[&str]) -> Map<String, Value> {
        keys.iter()
            .filter_map(|k| self.get(k).map(|v| (k.to_string(), v.clone())))
            .collect()
    }
}

/// A 200 response whose body has no JSON nulls (AWS omits absent members instead).
pub(crate) fn ok(v: Value) -> Resp {
    Resp::ok(strip_nulls(v))
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, strip_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Checks a string's length (in characters) against inclusive bounds.
pub(crate) fn check_len(
    invalid: Invalid,
    what: &str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<(), ApiError> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(invalid.err(format!(
            "{what} must be {min} to {max} characters long, got {n}"
        )));
    }
    Ok(())
}

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

/// Cuts `items` into one page. `token` is the opaque `nextToken` of a previous page (an offset
/// the sandbox issued); a token it did not issue is an input error.
pub(crate) fn paginate<T>(
    invalid: Invalid,
    items: Vec<T>,
    max_results: usize,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t
            .strip_prefix("sandbox-page-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| invalid.err("the nextToken is not valid"))?,
    };
    let end = (start + max_results).min(items.len());
    let next = (end < items.len()).then(|| format!("sandbox-page-{end}"));
    Ok((
        items.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

/// Reads a `maxResults` value against its bounds, with a default.
pub(crate) fn max_results(
    invalid: Invalid,
    v: Option<i64>,
    max: i64,
    default: usize,
) -> Result<usize, ApiError> {
    match v {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(invalid.err(format!("maxResults must be between 1 and {max}, got {n}"))),
    }
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
    fn pages_and_tokens() {
        let inv = Invalid("ValidationException");
        let (p1, t1) = paginate(inv, (0..5).collect::<Vec<_>>(), 2, None).unwrap();
        assert_eq!((p1, t1.as_deref()), (vec![0, 1], Some("sandbox-page-2")));
        let (p3, t3) =
            paginate(inv, (0..5).collect::<Vec<_>>(), 2, Some("sandbox-page-4")).unwrap();
        assert_eq!((p3, t3), (vec![4], None));
        assert!(paginate(inv, (0..5).collect::<Vec<_>>(), 2, Some("bogus")).is_err());
    }

    #[test]
    fn responses_drop_nulls() {
        let r = ok(serde_json::json!({"a": null, "b": [{"c": null, "d": 1}], "nextToken": null}));
        assert_eq!(r.body, Some(serde_json::json!({"b": [{"d": 1}]})));
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
