//! `connect-returns`: deploy, inspect and tear down the Amazon Connect returning-caller and
//! cancelled-callback solutions.
//!
//! This file is deliberately thin: parse arguments (flags, environment, config file), run the
//! command, and turn the outcome into an exit code. See `ARCHITECTURE.md` for the map.

mod artifact_source;
mod assets;
mod aws;
mod cli;
mod commands;
mod config;
mod deploy;
mod error;
mod flow;
mod iam_policy;
mod instance;
mod output;
mod pacing;
mod report;
mod resources;
mod ui;
mod verify;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parsed = match config::parse_layered(argv) {
        Ok(parsed) => parsed,
        Err(err) => return error::report(&err),
    };
    output::init_logging(&parsed.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return error::report(
                &anyhow::Error::new(err).context("failed to start the async runtime"),
            );
        }
    };
    match runtime.block_on(commands::run(parsed)) {
        Ok(code) => code.into(),
        Err(err) => error::report(&err),
    }
}
