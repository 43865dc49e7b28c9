//! `cargo xtask bench lambdas`: per function, the zip size, the cold init time (process start → first
//! Runtime API poll), the first invocation as Lambda meets it after a cold start (process start → first
//! response, wall time and the child's CPU time), warm latency and warm CPU per invocation, peak RSS,
//! and the wall time the first call would take at 128 MB, estimated from its CPU time. Measured by
//! running the built `bootstrap` against the local Runtime API harness
//! (returns_artifact::runtime_api), with DynamoDB on moto and Connect on a loopback stub. Prints the
//! table, writes the lambdas section of BENCHMARKS.md, and fails, naming the functions, when a first
//! call costs more CPU than the budget.

use super::{BuildOptions, build};
use anyhow::{Context as _, bail};
use returns_artifact::Manifest;
use returns_artifact::runtime_api::{Outcome, RuntimeApi};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Zip size budget (DESIGN §8): 3 MB.
const ZIP_BUDGET: u64 = 3_000_000;
/// Cold init budget (DESIGN §8): 20 ms.
const COLD_BUDGET_MS: f64 = 20.0;
/// CPU budget of the whole cold path, process start → first response (DESIGN §8): 15 ms.
const FIRST_CALL_CPU_BUDGET_MS: f64 = 15.0;
/// The memory setting of every function in templates/.
const MEMORY_MB: f64 = 128.0;
/// Lambda allots CPU in proportion to memory; 1,769 MB is one full vCPU.
const FULL_VCPU_MB: f64 = 1769.0;
/// Wall time at 128 MB above which a function needs more memory (CPU) for its first call.
const WALL_AT_128_LIMIT_MS: f64 = 300.0;
/// Connect's budget for one synchronous Lambda invocation, retries included (facts-2026.md).
const CONNECT_BUDGET_S: f64 = 8.0;
/// The order functions are measured in (state built by one is read by the next).
const BENCH_ORDER: [&str; 9] = [
    "addCustomerCalls",
    "searchCustomerCalls",
    "get10DigitPhone",
    "getCurrentTime",
    "writeCallback",
    "processCtr",
    "readCallback",
    "updateCallback",
    "stopContact",
];
const BEGIN: &str = "<!-- lambdas:begin -->";
const END: &str = "<!-- lambdas:end -->";

const INBOUND: &str = include_str!("../../../lambdas/tests/fixtures/connect_inbound.json");
const WHISPER: &str = include_str!("../../../lambdas/tests/fixtures/connect_agent_whisper.json");
const CALLBACK: &str =
    include_str!("../../../lambdas/tests/fixtures/connect_callback_inbound.json");
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
            other => bail!(
                "unknown argument {other:?}\nhint: cargo xtask bench lambdas [--arch x86_64|arm64] [--cold N] [--warm N] [--no-build]"
            ),
        }
    }
    if options.build.arch != returns_artifact::elf::Arch::X86_64
        || std::env::consts::ARCH != "x86_64"
    {
        bail!(
            "bench lambdas runs the bootstrap on this machine, so it needs an x86_64 host and --arch x86_64"
        );
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
    let moto = testkit::moto_plain_url().to_string();
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
        (
            "CONNECT_INSTANCE_ID".into(),
            "9d0ee9b4-3b9a-4a34-8bba-7c2f1d1c9d3e".into(),
        ),
    ];
    // Order matters for realism: add before search (search then finds the caller), write before
    // processCtr, read and update (they then find the callback).
    let mut functions: Vec<_> = manifest.functions.iter().collect();
    functions.sort_by_key(|(id, _)| {
        BENCH_ORDER
            .iter()
            .position(|f| f == id)
            .unwrap_or(usize::MAX)
    });
    for (id, function) in functions {
        let artifact = manifest
            .artifacts
            .get(&function.artifact)
            .with_context(|| {
                format!(
                    "manifest names artifact {} for {id} but does not list it",
                    function.artifact
                )
            })?;
        let zip = std::fs::read(options.build.out.join(&artifact.zip))?;
        let binary_path = bench_dir.join(format!("{}.bootstrap", function.artifact));
        if !binary_path.exists() || std::fs::read(&binary_path)? != returns_artifact::unpack(&zip)?
        {
            std::fs::write(&binary_path, returns_artifact::unpack(&zip)?)?;
            make_executable(&binary_path)?;
        }
        let event = event_for(id)?;
        let cold = measure_cold(
            &binary_path,
            &function.handler,
            &env,
            &event,
            options.cold_runs,
        )?;
        let warm = measure_warm(
            &binary_path,
            &function.handler,
            &env,
            &event,
            options.warm_runs,
        )?;
        results.push(Row {
            id: id.clone(),
            zip_size: artifact.size,
            binary_size: artifact.binary_size,
            cold,
            warm,
        });
    }
    let order = |id: &str| {
        returns_artifact::FUNCTION_IDS
            .iter()
            .position(|f| *f == id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by_key(|r| order(&r.id));
    let time_limit = flow_time_limit(&root.join("assets/flows"))?;
    let table = render(&results, &manifest, build_time, &options, time_limit);
    print!("{table}");
    write_section(&root.join("BENCHMARKS.md"), &table)?;
    eprintln!("written to {}", root.join("BENCHMARKS.md").display());
    let over: Vec<&Row> = results
        .iter()
        .filter(|r| r.zip_size > ZIP_BUDGET || r.cold.init.median > COLD_BUDGET_MS)
        .collect();
    if !over.is_empty() {
        eprintln!(
            "over the zip or cold-init budget: {}",
            over.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(message) = first_call_verdict(&results) {
        bail!("{message}");
    }
    Ok(())
}

/// `None` when every function's first call is within the CPU budget; otherwise a message naming
/// each function over it with its median CPU time.
fn first_call_verdict(rows: &[Row]) -> Option<String> {
    let over: Vec<String> = rows
        .iter()
        .filter(|r| r.cold.first_cpu.median > FIRST_CALL_CPU_BUDGET_MS)
        .map(|r| format!("{} ({:.1} ms)", r.id, r.cold.first_cpu.median))
        .collect();
    (!over.is_empty()).then(|| {
        format!(
            "first call (process start → first response) over {FIRST_CALL_CPU_BUDGET_MS} ms of CPU: {}",
            over.join(", ")
        )
    })
}

/// Wall time of `cpu_ms` of CPU work at `MEMORY_MB`: Lambda gives a function
/// `memory / 1,769 MB` of one vCPU, so wall ≈ cpu × 1769 / 128 (CPU-bound work only).
fn wall_at_memory_ms(cpu_ms: f64) -> f64 {
    cpu_ms * FULL_VCPU_MB / MEMORY_MB
}

/// The largest `InvocationTimeLimitSeconds` of any InvokeLambdaFunction block in the flows.
fn flow_time_limit(flows: &Path) -> anyhow::Result<f64> {
    let mut limit: Option<f64> = None;
    let mut entries: Vec<_> = std::fs::read_dir(flows)
        .with_context(|| format!("cannot read {}", flows.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let flow: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        for v in time_limits(&flow) {
            limit = Some(limit.map_or(v, |l: f64| l.max(v)));
        }
    }
    limit.with_context(|| format!("no InvocationTimeLimitSeconds in {}", flows.display()))
}

/// Every `InvocationTimeLimitSeconds` in a flow (exports carry numbers as strings).
fn time_limits(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "InvocationTimeLimitSeconds" {
                    let n = match v {
                        Value::String(s) => s.trim().parse().ok(),
                        other => other.as_f64(),
                    };
                    out.extend(n);
                } else {
                    out.extend(time_limits(v));
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| out.extend(time_limits(i))),
        _ => {}
    }
    out
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
            callback["Details"]["ContactData"]["Attributes"]["NextContactId"] =
                json!("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");
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
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
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

#[derive(Debug, Clone, Copy, PartialEq)]
struct Stats {
    median: f64,
    p90: f64,
    max: f64,
}

/// Median, p90 and max of samples in milliseconds.
fn stats(mut samples: Vec<f64>) -> Stats {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p90: at(0.9),
        max: at(1.0),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Cold runs: a fresh process per run, with the event already queued (as Lambda has it when it
/// starts a sandbox for an invocation).
struct Cold {
    /// Process start → first `GET …/invocation/next`.
    init: Stats,
    /// Process start → first response posted.
    first_wall: Stats,
    /// CPU time of the process from its start to its first response.
    first_cpu: Stats,
    /// Largest peak RSS of the cold processes, KiB.
    peak_rss_kib: u64,
    /// The first run's reply (documents what was measured; later runs may find its state).
    reply: String,
}

/// One warm process: the first call (not counted), then `runs` calls.
struct Warm {
    /// Event queued → response posted.
    latency: Stats,
    /// CPU time of the process per warm invocation (total over the runs / runs).
    cpu_per_call_ms: f64,
    /// Peak RSS of the warm process after all runs, KiB.
    peak_rss_kib: u64,
}

struct Row {
    id: String,
    zip_size: u64,
    binary_size: u64,
    cold: Cold,
    warm: Warm,
}

impl Row {
    fn peak_rss_kib(&self) -> u64 {
        self.cold.peak_rss_kib.max(self.warm.peak_rss_kib)
    }
}

fn spawn(
    binary: &Path,
    handler: &str,
    env: &[(String, String)],
    api: &RuntimeApi,
) -> anyhow::Result<Child> {
    crate::proc::cmd(Path::new("/"), binary)
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

/// The reply text of a successful invocation, or why it is not one.
fn reply_of(handler: &str, outcome: Outcome) -> anyhow::Result<String> {
    let text = match outcome {
        Outcome::Response(t) => t,
        Outcome::Error(e) => bail!("{handler}: invocation failed: {e}"),
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if v.get("error").is_some() {
        bail!("{handler}: benchmark event got an error reply: {text}");
    }
    Ok(text)
}

/// Per run: a fresh process with the event queued before it starts; records when it first polls,
/// when its first response arrives, and its CPU time and peak RSS at that moment.
fn measure_cold(
    binary: &Path,
    handler: &str,
    env: &[(String, String)],
    event: &Value,
    runs: usize,
) -> anyhow::Result<Cold> {
    let body = event.to_string();
    let (mut init, mut first_wall, mut first_cpu) = (Vec::new(), Vec::new(), Vec::new());
    let mut peak_rss_kib = 0;
    let mut reply = String::new();
    for _ in 0..runs.max(1) {
        let api = RuntimeApi::start()?;
        let id = api.enqueue(&body);
        let started = Instant::now();
        let child = spawn(binary, handler, env, &api)?;
        let pid = child.id();
        let answered = api.wait_at(&id, Duration::from_secs(30));
        // Read the process before anything else happens to it (it is now waiting for its next event).
        let cpu = probe::cpu_time(pid);
        let rss = probe::peak_rss_kib(pid);
        let polled = api.wait_first_poll(Duration::from_millis(1));
        let init_error = api.init_error();
        stop(child);
        let Some((outcome, at)) = answered else {
            bail!("{handler}: no first response within 30 s (init error: {init_error:?})");
        };
        let Some(polled) = polled else {
            bail!("{handler}: answered without polling (init error: {init_error:?})");
        };
        let text = reply_of(handler, outcome)?;
        if reply.is_empty() {
            reply = text;
        }
        init.push(ms(polled.duration_since(started)));
        first_wall.push(ms(at.duration_since(started)));
        first_cpu.push(ms(cpu.with_context(|| {
            format!("{handler}: cannot read the CPU time of process {pid}")
        })?));
        peak_rss_kib =
            peak_rss_kib.max(rss.with_context(|| {
                format!("{handler}: cannot read the peak RSS of process {pid}")
            })?);
    }
    Ok(Cold {
        init: stats(init),
        first_wall: stats(first_wall),
        first_cpu: stats(first_cpu),
        peak_rss_kib,
        reply,
    })
}

/// Event queued → response posted, on one warm process (its first call is the cold one, measured
/// by [`measure_cold`], and is not counted here).
fn measure_warm(
    binary: &Path,
    handler: &str,
    env: &[(String, String)],
    event: &Value,
    runs: usize,
) -> anyhow::Result<Warm> {
    let api = RuntimeApi::start()?;
    let child = spawn(binary, handler, env, &api)?;
    let pid = child.id();
    let body = event.to_string();
    let runs = runs.max(1);
    let result = (|| {
        let mut samples = Vec::with_capacity(runs);
        let mut cpu_before = Duration::ZERO;
        for i in 0..=runs {
            let queued = Instant::now();
            let id = api.enqueue(&body);
            let Some((outcome, at)) = api.wait_at(&id, Duration::from_secs(30)) else {
                bail!("{handler}: no response within 30 s");
            };
            reply_of(handler, outcome)?;
            if i == 0 {
                cpu_before = probe::cpu_time(pid)?;
            } else {
                samples.push(ms(at.duration_since(queued)));
            }
        }
        let cpu = probe::cpu_time(pid)?.saturating_sub(cpu_before);
        Ok(Warm {
            latency: stats(samples),
            cpu_per_call_ms: ms(cpu) / runs as f64,
            peak_rss_kib: probe::peak_rss_kib(pid)?,
        })
    })();
    stop(child);
    result
}

/// What the kernel knows about a running child, read from /proc.
mod probe {
    use std::time::Duration;

    /// CPU time (user + system) the process has used so far: the sum over its threads of the
    /// scheduler's run time, `/proc/<pid>/task/<tid>/schedstat` (nanoseconds; `/proc/<pid>/stat`
    /// counts in 10 ms ticks, too coarse for a 15 ms budget).
    pub fn cpu_time(pid: u32) -> std::io::Result<Duration> {
        let mut total = 0u64;
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
            let path = task?.path().join("schedstat");
            // A thread that ended between the listing and the read has nothing left to count.
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            total += run_time_ns(&text).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "unreadable schedstat")
            })?;
        }
        Ok(Duration::from_nanos(total))
    }

    /// The first field of a schedstat line: time spent on the CPU, in nanoseconds.
    pub fn run_time_ns(schedstat: &str) -> Option<u64> {
        schedstat.split_whitespace().next()?.parse().ok()
    }

    /// Peak resident set size (`VmHWM` of `/proc/<pid>/status`), KiB.
    pub fn peak_rss_kib(pid: u32) -> std::io::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        vm_hwm_kib(&status).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "no VmHWM in status")
        })
    }

    /// `VmHWM:   12345 kB` → 12345.
    pub fn vm_hwm_kib(status: &str) -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
}

fn render(
    rows: &[Row],
    manifest: &Manifest,
    build_time: Option<Duration>,
    options: &Options,
    time_limit_s: f64,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Lambdas");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "`cargo xtask bench lambdas` on this machine ({} cores, {}), {} {}, one multi-handler `bootstrap` \
         (cargo-zigbuild, glibc pin 2.17, `[profile.lambda]`), against the local Runtime API harness with DynamoDB \
         on moto and Connect on a loopback stub.",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::env::consts::OS,
        manifest.runtime,
        manifest.architecture,
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "- **Cold** ({} runs, a fresh process each, the event queued before it starts, as Lambda has it): \
         *init* = process start → first Runtime API poll; *first call* = process start → first response posted, \
         wall time and the process's CPU time (user + system, summed over its threads from \
         `/proc/<pid>/task/*/schedstat`, read when the response arrives). The first call includes init and every \
         first-use cost (phone metadata, the first DynamoDB or Connect round trip).",
        options.cold_runs,
    );
    let _ = writeln!(
        s,
        "- **Warm** (one process, {} calls after its first): event queued → response posted; CPU per call = the \
         process's CPU time over those calls / {}.",
        options.warm_runs, options.warm_runs,
    );
    let _ = writeln!(
        s,
        "- **At 128 MB**: Lambda allots CPU in proportion to memory, {FULL_VCPU_MB:.0} MB = 1 vCPU, so CPU-bound \
         work takes wall ≈ CPU × {FULL_VCPU_MB:.0} / {MEMORY_MB:.0} (× {:.1}). The estimate is for the first call's \
         CPU; I/O waits (DynamoDB, Connect) and Lambda's own sandbox start come on top.",
        FULL_VCPU_MB / MEMORY_MB,
    );
    let _ = writeln!(
        s,
        "- **Peak RSS**: `VmHWM` of the process, the larger of the cold and warm runs."
    );
    let _ = writeln!(
        s,
        "- **Fails** (exit non-zero, naming the function) when a first call's median CPU is over \
         {FIRST_CALL_CPU_BUDGET_MS:.0} ms. CPU time, unlike wall time, barely moves with the machine's load."
    );
    let _ = writeln!(s);
    if let Some(t) = build_time {
        let _ = writeln!(
            s,
            "Build (incl. up-to-date check, ELF check, zip): {:.1} s. Zip {} bytes (≤ 3 MB{}), bootstrap {} bytes.",
            t.as_secs_f64(),
            rows.first().map_or(0, |r| r.zip_size),
            if rows.iter().any(|r| r.zip_size > ZIP_BUDGET) {
                ": **over**"
            } else {
                ""
            },
            rows.first().map_or(0, |r| r.binary_size),
        );
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "| function | cold init ms median / p90 / max (≤ 20) | first call wall ms median / p90 / max | first call CPU ms median / max (≤ 15) | ≈ first call at 128 MB, ms (CPU × 13.8) | warm ms median / p90 / max | warm CPU ms / call | peak RSS MiB |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let over = |b: bool| if b { " **over**" } else { "" };
        let _ = writeln!(
            s,
            "| {} | {:.2} / {:.2} / {:.2}{} | {:.2} / {:.2} / {:.2} | {:.2} / {:.2}{} | {:.0}{} | {:.2} / {:.2} / {:.2} | {:.3} | {:.1} |",
            r.id,
            r.cold.init.median,
            r.cold.init.p90,
            r.cold.init.max,
            over(r.cold.init.median > COLD_BUDGET_MS),
            r.cold.first_wall.median,
            r.cold.first_wall.p90,
            r.cold.first_wall.max,
            r.cold.first_cpu.median,
            r.cold.first_cpu.max,
            over(r.cold.first_cpu.median > FIRST_CALL_CPU_BUDGET_MS),
            wall_at_memory_ms(r.cold.first_cpu.median),
            over(wall_at_memory_ms(r.cold.first_cpu.median) > WALL_AT_128_LIMIT_MS),
            r.warm.latency.median,
            r.warm.latency.p90,
            r.warm.latency.max,
            r.warm.cpu_per_call_ms,
            r.peak_rss_kib() as f64 / 1024.0,
        );
    }
    let _ = writeln!(s);
    let _ = write!(s, "{}", budget(rows, time_limit_s));
    let _ = writeln!(s);
    let _ = writeln!(s, "First replies (what the cold runs measured):");
    let _ = writeln!(s);
    for r in rows {
        let _ = writeln!(s, "- {}: `{}`", r.id, r.cold.reply);
    }
    s
}

/// The memory decision and the worst case of Connect's invocation budget, from the figures.
fn budget(rows: &[Row], time_limit_s: f64) -> String {
    let mut s = String::new();
    let Some(worst) = rows
        .iter()
        .max_by(|a, b| a.cold.first_cpu.max.total_cmp(&b.cold.first_cpu.max))
    else {
        return s;
    };
    let worst_cpu = worst.cold.first_cpu.max;
    let worst_wall = wall_at_memory_ms(worst_cpu);
    let worst_io = rows
        .iter()
        .map(|r| (r.cold.first_wall.max - r.cold.first_cpu.max).max(0.0))
        .fold(0.0, f64::max);
    let over: Vec<&str> = rows
        .iter()
        .filter(|r| wall_at_memory_ms(r.cold.first_cpu.max) > WALL_AT_128_LIMIT_MS)
        .map(|r| r.id.as_str())
        .collect();
    let _ = writeln!(
        s,
        "**Memory.** The costliest first call here is {}'s, {worst_cpu:.1} ms of CPU (max of the cold runs), \
         ≈ {worst_wall:.0} ms at {MEMORY_MB:.0} MB. {}",
        worst.id,
        if over.is_empty() {
            format!(
                "No first call needs more than {WALL_AT_128_LIMIT_MS:.0} ms at {MEMORY_MB:.0} MB, so every function keeps MemorySize {MEMORY_MB:.0}."
            )
        } else {
            format!(
                "Over {WALL_AT_128_LIMIT_MS:.0} ms at {MEMORY_MB:.0} MB, so they need more memory (CPU) than {MEMORY_MB:.0} MB: {}.",
                over.join(", ")
            )
        }
    );
    let _ = writeln!(s);
    let attempts_whole = (CONNECT_BUDGET_S / time_limit_s).floor();
    let left = CONNECT_BUDGET_S - attempts_whole * time_limit_s;
    let cold_attempt_s = (worst_wall + worst_io) / 1000.0;
    let fits = cold_attempt_s < time_limit_s;
    let _ = writeln!(
        s,
        "**Connect's budget.** A flow's InvokeLambdaFunction waits at most InvocationTimeLimitSeconds per attempt \
         ({time_limit_s:.0} s, the largest in assets/flows) and Connect retries within {CONNECT_BUDGET_S:.0} s in all. \
         Worst case: {attempts_whole:.0} attempts time out ({attempts_whole:.0} × {time_limit_s:.0} s){}, and the caller \
         takes the flow's error branch at {CONNECT_BUDGET_S:.0} s. A cold start at {MEMORY_MB:.0} MB costs at worst \
         ≈ {cold_attempt_s:.2} s here ({worst_wall:.0} ms for the CPU at {MEMORY_MB:.0} MB plus at most {worst_io:.0} ms \
         of I/O wait measured here; Lambda's sandbox start and the network come on top). {}",
        if left > 0.0 {
            format!(" and a last one is cut off after {left:.0} s")
        } else {
            String::new()
        },
        if fits {
            format!(
                "That leaves {:.2} s of the first attempt's {time_limit_s:.0} s, so a cold start is answered in its first attempt.",
                time_limit_s - cold_attempt_s
            )
        } else {
            format!(
                "That does not fit in one {time_limit_s:.0} s attempt: a first caller after a cold start can time out."
            )
        },
    );
    s
}

/// Replaces (or appends) the marked lambdas section, keeping the rest of the file.
fn write_section(path: &Path, table: &str) -> anyhow::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let existing = if existing.trim().is_empty() {
        "# Benchmarks\n".to_string()
    } else {
        existing
    };
    let block = format!("{BEGIN}\n{table}{END}\n");
    let updated = match (existing.find(BEGIN), existing.find(END)) {
        (Some(b), Some(e)) if b < e => format!(
            "{}{}{}",
            &existing[..b],
            block,
            existing[e + END.len()..].trim_start_matches('\n')
        ),
        _ => format!(
            "{}\n{}",
            existing.trim_end_matches('\n').to_string() + "\n",
            block
        ),
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
        bail!(
            "moto CreateTable {name} failed: {}",
            response.lines().next().unwrap_or_default()
        );
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
    stream.set_nodelay(true)?;
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
        writer.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        )?;
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

    fn row(id: &str, first_cpu_ms: f64) -> Row {
        let flat = |v: f64| Stats {
            median: v,
            p90: v,
            max: v,
        };
        Row {
            id: id.to_string(),
            zip_size: 1,
            binary_size: 2,
            cold: Cold {
                init: flat(5.0),
                first_wall: flat(first_cpu_ms + 4.0),
                first_cpu: flat(first_cpu_ms),
                peak_rss_kib: 8192,
                reply: "{}".into(),
            },
            warm: Warm {
                latency: flat(1.0),
                cpu_per_call_ms: 0.1,
                peak_rss_kib: 9216,
            },
        }
    }

    #[test]
    fn the_verdict_names_every_function_over_the_cpu_budget() {
        assert_eq!(first_call_verdict(&[row("a", 3.0), row("b", 15.0)]), None);
        let message =
            first_call_verdict(&[row("a", 3.0), row("get10DigitPhone", 138.4), row("c", 15.1)])
                .expect("over budget");
        assert!(message.contains("get10DigitPhone (138.4 ms)"), "{message}");
        assert!(message.contains("c (15.1 ms)"), "{message}");
        assert!(!message.contains("a ("), "{message}");
    }

    #[test]
    fn wall_at_128_mb_scales_cpu_by_1769_over_128() {
        assert!((wall_at_memory_ms(128.0) - 1769.0).abs() < 1e-9);
        assert!((wall_at_memory_ms(138.0) - 1907.2).abs() < 0.1);
    }

    #[test]
    fn the_budget_keeps_128_mb_only_under_300_ms() {
        let cheap = budget(&[row("a", 10.0)], 3.0);
        assert!(cheap.contains("keeps MemorySize 128"), "{cheap}");
        assert!(cheap.contains("answered in its first attempt"), "{cheap}");
        assert!(
            cheap.contains("2 attempts time out (2 × 3 s) and a last one is cut off after 2 s")
        );
        let costly = budget(&[row("a", 10.0), row("b", 30.0)], 3.0);
        assert!(costly.contains("b's, 30.0 ms"), "{costly}");
        assert!(costly.contains("than 128 MB: b."), "{costly}");
        let slow = budget(&[row("a", 300.0)], 3.0);
        assert!(slow.contains("does not fit"), "{slow}");
    }

    #[test]
    fn stats_are_order_free() {
        let s = stats(vec![5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(
            s,
            Stats {
                median: 3.0,
                p90: 5.0,
                max: 5.0
            }
        );
    }

    #[test]
    fn proc_fields_are_read() {
        assert_eq!(probe::run_time_ns("1304616 0 2\n"), Some(1_304_616));
        assert_eq!(probe::run_time_ns(""), None);
        let status =
            "Name:\tbootstrap\nVmPeak:\t  20000 kB\nVmHWM:\t    9876 kB\nVmRSS:\t 9000 kB\n";
        assert_eq!(probe::vm_hwm_kib(status), Some(9876));
        assert_eq!(probe::vm_hwm_kib("Name:\tx\n"), None);
        // Our own process: it has run, and it has resident memory.
        let me = std::process::id();
        assert!(probe::cpu_time(me).unwrap() > Duration::ZERO);
        assert!(probe::peak_rss_kib(me).unwrap() > 0);
    }

    #[test]
    fn time_limits_are_found_anywhere_in_a_flow() {
        let flow = json!({"Actions": [
            {"Type": "InvokeLambdaFunction", "Parameters": {"InvocationTimeLimitSeconds": "3"}},
            {"Type": "X", "Parameters": {"Nested": [{"InvocationTimeLimitSeconds": 8}]}},
            {"Type": "Y"}
        ]});
        assert_eq!(time_limits(&flow), vec![3.0, 8.0]);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let limit = flow_time_limit(&root.join("assets/flows")).unwrap();
        assert!((1.0..=8.0).contains(&limit), "{limit}");
    }
}
