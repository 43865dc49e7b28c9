//! Test fixtures shared by the workspace's integration tests: the moto server (CloudFormation,
//! S3, IAM, Lambda, DynamoDB, Kinesis, STS) and paths into the workspace.
//!
//! moto is started once per test binary, on a free loopback port, unless `cargo xtask test`
//! already started one and exported `CONNECT_RETURNS_MOTO_URL`. The child runs under a small
//! watchdog that stops it when the test binary exits, so no server outlives its tests.
//! Tests share one moto, so each test names its resources uniquely ([`unique`]).

pub mod cfn_latency;
pub mod recording;

pub use cfn_latency::{CfnLatencyProxy, LatencyModel};

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The pinned moto version; `cargo xtask setup` installs exactly this into `.venv`.
pub const MOTO_VERSION: &str = "5.2.5";

/// The environment variable through which `cargo xtask test` shares its moto server.
pub const MOTO_URL_VAR: &str = "CONNECT_RETURNS_MOTO_URL";

/// The workspace root (the directory holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives one level below the root")
        .to_path_buf()
}

/// A program of the project-local Python venv, e.g. `venv_bin("moto_server")`.
/// Panics with the fix when the venv is missing: tests never skip silently.
pub fn venv_bin(name: &str) -> PathBuf {
    let path = workspace_root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask setup` (or `cargo xtask test`, which runs it)",
        path.display()
    );
    path
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// A name no other test in this process (or a recent process) uses: `<prefix>-<pid>-<n>`.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    // The process id alone repeats once ids wrap around, and moto outlives test processes: the
    // start time of this process (fixed per process) tells two holders of one id apart.
    static STARTED: OnceLock<u32> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() % 10_000)
            .unwrap_or_default()
    });
    format!(
        "{prefix}-{}{started:04}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The launcher of moto's server every part of the project uses (`python moto_server.py -H … -p …`):
/// moto with a fix for a race in its threaded server (see the script).
pub const MOTO_SERVER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/moto_server.py");

/// The base URL of a running moto server, started on first use.
pub fn moto_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var(MOTO_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => start_moto(),
    })
}

fn start_moto() -> String {
    let port = free_port();
    let python = venv_bin("python");
    let moto = MOTO_SERVER_SCRIPT;
    // The watchdog stops moto when its parent (this test binary) goes away.
    let watchdog = "import os, subprocess, sys, time\n\
        parent = os.getppid()\n\
        child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
        while child.poll() is None:\n\
        \x20   if os.getppid() != parent:\n\
        \x20       child.terminate(); break\n\
        \x20   time.sleep(0.3)\n";
    let mut child = Command::new(python)
        .arg("-c")
        .arg(watchdog)
        .arg(venv_bin("python"))
        .arg(moto)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    // Reap the watchdog when it ends, so it never lingers as a zombie.
    std::thread::spawn(move || child.wait());
    let url = format!("http://127.0.0.1:{port}");
    wait_until_answers(port, "/moto-api/", Duration::from_secs(30));
    url
}

/// Waits until an HTTP GET of `path` on the loopback port gets any response.
pub fn wait_until_answers(port: u16, path: &str, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if http_get(port, path).is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing answered on 127.0.0.1:{port} within {limit:?}");
}

/// A minimal HTTP/1.0 GET on loopback; returns the status code and body.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    http_request(port, "GET", path, None)
}

/// A minimal HTTP/1.0 request on loopback (admin APIs of the stand-ins); returns status and body.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    raw_request(port, method, path, body, "")
}

/// Like [`http_request`], with a dummy SigV4 `Authorization` header: the sandbox's service
/// routes refuse unsigned requests (it does not verify signatures).
pub fn http_request_signed(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    raw_request(
        port,
        method,
        path,
        body,
        "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/connect/aws4_request, SignedHeaders=host, Signature=0\r\n",
    )
}

fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// The port of a `http://127.0.0.1:<port>` URL.
pub fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|port| port.trim_end_matches('/').parse().ok())
        .expect("a loopback URL with a port")
}

/// Environment for a child process (the CLI) pointed at moto, with dummy credentials and no
/// way to reach real AWS: every service endpoint is overridden, IMDS is disabled, and no
/// profile file is read.
pub fn moto_env() -> Vec<(String, String)> {
    let url = moto_url().to_string();
    vec![
        ("AWS_ENDPOINT_URL".into(), url),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("AWS_CONFIG_FILE".into(), "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_starts_and_answers() {
        let port = port_of(moto_url());
        let (status, _) = http_get(port, "/moto-api/").expect("moto answers");
        assert_eq!(status, 200);
    }

    #[test]
    fn unique_names_differ() {
        assert_ne!(unique("t"), unique("t"));
    }
}
