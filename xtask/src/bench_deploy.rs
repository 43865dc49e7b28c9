//! `cargo xtask bench deploy`: deploy figures of DESIGN §8 against the sandbox with the Connect
//! quota on (2 requests/s, burst 5), the CLI's pacer at its default, and per-request latency.
//!
//! Measures a first deploy of both solutions (wall time next to a computed lower bound, total and
//! mutating requests, 429s received), an unchanged re-deploy, and a one-flow change (one flow
//! edited out of band, then deploy), and writes the deploy section of BENCHMARKS.md.
//!
//! The lower bound: a deploy cannot beat either (a) the Connect quota, `(connect requests − burst)
//! / rate`, or (b) the longest chain of dependent sandbox calls, which runs through the Lex bot
//! (create bot, locale, intents, build and its build time, version, alias, association) and then
//! the flows that name it (whispers, then the entry flow): `chain × latency + Lex build time`.
//! The bound is the larger of the two; CloudFormation (moto) time is not in it, so the ratio is
//! conservative.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

const LATENCY_MS: u64 = 30;
const LEX_BUILD_MS: u64 = 1000;
const RATE: f64 = 2.0;
const BURST: f64 = 5.0;
/// Dependent sandbox calls on the longest chain (see the module doc).
const CHAIN_CALLS: u64 = 16;

struct Stopper(Vec<Child>);

impl Drop for Stopper {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
    auth: bool,
) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let auth = if auth {
        "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/connect/aws4_request, SignedHeaders=host, Signature=0\r\n"
    } else {
        ""
    };
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status")?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// A request on the quota-limited Connect API: waits out the quota first and retries 429s.
fn connect_call(port: u16, method: &str, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(600));
        let (status, text) = http(port, method, path, body, true)?;
        if status != 429 {
            return Ok((status, text));
        }
    }
    anyhow::bail!("the sandbox kept answering 429")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn wait_for(port: u16, path: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if http(port, "GET", path, "", false).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!("nothing answered on port {port}")
}

/// A Lambda manifest: the real one when `cargo xtask build-lambdas` ran, else a stand-in zip
/// (moto stores code and never runs it, so the figures do not depend on it).
fn manifest(root: &Path, scratch: &Path) -> anyhow::Result<(PathBuf, &'static str)> {
    let real = root.join("target/lambda/manifest.json");
    if real.exists() {
        return Ok((real, "the built Lambda zip"));
    }
    // A stored (uncompressed) zip with one `bootstrap` entry, written by hand to keep xtask light.
    let data: &[u8] = b"\x7fELF\x02\x01\x01\0bench stand-in";
    let crc = crc32(data);
    let name = b"bootstrap";
    let mut zip = Vec::new();
    let local = |zip: &mut Vec<u8>| {
        zip.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        zip.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip.extend_from_slice(name);
        zip.extend_from_slice(data);
    };
    local(&mut zip);
    let central_offset = zip.len() as u32;
    zip.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
    zip.extend_from_slice(&crc.to_le_bytes());
    zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
    zip.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(&((0o100755u32) << 16).to_le_bytes());
    zip.extend_from_slice(&0u32.to_le_bytes());
    zip.extend_from_slice(name);
    let central_len = zip.len() as u32 - central_offset;
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&central_len.to_le_bytes());
    zip.extend_from_slice(&central_offset.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    std::fs::write(scratch.join("bench.zip"), &zip)?;
    let sha = sha256_hex(&zip);
    let ids = [
        "searchCustomerCalls",
        "addCustomerCalls",
        "get10DigitPhone",
        "getCurrentTime",
        "writeCallback",
        "readCallback",
        "updateCallback",
        "stopContact",
        "processCtr",
    ];
    let functions: serde_json::Map<String, Value> = ids
        .iter()
        .map(|id| {
            (
                id.to_string(),
                serde_json::json!({"zip": "bench.zip", "sha256": sha, "handler": id}),
            )
        })
        .collect();
    let path = scratch.join("manifest.json");
    std::fs::write(
        &path,
        serde_json::json!({"version": 1, "functions": functions}).to_string(),
    )?;
    Ok((
        path,
        "a stand-in zip (run `cargo xtask build-lambdas` for the real one)",
    ))
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn sha256_hex(data: &[u8]) -> String {
    // Shell out: xtask stays dependency-light and sha256sum is everywhere.
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write");
    let out = child.wait_with_output().expect("sha256sum output");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

struct Run {
    seconds: f64,
    total: usize,
    mutating: usize,
    reads: usize,
    throttled: usize,
    connect: usize,
    ok: bool,
}

fn requests(port: u16) -> anyhow::Result<Vec<Value>> {
    let (_, body) = http(port, "GET", "/__sandbox/requests", "", false)?;
    let value: Value = serde_json::from_str(&body)?;
    Ok(match value {
        Value::Array(items) => items,
        Value::Object(map) => map
            .get("requests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    })
}

fn deploy(
    binary: &Path,
    env: &[(String, String)],
    instance: &str,
    port: u16,
) -> anyhow::Result<Run> {
    // The quota is per account: let the sandbox's bucket refill after the previous run, as it
    // would between two runs of the tool (a new process cannot know what the last one spent).
    std::thread::sleep(Duration::from_secs(3));
    http(port, "DELETE", "/__sandbox/requests", "", false)?;
    let start = Instant::now();
    let status = Command::new(binary)
        .args([
            "--no-progress",
            "-q",
            "deploy",
            "--yes",
            "--instance",
            instance,
        ])
        .envs(env.iter().cloned())
        .stdout(Stdio::null())
        .status()?;
    let seconds = start.elapsed().as_secs_f64();
    let log = requests(port)?;
    let count = |f: &dyn Fn(&Value) -> bool| log.iter().filter(|entry| f(entry)).count();
    Ok(Run {
        seconds,
        total: log.len(),
        mutating: count(&|e| e["mutating"] == Value::Bool(true)),
        reads: count(&|e| e["mutating"] == Value::Bool(false)),
        throttled: count(&|e| e["status"].as_u64() == Some(429)),
        connect: count(&|e| e["service"].as_str() == Some("connect")),
        ok: status.success(),
    })
}

pub fn bench_deploy(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let write = !args.iter().any(|arg| arg == "--no-write");
    // Built beforehand: a `cargo build` from inside `cargo run` would wait on cargo's own lock.
    let target = root.join("target/debug");
    for binary in ["connect-returns", "connect-returns-sandbox"] {
        anyhow::ensure!(
            target.join(binary).exists(),
            "{} is missing: run `cargo build -p connect-returns -p connect-returns-sandbox` first",
            target.join(binary).display()
        );
    }
    let scratch =
        std::env::temp_dir().join(format!("connect-returns-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let mut stopper = Stopper(Vec::new());

    let moto_port = free_port()?;
    let moto = root.join(".venv/bin/moto_server");
    anyhow::ensure!(
        moto.exists(),
        "{} is missing: run `cargo xtask setup`",
        moto.display()
    );
    stopper.0.push(
        Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_for(moto_port, "/moto-api/")?;

    let ports_file = scratch.join("ports.json");
    stopper.0.push(
        Command::new(target.join("connect-returns-sandbox"))
            .args([
                "--latency-ms",
                &LATENCY_MS.to_string(),
                "--lex-build-ms",
                &LEX_BUILD_MS.to_string(),
                "--ports-file",
            ])
            .arg(&ports_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let start = Instant::now();
    while !ports_file.exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let ports: Value = serde_json::from_str(&std::fs::read_to_string(&ports_file)?)?;
    let connect_url = ports["connect_url"]
        .as_str()
        .or_else(|| ports["connect"].as_str())
        .context("ports file has the Connect URL")?
        .to_string();
    let port: u16 = connect_url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .context("Connect port")?;
    let (_, seeded) = http(port, "POST", "/__sandbox/seed", "{}", false)?;
    let seeded: Value = serde_json::from_str(&seeded)?;
    let instance = seeded["instance"]["id"]
        .as_str()
        .context("seeded instance")?
        .to_string();

    let (manifest, manifest_kind) = manifest(root, &scratch)?;
    let mut env: Vec<(String, String)> = vec![
        (
            "AWS_ENDPOINT_URL".into(),
            format!("http://127.0.0.1:{moto_port}"),
        ),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("AWS_CONFIG_FILE".into(), "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
        (
            "CONNECT_RETURNS_LAMBDA_MANIFEST".into(),
            manifest.to_string_lossy().to_string(),
        ),
        ("CONNECT_RETURNS_NAME".into(), "benchDeploy".into()),
    ];
    if let Some(vars) = ports["env"].as_object() {
        env.extend(
            vars.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))),
        );
    } else {
        for (key, field) in [
            ("AWS_ENDPOINT_URL_CONNECT", "connect_url"),
            ("AWS_ENDPOINT_URL_LEX_MODELS_V2", "lexv2_url"),
            ("AWS_ENDPOINT_URL_LEX_MODEL_BUILDING_SERVICE", "lexv1_url"),
        ] {
            if let Some(url) = ports[field].as_str() {
                env.push((key.into(), url.into()));
            }
        }
    }
    let binary = target.join("connect-returns");

    eprintln!(
        "first deploy of both solutions (quota on, {LATENCY_MS} ms latency, {LEX_BUILD_MS} ms Lex build)"
    );
    let first = deploy(&binary, &env, &instance, port)?;
    anyhow::ensure!(first.ok, "the first deploy failed");
    let quota_bound = ((first.connect as f64 - BURST).max(0.0)) / RATE;
    let chain_bound = (CHAIN_CALLS * LATENCY_MS + LEX_BUILD_MS) as f64 / 1000.0;
    let bound = quota_bound.max(chain_bound);

    eprintln!("unchanged re-deploy");
    let noop = deploy(&binary, &env, &instance, port)?;

    eprintln!("one-flow change");
    let (_, flows) = connect_call(
        port,
        "POST",
        "/search-contact-flows",
        &serde_json::json!({"InstanceId": instance}).to_string(),
    )?;
    let flows: Value = serde_json::from_str(&flows)?;
    let flow = flows["ContactFlows"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["Name"] == "cfOutboundWhisperflow"))
        .context("cfOutboundWhisperflow")?;
    let mut content: Value = serde_json::from_str(flow["Content"].as_str().unwrap_or("{}"))?;
    content["Metadata"] = serde_json::json!({"edited": "out of band"});
    let path = format!(
        "/contact-flows/{instance}/{}/content",
        flow["Id"].as_str().unwrap_or_default()
    );
    let (status, _) = connect_call(
        port,
        "POST",
        &path,
        &serde_json::json!({"Content": content.to_string()}).to_string(),
    )?;
    std::thread::sleep(Duration::from_secs(3));
    anyhow::ensure!(
        status == 200,
        "editing the flow out of band failed: {status}"
    );
    let one = deploy(&binary, &env, &instance, port)?;

    let _ = Command::new(&binary)
        .args(["-q", "destroy", "--yes", "--instance", &instance])
        .envs(env.iter().cloned())
        .stdout(Stdio::null())
        .status();

    let ratio = first.seconds / bound;
    let section = format!(
        "## Deploy (`cargo xtask bench deploy`)\n\n\
Sandbox with the Connect quota on (2 requests/s, burst 5), {LATENCY_MS} ms added to every request, Lex builds taking {LEX_BUILD_MS} ms; \
moto for CloudFormation/S3/IAM/Lambda/DynamoDB/Kinesis; the CLI's Connect pacer at its default (2/s, burst 5); Lambda code: {manifest_kind}.\n\n\
| run | wall time | lower bound | ratio | requests (sandbox) | mutating | reads | 429s received |\n|---|---|---|---|---|---|---|---|\n\
| first deploy, both solutions | {:.1} s | {bound:.1} s | {ratio:.2} | {} | {} | {} | {} |\n\
| unchanged re-deploy | {:.1} s | | | {} | {} | {} | {} |\n\
| one flow changed out of band | {:.1} s | | | {} | {} | {} | {} |\n\n\
Lower bound = max(Connect quota: ({} Connect requests − {BURST}) / {RATE} = {quota_bound:.1} s, longest dependent chain: {CHAIN_CALLS} calls × {LATENCY_MS} ms + Lex build = {chain_bound:.1} s). \
CloudFormation time (moto) is not in the bound.\n\n\
Targets (DESIGN §8): first deploy ≤ 1.15 × bound and 0 throttles; no-op ≤ 15 reads and 0 mutations; one-flow change exactly 1 mutation.\n",
        first.seconds,
        first.total,
        first.mutating,
        first.reads,
        first.throttled,
        noop.seconds,
        noop.total,
        noop.mutating,
        noop.reads,
        noop.throttled,
        one.seconds,
        one.total,
        one.mutating,
        one.reads,
        one.throttled,
        first.connect,
    );
    print!("{section}");
    if write {
        let path = root.join("BENCHMARKS.md");
        let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n\n".into());
        let updated = match existing.find("## Deploy (`cargo xtask bench deploy`)") {
            Some(start) => {
                let rest = &existing[start + 3..];
                let end = rest
                    .find("\n## ")
                    .map(|i| start + 3 + i + 1)
                    .unwrap_or(existing.len());
                format!("{}{section}{}", &existing[..start], &existing[end..])
            }
            None => format!("{}\n{section}", existing.trim_end()),
        };
        std::fs::write(&path, updated)?;
        eprintln!("wrote the deploy section of {}", path.display());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
