//! Desired state: what a deployment should look like, computed from the shipped assets and the
//! settings alone (pure, no IO). Flow contents keep their `${kind:name}` placeholders here; they
//! are resolved against real ARNs when the plan is made and again when each flow step runs.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::UserError;

pub use super::model::Settings;

/// The routing profile holding the menu's queues.
pub const ROUTING_PROFILE: &str = "returnCallerRoutingProfile";

/// Longest deployment name: stack names are at most 128 characters and get a solution suffix.
const MAX_NAME: usize = 64;

/// Checks the settings that need no AWS call. Each failure is bad input (exit 2).
pub fn check(settings: &Settings) -> Result<(), UserError> {
    let name = &settings.name;
    let valid_name = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid_name {
        return Err(UserError::new(format!("deployment name {name:?} cannot name a CloudFormation stack"))
            .hint(format!("use letters, digits and hyphens, starting with a letter, at most {MAX_NAME} characters (e.g. --name returnCaller)")));
    }
    let bot_name_ok = match settings.lex {
        super::model::LexVersion::V2 => super::model::is_lex_v2_name(&settings.bot_name()),
        super::model::LexVersion::V1 => {
            super::model::is_lex_v1_name(&settings.bot_name(), super::model::LEX_V1_NAME_MAX)
        }
    };
    if settings.returning_callers() && !bot_name_ok {
        return Err(UserError::new(format!(
            "deployment name {name:?} gives the Lex bot name {:?}, which Lex refuses",
            settings.bot_name()
        ))
        .hint("use a deployment name without two hyphens in a row (e.g. --name dev-a)"));
    }
    settings.experience().check()?;
    if !super::model::ROUTING_PRIORITIES.contains(&settings.routing_priority) {
        return Err(UserError::new(format!(
            "--routing-priority {} is out of range",
            settings.routing_priority
        ))
        .hint("give 1 (taken first) to 99; the blog uses 2"));
    }
    if let Some(profile) = &settings.routing_profile {
        let count = profile.chars().count();
        if profile.trim().is_empty()
            || count > MAX_CONNECT_NAME
            || profile.chars().any(char::is_control)
        {
            return Err(UserError::new(format!(
                "--routing-profile {profile:?} cannot name an Amazon Connect routing profile"
            ))
            .hint("give the exact name of an existing routing profile, e.g. --routing-profile \"Basic Routing Profile\""));
        }
    }
    check_connect_names(settings)?;
    super::model::check_bounds(
        "record-ttl-minutes",
        settings.record_ttl_minutes,
        super::model::RECORD_TTL_MINUTES,
        "the minutes a caller counts as returning",
    )?;
    super::model::check_bounds(
        "callback-ttl-hours",
        settings.callback_ttl_hours,
        super::model::CALLBACK_TTL_HOURS,
        "the hours a callback record is kept",
    )?;
    if let Some(role) = &settings.cfn_service_role
        && !is_role_arn(role)
    {
        return Err(UserError::new(format!(
            "--cfn-service-role {role:?} is not an IAM role ARN"
        ))
        .hint("give the role's ARN, e.g. arn:aws:iam::123456789012:role/connect-returns-cloudformation"));
    }
    for (flag, number) in [
        ("--phone-number", &settings.phone_number),
        ("--callback-phone-number", &settings.callback_phone_number),
    ] {
        if let Some(number) = number
            && !is_e164(number)
        {
            return Err(
                UserError::new(format!("{flag} is not an E.164 phone number")).hint(
                    "write it as + then country code and number, digits only, e.g. +12065550100",
                ),
            );
        }
    }
    if settings.phone_number.is_some() && !settings.returning_callers() {
        return Err(UserError::new("--phone-number points at the returning-callers flow, which --solution callbacks does not deploy")
            .hint("use --callback-phone-number, or --solution all"));
    }
    if settings.callback_phone_number.is_some() && !settings.callbacks() {
        return Err(UserError::new("--callback-phone-number points at the callbacks flow, which --solution returning-callers does not deploy")
            .hint("use --phone-number, or --solution all"));
    }
    if settings.phone_number.is_some() && settings.phone_number == settings.callback_phone_number {
        return Err(UserError::new(
            "--phone-number and --callback-phone-number are the same number",
        )
        .hint("a number can point at one flow only; give two different numbers"));
    }
    Ok(())
}

/// Longest name Amazon Connect accepts for a queue, routing profile or contact flow.
pub const MAX_CONNECT_NAME: usize = 127;

/// Every Connect name the deployment creates, with the prefix applied, must be one Connect
/// accepts: at most [`MAX_CONNECT_NAME`] characters, no control characters.
fn check_connect_names(settings: &Settings) -> Result<(), UserError> {
    if settings.prefix.chars().any(char::is_control) {
        return Err(UserError::new("--prefix contains a control character")
            .hint("use letters, digits, hyphens or underscores, e.g. --prefix dev-"));
    }
    let longest = settings
        .menu
        .names()
        .chain([ROUTING_PROFILE])
        .chain(crate::assets::flows().iter().map(|flow| flow.name))
        .max_by_key(|name| name.chars().count())
        .unwrap_or_default();
    let named = settings.named(longest);
    if named.chars().count() > MAX_CONNECT_NAME {
        return Err(UserError::new(format!(
            "--prefix of {} characters makes {longest} a name of {} characters; Amazon Connect accepts at most {MAX_CONNECT_NAME}",
            settings.prefix.chars().count(),
            named.chars().count()
        ))
        .hint(format!(
            "use a prefix of at most {} characters, e.g. --prefix dev-",
            MAX_CONNECT_NAME - longest.chars().count()
        )));
    }
    Ok(())
}

/// `+` then 7 to 15 digits, not starting with 0.
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

/// A flow to deploy, with its placeholders unresolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowTemplate {
    /// `returning-callers` or `callbacks`; recorded as the tag `connect-returns:solution`.
    pub solution: String,
    pub name: String,
    pub flow_type: String,
    pub description: String,
    pub content: String,
}

/// The flows of the chosen solutions, in the assets' creation order.
pub fn flow_templates(settings: &Settings) -> Vec<FlowTemplate> {
    crate::assets::flows()
        .iter()
        .filter(|flow| match flow.solution {
            crate::assets::Solution::ReturningCallers => settings.returning_callers(),
            crate::assets::Solution::Callbacks => settings.callbacks(),
        })
        .map(|flow| FlowTemplate {
            solution: flow.solution.id().to_string(),
            name: flow.name.to_string(),
            flow_type: flow.flow_type.to_string(),
            description: format!("{} (connect-returns, {})", flow.name, flow.solution.id()),
            // A flow the menu cannot be applied to keeps its source; validation names the
            // problem.
            content: settings
                .experience()
                .apply(flow.name, flow.source)
                .unwrap_or_else(|_| flow.source.to_string()),
        })
        .collect()
}

/// The lookup key of a placeholder: `(kind, name)`, with `${callbackQueue}` as the queue named by
/// `--callback-queue` and flow names prefixed like every Connect name.
pub fn key_of(placeholder: &crate::assets::Placeholder, settings: &Settings) -> (String, String) {
    use crate::assets::Placeholder;
    match placeholder {
        Placeholder::CallbackQueue => ("queue".to_string(), settings.callback_queue.clone()),
        Placeholder::Queue(name) => ("queue".to_string(), settings.named(name)),
        Placeholder::Flow(name) => ("flow".to_string(), settings.named(name)),
        // The flows name the shipped bot; the deployment's bot carries the deployment's name.
        Placeholder::Lex(_) => ("lex".to_string(), settings.bot_name()),
        other => (other.kind().to_string(), other.name().to_string()),
    }
}

impl FlowTemplate {
    /// The resources the flow refers to, as lookup keys.
    pub fn keys(&self, settings: &Settings) -> BTreeSet<(String, String)> {
        crate::assets::placeholder::scan(&self.content)
            .into_iter()
            .filter_map(|found| found.parsed.ok())
            .map(|placeholder| key_of(&placeholder, settings))
            .collect()
    }

    /// The flow content with every placeholder known in `known` resolved; unknown ones become a
    /// visible `<pending …>` marker and are returned.
    pub fn render(
        &self,
        settings: &Settings,
        known: &BTreeMap<(String, String), String>,
        lex: &crate::assets::LexRendering,
    ) -> (String, Vec<(String, String)>) {
        let missing = std::cell::RefCell::new(Vec::new());
        let resolve = |placeholder: &crate::assets::Placeholder| -> Option<String> {
            let key = key_of(placeholder, settings);
            match known.get(&key) {
                Some(value) => Some(value.clone()),
                None => {
                    missing.borrow_mut().push(key);
                    Some(format!("<pending {placeholder}>"))
                }
            }
        };
        match crate::assets::render_source(&self.name, &self.content, &resolve, lex) {
            Ok(content) => (content, missing.into_inner()),
            Err(err) => (
                self.content.clone(),
                vec![("error".to_string(), err.to_string())],
            ),
        }
    }
}

/// The flow the callback queue's outbound whisper points at.
pub const OUTBOUND_WHISPER_FLOW: &str = "cfOutboundWhisperflow";
/// The entry flow of each solution (what `--phone-number` / `--callback-phone-number` point at).
pub const RETURNING_ENTRY_FLOW: &str = "repeatCallerFlow";
pub const CALLBACK_ENTRY_FLOW: &str = "cfSetCallBackflow";

/// `arn:<partition>:iam::<12 digits>:role/<path and name>`, the shape CloudFormation's `RoleARN`
/// takes.
pub fn is_role_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    matches!(parts[..], ["arn", partition, "iam", "", account, resource]
    if partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && !name.ends_with('/')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn settings() -> Settings {
        super::super::model::tests::example()
    }

    #[test]
    fn defaults_pass() {
        assert!(check(&settings()).is_ok());
    }

    #[test]
    fn bad_settings_are_refused_with_a_hint() {
        type Edit = Box<dyn Fn(&mut Settings)>;
        let cases: Vec<Edit> = vec![
            Box::new(|s| s.name = "has space".into()),
            Box::new(|s| s.name = "1abc".into()),
            Box::new(|s| s.name = "x".repeat(65)),
            Box::new(|s| s.name = "a--b".into()),
            Box::new(|s| s.record_ttl_minutes = 0),
            Box::new(|s| s.record_ttl_minutes = -5),
            Box::new(|s| s.record_ttl_minutes = 1_000_000),
            Box::new(|s| s.phone_number = Some("2065550100".into())),
            Box::new(|s| s.prefix = "p".repeat(200)),
            Box::new(|s| s.prefix = "a\tb".into()),
            Box::new(|s| s.callback_phone_number = Some("+1 206 555".into())),
        ];
        for change in cases {
            let mut s = settings();
            change(&mut s);
            let err = check(&s).unwrap_err();
            assert!(!err.hints.is_empty(), "{err}");
        }
    }

    #[test]
    fn e164() {
        assert!(is_e164("+12065550100"));
        assert!(!is_e164("+0123456789"));
        assert!(!is_e164("+12"));
        assert!(!is_e164("12065550100"));
    }
}
