//! What every port's server shares: the World lock, the request log, kept answers, the Connect
//! quota's token buckets and the fault rules with their seeded draws.
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;

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
    pub(super) bodies: Mutex<Option<Vec<Answer>>>,
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

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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

    pub(super) fn record(&self, mut e: LogEntry) {
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
    pub(super) fn draw_faults(
        &self,
        service: Service,
        operation: &str,
    ) -> (Duration, Option<ApiError>) {
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
