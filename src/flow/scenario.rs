//! Scenarios (TOML files in `assets/scenarios/`) and their runner: a sequence of calls, contact
//! trace records, callback offers and clock moves against scratch DynamoDB tables, each with the
//! outcome it must have. Phone numbers are masked in everything this module reports.
//!
//! `model.rs` is what a scenario and its outcome are, `run.rs` runs one against `tables.rs`,
//! `compare.rs` judges each step, and `report.rs` shows the outcome.

mod compare;
mod model;
mod report;
mod run;
mod tables;

pub use model::{BUILT_IN, Expect, Scenario, ScenarioOutcome, StepOutcome, parse};
pub use run::{Backend, run};
