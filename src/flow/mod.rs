//! The flow language: model, offline validation and the call-path simulator (issue 4).

pub mod check;
pub mod model;
