//! The end-to-end tests, one test binary: every file here is a module, and all of them share one
//! harness (`harness/`): one way to run the CLI, one way to start the stand-ins, one builder of
//! SDK configs. One binary links the SDK stack once and starts one moto (or uses the one
//! `cargo xtask test` exported).
//!
//! Run one area with a filter on its module, e.g. `cargo test --test e2e deploy::`.

mod harness;

mod assets_dir;
mod call_experience;
mod ci_recipes;
mod cli;
mod deploy;
mod deploy_both;
mod deploy_callbacks;
mod deployment_record;
mod destroy;
mod dist;
mod flows_publish;
mod iam_policy;
mod lifecycle_back_to_back;
mod menu;
mod output_schema;
mod routing_profile;
mod simulate;
mod status;
mod templates;
mod tidy;
mod validate;
mod verify;
