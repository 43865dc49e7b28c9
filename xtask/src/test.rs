//! `cargo xtask test`: prepare a fresh machine and run every test.
//!
//! Installs the pinned Python tools, starts one moto server shared by all test binaries
//! (through `CONNECT_RETURNS_MOTO_URL`, which `testkit` reads), builds the CLI with the Lambda
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
    let port = testkit::free_port();
    let log = root.join("target/moto-test.log");
    std::fs::create_dir_all(root.join("target"))?;
    let moto = proc::spawn_service(
        proc::cmd(root, setup::venv(root).join("bin/python")).args([
            testkit::MOTO_SERVER_SCRIPT,
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ]),
        &log,
    )?;
    testkit::wait_until_answers(port, "/moto-api/", Duration::from_secs(60));
    let status = proc::status(
        proc::cmd(root, "cargo")
            .args(["test", "--workspace", "--all-targets", "--no-fail-fast"])
            .args(args)
            .env(testkit::MOTO_URL_VAR, format!("http://127.0.0.1:{port}"))
            .env("CONNECT_RETURNS_DIST_BIN", &dist_binary),
    );
    proc::stop(moto)?;
    let status = status?;
    if !status.success() {
        bail!("tests failed ({status})");
    }
    Ok(())
}
