//! `cargo xtask demo`: the whole product on the local stand-ins, no AWS account needed.
//!
//! Starts moto and the sandbox (seeded like a new Connect instance), builds the Lambda
//! artifacts, deploys both solutions, shows `status`, runs `simulate --all`, destroys the
//! deployment, and stops what it started.

use std::path::Path;

use crate::{lambdas, proc, stands};

pub fn run(root: &Path, _args: &[String]) -> anyhow::Result<()> {
    eprintln!("== Build the Lambda artifacts (provided.al2023, reproducible zips)");
    lambdas::build_lambdas(root, &[])?;
    proc::run(proc::cmd(root, "cargo").args(["build", "--quiet", "-p", "connect-returns"]))?;
    let stands = stands::up(root)?;
    let result = steps(root, &stands);
    stands::down(root)?;
    result
}

fn steps(root: &Path, stands: &stands::Stands) -> anyhow::Result<()> {
    let cli = stands::target_dir(root).join("debug/connect-returns");
    let step = |title: &str, args: &[&str]| -> anyhow::Result<()> {
        eprintln!("\n== {title}\n   $ connect-returns {}", args.join(" "));
        proc::run(
            proc::cmd(root, &cli)
                .args(args)
                .envs(stands.env())
                .env("CONNECT_RETURNS_NO_PROGRESS", "1")
                .env(
                    "CONNECT_RETURNS_LAMBDA_MANIFEST",
                    root.join("target/lambda/manifest.json"),
                ),
        )
    };
    let instance = stands.instance_id.as_str();
    step(
        "Validate the shipped flows, bot and templates (offline)",
        &["validate"],
    )?;
    step(
        "Plan: what a first deploy would create",
        &["deploy", "--instance", instance, "--plan"],
    )?;
    step(
        "Deploy both solutions",
        &["deploy", "--instance", instance, "--yes"],
    )?;
    step(
        "Status: every resource present, ours, in sync, healthy",
        &["status", "--instance", instance, "--check"],
    )?;
    step(
        "Re-deploy: nothing to change",
        &["deploy", "--instance", instance, "--yes"],
    )?;
    step(
        "Simulate every call path of the blogs",
        &["simulate", "--all"],
    )?;
    step(
        "Destroy: remove what we created, restore what we changed",
        &["destroy", "--instance", instance, "--yes"],
    )?;
    eprintln!("\nDemo complete: deployed, checked, simulated and removed without an AWS account.");
    Ok(())
}
