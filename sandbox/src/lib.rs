//! connect-returns-sandbox: a local emulator of the Amazon Connect API and the Lex V2 / V1
//! model-building APIs on their real REST-JSON wire format, for tests without an AWS account.
//! `core` holds the dispatcher and shared World, `admin` the `/__sandbox/` API, `input` the
//! request helpers every service uses (`lex` what the two Lex APIs share besides), and one module
//! per service holds its state, operations and route table.
pub mod admin;
pub mod connect;
pub mod core;
mod input;
mod lex;
pub mod lexv1;
pub mod lexv2;

pub use crate::core::{
    Answer, Config, DOCUMENTED_EXCEPTIONS, FaultConfig, FaultRule, LogEntry, OpQuota, QuotaConfig,
    Running, Service, start,
};
