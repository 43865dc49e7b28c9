//! Lambda handlers of both solutions (returning callers; cancelled callbacks) and what they share:
//! the handler [`contract`], Connect event parsing, DynamoDB records, phone normalisation and time.
//!
//! Entry points: [`invoke_connect`] for the eight functions Connect flows invoke and
//! [`invoke_kinesis`] for processCtr. The `bootstrap` binary (src/main.rs) runs them under the Lambda
//! runtime, dispatching on `_HANDLER`; the CLI's `validate` and `simulate` call them in-process.

pub mod clock;
pub mod contract;
pub mod ctr;
mod exec;
pub mod phone;
pub mod plan;
pub mod records;
pub mod sdk;

use std::collections::BTreeMap;

pub use clock::Clock;
pub use contract::{CallbackStatus, Function, Solution};

/// What a Connect-invoked handler returns: a flat map of strings (Connect's STRING_MAP).
pub type Reply = BTreeMap<String, String>;

/// Settings from the environment the stack sets (names in [`contract::env`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// [`contract::env::RETURN_CALLS_TABLE`]
    pub return_calls_table: Option<String>,
    /// [`contract::env::RECORD_TTL_MINUTES`]
    pub record_ttl_minutes: u32,
    /// [`contract::env::CALLBACKS_TABLE`]
    pub callbacks_table: Option<String>,
    /// [`contract::env::CALLBACK_TTL_HOURS`]
    pub callback_ttl_hours: u32,
    /// [`contract::env::CONNECT_INSTANCE_ID`]
    pub instance_id: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            return_calls_table: None,
            record_ttl_minutes: contract::DEFAULT_RECORD_TTL_MINUTES,
            callbacks_table: None,
            callback_ttl_hours: contract::DEFAULT_CALLBACK_TTL_HOURS,
            instance_id: None,
        }
    }
}

/// A setting is missing or unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A variable the function needs is not set (or empty).
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    /// A variable has a value the handlers cannot use.
    #[error("environment variable {var} must be a whole number between 1 and {max}, got {value:?}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// What it was set to.
        value: String,
        /// The largest accepted value.
        max: u32,
    },
}

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the settings through `get` (the environment, or a map in tests and the simulator).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let number = |var: &'static str, bounds: contract::Bounds| -> Result<u32, ConfigError> {
            match non_empty(var) {
                None => Ok(bounds.default),
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if bounds.contains(n) => Ok(n),
                    _ => Err(ConfigError::Invalid {
                        var,
                        value: v,
                        max: bounds.max,
                    }),
                },
            }
        };
        Ok(Config {
            return_calls_table: non_empty(contract::env::RETURN_CALLS_TABLE),
            record_ttl_minutes: number(
                contract::env::RECORD_TTL_MINUTES,
                contract::RECORD_TTL_MINUTES,
            )?,
            callbacks_table: non_empty(contract::env::CALLBACKS_TABLE),
            callback_ttl_hours: number(
                contract::env::CALLBACK_TTL_HOURS,
                contract::CALLBACK_TTL_HOURS,
            )?,
            instance_id: non_empty(contract::env::CONNECT_INSTANCE_ID),
        })
    }

    /// Checks that every variable `function` needs is set (the Lambda calls this at init).
    pub fn require(&self, function: Function) -> Result<(), ConfigError> {
        for var in function.env() {
            let present = match *var {
                contract::env::RETURN_CALLS_TABLE => self.return_calls_table.is_some(),
                contract::env::CALLBACKS_TABLE => self.callbacks_table.is_some(),
                contract::env::CONNECT_INSTANCE_ID => self.instance_id.is_some(),
                // TTLs have defaults.
                _ => true,
            };
            if !present {
                return Err(ConfigError::Missing(var));
            }
        }
        Ok(())
    }
}

/// Everything a handler needs besides its event.
#[derive(Debug, Clone)]
pub struct Deps {
    /// DynamoDB (both tables).
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Amazon Connect (StopContact).
    pub connect: aws_sdk_connect::Client,
    /// Table names, TTLs, instance id.
    pub config: Config,
    /// Real or fixed time.
    pub clock: Clock,
}

/// Runs a Connect-invoked handler on `event` (the Lambda payload Connect sends). Never panics: a
/// malformed event, missing input or a failing dependency yields a map with [`contract::ERROR`] set
/// and the function's main result key at its safe value (e.g. `found=false`).
pub async fn invoke_connect(function: Function, event: serde_json::Value, deps: &Deps) -> Reply {
    let now = deps.clock.now();
    match plan::plan(function, &event, now) {
        plan::Plan::Done(reply) => reply,
        action => exec::execute(function, action, deps, now).await,
    }
}

/// Runs processCtr on a Kinesis event. Returns a `KinesisEventResponse`:
/// `{"batchItemFailures":[{"itemIdentifier":"<sequence number>"}]}` listing the records to retry
/// (transient DynamoDB failures only; undecodable records are logged and skipped so a poison record
/// never blocks the shard).
pub async fn invoke_kinesis(event: serde_json::Value, deps: &Deps) -> serde_json::Value {
    ctr::process(&event, deps).await
}
