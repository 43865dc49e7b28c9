//! Request input helpers shared by every service (Connect, Lex V2, Lex V1): the service's
//! input-error shape and wording, typed access to JSON request bodies, length and `maxResults`
//! bounds, answers without nulls, and the two pagination token schemes.
use base64::Engine;
use serde_json::{Map, Value};

use crate::core::{ApiError, Req, Resp};

/// The error shape a service uses for malformed input (`InvalidParameterException` for
/// Connect, `ValidationException` for Lex V2, `BadRequestException` for Lex V1), always HTTP 400,
/// and the way its messages word a bound.
#[derive(Clone, Copy)]
pub(crate) struct Invalid {
    code: &'static str,
    wording: Wording,
}

/// How a service's input errors word a bound: Connect writes `1-127 characters` and
/// `MaxResults`, Lex `1 to 100 characters long` and `maxResults`.
#[derive(Clone, Copy)]
enum Wording {
    Connect,
    Lex,
}

impl Invalid {
    /// Amazon Connect: `InvalidParameterException`.
    pub(crate) const CONNECT: Invalid = Invalid {
        code: "InvalidParameterException",
        wording: Wording::Connect,
    };
    /// Lex V2: `ValidationException`.
    pub(crate) const LEX_V2: Invalid = Invalid {
        code: "ValidationException",
        wording: Wording::Lex,
    };
    /// Lex V1: `BadRequestException`.
    pub(crate) const LEX_V1: Invalid = Invalid {
        code: "BadRequestException",
        wording: Wording::Lex,
    };

    /// An input error with `message`.
    pub(crate) fn err(self, message: impl Into<String>) -> ApiError {
        ApiError::new(400, self.code, message)
    }

    /// `what` has `n` characters, outside `min..=max`.
    fn length(self, what: &str, min: usize, max: usize, n: usize) -> ApiError {
        self.err(match self.wording {
            Wording::Connect => format!("{what} must be {min}-{max} characters, got {n}"),
            Wording::Lex => format!("{what} must be {min} to {max} characters long, got {n}"),
        })
    }

    /// A `maxResults` value `got` outside `1..=max`.
    fn max_results(self, max: impl std::fmt::Display, got: impl std::fmt::Display) -> ApiError {
        let member = match self.wording {
            Wording::Connect => "MaxResults",
            Wording::Lex => "maxResults",
        };
        self.err(format!("{member} must be between 1 and {max}, got {got}"))
    }
}

/// The string member `key` of a JSON body (JSON null counts as absent); anything but a string is
/// an input error.
fn str_member<'a>(
    invalid: Invalid,
    v: Option<&'a Value>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid.err(format!("{key} must be a string"))),
    }
}

/// A required member `key` is absent.
fn required(invalid: Invalid, key: &str) -> ApiError {
    invalid.err(format!("{key} is required"))
}

/// A required string member of a JSON body, with length bounds (in characters).
pub(crate) fn req_str<'a>(
    invalid: Invalid,
    body: &'a Value,
    key: &str,
    min: usize,
    max: usize,
) -> Result<&'a str, ApiError> {
    opt_str(invalid, body, key, min, max)?.ok_or_else(|| required(invalid, key))
}

/// An optional string member of a JSON body, with length bounds (in characters).
pub(crate) fn opt_str<'a>(
    invalid: Invalid,
    body: &'a Value,
    key: &str,
    min: usize,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    let s = str_member(invalid, body.get(key), key)?;
    if let Some(s) = s {
        check_len(invalid, key, s, min, max)?;
    }
    Ok(s)
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
        Ok(str_member(self.invalid, self.get(key), key)?.map(str::to_string))
    }

    /// A required string member.
    pub(crate) fn req_str(&self, key: &str) -> Result<String, ApiError> {
        self.opt_str(key)?
            .ok_or_else(|| required(self.invalid, key))
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
        return Err(invalid.length(what, min, max, n));
    }
    Ok(())
}

/// Reads a `maxResults` value of a JSON body against its bounds, with a default.
pub(crate) fn max_results(
    invalid: Invalid,
    v: Option<i64>,
    max: i64,
    default: usize,
) -> Result<usize, ApiError> {
    match v {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(invalid.max_results(max, n)),
    }
}

/// Reads a `maxResults` value given as text (a query parameter, or a body member as written)
/// against `1..=max`, with a default.
pub(crate) fn max_results_text(
    invalid: Invalid,
    raw: Option<&str>,
    max: usize,
    default: usize,
) -> Result<usize, ApiError> {
    match raw {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid.max_results(max, s)),
        },
    }
}

// ---------- pagination ----------

/// Lex's pages: cuts `items` into one page. `token` is the opaque `nextToken` of a previous page
/// (an offset the sandbox issued); a token it did not issue is an input error.
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

/// Connect's pages: one page of `items`; tokens are opaque and bound to the listing (`scope`).
pub(crate) fn page(
    invalid: Invalid,
    items: Vec<Value>,
    token: Option<&str>,
    max: usize,
    scope: &str,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let start = match token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => {
            let bad = || invalid.err("the NextToken is invalid or expired");
            let raw = b64.decode(t).map_err(|_| bad())?;
            let raw = String::from_utf8(raw).map_err(|_| bad())?;
            let (s, off) = raw.rsplit_once('|').ok_or_else(bad)?;
            if s != scope {
                return Err(bad());
            }
            off.parse::<usize>().map_err(|_| bad())?
        }
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| b64.encode(format!("{scope}|{end}")));
    let slice = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok((slice, next))
}

/// Builds a Connect list response `{key: items, NextToken?}`.
pub(crate) fn list_resp(key: &str, items: Vec<Value>, next: Option<String>) -> Resp {
    let mut m = Map::new();
    m.insert(key.into(), Value::Array(items));
    if let Some(n) = next {
        m.insert("NextToken".into(), Value::String(n));
    }
    Resp::ok(Value::Object(m))
}

/// Paginates a Connect GET listing from `nextToken` / `maxResults` query parameters.
pub(crate) fn list_query(
    invalid: Invalid,
    req: &Req,
    key: &str,
    items: Vec<Value>,
    max: usize,
    default: usize,
    scope: &str,
) -> Result<Resp, ApiError> {
    let n = max_results_text(invalid, req.query("maxResults"), max, default)?;
    let (items, next) = page(invalid, items, req.query("nextToken"), n, scope)?;
    Ok(list_resp(key, items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_tokens() {
        let inv = Invalid::LEX_V2;
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
}
