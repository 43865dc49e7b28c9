//! The flow language: model, offline validation and the call-path simulator.

pub mod check;
pub mod fake_connect;
pub mod menu_scenarios;
pub mod model;
pub mod scenario;
pub mod sim;
pub mod validate;
