//! Runs `tests/py/test_wire.py` (boto3: connect, lexv2-models, lex-models) against an in-process
//! sandbox with a seeded instance, with the project venv's Python. A missing venv is a failure
//! telling how to create it, never a silent skip.
mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::*;
use connect_returns_sandbox::Service;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_connect_and_both_lex_apis() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../.venv/bin/python");
    assert!(
        python.exists(),
        "no python venv at {}; run `cargo xtask setup` to create it (it installs boto3)",
        python.display()
    );
    let script = root.join("tests/py/test_wire.py");
    let sb = sandbox(quiet_config()).await;
    let seeded = seeded(&sb).await;
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .env("SANDBOX_CONNECT_URL", &sb.connect_url)
        .env("SANDBOX_LEXV2_URL", &sb.lexv2_url)
        .env("SANDBOX_LEXV1_URL", &sb.lexv1_url)
        .env("SANDBOX_INSTANCE_ID", &seeded.instance_id)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "boto3 wire test failed:\n{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("Ran 3 tests"),
        "expected the three wire tests to run:\n{stderr}"
    );

    // The calls reached this sandbox, on the right ports, as known operations.
    let log = sb.shared().requests();
    let seen = |service: Service, op: &str| {
        log.iter()
            .any(|e| e.service == service && e.operation == op && e.status < 300)
    };
    assert!(seen(Service::LexV2, "CreateBotAlias"));
    assert!(seen(Service::LexV2, "BuildBotLocale"));
    assert!(seen(Service::LexV1, "StartImport"));
    assert!(seen(Service::LexV1, "PutBot"));
    assert!(seen(Service::Connect, "CreateContactFlow"));
    assert!(seen(Service::Connect, "AssociateBot"));
    let unknown: Vec<_> = log
        .iter()
        .filter(|e| e.operation == "UnknownOperation")
        .collect();
    assert!(unknown.is_empty(), "requests no route matched: {unknown:?}");
    sb.shutdown().await;
}
