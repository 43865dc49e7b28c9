//! Invoking a Lambda function for a walk through the runner named by `LAMBDA_RUNNER_ENV`.
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs the Lambda runner for one invocation.
///
/// The contract: the runner value is split on whitespace into a program and its first
/// arguments (no shell). The sandbox starts it with one more argument, the function ARN, and
/// the environment variables `CONNECT_RETURNS_SANDBOX_FUNCTION_ARN` (the ARN again) and
/// `CONNECT_RETURNS_SANDBOX_TIMEOUT_MS` (the flow's InvocationTimeLimitSeconds); it writes the
/// Connect event (`{"Name": "ContactFlowEvent", "Details": {"ContactData", "Parameters"}}`) as
/// one JSON document on stdin and closes it. The runner answers with the function's response as
/// one JSON document on stdout and exits 0. A non-zero exit, an answer that is not JSON, or no
/// answer within the time limit (the process is killed) is a failed invocation: the flow takes
/// its error branch. stderr is passed through to the sandbox's stderr.
pub fn run_lambda(
    runner: &str,
    arn: &str,
    event: &Value,
    limit: Duration,
) -> Result<Value, String> {
    let mut parts = runner.split_whitespace();
    let program = parts.next().ok_or("the Lambda runner command is empty")?;
    let mut child = Command::new(program)
        .args(parts)
        .arg(arn)
        .env("CONNECT_RETURNS_SANDBOX_FUNCTION_ARN", arn)
        .env(
            "CONNECT_RETURNS_SANDBOX_TIMEOUT_MS",
            limit.as_millis().to_string(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the Lambda runner {program:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // a runner that exits without reading is not an error here; its exit status decides
        let _ = stdin.write_all(event.to_string().as_bytes());
    }
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no answer within {} s (InvocationTimeLimitSeconds)",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for the Lambda runner: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("the Lambda runner exited with {status}"));
    }
    serde_json::from_slice(&out).map_err(|e| {
        format!(
            "the Lambda runner's answer is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&out)
                .chars()
                .take(200)
                .collect::<String>()
        )
    })
}
