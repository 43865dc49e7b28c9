//! The sandbox core: configuration, the shared `World`, request/response/error types, the route
//! table format, and the per-service HTTP dispatcher (routing, auth check, request log, Connect quota,
//! fault injection, latency, restJson1 error rendering). Service modules only supply route tables.
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use bytes::Bytes;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Largest request body accepted (Connect flow content is at most 256,000 characters).
const MAX_BODY: usize = 16 * 1024 * 1024;

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

/// The emulated services, one loopback port each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Amazon Connect.
    Connect,
    /// Lex V2 model building.
    LexV2,
    /// Lex V1 model building.
    LexV1,
}

impl Service {
    /// All services, in port order.
    pub const ALL: [Service; 3] = [Service::Connect, Service::LexV2, Service::LexV1];

    /// `connect`, `lexv2` or `lexv1`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Connect => "connect",
            Service::LexV2 => "lexv2",
            Service::LexV1 => "lexv1",
        }
    }

    /// The service's route table.
    pub fn routes(self) -> &'static [Route] {
        match self {
            Service::Connect => crate::connect::ROUTES,
            Service::LexV2 => crate::lexv2::ROUTES,
            Service::LexV1 => crate::lexv1::ROUTES,
        }
    }

    /// Status and code for an injected or quota throttle.
    pub fn throttle_error(self) -> (u16, &'static str) {
        match self {
            Service::Connect | Service::LexV2 => (429, "ThrottlingException"),
            Service::LexV1 => (429, "LimitExceededException"),
        }
    }

    /// Status and code for an injected server error.
    pub fn internal_error(self) -> (u16, &'static str) {
        match self {
            Service::Connect => (500, "InternalServiceException"),
            Service::LexV2 => (500, "InternalServerException"),
            Service::LexV1 => (500, "InternalFailureException"),
        }
    }
}

/// One operation's throttling quota: a token bucket of `burst` tokens refilled at `rate` per second.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpQuota {
    /// Sustained requests per second.
    pub rate: f64,
    /// Bucket size.
    pub burst: f64,
}

/// The documented exceptions to the default Connect quota (operation, rate, burst).
///
/// AWS documents throttling quotas per API operation, per account and Region: 2 requests/s with a
/// burst of 5 unless listed otherwise. `GetMetricData` and `GetCurrentMetricData` are documented at
/// 5/s, burst 8. Contact-level operations (StopContact, UpdateContactAttributes, …) are said to be
/// higher, but without confirmed figures: the sandbox keeps them at the default, the stricter
/// reading.
pub const DOCUMENTED_EXCEPTIONS: &[(&str, f64, f64)] = &[
    ("GetMetricData", 5.0, 8.0),
    ("GetCurrentMetricData", 5.0, 8.0),
];

/// Connect request quotas: one token bucket per account, Region and API operation, as AWS
/// defines them. `rate`/`burst` apply to every operation not in `operations`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QuotaConfig {
    /// Whether Connect requests are throttled at all.
    pub enabled: bool,
    /// Sustained requests per second of an operation without its own entry.
    pub rate: f64,
    /// Bucket size of an operation without its own entry.
    pub burst: f64,
    /// Per-operation quotas that differ from the default (the documented exceptions by default).
    #[serde(default)]
    pub operations: BTreeMap<String, OpQuota>,
}

impl QuotaConfig {
    /// The quota of one operation.
    pub fn of(&self, operation: &str) -> OpQuota {
        self.operations.get(operation).copied().unwrap_or(OpQuota {
            rate: self.rate,
            burst: self.burst,
        })
    }
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            enabled: true,
            rate: 2.0,
            burst: 5.0,
            operations: DOCUMENTED_EXCEPTIONS
                .iter()
                .map(|(op, rate, burst)| {
                    (
                        op.to_string(),
                        OpQuota {
                            rate: *rate,
                            burst: *burst,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// One fault-injection rule; every rule matching a request applies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// `connect`, `lexv2`, `lexv1` or `*`.
    #[serde(default = "star")]
    pub service: String,
    /// Operation name or `*`.
    #[serde(default = "star")]
    pub operation: String,
    /// Added latency in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// Probability (0–1) of answering with the service's throttling error.
    #[serde(default)]
    pub throttle_probability: f64,
    /// Probability (0–1) of answering with the service's internal error.
    #[serde(default)]
    pub error_probability: f64,
}

fn star() -> String {
    "*".into()
}

impl FaultRule {
    fn matches(&self, service: Service, operation: &str) -> bool {
        (self.service == "*" || self.service == service.name())
            && (self.operation == "*" || self.operation == operation)
    }
}

/// Fault rules plus the seed of their random draws.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// Seed for the probability draws (deterministic sequences).
    #[serde(default)]
    pub seed: u64,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// Sandbox configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Account id used in ARNs (moto's default).
    pub account_id: String,
    /// Region used in ARNs.
    pub region: String,
    /// How long a Lex build stays in its building state.
    pub lex_build_duration: Duration,
    /// Connect quota.
    pub quota: QuotaConfig,
    /// Latency added to every service request.
    pub latency: Duration,
    /// Fault rules at start.
    pub faults: FaultConfig,
    /// Address to listen on.
    pub host: IpAddr,
    /// Connect port (0 = ephemeral).
    pub connect_port: u16,
    /// Lex V2 port (0 = ephemeral).
    pub lexv2_port: u16,
    /// Lex V1 port (0 = ephemeral).
    pub lexv1_port: u16,
    /// The command that runs a Lambda function for a test-case execution (see
    /// `connect::walk::run_lambda`); by default the `CONNECT_RETURNS_SANDBOX_LAMBDA_RUNNER`
    /// environment variable, unset = no runner.
    pub lambda_runner: Option<String>,
    /// How long a test-case execution may run before it times out (documented: 5 minutes).
    pub test_case_time_limit: Duration,
    /// The least time an execution stays INITIATED, and then IN_PROGRESS, so that clients can
    /// watch it move (the sandbox's walk itself takes milliseconds).
    pub test_case_pace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            lex_build_duration: Duration::from_millis(300),
            quota: QuotaConfig::default(),
            latency: Duration::ZERO,
            faults: FaultConfig::default(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            connect_port: 0,
            lexv2_port: 0,
            lexv1_port: 0,
            lambda_runner: std::env::var(crate::connect::LAMBDA_RUNNER_ENV)
                .ok()
                .filter(|s| !s.trim().is_empty()),
            test_case_time_limit: Duration::from_secs(300),
            test_case_pace: Duration::from_millis(200),
        }
    }
}

/// Implemented by each service's state so `GET /__sandbox/state` can dump it.
pub trait Snapshot {
    /// Every resource as JSON.
    fn snapshot(&self) -> Value;
}

/// All emulated state, behind one lock.
pub struct World {
    /// The configuration the sandbox started with.
    pub config: Config,
    /// Amazon Connect state.
    pub connect: crate::connect::State,
    /// Lex V2 state.
    pub lexv2: crate::lexv2::State,
    /// Lex V1 state.
    pub lexv1: crate::lexv1::State,
    ids: u64,
}

impl World {
    /// Empty state for `config`.
    pub fn new(config: Config) -> Self {
        World {
            config,
            connect: Default::default(),
            lexv2: Default::default(),
            lexv1: Default::default(),
            ids: 0,
        }
    }

    /// Account id for ARNs.
    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    /// Region for ARNs.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// Current time.
    pub fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    /// A fresh random UUID (lower-case, hyphenated).
    pub fn next_id(&mut self) -> String {
        self.ids += 1;
        uuid::Uuid::new_v4().to_string()
    }

    /// How many ids were handed out (diagnostics).
    pub fn ids_issued(&self) -> u64 {
        self.ids
    }

    /// JSON dump of every resource of every service.
    pub fn snapshot(&self) -> Value {
        json!({
            "connect": self.connect.snapshot(),
            "lexv2": self.lexv2.snapshot(),
            "lexv1": self.lexv1.snapshot(),
        })
    }
}

/// One entry of the request log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogEntry {
    /// Sequence number, from 1, across services.
    pub seq: u64,
    /// Service name.
    pub service: Service,
    /// Operation name (`UnknownOperation` when no route matched).
    pub operation: String,
    /// Whether the operation mutates state.
    pub mutating: bool,
    /// HTTP status answered.
    pub status: u16,
    /// HTTP method.
    pub method: String,
    /// Raw request path (without query).
    pub path: String,
    /// Error code when the request failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

struct FaultState {
    config: FaultConfig,
    rng: rand::rngs::StdRng,
}

impl FaultState {
    fn new(config: FaultConfig) -> Self {
        let rng = rand::rngs::StdRng::seed_from_u64(config.seed);
        FaultState { config, rng }
    }
}

/// State shared by every port's server.
pub struct Shared {
    world: Mutex<World>,
    /// Connect and Lex are regional: requests signed for another Region than the configured one
    /// meet that Region's own (at first empty) world, never the configured Region's resources.
    other_regions: Mutex<std::collections::BTreeMap<String, World>>,
    log: Mutex<Vec<LogEntry>>,
    seq: Mutex<u64>,
    faults: Mutex<FaultState>,
    quota: Mutex<(QuotaConfig, HashMap<String, Bucket>)>,
    bodies: Mutex<Option<Vec<Answer>>>,
}

/// A successful answer's JSON body, kept for conformance checks ([`Shared::keep_answers`]).
#[derive(Debug, Clone)]
pub struct Answer {
    /// Service that answered.
    pub service: Service,
    /// Operation name.
    pub operation: String,
    /// The JSON body sent.
    pub body: Value,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Fresh shared state for `config`.
    pub fn new(config: Config) -> Self {
        Shared {
            faults: Mutex::new(FaultState::new(config.faults.clone())),
            quota: Mutex::new((config.quota.clone(), HashMap::new())),
            world: Mutex::new(World::new(config)),
            other_regions: Mutex::new(Default::default()),
            log: Mutex::new(Vec::new()),
            seq: Mutex::new(0),
            bodies: Mutex::new(None),
        }
    }

    /// Starts (or stops) keeping the JSON body of every successful answer, for tests that check
    /// the answers against the service models. Off by default.
    pub fn keep_answers(&self, on: bool) {
        let mut b = lock(&self.bodies);
        *b = if on {
            Some(b.take().unwrap_or_default())
        } else {
            None
        };
    }

    /// The answers kept since [`Shared::keep_answers`] was turned on.
    pub fn answers(&self) -> Vec<Answer> {
        lock(&self.bodies).clone().unwrap_or_default()
    }

    /// Locks the world.
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// Runs `f` on the world of `region`: the configured one, or (created on first use) the
    /// world of another Region, with that Region in its ARNs.
    pub fn in_region<T>(&self, region: &str, f: impl FnOnce(&mut World) -> T) -> T {
        let home = self.world().config.region.clone();
        if region.is_empty() || region == home {
            return f(&mut self.world());
        }
        let config = Config {
            region: region.to_string(),
            ..self.world().config.clone()
        };
        let mut regions = lock(&self.other_regions);
        let world = regions
            .entry(region.to_string())
            .or_insert_with(|| World::new(config));
        f(world)
    }

    /// The Regions that have a world: the configured one first, then every other one in use.
    pub fn region_names(&self) -> Vec<String> {
        let mut out = vec![self.world().config.region.clone()];
        out.extend(lock(&self.other_regions).keys().cloned());
        out
    }

    /// The state dump: the configured Region's resources, and under `other_regions` those of
    /// any other Region that has been written to.
    pub fn snapshot(&self) -> Value {
        let mut dump = self.world().snapshot();
        let regions = lock(&self.other_regions);
        let others: serde_json::Map<String, Value> = regions
            .iter()
            .map(|(region, world)| (region.clone(), world.snapshot()))
            .filter(|(_, dump)| *dump != World::new(Config::default()).snapshot())
            .collect();
        if !others.is_empty() {
            dump["other_regions"] = Value::Object(others);
        }
        dump
    }

    /// A copy of the request log.
    pub fn requests(&self) -> Vec<LogEntry> {
        lock(&self.log).clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    /// Replaces the fault rules (and reseeds).
    pub fn set_faults(&self, faults: FaultConfig) {
        *lock(&self.faults) = FaultState::new(faults);
    }

    /// Current fault rules.
    pub fn faults(&self) -> FaultConfig {
        lock(&self.faults).config.clone()
    }

    /// Replaces the Connect quota (and refills the buckets).
    pub fn set_quota(&self, quota: QuotaConfig) {
        *lock(&self.quota) = (quota, HashMap::new());
    }

    /// Current Connect quota.
    pub fn quota(&self) -> QuotaConfig {
        lock(&self.quota).0.clone()
    }

    /// Empties every service's state and the log; faults and quota go back to the start config.
    pub fn reset(&self) {
        let mut w = self.world();
        let config = w.config.clone();
        *w = World::new(config.clone());
        drop(w);
        lock(&self.other_regions).clear();
        self.clear_requests();
        self.set_faults(config.faults.clone());
        self.set_quota(config.quota.clone());
    }

    fn record(&self, mut e: LogEntry) {
        let mut seq = lock(&self.seq);
        *seq += 1;
        e.seq = *seq;
        tracing::debug!(seq = e.seq, service = e.service.name(), op = %e.operation, status = e.status, "request");
        lock(&self.log).push(e);
    }

    /// Takes a quota token from the bucket of `operation` for `account` in `region`; false when
    /// throttled. The buckets live here, in the server, for as long as it runs: a client that
    /// starts right after another one drained a bucket meets the drained bucket, as on AWS.
    pub fn take_token(&self, account: &str, region: &str, operation: &str) -> bool {
        let mut q = lock(&self.quota);
        let (cfg, buckets) = &mut *q;
        if !cfg.enabled {
            return true;
        }
        let quota = cfg.of(operation);
        let now = Instant::now();
        let key = format!("{account}:{region}:{operation}");
        let b = buckets.entry(key).or_insert(Bucket {
            tokens: quota.burst,
            last: now,
        });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * quota.rate).min(quota.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Latency and an optional injected error for one request.
    fn draw_faults(&self, service: Service, operation: &str) -> (Duration, Option<ApiError>) {
        let mut f = lock(&self.faults);
        let FaultState { config, rng } = &mut *f;
        let mut latency = 0u64;
        let mut err = None;
        for r in config
            .rules
            .iter()
            .filter(|r| r.matches(service, operation))
        {
            latency += r.latency_ms;
            if err.is_none()
                && r.throttle_probability > 0.0
                && rng.random::<f64>() < r.throttle_probability
            {
                let (s, c) = service.throttle_error();
                err = Some(ApiError::new(s, c, "rate exceeded (injected fault)"));
            }
            if err.is_none()
                && r.error_probability > 0.0
                && rng.random::<f64>() < r.error_probability
            {
                let (s, c) = service.internal_error();
                err = Some(ApiError::new(s, c, "internal error (injected fault)"));
            }
        }
        (Duration::from_millis(latency), err)
    }
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

fn json_response(status: u16, body: Option<&Value>, error_code: Option<&str>) -> Response<Body> {
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

fn error_response(e: &ApiError) -> Response<Body> {
    json_response(e.status, Some(&e.body()), Some(&e.code))
}

/// Region from a SigV4 `Authorization` header's credential scope.
fn auth_region(headers: &http::HeaderMap) -> Option<String> {
    let a = headers.get("authorization")?.to_str().ok()?;
    let cred = a.split("Credential=").nth(1)?;
    let scope = cred.split([',', ' ']).next()?;
    scope.split('/').nth(2).map(str::to_string)
}

#[derive(Clone)]
struct PortCtx {
    service: Service,
    shared: Arc<Shared>,
}

async fn dispatch(AxState(ctx): AxState<PortCtx>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return error_response(&ApiError::new(
                400,
                "SerializationException",
                format!("cannot read body: {e}"),
            ));
        }
    };
    if let Some(rest) = raw_path.strip_prefix("/__sandbox/") {
        let r = crate::admin::handle(&ctx.shared, ctx.service, &method, rest, &query, &body);
        return match r {
            Ok(resp) => json_response(resp.status, resp.body.as_ref(), None),
            Err(e) => error_response(&e),
        };
    }
    let service = ctx.service;
    let shared = ctx.shared;
    let mut entry = LogEntry {
        seq: 0,
        service,
        operation: "UnknownOperation".into(),
        mutating: false,
        status: 0,
        method: method.clone(),
        path: raw_path.clone(),
        error: None,
    };
    let result: Result<Resp, ApiError> = async {
        let Some((route, params)) = find_route(service.routes(), &method, &raw_path, &query) else {
            return Err(ApiError::new(
                404,
                "UnknownOperationException",
                format!(
                    "the {} sandbox has no operation for {method} {raw_path}",
                    service.name()
                ),
            ));
        };
        entry.operation = route.operation.to_string();
        entry.mutating = route.mutating;
        if !parts.headers.contains_key("authorization") {
            return Err(ApiError::new(
                403,
                "MissingAuthenticationTokenException",
                "missing authentication token",
            ));
        }
        if service == Service::Connect {
            let region = auth_region(&parts.headers).unwrap_or_default();
            let account = shared.world().account_id().to_string();
            if !shared.take_token(&account, &region, route.operation) {
                return Err(ApiError::new(429, "ThrottlingException", "rate exceeded"));
            }
        }
        let (mut latency, injected) = shared.draw_faults(service, route.operation);
        latency += shared.world().config.latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if let Some(e) = injected {
            return Err(e);
        }
        let r = Req {
            method: method.clone(),
            params,
            query,
            headers: parts.headers.clone(),
            body,
        };
        let region = auth_region(&r.headers).unwrap_or_default();
        shared.in_region(&region, |world| (route.handler)(world, &r))
    }
    .await;
    if let Ok(Resp {
        body: Some(body), ..
    }) = &result
        && let Some(kept) = lock(&shared.bodies).as_mut()
    {
        kept.push(Answer {
            service,
            operation: entry.operation.clone(),
            body: body.clone(),
        });
    }
    let response = match &result {
        Ok(resp) => json_response(resp.status, resp.body.as_ref(), None),
        Err(e) => error_response(e),
    };
    entry.status = response.status().as_u16();
    entry.error = result.err().map(|e| e.code);
    shared.record(entry);
    response
}

/// A started sandbox: three listening services sharing one World.
pub struct Running {
    /// Base URL of the Connect API.
    pub connect_url: String,
    /// Base URL of the Lex V2 model-building API.
    pub lexv2_url: String,
    /// Base URL of the Lex V1 model-building API.
    pub lexv1_url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The per-service endpoint variables the AWS SDKs and CLI read.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL_CONNECT".into(), self.connect_url.clone()),
            (
                "AWS_ENDPOINT_URL_LEX_MODELS_V2".into(),
                self.lexv2_url.clone(),
            ),
            (
                "AWS_ENDPOINT_URL_LEX_MODEL_BUILDING_SERVICE".into(),
                self.lexv1_url.clone(),
            ),
        ]
    }

    /// Base URL of one service.
    pub fn url(&self, service: Service) -> &str {
        match service {
            Service::Connect => &self.connect_url,
            Service::LexV2 => &self.lexv2_url,
            Service::LexV1 => &self.lexv1_url,
        }
    }

    /// The URLs as JSON (`connect`, `lexv2`, `lexv1`, plus `env`).
    pub fn urls_json(&self) -> Value {
        let env: Map<String, Value> = self
            .env_vars()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        json!({ "connect": self.connect_url, "lexv2": self.lexv2_url, "lexv1": self.lexv1_url, "env": env })
    }

    /// In-process access to the shared state (the same the admin API uses).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops accepting requests and waits for the servers to end.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
    }
}

/// Binds the three service ports and starts serving.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let host = config.host;
    let ports = [config.connect_port, config.lexv2_port, config.lexv1_port];
    let shared = Arc::new(Shared::new(config));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut urls = Vec::new();
    let mut tasks = Vec::new();
    for (service, port) in Service::ALL.into_iter().zip(ports) {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port))
            .await
            .map_err(|e| {
                anyhow::anyhow!("cannot listen on {host}:{port} for {}: {e}", service.name())
            })?;
        let addr = listener.local_addr()?;
        urls.push(format!("http://{addr}"));
        let app = axum::Router::new().fallback(dispatch).with_state(PortCtx {
            service,
            shared: shared.clone(),
        });
        let mut rx = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let r = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|v| *v).await;
                })
                .await;
            if let Err(e) = r {
                tracing::error!("{} server ended: {e}", service.name());
            }
        }));
    }
    tasks.push(tokio::spawn(crate::connect::drive_test_cases(
        shared.clone(),
        stop_rx.clone(),
    )));
    Ok(Running {
        connect_url: urls[0].clone(),
        lexv2_url: urls[1].clone(),
        lexv1_url: urls[2].clone(),
        shared,
        stop: Some(stop_tx),
        tasks,
    })
}

/// Header value helper for handlers that need one.
pub fn header_str<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(_: &mut World, _: &Req) -> Result<Resp, ApiError> {
        Ok(Resp::empty())
    }

    #[test]
    fn routes_match_segments_and_decode() {
        let routes = [
            Route {
                method: "GET",
                path: "/contact-flows/{InstanceId}/{ContactFlowId}",
                operation: "A",
                mutating: false,
                handler: h,
            },
            Route {
                method: "GET",
                path: "/bots/{botId}/",
                operation: "B",
                mutating: false,
                handler: h,
            },
            Route {
                method: "GET",
                path: "/bots/{botId}/versions/",
                operation: "C",
                mutating: false,
                handler: h,
            },
            Route {
                method: "GET",
                path: "/bots/{botId}/{x}/",
                operation: "D",
                mutating: false,
                handler: h,
            },
            Route {
                method: "POST",
                path: "/tags/{resourceArn+}",
                operation: "E",
                mutating: true,
                handler: h,
            },
        ];
        let (r, p) = find_route(&routes, "GET", "/contact-flows/i-1/f%3A%24SAVED", &[]).unwrap();
        assert_eq!(
            (r.operation, p["ContactFlowId"].as_str()),
            ("A", "f:$SAVED")
        );
        assert_eq!(
            find_route(&routes, "GET", "/bots/x/", &[])
                .unwrap()
                .0
                .operation,
            "B"
        );
        assert!(find_route(&routes, "GET", "/bots/x", &[]).is_none());
        assert_eq!(
            find_route(&routes, "GET", "/bots/x/versions/", &[])
                .unwrap()
                .0
                .operation,
            "C"
        );
        assert_eq!(
            find_route(&routes, "GET", "/bots/x/other/", &[])
                .unwrap()
                .0
                .operation,
            "D"
        );
        let (_, p) = find_route(&routes, "POST", "/tags/arn%3Aaws%3Aconnect/x", &[]).unwrap();
        assert_eq!(p["resourceArn"], "arn:aws:connect/x");
        assert!(find_route(&routes, "DELETE", "/bots/x/", &[]).is_none());
    }

    #[test]
    fn query_and_percent_decoding() {
        assert_eq!(percent_decode("%24LATEST", false), "$LATEST");
        assert_eq!(percent_decode("a+b%2", false), "a+b%2");
        assert_eq!(
            parse_query("a=1&b=x+y&a=%2F"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), "/".into())
            ]
        );
    }

    #[test]
    fn token_bucket_throttles_after_burst() {
        let s = Shared::new(Config::default());
        let taken = (0..10)
            .filter(|_| s.take_token("a", "r", "ListQueues"))
            .count();
        assert_eq!(taken, 5);
        s.set_quota(QuotaConfig {
            enabled: false,
            ..QuotaConfig::default()
        });
        assert!((0..10).all(|_| s.take_token("a", "r", "ListQueues")));
    }

    #[test]
    fn resources_belong_to_the_region_their_request_was_signed_for() {
        let s = Shared::new(Config::default());
        let seeded = s
            .in_region("us-east-1", |w| crate::connect::seed(w, None))
            .unwrap();
        let home = s.snapshot();
        let instance = seeded["instance"]["id"].as_str().unwrap().to_string();
        assert!(home.to_string().contains(&instance));
        // Another Region does not find it, and its own resources carry its name.
        let elsewhere = s
            .in_region("eu-west-1", |w| crate::connect::seed(w, Some("eu")))
            .unwrap();
        assert!(
            elsewhere["instance"]["arn"]
                .as_str()
                .unwrap()
                .contains(":eu-west-1:")
        );
        s.in_region("eu-west-1", |w| {
            assert!(!w.snapshot().to_string().contains(&instance));
        });
        let dump = s.snapshot();
        assert_eq!(dump["connect"], home["connect"], "us-east-1 is as it was");
        assert!(
            dump["other_regions"]["eu-west-1"]
                .to_string()
                .contains("eu")
        );
    }

    #[test]
    fn buckets_are_per_account_region_and_operation() {
        let s = Shared::new(Config::default());
        let burst = |account: &str, region: &str, op: &str| {
            (0..20)
                .filter(|_| s.take_token(account, region, op))
                .count()
        };
        assert_eq!(burst("a", "r", "ListQueues"), 5);
        assert_eq!(burst("a", "r", "DescribeQueue"), 5, "another operation");
        assert_eq!(burst("a", "r2", "ListQueues"), 5, "another Region");
        assert_eq!(burst("b", "r", "ListQueues"), 5, "another account");
        assert_eq!(burst("a", "r", "GetMetricData"), 8, "documented exception");
        assert_eq!(burst("a", "r", "ListQueues"), 0, "still drained");
    }
}
