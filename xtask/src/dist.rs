//! `cargo xtask dist`: the self-contained release binary.
//!
//! Builds the Lambda artifact with the code of `build-lambdas` (into `target/lambda`), then the
//! CLI with the feature `embedded-lambda`, which compiles that manifest and zip into it, with
//! cargo-zigbuild against glibc 2.17 so the binary runs on any Linux of the last decade. Writes
//! `target/dist/connect-returns-<version>-<target>`, the same as a `.tar.gz` (fixed mtimes, owner,
//! order, no gzip name or time) and `SHA256SUMS`. Two runs of one commit give the same bytes.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use returns_artifact::elf::Arch;

use crate::lambdas::{self, BuildOptions};
use crate::proc;

/// The environment variables `src/artifact_source.rs` reads with `include_bytes!(env!(…))`.
pub const EMBED_MANIFEST_VAR: &str = "CONNECT_RETURNS_EMBED_MANIFEST";
pub const EMBED_ZIP_VAR: &str = "CONNECT_RETURNS_EMBED_ZIP";
/// The cargo feature that embeds the artifact.
pub const EMBED_FEATURE: &str = "embedded-lambda";
/// mtime of every tar entry (1980-01-01, like the Lambda zip).
const TAR_MTIME: &str = "@315532800";

/// What a dist run wrote.
pub struct Dist {
    pub binary: PathBuf,
    pub tarball: PathBuf,
    pub sums: PathBuf,
}

/// `cargo xtask dist [--arch x86_64|arm64]`.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let (options, rest) = BuildOptions::parse(root, args)?;
    if let Some(unknown) = rest.first() {
        bail!("unknown argument {unknown:?}\nhint: cargo xtask dist [--arch x86_64|arm64]");
    }
    let dist = build(root, options.arch)?;
    let sums = std::fs::read_to_string(&dist.sums)?;
    print!("{sums}");
    println!("{}", dist.binary.display());
    println!("{}", dist.tarball.display());
    println!("{}", dist.sums.display());
    Ok(())
}

/// Builds the Lambda artifact, the CLI embedding it, the tarball and the sums.
pub fn build(root: &Path, arch: Arch) -> anyhow::Result<Dist> {
    let lambda_dir = root.join("target/lambda");
    let built = lambdas::build(
        root,
        &BuildOptions {
            arch,
            out: lambda_dir.clone(),
            log: None,
        },
    )?;
    let target = lambdas::rust_target(arch);
    lambdas::check_target_installed(root, target)?;
    let target_dir = root.join("target/dist-build");
    let status = proc::status(
        lambdas::zigbuild_command(root, &target_dir)
            .args([
                "--locked",
                "--release",
                "-p",
                "connect-returns",
                "--bin",
                "connect-returns",
                "--features",
                EMBED_FEATURE,
            ])
            .arg("--target")
            .arg(format!("{target}.{}", lambdas::GLIBC_PIN))
            .env(EMBED_MANIFEST_VAR, &built.manifest_path)
            .env(EMBED_ZIP_VAR, &built.zip_path)
            // Symbols carry nothing a user needs and paths of the build machine.
            .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0"),
    )?;
    if !status.success() {
        bail!("building the release binary failed ({status})");
    }
    let built_binary = target_dir.join(target).join("release/connect-returns");
    let version = package_version(root)?;
    let stem = format!("connect-returns-{version}-{target}");
    let out = root.join("target/dist");
    std::fs::create_dir_all(&out)?;
    let binary = out.join(&stem);
    copy_executable(&built_binary, &binary)?;
    check_embedded(&binary, &built.artifact.sha256)?;
    let tarball = out.join(format!("{stem}.tar.gz"));
    write_tarball(root, &out, &stem, &binary, &tarball)?;
    let sums = out.join("SHA256SUMS");
    let mut text = String::new();
    for path in [&binary, &tarball] {
        let bytes = std::fs::read(path)?;
        let name = path.file_name().unwrap().to_string_lossy();
        text.push_str(&format!(
            "{}  {name}\n",
            returns_artifact::sha256_hex(&bytes)
        ));
    }
    std::fs::write(&sums, text)?;
    Ok(Dist {
        binary,
        tarball,
        sums,
    })
}

/// For `cargo xtask test`: the x86_64 Lambda artifact the dist test's binary embeds, built as
/// `build-lambdas` builds it, cargo's output going to `log`.
pub fn test_artifact(root: &Path, log: &Path) -> anyhow::Result<lambdas::Built> {
    lambdas::build(
        root,
        &BuildOptions {
            arch: Arch::X86_64,
            out: root.join("target/lambda"),
            log: Some(log.to_path_buf()),
        },
    )
}

/// For `cargo xtask test`: the debug CLI built with `embedded-lambda` around the artifact
/// `build-lambdas` makes, copied to `target/dist-test/connect-returns`. The dist test runs it.
/// It is built with [`crate::test::WORKSPACE_FEATURES`], so that it links the dependencies the
/// test build compiles rather than a second build of the SDK.
pub fn test_binary(root: &Path, built: &lambdas::Built) -> anyhow::Result<PathBuf> {
    proc::run(
        proc::cmd(
            root,
            std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        )
        .args(["build", "--locked"])
        .args(crate::test::WORKSPACE_FEATURES)
        .args(["--bin", "connect-returns", "--features"])
        .arg(format!("connect-returns/{EMBED_FEATURE}"))
        .env(EMBED_MANIFEST_VAR, &built.manifest_path)
        .env(EMBED_ZIP_VAR, &built.zip_path),
    )?;
    let out = root.join("target/dist-test");
    std::fs::create_dir_all(&out)?;
    let binary = out.join("connect-returns");
    // Cargo builds where CARGO_TARGET_DIR says, not always under the root.
    copy_executable(
        &crate::stands::target_dir(root).join("debug/connect-returns"),
        &binary,
    )?;
    check_embedded(&binary, &built.artifact.sha256)?;
    Ok(binary)
}

/// The root package's version, from `cargo metadata`.
fn package_version(root: &Path) -> anyhow::Result<String> {
    let out = proc::cmd(
        root,
        std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
    )
    .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
    .output()
    .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "connect-returns")
        .and_then(|p| p["version"].as_str())
        .map(str::to_string)
        .context("cargo metadata names no package connect-returns")
}

fn copy_executable(from: &Path, to: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// The binary's `--version` must name the artifact just built: proof the embedding took.
fn check_embedded(binary: &Path, sha256: &str) -> anyhow::Result<()> {
    let out = proc::cmd(binary.parent().unwrap(), binary)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {} --version", binary.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains(sha256) {
        bail!(
            "{} --version does not name the embedded artifact sha256 {sha256}:\n{text}",
            binary.display()
        );
    }
    eprint!("{text}");
    Ok(())
}

/// `<stem>.tar.gz` holding `<stem>/connect-returns`, `<stem>/README.md` and `<stem>/LICENSE`
/// when present: sorted names, fixed mtime, owner 0:0, no gzip name or timestamp.
fn write_tarball(
    root: &Path,
    out: &Path,
    stem: &str,
    binary: &Path,
    tarball: &Path,
) -> anyhow::Result<()> {
    let staging = out.join(format!("{stem}.staging"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    let dir = staging.join(stem);
    std::fs::create_dir_all(&dir)?;
    copy_executable(binary, &dir.join("connect-returns"))?;
    for doc in ["README.md", "LICENSE"] {
        if root.join(doc).exists() {
            std::fs::copy(root.join(doc), dir.join(doc))?;
        }
    }
    let tar_path = staging.join(format!("{stem}.tar"));
    let tar = proc::cmd(&staging, "tar")
        .args([
            "--sort=name",
            "--format=gnu",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "--mode=u+rwX,go+rX,go-w",
        ])
        .arg(format!("--mtime={TAR_MTIME}"))
        .arg("-cf")
        .arg(&tar_path)
        .arg(stem)
        .output()
        .context("cannot run tar")?;
    if !tar.status.success() {
        bail!("tar failed: {}", String::from_utf8_lossy(&tar.stderr));
    }
    // gzip -n: no file name and no timestamp in the header.
    let gz = proc::cmd(&staging, "gzip")
        .args(["-n", "-9", "-c"])
        .stdin(std::fs::File::open(&tar_path)?)
        .stdout(std::fs::File::create(tarball)?)
        .status()
        .context("cannot run gzip")?;
    if !gz.success() {
        bail!("gzip failed ({gz})");
    }
    std::fs::remove_dir_all(&staging)?;
    Ok(())
}
