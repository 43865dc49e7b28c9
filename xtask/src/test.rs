//! `cargo xtask test`: prepare a fresh machine and run every test.
//!
//! Installs the pinned Python tools, starts one moto server (HTTPS and HTTP, with a fresh test
//! CA) shared by all test binaries (through `CONNECT_RETURNS_MOTO_URL` and its companions, which
//! `testkit` reads), builds the CLI with the Lambda
//! artifact embedded for the dist test (`CONNECT_RETURNS_DIST_BIN`), runs the whole workspace's
//! tests, and stops moto again whatever the outcome. Extra arguments go to `cargo test`.

use std::path::Path;
use std::time::Duration;

use anyhow::bail;

use crate::{proc, setup};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    setup::run(root)?;
    // The dist test runs the CLI with the Lambda artifact embedded.
    let dist_binary = crate::dist::test_binary(root)?;
    let log = root.join("target/moto-test.log");
    let tls_dir = root.join("target/moto-test-tls");
    // A fresh CA for every run: nothing outlives the moto it was made for.
    let _ = std::fs::remove_dir_all(&tls_dir);
    std::fs::create_dir_all(root.join("target"))?;
    let (moto_args, moto) =
        testkit::moto_args(testkit::free_port(), testkit::free_port(), &tls_dir);
    let pid = proc::spawn_service(
        proc::cmd(root, setup::venv(root).join("bin/python")).args(&moto_args),
        &log,
    )?;
    testkit::wait_for_moto(&moto, Duration::from_secs(60));
    // `verify`'s tests run the handler binary and the sandbox's Lambda runner next to the CLI;
    // `cargo test` builds another package's binaries only as test harnesses.
    let built = proc::status(proc::cmd(root, "cargo").args([
        "build",
        "-p",
        "returns-lambdas",
        "-p",
        "testkit",
        "--bins",
    ]));
    if !matches!(&built, Ok(status) if status.success()) {
        proc::stop(pid)?;
        bail!("building the handler and the sandbox's Lambda runner failed");
    }
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
