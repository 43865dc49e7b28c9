//! Shared test helpers: start an in-process sandbox, build an aws-sdk-connect client for it, and a
//! tiny HTTP/1.1 client for the `/__sandbox/` admin API (no extra HTTP client dependency).
#![allow(dead_code)]

pub mod shapes;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use connect_returns_sandbox::{Config, QuotaConfig, Running, start};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A sandbox config with the quota off (tests about the quota turn it on).
pub fn quiet_config() -> Config {
    Config {
        quota: QuotaConfig {
            enabled: false,
            ..QuotaConfig::default()
        },
        lex_build_duration: Duration::from_millis(100),
        ..Config::default()
    }
}

/// Starts a sandbox on ephemeral ports.
pub async fn sandbox(config: Config) -> Running {
    start(config).await.expect("sandbox starts")
}

/// SDK config pointing at `url` with static test credentials.
pub async fn sdk_config(url: &str, retries: bool) -> aws_config::SdkConfig {
    let retry = if retries {
        aws_config::retry::RetryConfig::standard()
            .with_max_attempts(10)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(2))
    } else {
        aws_config::retry::RetryConfig::disabled()
    };
    aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "secret-test",
            None,
            None,
            "test",
        ))
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .retry_config(retry)
        .load()
        .await
}

/// A Connect client for the sandbox, SDK retries disabled.
pub async fn connect_client(running: &Running) -> aws_sdk_connect::Client {
    aws_sdk_connect::Client::new(&sdk_config(&running.connect_url, false).await)
}

/// A Connect client with the SDK's standard retry (more attempts, short backoff).
pub async fn connect_client_retrying(running: &Running) -> aws_sdk_connect::Client {
    aws_sdk_connect::Client::new(&sdk_config(&running.connect_url, true).await)
}

/// One raw HTTP/1.1 exchange: returns (status, body as JSON or Null when empty/non-JSON, raw body).
pub async fn http(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value, String) {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = tokio::net::TcpStream::connect(hostport)
        .await
        .expect("connect to sandbox");
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.expect("write request");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read response");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .expect("http response has a head");
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let raw = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    let json = serde_json::from_str(&raw).unwrap_or(Value::Null);
    (status, json, raw)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Admin call on the Connect port: `(status, json)`.
pub async fn admin(
    running: &Running,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let b = body.map(|b| b.to_string());
    let (s, v, _) = http(
        &running.connect_url,
        method,
        &format!("/__sandbox/{path}"),
        b.as_deref(),
        &[],
    )
    .await;
    (s, v)
}

/// Seeds an instance through the admin API and returns its description.
pub async fn seed(running: &Running) -> Value {
    let (s, v) = admin(running, "POST", "seed", None).await;
    assert_eq!(s, 200, "seed failed: {v}");
    v
}

/// The request log.
pub async fn requests(running: &Running) -> Vec<Value> {
    let (s, v) = admin(running, "GET", "requests", None).await;
    assert_eq!(s, 200);
    v.as_array().cloned().expect("log is a list")
}

/// Ids of a seeded instance.
pub struct Seeded {
    pub instance_id: String,
    pub instance_arn: String,
    pub queue_id: String,
    pub queue_arn: String,
    pub hours_id: String,
    pub routing_profile_id: String,
    pub phone_id: String,
    pub raw: Value,
}

impl Seeded {
    /// `(id, arn)` of a default flow by name.
    pub fn flow(&self, name: &str) -> (String, String) {
        let f = &self.raw["flows"][name];
        (
            f["id"].as_str().expect("seeded flow").to_string(),
            f["arn"].as_str().unwrap().to_string(),
        )
    }
}

/// Seeds an instance and returns its ids.
pub async fn seeded(running: &Running) -> Seeded {
    let v = seed(running).await;
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).expect(p).to_string();
    Seeded {
        instance_id: s("/instance/id"),
        instance_arn: s("/instance/arn"),
        queue_id: s("/queue/id"),
        queue_arn: s("/queue/arn"),
        hours_id: s("/hours_of_operation/id"),
        routing_profile_id: s("/routing_profile/id"),
        phone_id: s("/phone_number/id"),
        raw: v,
    }
}

/// Flow-language content with the given actions and start action.
pub fn flow_content(start: &str, actions: Value) -> String {
    serde_json::json!({ "Version": "2019-10-30", "StartAction": start, "Metadata": {}, "Actions": actions }).to_string()
}

/// A minimal valid flow of any type: one terminal action.
pub fn end_flow() -> String {
    flow_content(
        "End",
        serde_json::json!([{ "Identifier": "End", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {} }]),
    )
}

/// A minimal valid inbound flow: disconnect.
pub fn disconnect_flow() -> String {
    flow_content(
        "Bye",
        serde_json::json!([{ "Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {} }]),
    )
}

/// How a refused SDK call was answered: the error code and the message with the raw answer body
/// (so a failing check shows everything the sandbox said). Works for every SDK client (Connect,
/// Lex V2, Lex V1): they share `SdkError` and `ProvideErrorMetadata`.
pub fn refused<T, E: aws_sdk_connect::error::ProvideErrorMetadata>(
    r: Result<T, aws_sdk_connect::error::SdkError<E>>,
) -> (String, String) {
    use aws_sdk_connect::error::ProvideErrorMetadata;
    let e = r.err().expect("refused");
    let body = e
        .raw_response()
        .and_then(|raw| raw.body().bytes())
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    (
        e.code().unwrap_or_default().to_string(),
        format!("{} {body}", e.message().unwrap_or_default()),
    )
}

/// One refusal case, in the manner of rust-analyzer's `check(fixture, expect)`: its name (what it
/// expects), the change it makes to a valid request, and the error code the answer must carry.
pub type Refusal<B> = (&'static str, fn(B) -> B, &'static str);

/// Sends each case's request (`valid()` changed by the case) and checks the code it is refused
/// with; a failure names the case and shows the whole answer.
pub async fn check_refusals<B, T, E, F>(
    valid: impl Fn() -> B,
    cases: &[Refusal<B>],
    send: impl Fn(B) -> F,
) where
    F: std::future::Future<Output = Result<T, aws_sdk_connect::error::SdkError<E>>>,
    E: aws_sdk_connect::error::ProvideErrorMetadata,
{
    for (case, change, code) in cases {
        let (got, message) = refused(send(change(valid())).await);
        assert_eq!(got, *code, "{case}: {message}");
    }
}
