//! Asking before a change: refuse without a terminal unless `--yes`, otherwise show the plan on
//! stderr and ask. The engine receives the result as a callback and never reads stdin.

use std::io::IsTerminal as _;

use crate::deploy::plan::{self, Plan};
use crate::error::UserError;

/// Refuses a mutating run without a terminal unless `--yes` was given.
pub fn require_yes(yes: bool, command: &str) -> Result<(), UserError> {
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(UserError::new(format!(
        "{command} changes AWS resources and there is no terminal to confirm on"
    ))
    .hint(format!(
        "pass --yes to {command} without asking, or --plan to only see what would change"
    )))
}

/// The confirmation a command hands to the engine: yes without asking under `--yes`, else the
/// plan is shown under `title` and the question asked on the terminal.
pub fn asker(yes: bool, title: &'static str, question: &'static str) -> impl Fn(&Plan) -> bool {
    move |plan: &Plan| {
        if yes {
            return true;
        }
        eprint!("{}", plan::render(plan, title));
        ask(question)
    }
}

/// Asks on the terminal; `true` to go on.
fn ask(question: &str) -> bool {
    use std::io::{BufRead as _, Write as _};
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}
