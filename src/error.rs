//! Exit-code policy and error rendering.
//!
//! Every error reaches the user as one line of cause, then `hint:` lines saying what to do.
//! [`UserError`] is bad input or a preflight refusal: exit 2, and by construction nothing was
//! changed. Any other error is a failure while applying: exit 1.

use std::fmt;
use std::process::ExitCode;

/// What a command ended with, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: done (a no-op deploy is success).
    Success,
    /// Exit 3: `status --check` found drift, a missing or an unhealthy resource.
    Drift,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Drift => ExitCode::from(3),
        }
    }
}

/// Bad input or a preflight refusal: exit 2, nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub message: String,
    pub hints: Vec<String>,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// Shorthand for returning a [`UserError`] from a function returning `anyhow::Result`.
#[macro_export]
macro_rules! bad_input {
    ($msg:expr $(, hint = $hint:expr)* $(,)?) => {
        return Err(anyhow::Error::new($crate::error::UserError::new($msg)$(.hint($hint))*))
    };
}

/// The exit code an error maps to.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if let Some(clap_err) = err.downcast_ref::<clap::Error>() {
        return clap_err.exit_code() as u8;
    }
    if user_error(err).is_some() { 2 } else { 1 }
}

fn user_error(err: &anyhow::Error) -> Option<&UserError> {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<UserError>())
}

/// Renders an error to stderr and returns the process exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if let Some(clap_err) = err.downcast_ref::<clap::Error>() {
        // Help and version go to stdout with exit 0; usage errors to stderr with exit 2.
        let _ = clap_err.print();
        return ExitCode::from(clap_err.exit_code() as u8);
    }
    eprint!("{}", render(err));
    ExitCode::from(exit_code(err))
}

/// The text printed for an error: `error: <cause chain>` then one `hint:` per line.
pub fn render(err: &anyhow::Error) -> String {
    let mut out = String::new();
    match user_error(err) {
        Some(user) => {
            out.push_str(&format!("error: {}\n", user.message));
            for hint in &user.hints {
                out.push_str(&format!("hint: {hint}\n"));
            }
        }
        None => {
            let chain: Vec<String> = err.chain().map(|cause| cause.to_string()).collect();
            out.push_str(&format!("error: {}\n", chain.join(": ")));
            out.push_str("hint: re-run with -v for details; a re-run continues from what exists\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_exit_2_with_hints() {
        let err = anyhow::Error::new(UserError::new("instance not found").hint("check --region"));
        assert_eq!(exit_code(&err), 2);
        assert_eq!(
            render(&err),
            "error: instance not found\nhint: check --region\n"
        );
    }

    #[test]
    fn user_error_behind_context_still_exits_2() {
        let err = anyhow::Error::new(UserError::new("bad")).context("while planning");
        assert_eq!(exit_code(&err), 2);
    }

    #[test]
    fn other_errors_exit_1_with_the_cause_chain() {
        let err = anyhow::anyhow!("throttled").context("failed to create queue Sales");
        assert_eq!(exit_code(&err), 1);
        assert!(render(&err).starts_with("error: failed to create queue Sales: throttled\nhint: "));
    }
}
