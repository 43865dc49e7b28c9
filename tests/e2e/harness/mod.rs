//! The one harness of the end-to-end tests: one way to run the CLI ([`command`], and
//! [`Env::command`] for the stand-ins), one way to start the stand-ins ([`Env`]: an in-process
//! sandbox per test, moto once per run), one builder of the tests' own SDK configs
//! ([`sdk_config`]), and the checks every command's output goes through ([`stdout_json`]).
#![allow(dead_code)]

mod assets;
/// The service models' output shapes, shared with the sandbox's conformance tests.
#[path = "../../../sandbox/tests/common/shapes.rs"]
pub mod shapes;
mod stand_ins;

pub use assets::*;
pub use stand_ins::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The CLI under test, as cargo built it for this test binary.
pub fn cli_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_connect-returns"))
}

/// The one way the tests start the CLI: `program` with `args`, an environment holding only
/// `PATH`, `NO_COLOR` and `environment` (nothing of the developer's shell leaks in), stdin not a
/// terminal. Run it with `.output()`, or set its pipes and `.spawn()` it.
pub fn command(
    program: &Path,
    args: &[&str],
    environment: impl IntoIterator<Item = (String, String)>,
) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .envs(environment);
    command
}

/// An AWS environment in which nothing answers: every endpoint is a closed loopback port and the
/// SDK tries once, so a command that got past its input checks by mistake fails fast instead of
/// reaching anything.
pub fn unreachable_aws() -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_MAX_ATTEMPTS", "1"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value.to_string()))
    .collect()
}

/// The CLI with `args` where no AWS endpoint answers (commands that need none: `--help`,
/// `validate`, `generate`, refusals of bad input).
pub fn offline(args: &[&str]) -> Command {
    command(cli_binary(), args, unreachable_aws())
}

/// The CLI with `args` pointed at moto only (e.g. `simulate`, whose scratch tables live there).
pub fn on_moto(args: &[&str]) -> Command {
    command(cli_binary(), args, testkit::moto_env())
}

/// An SDK config for the tests' own clients (checks and out-of-band changes): test credentials,
/// `region`, `url` as the endpoint, over an HTTP client that trusts moto's CA and plain HTTP.
pub async fn sdk_config(url: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(url)
        .http_client(testkit::tls::sdk_http_client(testkit::moto()))
        .load()
        .await
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stdout and stderr of a run, for assertion messages.
pub fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `--output json` document on stdout, validated against its published schema
/// (`docs/schema/<command>.json`).
pub fn stdout_json(output: &Output) -> Value {
    let doc: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", show(output)));
    if let Err(problems) = check_schema(&doc) {
        panic!(
            "the document does not match its schema:\n{problems}\n{}",
            show(output)
        );
    }
    doc
}

/// The schema of a `deploy`, `status` or `destroy` document, by its `command`.
pub fn schema_of(command: &str) -> Option<Value> {
    let text = match command {
        "deploy" => include_str!("../../../docs/schema/deploy.json"),
        "status" => include_str!("../../../docs/schema/status.json"),
        "destroy" => include_str!("../../../docs/schema/destroy.json"),
        "verify" => include_str!("../../../docs/schema/verify.json"),
        _ => return None,
    };
    Some(serde_json::from_str(text).expect("the schema is JSON"))
}

/// Validates a document against the schema its `command` names; the problems, one a line.
pub fn check_schema(doc: &Value) -> Result<(), String> {
    let command = doc["command"].as_str().unwrap_or_default();
    let schema = schema_of(command)
        .ok_or_else(|| format!("no published schema for command {:?}", doc["command"]))?;
    let validator =
        jsonschema::draft202012::new(&schema).expect("the schema is a valid JSON Schema");
    let problems: Vec<String> = validator
        .iter_errors(doc)
        .map(|error| format!("  at {}: {error}", error.instance_path()))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
