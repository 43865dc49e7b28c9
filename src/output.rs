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
    crate::error::set_detailed(global.verbose >= 2);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| MaskingWriter(std::io::stderr()))
        .with_ansi(use_color())
        .with_target(false)
        .try_init();
}

/// Masks every phone number in `text`: `+` (or `%2B`, URL-encoded) and 8 to 15 digits keep
/// the country code's first digits and the last two (`+12*******00`). Log lines and errors pass
/// through it, so no full number reaches stderr, at any verbosity, whoever logged it (the SDK
/// logs request bodies at trace level).
pub fn mask_phone_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let marker = if bytes[i] == b'+' {
            1
        } else if bytes[i..].starts_with(b"%2B") || bytes[i..].starts_with(b"%2b") {
            3
        } else {
            0
        };
        if marker > 0 {
            let digits = bytes[i + marker..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if (8..=15).contains(&digits) {
                let number = &text[i + marker..i + marker + digits];
                out.push_str(&text[i..i + marker]);
                out.push_str(&number[..2]);
                out.push_str(&"*".repeat(digits - 4));
                out.push_str(&number[digits - 2..]);
                i += marker + digits;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

/// stderr behind [`mask_phone_numbers`]: tracing writes each event through one writer.
struct MaskingWriter(std::io::Stderr);

impl std::io::Write for MaskingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(mask_phone_numbers(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
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
