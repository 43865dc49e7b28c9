//! `cargo xtask bench lambdas`: per function, the zip size, the cold init time from process start to
//! the first Runtime API poll, and the warm invocation latency, measured by running the built
//! `bootstrap` against the local Runtime API harness (returns_artifact::runtime_api), with DynamoDB on
//! moto and Connect on a loopback stub. Prints the table and writes the lambdas section of BENCHMARKS.md.

use super::{BuildOptions, build};
use anyhow::{Context as _, bail};
use returns_artifact::Manifest;
use returns_artifact::runtime_api::{Outcome, RuntimeApi};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Zip size budget (DESIGN §8): 3 MB.
const ZIP_BUDGET: u64 = 3_000_000;
/// Cold init budget (DESIGN §8): 20 ms.
const COLD_BUDGET_MS: f64 = 20.0;
const BEGIN: &str = "<!-- lambdas:begin -->";
const END: &str = "<!-- lambdas:end -->";

const INBOUND: &str = include_str!("../../../lambdas/tests/fixtures/connect_inbound.json");
const WHISPER: &str = include_str!("../../../lambdas/tests/fixtures/connect_agent_whisper.json");
const CALLBACK: &str = include_str!("../../../lambdas/tests/fixtures/connect_callback_inbound.json");
const CTR: &str = include_str!("../../../lambdas/tests/fixtures/ctr_callback_inbound.json");

struct Options {
    build: BuildOptions,
    cold_runs: usize,
    warm_runs: usize,
    skip_build: bool,
}

/// `cargo xtask bench lambdas [--arch A] [--cold N] [--warm N] [--no-build]`.
pub fn bench_lambdas(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let (build_options, rest) = BuildOptions::parse(root, args)?;
    let mut options = Options {
        build: build_options,
        cold_runs: 20,
        warm_runs: 200,
        skip_build: false,
    };
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cold" => options.cold_runs = it.next().context("--cold needs a number")?.parse()?,
            "--warm" => options.warm_runs = it.next().context("--warm needs a number")?.parse()?,
            "--no-build" => options.skip_build = true,
            other => bail!("unknown argument {other:?}\nhint: cargo xtask bench lambdas [--arch x86_64|arm64] [--cold N] [--warm N] [--no-build]"),
        }
    }
    if options.build.arch != returns_artifact::elf::Arch::X86_64 || std::env::consts::ARCH != "x86_64" {
        bail!("bench lambdas runs the bootstrap on this machine, so it needs an x86_64 host and --arch x86_64");
    }
    let build_time = if options.skip_build {
        None
    } else {
        Some(build(root, &options.build)?.elapsed)
    };
    let manifest = Manifest::read(&options.build.out)?;
    let bench_dir = root.join("target/lambda-bench");
    std::fs::create_dir_all(&bench_dir)?;
    let mut results = Vec::new();
    let stub = ConnectStub::start()?;
    let moto = testkit::moto_url().to_string();
    let return_calls = testkit::unique("bench-returnCalls");
    let callbacks = testkit::unique("bench-callbacks");
    create_table(&moto, &return_calls, "phoneNumber", None)?;
    create_table(&moto, &callbacks, "PhoneNumber", Some("QueueName"))?;
    let env = vec![
        ("AWS_REGION".to_string(), "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("AWS_ENDPOINT_URL_DYNAMODB".into(), moto.clone()),
        ("AWS_ENDPOINT_URL_CONNECT".into(), stub.url()),
        ("RETURN_CALLS_TABLE".into(), return_calls),
        ("CALLBACKS_TABLE".into(), callbacks),
        ("CONNECT_INSTANCE_ID".into(), "9d0ee9b4-3b9a-4a34-8bba-7c2f1d1c9d3e".into()),
    ];
    // Order matters for realism: add before search (search then finds the caller), write before read.
    for (id, function) in &manifest.functions {
        let artifact = manifest
            .artifacts
            .get(&function.artifact)
            .with_context(|| format!("manifest names artifact {} for {id} but does not list it", function.artifact))?;
        let zip = std::fs::read(options.build.out.join(&artifact.zip))?;
        let binary_path = bench_dir.join(format!("{}.bootstrap", function.artifact));
        if !binary_path.exists() || std::fs::read(&binary_path)? != returns_artifact::unpack(&zip)? {
            std::fs::write(&binary_path, returns_artifact::unpack(&zip)?)?;
            make_executable(&binary_path)?;
        }
        let event = event_for(id)?;
        let cold = measure_cold(&binary_path, &function.handler, &env, options.cold_runs)?;
        let (warm, sample) = measure_warm(&binary_path, &function.handler, &env, &event, options.warm_runs)?;
        results.push(Row {
            id: id.clone(),
            zip_size: artifact.size,
            binary_size: artifact.binary_size,
            cold,
            warm,
            sample,
        });
    }
    let order = |id: &str| returns_artifact::FUNCTION_IDS.iter().position(|f| *f == id).unwrap_or(usize::MAX);
    results.sort_by_key(|r| order(&r.id));
    let table = render(&results, &manifest, build_time, &options);
    print!("{table}");
    write_section(&root.join("BENCHMARKS.md"), &table)?;
    eprintln!("written to {}", root.join("BENCHMARKS.md").display());
    let over: Vec<&Row> = results
        .iter()
        .filter(|r| r.zip_size > ZIP_BUDGET || r.cold.median > COLD_BUDGET_MS)
        .collect();
    if !over.is_empty() {
        eprintln!("over budget: {}", over.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", "));
    }
    Ok(())
}

fn event_for(id: &str) -> anyhow::Result<Value> {
    let mut callback: Value = serde_json::from_str(CALLBACK)?;
    Ok(match id {
        "searchCustomerCalls" | "getCurrentTime" => serde_json::from_str(INBOUND)?,
        "addCustomerCalls" => serde_json::from_str(WHISPER)?,
        "get10DigitPhone" | "writeCallback" | "readCallback" => callback,
        "updateCallback" => {
            callback["Details"]["ContactData"]["Attributes"]["CallBackStatus"] = json!("CANCELLED");
            callback
        }
        "stopContact" => {
            callback["Details"]["ContactData"]["Attributes"]["NextContactId"] = json!("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");
            callback
        }
        "processCtr" => json!({
            "Records": [{
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "7d3c8a52-1b2e-4f6a-9c0d-2e4f6a8b0c1d",
                    "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                    "data": base64(CTR.as_bytes()),
                    "approximateArrivalTimestamp": 1795222812.345
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": "shardId-000000000000:49590338271490256608559692538361571095921575989136588898",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/processCtr",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/connect-ctr"
            }]
        }),
        other => bail!("no benchmark event for function {other}"),
    })
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    median: f64,
    p90: f64,
    max: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    Stats {
        median: at(0.5),
        p90: at(0.9),
        max: at(1.0),
    }
}

struct Row {
    id: String,
    zip_size: u64,
    binary_size: u64,
    cold: Stats,
    warm: Stats,
    sample: String,
}

fn spawn(binary: &Path, handler: &str, env: &[(String, String)], api: &RuntimeApi) -> anyhow::Result<Child> {
    Command::new(binary)
        .env_clear()
        .envs(api.lambda_env(handler))
        .envs(env.iter().cloned())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Process start → first `GET …/invocation/next`.
fn measure_cold(binary: &Path, handler: &str, env: &[(String, String)], runs: usize) -> anyhow::Result<Stats> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let api = RuntimeApi::start()?;
        let started = Instant::now();
        let child = spawn(binary, handler, env, &api)?;
        let polled = api.wait_first_poll(Duration::from_secs(10));
        let init_error = api.init_error();
        stop(child);
        let Some(polled) = polled else {
            bail!("{handler}: the bootstrap never polled for an event (init error: {init_error:?})");
        };
        samples.push(polled.duration_since(started));
    }
    Ok(stats(samples))
}

/// Event queued → response posted, on one warm process.
fn measure_warm(binary: &Path, handler: &str, env: &[(String, String)], event: &Value, runs: usize) -> anyhow::Result<(Stats, String)> {
    let api = RuntimeApi::start()?;
    let child = spawn(binary, handler, env, &api)?;
    let body = event.to_string();
    let mut sample = String::new();
    let mut samples = Vec::with_capacity(runs);
    let result = (|| {
        for i in 0..=runs.max(1) {
            let queued = Instant::now();
            let id = api.enqueue(&body);
            let Some((outcome, at)) = api.wait_at(&id, Duration::from_secs(30)) else {
                bail!("{handler}: no response within 30 s");
            };
            let text = match outcome {
                Outcome::Response(t) => t,
                Outcome::Error(e) => bail!("{handler}: invocation failed: {e}"),
            };
            if i == 0 {
                // The first call is the warm-up; its reply documents what was measured.
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if v.get("error").is_some() {
                    bail!("{handler}: benchmark event got an error reply: {text}");
                }
                sample = text;
            } else {
                samples.push(at.duration_since(queued));
            }
        }
        Ok(())
    })();
    stop(child);
    result?;
    Ok((stats(samples), sample))
}

fn render(rows: &[Row], manifest: &Manifest, build_time: Option<Duration>, options: &Options) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Lambdas");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "`cargo xtask bench lambdas` on this machine ({} cores, {}), {} {}, one multi-handler `bootstrap` \
         (cargo-zigbuild, glibc pin 2.17, `[profile.lambda]`). Cold init = process start → first Runtime API poll \
         ({} runs); warm = event queued → response posted ({} runs, after one warm-up), against the local Runtime API \
         harness with DynamoDB on moto and Connect on a loopback stub.",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        std::env::consts::OS,
        manifest.runtime,
        manifest.architecture,
        options.cold_runs,
        options.warm_runs,
    );
    let _ = writeln!(s);
    if let Some(t) = build_time {
        let _ = writeln!(s, "Build (incl. up-to-date check, ELF check, zip): {:.1} s.", t.as_secs_f64());
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "| function | zip bytes (≤ 3 MB) | bootstrap bytes | cold init ms median / p90 / max (≤ 20) | warm ms median / p90 / max |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {}{} | {} | {:.2} / {:.2} / {:.2}{} | {:.2} / {:.2} / {:.2} |",
            r.id,
            r.zip_size,
            if r.zip_size > ZIP_BUDGET { " **over**" } else { "" },
            r.binary_size,
            r.cold.median,
            r.cold.p90,
            r.cold.max,
            if r.cold.median > COLD_BUDGET_MS { " **over**" } else { "" },
            r.warm.median,
            r.warm.p90,
            r.warm.max,
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "Replies the warm runs measured (first call):");
    let _ = writeln!(s);
    for r in rows {
        let _ = writeln!(s, "- {}: `{}`", r.id, r.sample);
    }
    s
}

/// Replaces (or appends) the marked lambdas section, keeping the rest of the file.
fn write_section(path: &Path, table: &str) -> anyhow::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let existing = if existing.trim().is_empty() { "# Benchmarks\n".to_string() } else { existing };
    let block = format!("{BEGIN}\n{table}{END}\n");
    let updated = match (existing.find(BEGIN), existing.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{}{}", &existing[..b], block, existing[e + END.len()..].trim_start_matches('\n')),
        _ => format!("{}\n{}", existing.trim_end_matches('\n').to_string() + "\n", block),
    };
    std::fs::write(path, updated).with_context(|| format!("cannot write {}", path.display()))
}

fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// CreateTable on moto over DynamoDB's JSON protocol (xtask stays free of the AWS SDK).
fn create_table(moto: &str, name: &str, hash: &str, range: Option<&str>) -> anyhow::Result<()> {
    let mut defs = vec![json!({"AttributeName": hash, "AttributeType": "S"})];
    let mut keys = vec![json!({"AttributeName": hash, "KeyType": "HASH"})];
    if let Some(r) = range {
        defs.push(json!({"AttributeName": r, "AttributeType": "S"}));
        keys.push(json!({"AttributeName": r, "KeyType": "RANGE"}));
    }
    let body = json!({"TableName": name, "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}).to_string();
    let port = testkit::port_of(moto);
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "POST / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDB_20120810.CreateTable\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20261121/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if !response.starts_with("HTTP/1.0 200") && !response.starts_with("HTTP/1.1 200") {
        bail!("moto CreateTable {name} failed: {}", response.lines().next().unwrap_or_default());
    }
    Ok(())
}

/// A loopback HTTP server that answers every request `200 {}` (what Connect StopContact returns).
struct ConnectStub {
    port: u16,
}

impl ConnectStub {
    fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let _ = answer_ok(stream);
                });
            }
        });
        Ok(ConnectStub { port })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn answer_ok(stream: TcpStream) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut first = true;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() && !first {
                break;
            }
            first = false;
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")?;
        writer.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_section_is_replaced_and_the_rest_kept() {
        let path = std::env::temp_dir().join(format!("bench-{}.md", std::process::id()));
        std::fs::write(&path, "# Benchmarks\n\n## Deploy\nfigures\n").unwrap();
        write_section(&path, "## Lambdas\nA\n").unwrap();
        write_section(&path, "## Lambdas\nB\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("## Deploy\nfigures"));
        assert!(text.contains("## Lambdas\nB\n") && !text.contains("## Lambdas\nA"));
        assert_eq!(text.matches(BEGIN).count(), 1);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn every_function_has_a_benchmark_event() {
        for id in returns_artifact::FUNCTION_IDS {
            assert!(event_for(id).is_ok(), "{id}");
        }
        assert!(event_for("nope").is_err());
    }
}
