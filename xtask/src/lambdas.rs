//! `cargo xtask build-lambdas` (reproducible provided.al2023 zips + manifest, glibc-checked) and
//! `cargo xtask bench lambdas` (zip size, cold init to the first Runtime API poll, first call from
//! process start to first response in wall and CPU time, warm latency and CPU, peak RSS, the first
//! call's wall time at 128 MB), which writes its figures into the lambdas section of BENCHMARKS.md
//! and fails when a first call costs more than 15 ms of CPU.

#[path = "lambdas/bench.rs"]
mod bench;

use anyhow::{Context as _, bail};
use returns_artifact::elf::{self, Arch};
use returns_artifact::{Artifact, FunctionArtifact, Manifest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use bench::bench_lambdas;

/// PyPI `ziglang` version installed into `.venv` (cargo-zigbuild finds it through `python -m ziglang`).
/// cargo-zigbuild version installed into `target/tools`.
const ZIGBUILD_VERSION: &str = "0.24.1";
/// glibc the binary is linked against (AL2023 has 2.34; 2.17 keeps a wide margin).
pub(crate) const GLIBC_PIN: &str = "2.17";
/// Fixed timestamp for reproducible builds (`SOURCE_DATE_EPOCH`).
const SOURCE_DATE_EPOCH: &str = "315532800";

/// Options of `build-lambdas`.
#[derive(Debug, Clone)]
pub(crate) struct BuildOptions {
    pub arch: Arch,
    pub out: PathBuf,
    /// Where cargo's output goes (`None`: the terminal), for a build running beside another.
    pub log: Option<PathBuf>,
}

impl BuildOptions {
    pub(crate) fn parse(root: &Path, args: &[String]) -> anyhow::Result<(Self, Vec<String>)> {
        let mut arch = Arch::X86_64;
        let mut out = root.join("target/lambda");
        let mut rest = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--arch" => {
                    arch = match it.next().map(String::as_str) {
                        Some("x86_64") | Some("x86-64") | Some("amd64") => Arch::X86_64,
                        Some("arm64") | Some("aarch64") => Arch::Arm64,
                        other => bail!("--arch must be x86_64 or arm64, got {other:?}"),
                    }
                }
                "--out" => {
                    out = PathBuf::from(it.next().context("--out needs a directory")?);
                }
                _ => rest.push(a.clone()),
            }
        }
        Ok((
            BuildOptions {
                arch,
                out,
                log: None,
            },
            rest,
        ))
    }
}

pub(crate) fn rust_target(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "x86_64-unknown-linux-gnu",
        Arch::Arm64 => "aarch64-unknown-linux-gnu",
    }
}

/// The zip's file name for `arch`.
fn zip_name(arch: Arch) -> String {
    format!("bootstrap-{}.zip", arch.lambda_name())
}

/// `cargo xtask build-lambdas [--arch x86_64|arm64] [--out DIR]`.
pub fn build_lambdas(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let (options, rest) = BuildOptions::parse(root, args)?;
    if let Some(unknown) = rest.first() {
        bail!(
            "unknown argument {unknown:?}\nhint: cargo xtask build-lambdas [--arch x86_64|arm64] [--out DIR]"
        );
    }
    let built = build(root, &options)?;
    println!(
        "{} {} bytes sha256 {} (bootstrap {} bytes, needs glibc {}) in {:.1} s",
        built.zip_path.display(),
        built.artifact.size,
        built.artifact.sha256,
        built.artifact.binary_size,
        built.artifact.max_glibc.as_deref().unwrap_or("-"),
        built.elapsed.as_secs_f64()
    );
    println!("{}", built.manifest_path.display());
    Ok(())
}

/// What one build produced.
pub(crate) struct Built {
    pub zip_path: PathBuf,
    pub manifest_path: PathBuf,
    pub artifact: Artifact,
    pub elapsed: Duration,
}

/// Builds the multi-handler `bootstrap`, checks it, zips it and writes the manifest.
pub(crate) fn build(root: &Path, options: &BuildOptions) -> anyhow::Result<Built> {
    let started = Instant::now();
    let target = rust_target(options.arch);
    check_target_installed(root, target)?;
    let zigbuild = ensure_tools(root)?;
    let target_dir = root.join("target/lambda-build");
    eprintln!(
        "building bootstrap for {target} (glibc {GLIBC_PIN}) in {}",
        target_dir.display()
    );
    let mut command = zigbuild_command(root, &target_dir);
    if let Some(log) = &options.log {
        let file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        command.stdout(file.try_clone()?).stderr(file);
    }
    let status = command
        .args([
            "--locked",
            "--profile",
            "lambda",
            "-p",
            "returns-lambdas",
            "--bin",
            "bootstrap",
        ])
        .arg("--target")
        .arg(format!("{target}.{GLIBC_PIN}"))
        .status()
        .with_context(|| format!("cannot run cargo zigbuild ({})", zigbuild.display()))?;
    if !status.success() {
        match &options.log {
            Some(log) => bail!(
                "cargo zigbuild failed ({status}); its output is in {}",
                log.display()
            ),
            None => bail!("cargo zigbuild failed ({status})"),
        }
    }
    let binary_path = target_dir.join(target).join("lambda/bootstrap");
    let binary = std::fs::read(&binary_path)
        .with_context(|| format!("cannot read {}", binary_path.display()))?;
    let report = elf::check(&binary, options.arch)
        .map_err(|e| anyhow::anyhow!("{} refused: {e}", binary_path.display()))?;
    let zip = returns_artifact::package(&binary)?;
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;
    let name = zip_name(options.arch);
    let zip_path = options.out.join(&name);
    std::fs::write(&zip_path, &zip)
        .with_context(|| format!("cannot write {}", zip_path.display()))?;
    let artifact = Artifact {
        zip: name.clone(),
        sha256: returns_artifact::sha256_hex(&zip),
        size: zip.len() as u64,
        binary_size: binary.len() as u64,
        max_glibc: report.max_glibc.map(|v| v.to_string()),
    };
    let functions = returns_artifact::FUNCTION_IDS
        .iter()
        .map(|id| {
            (
                (*id).to_string(),
                FunctionArtifact {
                    artifact: name.clone(),
                    handler: (*id).to_string(),
                    zip: artifact.zip.clone(),
                    sha256: artifact.sha256.clone(),
                    size: artifact.size,
                },
            )
        })
        .collect();
    let manifest = Manifest {
        version: 1,
        architecture: options.arch.lambda_name().to_string(),
        runtime: "provided.al2023".to_string(),
        functions,
        artifacts: BTreeMap::from([(name, artifact.clone())]),
    };
    let manifest_path = manifest.write(&options.out)?;
    Ok(Built {
        zip_path,
        manifest_path,
        artifact,
        elapsed: started.elapsed(),
    })
}

/// `cargo zigbuild` set up for a reproducible build into `target_dir`: zig and cargo-zigbuild on
/// the PATH, paths in the output independent of the checkout's location, a fixed
/// `SOURCE_DATE_EPOCH`. The caller adds the package, profile and `--target <triple>.<glibc>`.
pub(crate) fn zigbuild_command(root: &Path, target_dir: &Path) -> std::process::Command {
    let venv_bin = root.join(".venv/bin");
    let tools_bin = root.join("target/tools/bin");
    let path = format!(
        "{}:{}:{}",
        venv_bin.display(),
        tools_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cargo_home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| home().join(".cargo"));
    // Paths baked into panic messages and debug sections must not depend on the checkout location.
    let rustflags = [
        format!("--remap-path-prefix={}=/build", root.display()),
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
    ]
    .join("\u{1f}");
    let mut command = crate::proc::cmd(
        root,
        std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
    );
    command
        .arg("zigbuild")
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env_remove("RUSTFLAGS");
    command
}

fn home() -> PathBuf {
    std::env::var("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/"))
}

pub(crate) fn check_target_installed(root: &Path, target: &str) -> anyhow::Result<()> {
    let out = crate::proc::cmd(
        root,
        std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()),
    )
    .args(["--print", "sysroot"])
    .output()
    .context("cannot run rustc")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let lib = sysroot.join("lib/rustlib").join(target).join("lib");
    if !lib.is_dir() {
        bail!("the rust target {target} is not installed\nhint: rustup target add {target}");
    }
    Ok(())
}

/// Installs the pinned zig (PyPI ziglang into `.venv`, through `setup`) and cargo-zigbuild
/// (into `target/tools`) when missing; returns the cargo-zigbuild path.
pub(crate) fn ensure_tools(root: &Path) -> anyhow::Result<PathBuf> {
    // zig is pinned in xtask/requirements.txt; setup installs it (a no-op when done).
    crate::setup::run(root)?;
    let zigbuild = root.join("target/tools/bin/cargo-zigbuild");
    let installed = crate::proc::cmd(root, &zigbuild)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(ZIGBUILD_VERSION))
        .unwrap_or(false);
    if !installed {
        eprintln!("installing cargo-zigbuild {ZIGBUILD_VERSION} into target/tools");
        let status = crate::proc::cmd(
            root,
            std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        )
        .args(["install", "--locked", "--quiet"])
        .arg(format!("cargo-zigbuild@{ZIGBUILD_VERSION}"))
        .arg("--root")
        .arg(root.join("target/tools"))
        .status()
        .context("cannot run cargo install")?;
        if !status.success() {
            bail!("cargo install cargo-zigbuild@{ZIGBUILD_VERSION} failed ({status})");
        }
    }
    Ok(zigbuild)
}
