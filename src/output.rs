//! What goes to stdout and stderr.
//!
//! stdout carries data only: a human summary, or with `--output json` one JSON document.
//! Logs go to stderr through `tracing`, at a level set by `-v`/`-q` (or `RUST_LOG`); progress
//! events are rendered to stderr by the reporter of the command.

use std::io::Write as _;

use crate::cli::{GlobalArgs, OutputFormat};

/// Installs the stderr log subscriber.
pub fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "connect_returns=info,warn",
        (false, 2) => "connect_returns=debug,info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_color())
        .with_target(false)
        .try_init();
}

/// Colour only on a terminal and never with `NO_COLOR` set (https://no-color.org).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Writes a command's result to stdout in the chosen format.
pub fn print_result<T: serde::Serialize + std::fmt::Display>(
    global: &GlobalArgs,
    result: &T,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match global.output {
        OutputFormat::Text => write!(stdout, "{result}")?,
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, result)?;
            writeln!(stdout)?;
        }
    }
    stdout.flush()?;
    Ok(())
}
