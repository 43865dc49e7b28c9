//! `cargo xtask test`: prepare a fresh machine and run every test.
//!
//! Compiles every test and the binaries they run while, beside it, the pinned Python tools are
//! installed and the Lambda artifact is built; builds the CLI with that artifact embedded for the
//! dist test (`CONNECT_RETURNS_DIST_BIN`); starts one moto server (HTTPS and HTTP, with a fresh
//! test CA) shared by all test binaries (through `CONNECT_RETURNS_MOTO_URL` and its companions,
//! which `testkit` reads); runs the whole workspace's tests, and stops moto again whatever the
//! outcome. Extra arguments go to `cargo test`.
//!
//! Every build here resolves the dependencies' features as the test build does
//! ([`WORKSPACE_FEATURES`]), so the SDK is compiled once for all of them (and once more, in
//! release, for the Lambda artifact).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::{proc, setup};

/// What a build before the test build selects so that cargo resolves the dependencies' features
/// as `cargo test --workspace --all-targets` does, and the test build reuses every compiled
/// dependency: every workspace member (their features unify), and `--examples`, which matches
/// no target here but makes cargo count the dev-dependencies' features. A build of one package's
/// binary alone resolves fewer features (no `hyper/server` from the sandbox, no `serde/alloc`
/// from the dev-dependencies), and everything above them, the whole SDK, is compiled again.
pub const WORKSPACE_FEATURES: [&str; 2] = ["--workspace", "--examples"];

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    std::fs::create_dir_all(root.join("target"))?;
    // The Python tools and the Lambda artifact (a release build in its own target directory)
    // are made beside the test build: both have long stretches on one core (downloads, the
    // link-time optimisation), which the other build fills.
    let lambda_log = root.join("target/lambda-build.log");
    eprintln!(
        "xtask: installing the tools and building the Lambda artifact beside the test build (cargo's output: {})",
        lambda_log.display()
    );
    let artifact = std::thread::spawn({
        let root = root.to_path_buf();
        move || {
            setup::run(&root)?;
            crate::dist::test_artifact(&root, &lambda_log)
        }
    });
    let compiled = compile(root);
    let artifact = artifact
        .join()
        .map_err(|_| anyhow::anyhow!("building the Lambda artifact panicked"))?;
    compiled?;
    let artifact = artifact?;
    // The dist test runs the CLI with the Lambda artifact embedded.
    let dist_binary = crate::dist::test_binary(root, &artifact)?;
    let log = root.join("target/moto-test.log");
    let tls_dir = root.join("target/moto-test-tls");
    // A fresh CA for every run: nothing outlives the moto it was made for.
    let _ = std::fs::remove_dir_all(&tls_dir);
    let (moto_args, moto) =
        testkit::moto_args(testkit::free_port(), testkit::free_port(), &tls_dir);
    let pid = proc::spawn_service(
        proc::cmd(root, setup::venv(root).join("bin/python")).args(&moto_args),
        &log,
    )?;
    testkit::wait_for_moto(&moto, Duration::from_secs(60));
    let status = proc::status(
        proc::cmd(root, "cargo")
            .args(["test", "--workspace", "--all-targets", "--no-fail-fast"])
            .args(args)
            .envs(moto.share_env())
            .env("CONNECT_RETURNS_DIST_BIN", &dist_binary),
    );
    proc::stop(pid)?;
    let status = status?;
    if !status.success() {
        bail!("tests failed ({status})");
    }
    Ok(())
}

/// Every test binary, and every workspace binary the tests run: `verify`'s tests run the handler
/// binary and the sandbox's Lambda runner next to the CLI, and `cargo test` builds another
/// package's binaries only as test harnesses. Both builds resolve the same features, so the
/// second compiles only those binaries.
fn compile(root: &Path) -> anyhow::Result<()> {
    proc::run(proc::cmd(root, "cargo").args([
        "test",
        "--locked",
        "--workspace",
        "--all-targets",
        "--no-run",
    ]))
    .context("building the tests failed")?;
    proc::run(
        proc::cmd(root, "cargo")
            .args(["build", "--locked"])
            .args(WORKSPACE_FEATURES)
            .arg("--bins"),
    )
    .context("building the handler and the sandbox's Lambda runner failed")
}
