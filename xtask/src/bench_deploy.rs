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

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

use crate::{lambdas, proc, stands};

const LATENCY_MS: u64 = 30;
const LEX_BUILD_MS: u64 = 1000;
const RATE: f64 = 2.0;
const BURST: f64 = 5.0;
/// Dependent sandbox calls on the longest chain (see the module doc).
const CHAIN_CALLS: u64 = 16;

fn admin(port: u16, method: &str, path: &str, body: &str) -> anyhow::Result<String> {
    let (status, text) = testkit::http_request(port, method, path, Some(body))
        .with_context(|| format!("{method} {path}: no answer"))?;
    anyhow::ensure!(status < 300, "{method} {path}: {status} {text}");
    Ok(text)
}

/// A request on the quota-limited Connect API: waits out the quota first and retries 429s.
fn connect_call(port: u16, method: &str, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(600));
        let (status, text) = testkit::http_request_signed(port, method, path, Some(body))
            .context("no answer from the sandbox")?;
        if status != 429 {
            return Ok((status, text));
        }
    }
    anyhow::bail!("the sandbox kept answering 429")
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
    let body = admin(port, "GET", "/__sandbox/requests", "")?;
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
    admin(port, "DELETE", "/__sandbox/requests", "")?;
    let start = Instant::now();
    let status = proc::cmd(Path::new("/"), binary)
        .args([
            "--no-progress",
            "-q",
            "deploy",
            "--yes",
            "--instance",
            instance,
        ])
        .envs(env.iter().cloned())
        .stdout(std::process::Stdio::null())
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
    // The real artifact: moto stores it and never runs it, but upload size is part of the work.
    lambdas::build_lambdas(root, &[])?;
    let manifest = root.join("target/lambda/manifest.json");
    let manifest_kind = "the zip built by `cargo xtask build-lambdas`";
    proc::run(proc::cmd(root, "cargo").args([
        "build",
        "--quiet",
        "-p",
        "connect-returns",
        "-p",
        "connect-returns-sandbox",
    ]))?;
    let scratch =
        std::env::temp_dir().join(format!("connect-returns-bench-{}", std::process::id()));
    let sandbox_args = [
        "--latency-ms",
        &LATENCY_MS.to_string(),
        "--lex-build-ms",
        &LEX_BUILD_MS.to_string(),
    ]
    .map(String::from);
    let sandbox_args: Vec<&str> = sandbox_args.iter().map(String::as_str).collect();
    let started = std::cell::RefCell::new(None);
    let result = stands::start(root, &scratch, &sandbox_args, |stands| {
        *started.borrow_mut() = Some((stands.moto_pid, stands.sandbox_pid));
        Ok(())
    })
    .and_then(|stands| measure(root, &stands, &manifest, manifest_kind, write));
    if let Some((moto, sandbox)) = started.take() {
        proc::stop(sandbox)?;
        proc::stop(moto)?;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn measure(
    root: &Path,
    stands: &stands::Stands,
    manifest: &Path,
    manifest_kind: &str,
    write: bool,
) -> anyhow::Result<()> {
    let port = testkit::port_of(&stands.sandbox_admin);
    let instance = stands.instance_id.clone();
    let mut env = stands.env();
    env.extend([
        ("AWS_CONFIG_FILE".to_string(), "/dev/null".to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            "/dev/null".to_string(),
        ),
        (
            "CONNECT_RETURNS_LAMBDA_MANIFEST".to_string(),
            manifest.to_string_lossy().to_string(),
        ),
        (
            "CONNECT_RETURNS_NAME".to_string(),
            "benchDeploy".to_string(),
        ),
    ]);
    let binary = stands::target_dir(root).join("debug/connect-returns");

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

    let _ = proc::cmd(root, &binary)
        .args(["-q", "destroy", "--yes", "--instance", &instance])
        .envs(env.iter().cloned())
        .stdout(std::process::Stdio::null())
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
    Ok(())
}
