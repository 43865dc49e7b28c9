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
    /// Exit 4: `verify` ran, and a scenario failed.
    ScenarioFailed,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Drift => ExitCode::from(3),
            Outcome::ScenarioFailed => ExitCode::from(4),
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
    if user_error(err).is_some() {
        2
    } else if err.downcast_ref::<crate::verify::Interrupted>().is_some() {
        130
    } else {
        1
    }
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

/// The text printed for an error: `error: <cause chain>` then one `hint:` per line. Phone
/// numbers are masked, whatever the error carries.
pub fn render(err: &anyhow::Error) -> String {
    render_with(err, detailed())
}

/// Whether errors are shown in full (`-vv` and more): set once from the command line.
static DETAILED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

pub fn set_detailed(detailed: bool) {
    let _ = DETAILED.set(detailed);
}

fn detailed() -> bool {
    DETAILED.get().copied().unwrap_or(false)
}

fn render_with(err: &anyhow::Error, detailed: bool) -> String {
    let mut out = String::new();
    match user_error(err) {
        Some(user) => {
            out.push_str(&format!("error: {}\n", user.message));
            for hint in &user.hints {
                out.push_str(&format!("hint: {hint}\n"));
            }
        }
        None => {
            let mut chain: Vec<String> = Vec::new();
            for cause in err.chain() {
                let text = cause.to_string();
                let text = if detailed { text } else { in_words(&text) };
                // SDK errors repeat their source's words; say each once.
                if !text.is_empty() && !chain.iter().any(|earlier| earlier.contains(&text)) {
                    chain.push(text);
                }
            }
            let chain = chain.join(": ");
            out.push_str(&format!("error: {chain}\n"));
            for hint in hints_for(&chain) {
                out.push_str(&format!("hint: {hint}\n"));
            }
            if !detailed {
                out.push_str("hint: -vv shows the error in full\n");
            }
        }
    }
    crate::output::mask_phone_numbers(&out)
}

/// An SDK error's text without its debug dump: `… Error { code: Some("X"), message: Some("Y"),
/// … }` becomes `X: Y`.
fn in_words(text: &str) -> String {
    let Some(start) = text.find(" { ").or_else(|| text.find('(')) else {
        return text.to_string();
    };
    if !text.contains("Some(") && !text.contains("ErrorMetadata") {
        return text.to_string();
    }
    let quoted = |field: &str| -> Option<String> {
        let rest = text.split(&format!("{field}: Some(\"")).nth(1)?;
        Some(rest.split('"').next()?.to_string())
    };
    let head = text[..start].trim_end_matches([':', ' ']).to_string();
    let head = head
        .rsplit_once(": ")
        .map(|(before, last)| {
            if last.chars().all(|c| c.is_alphanumeric()) {
                before.to_string()
            } else {
                head.clone()
            }
        })
        .unwrap_or(head.clone());
    match (quoted("code"), quoted("message")) {
        (Some(code), Some(message)) => format!("{head}: {code}: {message}"),
        (Some(code), None) => format!("{head}: {code}"),
        (None, Some(message)) => format!("{head}: {message}"),
        (None, None) => head,
    }
}

/// What to do about an error while applying, from what it says.
fn hints_for(chain: &str) -> Vec<&'static str> {
    let lower = chain.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| lower.contains(word));
    if has(&[
        "accessdenied",
        "not authorized",
        "unauthorized",
        "forbidden",
    ]) {
        return vec!["the credentials lack a permission the run needs: grant it, then run again"];
    }
    if has(&[
        "expiredtoken",
        "invalidclienttokenid",
        "signaturedoesnotmatch",
        "credentials",
    ]) {
        return vec!["refresh or fix the credentials (profile, environment), then run again"];
    }
    if has(&[
        "throttl",
        "toomanyrequests",
        "timeout",
        "timed out",
        "dispatch failure",
        "connection",
        "serviceunavailable",
        "internalservice",
        "internal server",
        "limitexceeded",
    ]) {
        return vec!["this may pass on its own: a re-run continues from what exists"];
    }
    vec!["fix the cause and run again; a re-run continues from what exists"]
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

    #[test]
    fn sdk_debug_dumps_read_as_words_and_hints_fit_the_case() {
        let err = anyhow::anyhow!(
            "service error: unhandled error: Error {{ code: Some(\"AccessDenied\"), message: Some(\"Access Denied\"), aws_request_id: Some(\"X1\") }}"
        )
        .context("failed to take the deploy lock");
        let text = render_with(&err, false);
        assert!(
            text.starts_with("error: failed to take the deploy lock: service error: unhandled error: AccessDenied: Access Denied\n"),
            "{text}"
        );
        assert!(text.contains("lack a permission"), "{text}");
        assert!(!text.contains("re-run continues"), "{text}");
        assert!(!text.contains("aws_request_id"), "{text}");
        let full = render_with(&err, true);
        assert!(full.contains("aws_request_id"), "{full}");
        let throttled = anyhow::anyhow!("ThrottlingException").context("failed to create queue");
        assert!(render_with(&throttled, false).contains("re-run continues"));
    }

    #[test]
    fn phone_numbers_never_reach_an_error_line() {
        let err = anyhow::anyhow!("number +12065550100 is taken");
        let text = render_with(&err, false);
        assert!(!text.contains("2065550100"), "{text}");
        assert!(text.contains("+12*******00"), "{text}");
    }
}
