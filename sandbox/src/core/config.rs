//! Sandbox configuration: the emulated services, the Connect quota (with AWS's documented
//! exceptions), fault-injection rules and the start `Config`.
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::*;

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
    pub(super) fn matches(&self, service: Service, operation: &str) -> bool {
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
