//! The wire: one decoded request, a successful answer, a modelled error, the route table format,
//! segment-by-segment path matching with percent-decoding, and restJson1 answer rendering.
use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use bytes::Bytes;
use serde_json::{Map, Value};

use super::*;

/// Largest request body accepted (Connect flow content is at most 256,000 characters).
pub(super) const MAX_BODY: usize = 16 * 1024 * 1024;

/// One decoded request as a handler sees it.
#[derive(Debug, Clone)]
pub struct Req {
    /// HTTP method, upper case.
    pub method: String,
    /// Path parameters (`{Name}` segments), percent-decoded.
    pub params: BTreeMap<String, String>,
    /// Query pairs, decoded, in request order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// Raw request body.
    pub body: Bytes,
}

impl Req {
    /// A path parameter; empty when the route has no such parameter.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    /// The first query value named `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every query value named `name`, in order.
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as JSON; an empty body is `{}`, malformed JSON is a 400 `SerializationException`.
    pub fn json(&self) -> Result<Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Map::new()));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            ApiError::new(
                400,
                "SerializationException",
                format!("request body is not valid json: {e}"),
            )
        })
    }
}

/// A successful response: a status and an optional JSON body.
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// JSON body; `None` renders an empty body.
    pub body: Option<Value>,
}

impl Resp {
    /// 200 with a JSON body.
    pub fn ok(v: Value) -> Self {
        Resp {
            status: 200,
            body: Some(v),
        }
    }

    /// 200 with an empty body.
    pub fn empty() -> Self {
        Resp {
            status: 200,
            body: None,
        }
    }

    /// Same response with another status.
    pub fn with_status(mut self, s: u16) -> Self {
        self.status = s;
        self
    }
}

/// A modelled service error, rendered in restJson1 form.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Error shape name (`__type` and `x-amzn-ErrorType`).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Extra members of the error shape (e.g. `problems`, `ResourceType`).
    pub fields: Map<String, Value>,
}

impl ApiError {
    /// A new error without extra fields.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            fields: Map::new(),
        }
    }

    /// Adds one member to the error body.
    pub fn field(mut self, k: &str, v: Value) -> Self {
        self.fields.insert(k.to_string(), v);
        self
    }

    /// The JSON body: `__type`, `message` and `Message` (SDKs read one or the other), plus fields.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("__type".into(), Value::String(self.code.clone()));
        m.insert("message".into(), Value::String(self.message.clone()));
        m.insert("Message".into(), Value::String(self.message.clone()));
        for (k, v) in &self.fields {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

/// A route handler: runs with the World locked.
pub type Handler = fn(&mut World, &Req) -> Result<Resp, ApiError>;

/// One operation of a service's route table.
#[derive(Clone, Copy)]
pub struct Route {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path pattern: literal segments and `{Name}` parameters (`{Name+}` takes the rest of the path).
    /// A trailing `/` is significant. An optional `?key` suffix requires that query key to be present.
    pub path: &'static str,
    /// Operation name as in the service model.
    pub operation: &'static str,
    /// Whether the operation changes state (for "no mutating call happened" assertions).
    pub mutating: bool,
    /// The handler.
    pub handler: Handler,
}

/// Decodes `%XX` escapes (invalid escapes are kept literally); `plus` also maps `+` to a space.
pub fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a raw query string into decoded pairs.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

/// Matches `path` (raw) against a route pattern; returns the decoded parameters and the number of
/// literal segments (more literals = more specific).
fn match_path(
    pattern: &str,
    path: &str,
    query: &[(String, String)],
) -> Option<(BTreeMap<String, String>, usize)> {
    let (pat, required_query) = match pattern.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (pattern, None),
    };
    if let Some(q) = required_query
        && !query.iter().any(|(k, _)| k == q)
    {
        return None;
    }
    let ps: Vec<&str> = pat.split('/').collect();
    let xs: Vec<&str> = path.split('/').collect();
    let mut params = BTreeMap::new();
    let mut literals = 0;
    for (i, p) in ps.iter().enumerate() {
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i >= xs.len() {
                return None;
            }
            let rest: Vec<String> = xs[i..].iter().map(|s| percent_decode(s, false)).collect();
            let rest = rest.join("/");
            if rest.is_empty() {
                return None;
            }
            params.insert(name.to_string(), rest);
            return Some((params, literals));
        }
        let x = xs.get(i)?;
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if x.is_empty() {
                return None;
            }
            params.insert(name.to_string(), percent_decode(x, false));
        } else if p == x {
            literals += 1;
        } else {
            return None;
        }
    }
    if ps.len() != xs.len() {
        return None;
    }
    Some((params, literals))
}

/// Finds the most specific route for `method` + raw `path`.
pub fn find_route<'a>(
    routes: &'a [Route],
    method: &str,
    path: &str,
    query: &[(String, String)],
) -> Option<(&'a Route, BTreeMap<String, String>)> {
    let mut best: Option<(&Route, BTreeMap<String, String>, usize)> = None;
    for r in routes.iter().filter(|r| r.method == method) {
        if let Some((params, lits)) = match_path(r.path, path, query)
            && best.as_ref().is_none_or(|b| lits > b.2)
        {
            best = Some((r, params, lits));
        }
    }
    best.map(|(r, p, _)| (r, p))
}

pub(super) fn json_response(
    status: u16,
    body: Option<&Value>,
    error_code: Option<&str>,
) -> Response<Body> {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if let Some(code) = error_code {
        b = b.header("x-amzn-ErrorType", code);
    }
    b = b.header("x-amzn-RequestId", uuid::Uuid::new_v4().to_string());
    match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(v).unwrap_or_default()))
            .unwrap_or_default(),
        None => b.body(Body::empty()).unwrap_or_default(),
    }
}

pub(super) fn error_response(e: &ApiError) -> Response<Body> {
    json_response(e.status, Some(&e.body()), Some(&e.code))
}

/// Header value helper for handlers that need one.
pub fn header_str<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}
