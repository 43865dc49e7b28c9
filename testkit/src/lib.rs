//! Test fixtures shared by the workspace's integration tests: the moto server (CloudFormation,
//! S3, IAM, Lambda, DynamoDB, Kinesis, STS) and paths into the workspace.
//!
//! moto is started once per test binary, on free loopback ports, unless `cargo xtask test`
//! already started one and exported it ([`MOTO_URL_VAR`] and its two companions). It serves one
//! state over HTTPS (what the CLI uses, so the artifact bucket's TLS-only policy is exercised)
//! and over HTTP. The child runs under a small watchdog that stops it when the test binary exits,
//! so no server outlives its tests.
//! Tests share one moto, so each test names its resources uniquely ([`unique`]).

pub mod cfn_latency;
pub mod recording;
pub mod tls;

pub use cfn_latency::{CfnLatencyProxy, LatencyModel, warm_up};

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The pinned moto version; `cargo xtask setup` installs exactly this into `.venv`.
pub const MOTO_VERSION: &str = "5.2.5";

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

/// The launcher of moto's server every part of the project uses (see [`moto_args`]): moto with
/// an HTTPS listener beside the HTTP one, bucket policies that see the transport, and a fix for a
/// race in its threaded server (see the script).
pub const MOTO_SERVER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/moto_server.py");

/// The environment variables through which `cargo xtask test` shares its moto server: the HTTPS
/// URL every client of the product uses, the plain-HTTP URL of the same moto (the Lambda
/// handlers trust only Amazon's roots, and raw test helpers), and the CA file that signed the
/// HTTPS certificate.
pub const MOTO_URL_VAR: &str = "CONNECT_RETURNS_MOTO_URL";
pub const MOTO_PLAIN_URL_VAR: &str = "CONNECT_RETURNS_MOTO_PLAIN_URL";
pub const MOTO_CA_FILE_VAR: &str = "CONNECT_RETURNS_MOTO_CA_FILE";

/// A running moto: one state, served over HTTPS and over HTTP.
#[derive(Debug, Clone)]
pub struct Moto {
    /// `https://127.0.0.1:<port>`: what the CLI and the tests' SDK clients use.
    pub url: String,
    /// `http://127.0.0.1:<port>`: the same moto without TLS (S3 objects in a TLS-only bucket
    /// are refused here, as on AWS).
    pub plain_url: String,
    /// The PEM file of the CA that signed moto's certificate (`SSL_CERT_FILE` for the CLI).
    pub ca_file: PathBuf,
}

impl Moto {
    /// The variables that hand this moto to another process (see [`MOTO_URL_VAR`]).
    pub fn share_env(&self) -> Vec<(String, String)> {
        vec![
            (MOTO_URL_VAR.into(), self.url.clone()),
            (MOTO_PLAIN_URL_VAR.into(), self.plain_url.clone()),
            (MOTO_CA_FILE_VAR.into(), self.ca_file.display().to_string()),
        ]
    }
}

/// The arguments of [`MOTO_SERVER_SCRIPT`] for a moto on `port` (HTTP) and `tls_port` (HTTPS),
/// with its certificates in `tls_dir`; and the [`Moto`] that describes it once it answers.
pub fn moto_args(port: u16, tls_port: u16, tls_dir: &std::path::Path) -> (Vec<String>, Moto) {
    let args = vec![
        MOTO_SERVER_SCRIPT.to_string(),
        "-H".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "--tls-port".into(),
        tls_port.to_string(),
        "--tls-dir".into(),
        tls_dir.display().to_string(),
    ];
    let moto = Moto {
        url: format!("https://127.0.0.1:{tls_port}"),
        plain_url: format!("http://127.0.0.1:{port}"),
        ca_file: tls_dir.join("ca.pem"),
    };
    (args, moto)
}

/// Waits until a moto started with [`moto_args`] answers on both listeners.
pub fn wait_for_moto(moto: &Moto, limit: Duration) {
    wait_until_answers(port_of(&moto.plain_url), "/moto-api/", limit);
    let start = Instant::now();
    while start.elapsed() < limit {
        if tls::get(moto, "/moto-api/").is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "moto's HTTPS listener {} did not answer within {limit:?}",
        moto.url
    );
}

/// The running moto server, started on first use (or the one `cargo xtask test` shares).
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (
            var(MOTO_URL_VAR),
            var(MOTO_PLAIN_URL_VAR),
            var(MOTO_CA_FILE_VAR),
        ) {
            (Some(url), Some(plain_url), Some(ca)) => Moto {
                url,
                plain_url,
                ca_file: PathBuf::from(ca),
            },
            (None, None, None) => start_moto(),
            _ => panic!(
                "{MOTO_URL_VAR}, {MOTO_PLAIN_URL_VAR} and {MOTO_CA_FILE_VAR} go together: \
                 export all three (`cargo xtask sandbox up` prints them) or none"
            ),
        }
    })
}

/// The HTTPS base URL of the running moto (see [`moto`]).
pub fn moto_url() -> &'static str {
    &moto().url
}

/// The plain-HTTP base URL of the running moto (see [`Moto::plain_url`]).
pub fn moto_plain_url() -> &'static str {
    &moto().plain_url
}

fn start_moto() -> Moto {
    let tls_dir = std::env::temp_dir().join(unique("connect-returns-moto-tls"));
    let (args, moto) = moto_args(free_port(), free_port(), &tls_dir);
    // The watchdog stops moto when its parent (this test binary) goes away.
    let watchdog = "import os, subprocess, sys, time\n\
        parent = os.getppid()\n\
        child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
        while child.poll() is None:\n\
        \x20   if os.getppid() != parent:\n\
        \x20       child.terminate(); break\n\
        \x20   time.sleep(0.3)\n";
    let mut child = Command::new(venv_bin("python"))
        .arg("-c")
        .arg(watchdog)
        .arg(venv_bin("python"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    // Reap the watchdog when it ends, so it never lingers as a zombie.
    std::thread::spawn(move || child.wait());
    wait_for_moto(&moto, Duration::from_secs(30));
    moto
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

/// The port of a `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>` URL.
pub fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|port| port.trim_end_matches('/').parse().ok())
        .expect("a loopback URL with a port")
}

/// Environment for a child process (the CLI) pointed at moto over HTTPS, trusting moto's CA
/// (`SSL_CERT_FILE`, which the SDK's TLS stack reads), with dummy credentials and no way to reach
/// real AWS: every service endpoint is overridden, IMDS is disabled, and no profile file is read.
pub fn moto_env() -> Vec<(String, String)> {
    let moto = moto();
    let mut env = moto_plain_env();
    env[0].1 = moto.url.clone();
    env.push(("SSL_CERT_FILE".into(), moto.ca_file.display().to_string()));
    env
}

/// Like [`moto_env`], over plain HTTP: for the Lambda handlers, which trust only Amazon's root
/// certificates, so a test CA cannot be added to them.
pub fn moto_plain_env() -> Vec<(String, String)> {
    vec![
        ("AWS_ENDPOINT_URL".into(), moto().plain_url.clone()),
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
    fn moto_starts_and_answers_over_http_and_https() {
        let (status, _) = http_get(port_of(moto_plain_url()), "/moto-api/").expect("moto answers");
        assert_eq!(status, 200);
        let (status, _) = tls::get(moto(), "/moto-api/").expect("moto answers over TLS");
        assert_eq!(status, 200);
    }

    #[test]
    fn unique_names_differ() {
        assert_ne!(unique("t"), unique("t"));
    }
}
