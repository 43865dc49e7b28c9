//! The sandbox's conformance tests, one test binary (linked once): every module drives the
//! sandbox through the unmodified AWS SDK clients and checks what AWS documents. The boto3 wire
//! test stays a binary of its own (`tests/lex_python_client.rs`).
#[path = "../common/mod.rs"]
mod common;

mod connect_core;
mod connect_flows;
mod connect_ops;
mod connect_resources;
mod connect_test_cases;
mod lexv1;
mod lexv2;
