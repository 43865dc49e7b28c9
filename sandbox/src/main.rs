//! The `connect-returns-sandbox` binary: starts the Connect / Lex V2 / Lex V1 emulator on loopback,
//! optionally seeds an instance, writes the service URLs to a ports file, and runs until Ctrl-C / SIGTERM.
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use connect_returns_sandbox::{Config, FaultConfig, QuotaConfig, start};

/// Local emulator of the Amazon Connect and Lex (V2, V1) model-building APIs.
#[derive(Parser, Debug)]
#[command(name = "connect-returns-sandbox", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Connect API port (0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    connect_port: u16,
    /// Lex V2 model-building API port (0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    lexv2_port: u16,
    /// Lex V1 model-building API port (0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    lexv1_port: u16,
    /// Write the service URLs and endpoint variables as JSON to this file once listening.
    #[arg(long)]
    ports_file: Option<PathBuf>,
    /// Account id used in ARNs.
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    /// Region used in ARNs.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Seed one instance at start (Basic Hours, BasicQueue, Basic Routing Profile, a phone number,
    /// the default flows) and print its ids as JSON.
    #[arg(long)]
    seed: bool,
    /// Turn the Connect request quotas (per operation: 2 req/s, burst 5, documented exceptions) off.
    #[arg(long)]
    no_quota: bool,
    /// Latency added to every service request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fault rules file (JSON: {"seed": N, "rules": [{service, operation, latency_ms,
    /// throttle_probability, error_probability}]}).
    #[arg(long)]
    faults: Option<PathBuf>,
    /// How long a Lex build stays in progress, in milliseconds.
    #[arg(long, default_value_t = 300)]
    lex_build_ms: u64,
    /// Command that runs a Lambda function for a test-case execution (program and arguments, no
    /// shell; the sandbox adds the function ARN and writes the Connect event on stdin). Default:
    /// the CONNECT_RETURNS_SANDBOX_LAMBDA_RUNNER environment variable.
    #[arg(long)]
    lambda_runner: Option<String>,
    /// How long a test-case execution may run before it times out, in milliseconds.
    #[arg(long, default_value_t = 300_000)]
    test_case_time_limit_ms: u64,
    /// The least time a test-case execution stays INITIATED, then IN_PROGRESS, in milliseconds.
    #[arg(long, default_value_t = 200)]
    test_case_pace_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let a = Args::parse();
    let faults = match &a.faults {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read faults file {}", p.display()))?;
            serde_json::from_str::<FaultConfig>(&text)
                .with_context(|| format!("invalid faults file {}", p.display()))?
        }
        None => FaultConfig::default(),
    };
    let config = Config {
        account_id: a.account_id,
        region: a.region,
        lex_build_duration: Duration::from_millis(a.lex_build_ms),
        quota: QuotaConfig {
            enabled: !a.no_quota,
            ..QuotaConfig::default()
        },
        latency: Duration::from_millis(a.latency_ms),
        faults,
        host: a.host,
        connect_port: a.connect_port,
        lexv2_port: a.lexv2_port,
        lexv1_port: a.lexv1_port,
        lambda_runner: a.lambda_runner.or(Config::default().lambda_runner),
        test_case_time_limit: Duration::from_millis(a.test_case_time_limit_ms),
        test_case_pace: Duration::from_millis(a.test_case_pace_ms),
    };
    let running = start(config).await?;
    if a.seed {
        let seeded = {
            let mut w = running.shared().world();
            connect_returns_sandbox::connect::seed(&mut w, None)
                .map_err(|e| anyhow::anyhow!("seeding failed: {e}"))?
        };
        let mut shown = seeded;
        // full phone numbers stay out of output: keep the country code and area, mask the rest
        if let Some(n) = shown.pointer_mut("/phone_number/number")
            && let Some(s) = n.as_str()
        {
            let masked: String = s
                .chars()
                .take(5)
                .chain(s.chars().skip(5).map(|_| '*'))
                .collect();
            *n = serde_json::Value::String(masked);
        }
        println!(
            "{}",
            serde_json::to_string(&serde_json::json!({ "seeded": shown }))?
        );
    }
    let urls = running.urls_json();
    if let Some(p) = &a.ports_file {
        let tmp = p.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&urls)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, p).with_context(|| format!("cannot write {}", p.display()))?;
    }
    println!("{}", serde_json::to_string(&urls)?);
    for (k, v) in running.env_vars() {
        eprintln!("export {k}={v}");
    }
    wait_for_signal().await;
    running.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
