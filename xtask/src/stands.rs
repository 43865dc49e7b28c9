//! `cargo xtask sandbox up|down|status`: the two local stand-ins for AWS, on loopback.
//!
//! moto server (CloudFormation, S3, IAM, Lambda, DynamoDB, Kinesis, STS) and our own
//! `connect-returns-sandbox` (Amazon Connect, Lex V2, Lex V1). `up` starts both on free ports,
//! waits until they answer, seeds a Connect instance, records the process ids in
//! `.sandbox/state.json` and prints the environment to use. `down` stops only what `up` started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use crate::{proc, setup};

#[derive(Debug, Serialize, Deserialize)]
pub struct Stands {
    pub moto_pid: u32,
    /// moto's HTTPS URL (clients trust `moto_ca_file` through `SSL_CERT_FILE`).
    pub moto_url: String,
    /// The same moto over plain HTTP (empty in a state file written before moto spoke HTTPS).
    #[serde(default)]
    pub moto_plain_url: String,
    /// The CA that signed moto's certificate.
    #[serde(default)]
    pub moto_ca_file: PathBuf,
    pub sandbox_pid: u32,
    /// Per-service endpoint variables of the sandbox.
    pub sandbox_env: Vec<(String, String)>,
    /// The admin base URL (any sandbox port serves `/__sandbox/`).
    pub sandbox_admin: String,
    /// The seeded instance id.
    pub instance_id: String,
}

impl Stands {
    /// Everything a client needs: endpoints, dummy credentials, no way to reach real AWS.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("AWS_ENDPOINT_URL".to_string(), self.moto_url.clone()),
            ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
            ("AWS_REGION".to_string(), "us-east-1".to_string()),
            ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
            (
                "SSL_CERT_FILE".to_string(),
                self.moto_ca_file.display().to_string(),
            ),
        ];
        env.extend(self.moto().share_env());
        env.extend(self.sandbox_env.iter().cloned());
        env.push((
            "CONNECT_RETURNS_INSTANCE".to_string(),
            self.instance_id.clone(),
        ));
        env
    }

    /// moto as testkit describes it.
    pub fn moto(&self) -> testkit::Moto {
        testkit::Moto {
            url: self.moto_url.clone(),
            plain_url: self.moto_plain_url.clone(),
            ca_file: self.moto_ca_file.clone(),
        }
    }
}

fn state_dir(root: &Path) -> PathBuf {
    root.join(".sandbox")
}

fn state_file(root: &Path) -> PathBuf {
    state_dir(root).join("state.json")
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("up") => {
            let stands = up(root)?;
            print_env(&stands);
            Ok(())
        }
        Some("down") => down(root),
        Some("status") => status(root),
        _ => bail!("usage: cargo xtask sandbox up|down|status"),
    }
}

/// Starts moto and the sandbox (unless already up) and returns their details.
pub fn up(root: &Path) -> anyhow::Result<Stands> {
    if let Some(stands) = read_state(root)? {
        let current = !stands.moto_plain_url.is_empty();
        if current && proc::alive(stands.moto_pid) && proc::alive(stands.sandbox_pid) {
            eprintln!(
                "xtask: the stand-ins are already up (pids {} and {})",
                stands.moto_pid, stands.sandbox_pid
            );
            return Ok(stands);
        }
        down(root)?;
    }
    setup::run(root)?;
    proc::run(proc::cmd(root, "cargo").args([
        "build",
        "--quiet",
        "-p",
        "connect-returns-sandbox",
    ]))?;
    let dir = state_dir(root);
    let stands = start(root, &dir, &[], |started| write_state(root, started))?;
    write_state(root, &stands)?;
    Ok(stands)
}

/// Starts moto and the sandbox binary (with `sandbox_args`), logs in `dir`, waits until both
/// answer and seeds an instance. `record` sees the pids as soon as both processes exist, so a
/// caller can stop them even if a later step fails. The sandbox binary must be built.
pub fn start(
    root: &Path,
    dir: &Path,
    sandbox_args: &[&str],
    record: impl Fn(&Stands) -> anyhow::Result<()>,
) -> anyhow::Result<Stands> {
    std::fs::create_dir_all(dir)?;
    let tls_dir = dir.join("moto-tls");
    // A fresh CA for every start: nothing outlives the moto it was made for.
    let _ = std::fs::remove_dir_all(&tls_dir);
    let (moto_args, moto) =
        testkit::moto_args(testkit::free_port(), testkit::free_port(), &tls_dir);
    let moto_pid = proc::spawn_service(
        proc::cmd(root, setup::venv(root).join("bin/python")).args(&moto_args),
        &dir.join("moto.log"),
    )?;
    let ports_file = dir.join("sandbox-ports.json");
    let _ = std::fs::remove_file(&ports_file);
    let sandbox_pid = proc::spawn_service(
        proc::cmd(root, target_dir(root).join("debug/connect-returns-sandbox"))
            .args(sandbox_args)
            .arg("--ports-file")
            .arg(&ports_file),
        &dir.join("sandbox.log"),
    )?;
    let started = Stands {
        moto_pid,
        moto_url: moto.url.clone(),
        moto_plain_url: moto.plain_url.clone(),
        moto_ca_file: moto.ca_file.clone(),
        sandbox_pid,
        sandbox_env: Vec::new(),
        sandbox_admin: String::new(),
        instance_id: String::new(),
    };
    record(&started)?;
    testkit::wait_for_moto(&moto, Duration::from_secs(60));
    let ports = wait_for_file(&ports_file, Duration::from_secs(60))?;
    let ports: serde_json::Value = serde_json::from_str(&ports).context("sandbox ports file")?;
    let sandbox_env: Vec<(String, String)> = ports["env"]
        .as_object()
        .context("sandbox ports file has no env")?
        .iter()
        .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_string()))
        .collect();
    let sandbox_admin = ports["connect"]
        .as_str()
        .context("sandbox ports file has no connect URL")?
        .to_string();
    let admin_port = testkit::port_of(&sandbox_admin);
    testkit::wait_until_answers(admin_port, "/__sandbox/health", Duration::from_secs(30));
    let (code, body) = testkit::http_request(admin_port, "POST", "/__sandbox/seed", Some("{}"))
        .context("seed the sandbox")?;
    if code != 200 {
        bail!("seeding the sandbox failed ({code}): {body}");
    }
    let seeded: serde_json::Value = serde_json::from_str(&body).context("seed response")?;
    let instance_id = seeded["instance"]["id"]
        .as_str()
        .context("seed response names no instance id")?
        .to_string();
    Ok(Stands {
        sandbox_env,
        sandbox_admin,
        instance_id,
        ..started
    })
}

/// Stops the two processes of `stands`.
pub fn stop(stands: &Stands) -> anyhow::Result<()> {
    proc::stop(stands.sandbox_pid)?;
    proc::stop(stands.moto_pid)
}

/// Stops what `up` started, and nothing else.
pub fn down(root: &Path) -> anyhow::Result<()> {
    let Some(stands) = read_state(root)? else {
        eprintln!(
            "xtask: no stand-ins recorded in {}",
            state_file(root).display()
        );
        return Ok(());
    };
    stop(&stands)?;
    std::fs::remove_file(state_file(root))?;
    eprintln!(
        "xtask: stopped the sandbox (pid {}) and moto (pid {})",
        stands.sandbox_pid, stands.moto_pid
    );
    Ok(())
}

fn status(root: &Path) -> anyhow::Result<()> {
    match read_state(root)? {
        None => println!("down"),
        Some(stands) => {
            let state = |pid| if proc::alive(pid) { "running" } else { "gone" };
            println!(
                "moto     pid {} {} {}",
                stands.moto_pid,
                state(stands.moto_pid),
                stands.moto_url
            );
            println!(
                "sandbox  pid {} {} {}",
                stands.sandbox_pid,
                state(stands.sandbox_pid),
                stands.sandbox_admin
            );
            println!("instance {}", stands.instance_id);
        }
    }
    Ok(())
}

fn print_env(stands: &Stands) {
    eprintln!(
        "xtask: moto at {}, sandbox admin at {}/__sandbox/, seeded instance {}",
        stands.moto_url, stands.sandbox_admin, stands.instance_id
    );
    eprintln!("xtask: use them with:  eval \"$(cargo xtask sandbox up)\"");
    for (key, value) in stands.env() {
        println!("export {key}={value}");
    }
}

fn read_state(root: &Path) -> anyhow::Result<Option<Stands>> {
    match std::fs::read_to_string(state_file(root)) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text).context("parse .sandbox/state.json")?,
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

fn write_state(root: &Path, stands: &Stands) -> anyhow::Result<()> {
    std::fs::write(state_file(root), serde_json::to_vec_pretty(stands)?)?;
    Ok(())
}

fn wait_for_file(path: &Path, limit: Duration) -> anyhow::Result<String> {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Ok(text);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{} did not appear within {limit:?}", path.display())
}

/// The cargo target dir (honours CARGO_TARGET_DIR).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}
