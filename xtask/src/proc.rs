//! The one place xtask starts processes: foreground commands that must succeed, and
//! background services whose process id is recorded so that only they are stopped later.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context as _, bail};

/// A command to run from `dir`. Every xtask process starts here, so each one names its
/// working directory (the habit rust-analyzer's xtask enforces).
pub fn cmd(dir: &Path, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir);
    command
}

/// Runs a command with inherited stdio and fails unless it exits 0.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = status(command)?;
    if !status.success() {
        bail!("`{}` failed with {status}", describe(command));
    }
    Ok(())
}

/// Runs a command with inherited stdio and returns its status.
pub fn status(command: &mut Command) -> anyhow::Result<ExitStatus> {
    eprintln!("xtask: $ {}", describe(command));
    command
        .status()
        .with_context(|| format!("cannot start `{}`", describe(command)))
}

/// Starts a long-running service detached from our stdio, logging to `log`; returns its pid.
pub fn spawn_service(command: &mut Command, log: &Path) -> anyhow::Result<u32> {
    let file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let err = file.try_clone()?;
    let child = command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .with_context(|| format!("cannot start `{}`", describe(command)))?;
    Ok(child.id())
}

/// True while a process with this id exists.
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Asks a process to stop (SIGTERM) and waits up to five seconds, then SIGKILL.
pub fn stop(pid: u32) -> anyhow::Result<()> {
    if !alive(pid) {
        return Ok(());
    }
    let _ = Command::new("kill").arg(pid.to_string()).status();
    for _ in 0..50 {
        if !alive(pid) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    Ok(())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
