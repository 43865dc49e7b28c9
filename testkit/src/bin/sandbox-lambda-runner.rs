//! The sandbox's Lambda runner for end-to-end tests: runs the real `bootstrap` for one
//! invocation, as Lambda would, with the deployed function's handler and environment.
//!
//! `sandbox-lambda-runner <bootstrap> <moto-url> <connect-url> <function-arn>`: reads the
//! function's configuration from moto (plain HTTP), serves the event from stdin on a local
//! Lambda Runtime API, starts `bootstrap` with the function's environment, DynamoDB on moto and
//! Connect on the sandbox, and prints the function's answer. Exit 1 when the function reported
//! an error or did not answer within `CONNECT_RETURNS_SANDBOX_TIMEOUT_MS`.

use std::io::Read as _;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use returns_artifact::runtime_api::{Outcome, RuntimeApi};
use serde_json::Value;

fn main() -> ExitCode {
    match run() {
        Ok(answer) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("sandbox-lambda-runner: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bootstrap, moto_url, connect_url, arn] = args.as_slice() else {
        return Err(
            "usage: sandbox-lambda-runner <bootstrap> <moto-url> <connect-url> <function-arn>"
                .into(),
        );
    };
    let function = arn.rsplit(':').next().unwrap_or(arn);
    // arn:<partition>:lambda:<region>:<account>:function:<name>
    let region = arn.split(':').nth(3).unwrap_or("us-east-1").to_string();
    let (status, body) = lambda_get(
        testkit::port_of(moto_url),
        &region,
        &format!("/2015-03-31/functions/{function}/configuration"),
    )
    .ok_or("moto does not answer")?;
    if status != 200 {
        return Err(format!("no function {function} in moto ({status}): {body}"));
    }
    let config: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let handler = config["Handler"].as_str().unwrap_or_default().to_string();
    let variables: Vec<(String, String)> = config["Environment"]["Variables"]
        .as_object()
        .map(|vars| {
            vars.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut event = String::new();
    std::io::stdin()
        .read_to_string(&mut event)
        .map_err(|e| e.to_string())?;
    let limit = std::env::var("CONNECT_RETURNS_SANDBOX_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(8), Duration::from_millis);
    let api = RuntimeApi::start().map_err(|e| e.to_string())?;
    let mut child = Command::new(bootstrap)
        .env_clear()
        .envs(api.lambda_env(&handler))
        .envs(variables)
        .envs([
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", region.as_str()),
            ("AWS_ENDPOINT_URL_DYNAMODB", moto_url.as_str()),
            ("AWS_ENDPOINT_URL_CONNECT", connect_url.as_str()),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {bootstrap}: {e}"))?;
    let outcome = api.invoke(&event, limit);
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Some(Outcome::Response(body)) => Ok(body),
        Some(other) => Err(format!("the function failed: {other:?}")),
        None => Err(format!("no answer within {} ms", limit.as_millis())),
    }
}

/// A GET to moto's Lambda API: moto routes by the service a request is signed for (it does not
/// check the signature).
fn lambda_get(port: u16, region: &str, path: &str) -> Option<(u16, String)> {
    use std::io::Write as _;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/lambda/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}
