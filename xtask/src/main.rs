//! Development chores for connect-returns, run as `cargo xtask <task>` (the alias lives in
//! `.cargo/config.toml`; see the cargo-xtask convention).
//!
//! - `setup`                 the pinned Python tools in `.venv` (moto, boto3, cfn-lint, zig) and `.venv-checkov`
//! - `sandbox up|down|status` the local stand-ins for AWS (moto + our Connect/Lex sandbox)
//! - `test`                  prepare a fresh machine and run every test
//! - `demo`                  deploy → status → simulate → destroy against the stand-ins
//! - `build-lambdas`         reproducible Lambda zips for provided.al2023
//! - `dist`                  the release binary with the Lambda artifact inside, its tarball and SHA256SUMS
//! - `bench lambdas|deploy`  the figures of DESIGN §8, written to BENCHMARKS.md

mod bench_deploy;
mod demo;
mod dist;
mod lambdas;
mod proc;
mod setup;
mod stands;
mod test;

use std::path::{Path, PathBuf};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(&root),
        Some("sandbox") => stands::run(&root, &args[1..]),
        Some("test") => test::run(&root, &args[1..]),
        Some("demo") => demo::run(&root, &args[1..]),
        Some("build-lambdas") => lambdas::build_lambdas(&root, &args[1..]),
        Some("dist") => dist::run(&root, &args[1..]),
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("lambdas") => lambdas::bench_lambdas(&root, &args[2..]),
            Some("deploy") => bench_deploy::bench_deploy(&root, &args[2..]),
            _ => Err(anyhow::anyhow!("usage: cargo xtask bench lambdas|deploy")),
        },
        _ => {
            eprintln!(
                "usage: cargo xtask <setup | sandbox up|down|status | test | demo | build-lambdas | dist | bench lambdas|deploy>"
            );
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}
