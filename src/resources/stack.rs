//! Resource kind `stack`: one CloudFormation stack per solution (`<deployment>-returning-callers`,
//! `<deployment>-callbacks`), tagged with the deployment.
//!
//! - `diff` decides create / update / no-op / conflict from the template text, parameters and tags
//!   alone, so an unchanged re-deploy makes no mutating call (not even an empty change set).
//! - `apply` creates with CreateStack and updates through a change set, treats an empty change set as success
//!   (both AWS's FAILED "didn't contain changes" and moto's `No updates are to be performed`),
//!   streams stack events while it waits, and reports a failure with the failing resource's reason
//!   and a hint. A stack left in ROLLBACK_COMPLETE by a failed first create is deleted and created again.
//! - A stack busy with another operation (`*_IN_PROGRESS`) is refused, never interleaved.
//! - `delete` honours ownership and, with `keep_data`, switches every `AWS::DynamoDB::Table` to
//!   `DeletionPolicy: Retain` through an update of the deployed template before deleting the stack
//!   (a template transform, so the shipped templates need no parameter for it), and returns the tables kept.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, Parameter, Stack, StackStatus, Tag, TemplateStage,
};

use super::sdk::{Backoff, describe_error, error_code, secs};
use super::{Change, FieldDiff, Progress, TAG_DEPLOYMENT as DEPLOYMENT_TAG, conflict, refusal};
use crate::error::UserError;

/// Longest time a stack operation is waited for before giving up (CloudFormation's own limits are longer,
/// but a Connect solution stack that takes an hour is broken).
const STACK_WAIT_LIMIT: Duration = Duration::from_secs(60 * 60);

/// A failure while applying, with what to do about it. Displayed as the cause, then a `hint:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub cause: String,
    pub hint: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\nhint: {}", self.cause, self.hint)
    }
}

impl std::error::Error for Failure {}

/// The stack name of a solution: `<deployment>-<suffix>`, validated against CloudFormation's rules
/// (letters, digits and hyphens, starting with a letter, at most 128 characters).
pub fn stack_name(deployment: &str, suffix: &str) -> Result<String, UserError> {
    let name = format!("{deployment}-{suffix}");
    let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if deployment.is_empty() || !valid_chars || !starts_with_letter || name.len() > 128 {
        return Err(UserError::new(format!(
            "deployment name {deployment:?} cannot be used in a stack name ({name:?})"
        ))
        .hint("use letters, digits and hyphens, starting with a letter, e.g. --name returnCaller")
        .hint(format!(
            "the stack name adds \"-{suffix}\" and must stay within 128 characters"
        )));
    }
    Ok(name)
}

/// What the stack should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub stack_name: String,
    pub deployment: String,
    pub template_body: String,
    pub parameters: BTreeMap<String, String>,
    /// Extra tags; the deployment tag is always added.
    pub tags: BTreeMap<String, String>,
    /// The role CloudFormation assumes for the stack (`RoleARN`); `None` leaves the stack's own
    /// (CloudFormation keeps the role a stack was given until another is given).
    pub service_role: Option<String>,
}

impl Desired {
    /// A stack for `deployment` and solution `suffix` (see [`stack_name`]).
    pub fn new(
        deployment: &str,
        suffix: &str,
        template_body: impl Into<String>,
        parameters: BTreeMap<String, String>,
    ) -> Result<Desired, UserError> {
        Ok(Desired {
            stack_name: stack_name(deployment, suffix)?,
            deployment: deployment.to_string(),
            template_body: template_body.into(),
            parameters,
            tags: BTreeMap::new(),
            service_role: None,
        })
    }

    /// Every tag the stack carries, the deployment tag included.
    pub fn all_tags(&self) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.insert(DEPLOYMENT_TAG.to_string(), self.deployment.clone());
        tags
    }
}

/// The stack as CloudFormation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub stack_id: String,
    pub stack_name: String,
    /// `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, ...
    pub status: String,
    pub status_reason: Option<String>,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub outputs: BTreeMap<String, String>,
    /// The deployed template as submitted (`GetTemplate`, stage Original).
    pub template_body: String,
}

impl Current {
    /// The deployment named by the stack's tag, if any.
    pub fn deployment(&self) -> Option<&str> {
        self.tags.get(DEPLOYMENT_TAG).map(String::as_str)
    }

    /// Another operation is running on the stack (a change-set review is not one).
    pub fn busy(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS") && self.status != "REVIEW_IN_PROGRESS"
    }

    /// The stack holds nothing usable and must be deleted before it can be created again.
    pub fn needs_recreate(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED"
        )
    }

    /// Healthy: the last operation completed (an update that rolled back leaves the previous,
    /// working resources, but is reported as unhealthy so `status` says so).
    pub fn healthy(&self) -> bool {
        matches!(
            self.status.as_str(),
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
        )
    }
}

/// What `apply` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub stack_id: String,
    pub outputs: BTreeMap<String, String>,
    /// Whether a change set was executed (false for a no-op).
    pub changed: bool,
}

/// A resource a `keep_data` delete left in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
}

/// What `delete` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Whether there was a stack to delete.
    pub existed: bool,
    /// Tables kept because of `keep_data`.
    pub retained: Vec<Retained>,
}

fn stack_status_str(stack: &Stack) -> String {
    stack
        .stack_status()
        .map(|status| status.as_str().to_string())
        .unwrap_or_default()
}

fn is_missing_stack<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(err: &E) -> bool {
    error_code(err) == Some("ValidationError")
        && err.message().is_some_and(|m| m.contains("does not exist"))
}

async fn describe_stack(cfn: &Client, name_or_id: &str) -> anyhow::Result<Option<Stack>> {
    match cfn.describe_stacks().stack_name(name_or_id).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(err) => {
            let err = err.into_service_error();
            if is_missing_stack(&err) {
                Ok(None)
            } else {
                Err(anyhow::anyhow!(
                    "failed to describe stack {name_or_id}: {}",
                    describe_error(&err)
                ))
            }
        }
    }
}

fn current_from(stack: &Stack, template_body: String) -> Current {
    Current {
        stack_id: stack.stack_id().unwrap_or_default().to_string(),
        stack_name: stack.stack_name().unwrap_or_default().to_string(),
        status: stack_status_str(stack),
        status_reason: stack.stack_status_reason().map(str::to_string),
        parameters: stack
            .parameters()
            .iter()
            .filter_map(|p| {
                Some((
                    p.parameter_key()?.to_string(),
                    p.parameter_value().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
        tags: stack
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
        outputs: outputs_of(stack),
        template_body,
    }
}

fn outputs_of(stack: &Stack) -> BTreeMap<String, String> {
    stack
        .outputs()
        .iter()
        .filter_map(|o| {
            Some((
                o.output_key()?.to_string(),
                o.output_value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

async fn template_of(cfn: &Client, name_or_id: &str) -> anyhow::Result<String> {
    let out = cfn
        .get_template()
        .stack_name(name_or_id)
        .template_stage(TemplateStage::Original)
        .send()
        .await
        .map_err(|err| {
            anyhow::anyhow!(
                "failed to read the template of stack {name_or_id}: {}",
                describe_error(&err.into_service_error())
            )
        })?;
    Ok(out.template_body().unwrap_or_default().to_string())
}

/// Reads the stack by name (two read calls: DescribeStacks, GetTemplate). `None` when absent.
pub async fn read(cfn: &Client, stack_name: &str) -> anyhow::Result<Option<Current>> {
    let Some(stack) = describe_stack(cfn, stack_name).await? else {
        return Ok(None);
    };
    if stack.stack_status() == Some(&StackStatus::DeleteComplete) {
        return Ok(None);
    }
    let template = template_of(cfn, stack.stack_id().unwrap_or(stack_name)).await?;
    Ok(Some(current_from(&stack, template)))
}

/// A short, readable summary of how two template texts differ (`+3 -1 lines`).
pub fn template_change_summary(before: &str, after: &str) -> String {
    let diff = similar::TextDiff::from_lines(before, after);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    format!("+{added} -{removed} lines")
}

/// Pure: what applying `desired` over `current` would do.
pub fn diff(desired: &Desired, current: Option<&Current>) -> Change {
    let Some(current) = current else {
        return Change::Create;
    };
    match current.deployment() {
        Some(owner) if owner == desired.deployment => {}
        Some(owner) => {
            return conflict(
                format!(
                    "stack {} belongs to deployment {owner:?}, not {:?}",
                    current.stack_name, desired.deployment
                ),
                "choose another --name, or destroy the other deployment first",
            );
        }
        None => {
            return conflict(
                format!(
                    "stack {} exists but was not created by connect-returns (no {DEPLOYMENT_TAG} tag)",
                    current.stack_name
                ),
                "choose another --name, or delete that stack yourself if it is a leftover",
            );
        }
    }
    if current.busy() {
        return conflict(
            format!(
                "stack {} is busy: {} (another deploy or destroy is running)",
                current.stack_name, current.status
            ),
            format!(
                "wait for it to finish (aws cloudformation describe-stacks --stack-name {}) and run again",
                current.stack_name
            ),
        );
    }
    match current.status.as_str() {
        "UPDATE_ROLLBACK_FAILED" => {
            return conflict(
                format!(
                    "stack {} is stuck in UPDATE_ROLLBACK_FAILED",
                    current.stack_name
                ),
                format!(
                    "fix the resource named in the stack events, then `aws cloudformation continue-update-rollback --stack-name {}` and deploy again",
                    current.stack_name
                ),
            );
        }
        "DELETE_FAILED" => {
            return conflict(
                format!("stack {} is in DELETE_FAILED", current.stack_name),
                "run `connect-returns destroy` again to finish deleting it, then deploy",
            );
        }
        _ => {}
    }
    if current.status == "REVIEW_IN_PROGRESS" {
        // A create change set that was never executed (an interrupted deploy): create again.
        return Change::Create;
    }
    let mut fields = Vec::new();
    if current.needs_recreate() {
        fields.push(FieldDiff::new(
            "status",
            current.status.clone(),
            "deleted and created again",
        ));
    }
    if current.template_body != desired.template_body {
        fields.push(FieldDiff::new(
            "template",
            format!("{} lines", current.template_body.lines().count()),
            format!(
                "{} lines ({})",
                desired.template_body.lines().count(),
                template_change_summary(&current.template_body, &desired.template_body)
            ),
        ));
    }
    for (key, value) in &desired.parameters {
        match current.parameters.get(key) {
            Some(old) if old == value => {}
            // NoEcho parameters come back masked; they cannot be compared.
            Some(old) if old == "****" => {}
            Some(old) => fields.push(FieldDiff::new(
                format!("parameter {key}"),
                old.clone(),
                value.clone(),
            )),
            None => fields.push(FieldDiff::new(
                format!("parameter {key}"),
                "(unset)",
                value.clone(),
            )),
        }
    }
    for (key, value) in desired.all_tags() {
        match current.tags.get(&key) {
            Some(old) if *old == value => {}
            Some(old) => fields.push(FieldDiff::new(format!("tag {key}"), old.clone(), value)),
            None => fields.push(FieldDiff::new(format!("tag {key}"), "(unset)", value)),
        }
    }
    if fields.is_empty() {
        Change::NoOp
    } else {
        Change::from_fields(fields)
    }
}

fn no_changes_reason(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

fn change_set_name() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("connect-returns-{millis}")
}

/// Pure: whether `template` declares parameter `key` with an empty default (`Default: ""`).
/// Such a parameter whose value is empty is left out of change sets: CloudFormation then uses the
/// same empty default, and moto mishandles explicit empty values in change sets.
pub fn has_empty_default(template: &str, key: &str) -> bool {
    if template.trim_start().starts_with('{') {
        let doc: serde_json::Value = serde_json::from_str(template).unwrap_or_default();
        return doc["Parameters"][key]["Default"].as_str() == Some("");
    }
    let lines: Vec<&str> = template.lines().collect();
    let Some(section) = lines.iter().position(|l| l.trim_end() == "Parameters:") else {
        return false;
    };
    let header = format!("{key}:");
    let Some(offset) = lines[section + 1..]
        .iter()
        .position(|l| l.trim() == header && indent_of(l) > 0)
    else {
        return false;
    };
    let start = section + 1 + offset;
    let indent = indent_of(lines[start]);
    lines[start + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent_of(l) > indent)
        .any(|l| matches!(l.trim(), "Default: \"\"" | "Default: ''"))
}

/// Which parameters a change set sends: the desired values, or the deployed ones (for the
/// keep-data switch). Deployed values are sent explicitly, except masked NoEcho values, which use
/// UsePreviousValue (moto mishandles UsePreviousValue for empty-string parameters).
enum Params<'a> {
    Values(&'a BTreeMap<String, String>),
    Previous(&'a BTreeMap<String, String>),
}

struct ChangeSetRequest<'a> {
    stack_name: &'a str,
    template_body: &'a str,
    params: Params<'a>,
    tags: BTreeMap<String, String>,
    kind: ChangeSetType,
    service_role: Option<&'a str>,
}

/// Outcome of preparing a change set.
enum Prepared {
    /// Nothing to change.
    Empty,
    /// Ready to execute.
    Ready {
        change_set_id: String,
        stack_id: String,
    },
}

async fn create_change_set(
    cfn: &Client,
    req: ChangeSetRequest<'_>,
    progress: Progress<'_>,
) -> anyhow::Result<Prepared> {
    let name = change_set_name();
    let mut call = cfn
        .create_change_set()
        .stack_name(req.stack_name)
        .change_set_name(&name)
        .change_set_type(req.kind.clone())
        .template_body(req.template_body)
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .set_role_arn(req.service_role.map(str::to_string))
        .description("connect-returns deploy");
    let omit =
        |key: &str, value: &str| value.is_empty() && has_empty_default(req.template_body, key);
    match req.params {
        Params::Values(values) => {
            for (key, value) in values.iter().filter(|(k, v)| !omit(k, v)) {
                call = call.parameters(
                    Parameter::builder()
                        .parameter_key(key)
                        .parameter_value(value)
                        .build(),
                );
            }
        }
        Params::Previous(values) => {
            for (key, value) in values.iter().filter(|(k, v)| !omit(k, v)) {
                let parameter = Parameter::builder().parameter_key(key);
                let parameter = if value == "****" {
                    parameter.use_previous_value(true)
                } else {
                    parameter.parameter_value(value)
                };
                call = call.parameters(parameter.build());
            }
        }
    }
    for (key, value) in &req.tags {
        call = call.tags(Tag::builder().key(key).value(value).build());
    }
    let created = match call.send().await {
        Ok(out) => out,
        Err(err) => {
            let err = err.into_service_error();
            if err.message().is_some_and(no_changes_reason) {
                progress(format!("stack {}: no changes", req.stack_name));
                return Ok(Prepared::Empty);
            }
            return Err(
                busy_or(err.message().unwrap_or_default(), req.stack_name).unwrap_or_else(|| {
                    anyhow::anyhow!(
                        "failed to create a change set for stack {}: {}",
                        req.stack_name,
                        describe_error(&err)
                    )
                }),
            );
        }
    };
    let change_set_id = created.id().unwrap_or(&name).to_string();
    let stack_id = created.stack_id().unwrap_or(req.stack_name).to_string();
    progress(format!(
        "stack {}: waiting for change set {name} to be computed",
        req.stack_name
    ));
    let mut backoff = Backoff::long_wait();
    let started = Instant::now();
    loop {
        let described = cfn
            .describe_change_set()
            .change_set_name(&change_set_id)
            .stack_name(&stack_id)
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "failed to describe change set {name}: {}",
                    describe_error(&err.into_service_error())
                )
            })?;
        match described.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let changes: Vec<String> = described
                    .changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(|rc| {
                        format!(
                            "{} {} ({})",
                            rc.action().map(|a| a.as_str()).unwrap_or("Change"),
                            rc.logical_resource_id().unwrap_or("?"),
                            rc.resource_type().unwrap_or("?")
                        )
                    })
                    .collect();
                if !changes.is_empty() {
                    progress(format!(
                        "stack {}: change set: {}",
                        req.stack_name,
                        changes.join(", ")
                    ));
                }
                return Ok(Prepared::Ready {
                    change_set_id,
                    stack_id,
                });
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = described
                    .status_reason()
                    .unwrap_or("no reason given")
                    .to_string();
                // Best effort: a failed change set is clutter; the stack is untouched either way.
                let _ = cfn
                    .delete_change_set()
                    .change_set_name(&change_set_id)
                    .stack_name(&stack_id)
                    .send()
                    .await;
                if no_changes_reason(&reason) {
                    progress(format!("stack {}: no changes", req.stack_name));
                    return Ok(Prepared::Empty);
                }
                return Err(Failure {
                    cause: format!("change set for stack {} failed: {reason}", req.stack_name),
                    hint: "fix the template or parameters named above and deploy again; the stack was not changed".into(),
                }
                .into());
            }
            _ => {}
        }
        if started.elapsed() > STACK_WAIT_LIMIT {
            anyhow::bail!(
                "change set {name} for stack {} was not computed within {}",
                req.stack_name,
                secs(STACK_WAIT_LIMIT)
            );
        }
        backoff.wait().await;
    }
}

/// CloudFormation's refusal while another operation runs, as a clear refusal.
fn busy_or(message: &str, stack_name: &str) -> Option<anyhow::Error> {
    let busy = message.contains("_IN_PROGRESS state") || message.contains("is in progress");
    busy.then(|| {
        anyhow::Error::new(
            UserError::new(format!("stack {stack_name} is busy with another operation: {message}"))
                .hint("another deploy or destroy of this deployment is running; wait for it to finish and run again"),
        )
    })
}

/// Event ids already seen on a stack, so a wait prints only new ones.
async fn seen_events(cfn: &Client, stack_id: &str) -> HashSet<String> {
    match cfn
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
    {
        Ok(out) => out
            .stack_events()
            .iter()
            .filter_map(|e| e.event_id().map(str::to_string))
            .collect(),
        Err(_) => HashSet::new(),
    }
}

/// Waits until the stack leaves `*_IN_PROGRESS`, printing each new stack event. Returns the final
/// stack (None once deleted) and the failure reasons seen in events (resource: reason).
async fn wait_stack(
    cfn: &Client,
    stack_id: &str,
    stack_name: &str,
    seen: &mut HashSet<String>,
    progress: Progress<'_>,
    done: ResourceDone<'_>,
) -> anyhow::Result<(Option<Stack>, Vec<String>)> {
    let mut backoff = Backoff::long_wait();
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut last_status = String::new();
    loop {
        if let Ok(out) = cfn
            .describe_stack_events()
            .stack_name(stack_id)
            .send()
            .await
        {
            let mut fresh: Vec<_> = out
                .stack_events()
                .iter()
                .filter(|e| e.event_id().is_some_and(|id| !seen.contains(id)))
                .cloned()
                .collect();
            fresh.reverse(); // newest first on the wire
            for event in fresh {
                seen.insert(event.event_id().unwrap_or_default().to_string());
                let status = event.resource_status().map(|s| s.as_str()).unwrap_or("?");
                let logical = event.logical_resource_id().unwrap_or("?");
                let kind = event.resource_type().unwrap_or("?");
                let reason = event.resource_status_reason().unwrap_or_default();
                if status.ends_with("_FAILED")
                    && !reason.is_empty()
                    && !reason.contains("cancelled")
                {
                    failures.push(format!("{logical} ({kind}) {status}: {reason}"));
                }
                if matches!(status, "CREATE_COMPLETE" | "UPDATE_COMPLETE")
                    && kind != "AWS::CloudFormation::Stack"
                    && let Some(physical) = event.physical_resource_id().filter(|p| !p.is_empty())
                {
                    done(logical, physical);
                }
                if reason.is_empty() {
                    progress(format!("stack {stack_name}: {logical} ({kind}) {status}"));
                } else {
                    progress(format!(
                        "stack {stack_name}: {logical} ({kind}) {status}: {reason}"
                    ));
                }
            }
        }
        let stack = describe_stack(cfn, stack_id).await?;
        let status = stack
            .as_ref()
            .map(stack_status_str)
            .unwrap_or_else(|| "DELETE_COMPLETE".to_string());
        if !status.ends_with("_IN_PROGRESS") {
            return Ok((stack, failures));
        }
        if status != last_status {
            last_status = status.clone();
        }
        if started.elapsed() > STACK_WAIT_LIMIT {
            anyhow::bail!(
                "stack {stack_name} still {status} after {}",
                secs(STACK_WAIT_LIMIT)
            );
        }
        let delay = backoff.next_delay();
        if started.elapsed() >= Duration::from_secs(5) {
            progress(format!(
                "stack {stack_name}: waiting for {status} to finish ({} so far)",
                secs(started.elapsed())
            ));
        }
        tokio::time::sleep(delay).await;
    }
}

fn failure_of(
    stack_name: &str,
    status: &str,
    stack_reason: Option<&str>,
    failures: &[String],
) -> Failure {
    let mut cause = format!("stack {stack_name} ended in {status}");
    if let Some(first) = failures.first() {
        cause.push_str(&format!(": {first}"));
    } else if let Some(reason) = stack_reason.filter(|r| !r.is_empty()) {
        cause.push_str(&format!(": {reason}"));
    }
    let hint = match status {
        "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED" => {
            "fix the cause above and deploy again; the next deploy deletes the failed stack and creates it anew".to_string()
        }
        "UPDATE_ROLLBACK_COMPLETE" => "fix the cause above and deploy again; the stack rolled back to its previous state".to_string(),
        "UPDATE_ROLLBACK_FAILED" => format!(
            "fix the resource named above, then `aws cloudformation continue-update-rollback --stack-name {stack_name}` and deploy again"
        ),
        "DELETE_FAILED" => "remove what blocks the resource named above and run destroy again".to_string(),
        _ => format!("see `aws cloudformation describe-stack-events --stack-name {stack_name}`"),
    };
    Failure { cause, hint }
}

async fn execute_and_wait(
    cfn: &Client,
    stack_name: &str,
    change_set_id: &str,
    stack_id: &str,
    success: &[&str],
    progress: Progress<'_>,
    done: ResourceDone<'_>,
) -> anyhow::Result<Stack> {
    let mut seen = seen_events(cfn, stack_id).await;
    if let Err(err) = cfn
        .execute_change_set()
        .change_set_name(change_set_id)
        .stack_name(stack_id)
        .send()
        .await
    {
        let err = err.into_service_error();
        return Err(
            busy_or(err.message().unwrap_or_default(), stack_name).unwrap_or_else(|| {
                anyhow::anyhow!(
                    "failed to execute the change set of stack {stack_name}: {}",
                    describe_error(&err)
                )
            }),
        );
    }
    progress(format!("stack {stack_name}: change set executing"));
    finish(
        cfn, stack_name, stack_id, &mut seen, success, progress, done,
    )
    .await
}

/// Waits for the running operation and checks it ended in one of `success`.
async fn finish(
    cfn: &Client,
    stack_name: &str,
    stack_id: &str,
    seen: &mut HashSet<String>,
    success: &[&str],
    progress: Progress<'_>,
    done: ResourceDone<'_>,
) -> anyhow::Result<Stack> {
    let (stack, failures) = wait_stack(cfn, stack_id, stack_name, seen, progress, done).await?;
    let Some(stack) = stack else {
        return Err(failure_of(stack_name, "DELETE_COMPLETE", None, &failures).into());
    };
    let status = stack_status_str(&stack);
    if success.contains(&status.as_str()) {
        progress(format!("stack {stack_name}: {status}"));
        Ok(stack)
    } else {
        Err(failure_of(stack_name, &status, stack.stack_status_reason(), &failures).into())
    }
}

/// First creation: CreateStack (there is nothing to review in a create, and moto drops the outputs
/// of stacks created through a CREATE change set).
async fn create_stack(
    cfn: &Client,
    desired: &Desired,
    progress: Progress<'_>,
    done: ResourceDone<'_>,
) -> anyhow::Result<Stack> {
    let mut call = cfn
        .create_stack()
        .stack_name(&desired.stack_name)
        .template_body(&desired.template_body)
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .set_role_arn(desired.service_role.clone());
    for (key, value) in &desired.parameters {
        call = call.parameters(
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build(),
        );
    }
    for (key, value) in desired.all_tags() {
        call = call.tags(Tag::builder().key(key).value(value).build());
    }
    let out = match call.send().await {
        Ok(out) => out,
        Err(err) => {
            let err = err.into_service_error();
            if err.is_already_exists_exception() {
                return Err(UserError::new(format!("stack {} appeared while this deploy was starting", desired.stack_name))
                    .hint("another deploy of this deployment is running; wait for it to finish and run again")
                    .into());
            }
            return Err(anyhow::anyhow!(
                "failed to create stack {}: {}",
                desired.stack_name,
                describe_error(&err)
            ));
        }
    };
    let stack_id = out.stack_id().unwrap_or(&desired.stack_name).to_string();
    let mut seen = HashSet::new();
    finish(
        cfn,
        &desired.stack_name,
        &stack_id,
        &mut seen,
        &["CREATE_COMPLETE"],
        progress,
        done,
    )
    .await
}

/// Deletes a stack by id and waits for DELETE_COMPLETE.
async fn delete_and_wait(
    cfn: &Client,
    stack_id: &str,
    stack_name: &str,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    delete_retaining(cfn, stack_id, stack_name, &[], progress).await
}

/// Deletes a stack by id, keeping `retain` (logical ids; CloudFormation accepts them only for a
/// stack in DELETE_FAILED), and waits for DELETE_COMPLETE.
async fn delete_retaining(
    cfn: &Client,
    stack_id: &str,
    stack_name: &str,
    retain: &[String],
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    let mut seen = seen_events(cfn, stack_id).await;
    cfn.delete_stack()
        .stack_name(stack_id)
        .set_retain_resources((!retain.is_empty()).then(|| retain.to_vec()))
        .send()
        .await
        .map_err(|err| {
            anyhow::anyhow!(
                "failed to delete stack {stack_name}: {}",
                describe_error(&err.into_service_error())
            )
        })?;
    progress(format!("stack {stack_name}: deleting"));
    let (stack, failures) = wait_stack(
        cfn,
        stack_id,
        stack_name,
        &mut seen,
        progress,
        &ignore_resources,
    )
    .await?;
    match stack {
        Some(stack) if stack.stack_status() != Some(&StackStatus::DeleteComplete) => {
            Err(failure_of(
                stack_name,
                &stack_status_str(&stack),
                stack.stack_status_reason(),
                &failures,
            )
            .into())
        }
        _ => {
            progress(format!("stack {stack_name}: deleted"));
            Ok(())
        }
    }
}

/// Told of each resource a stack operation completes, as its events show it: (logical id,
/// physical id). What depends on one resource of a stack can start before the whole stack is
/// done.
pub type ResourceDone<'a> = &'a (dyn Fn(&str, &str) + Send + Sync);

/// A [`ResourceDone`] for operations nothing waits on the resources of.
pub fn ignore_resources(_: &str, _: &str) {}

/// Creates or updates the stack through a change set and returns its outputs, telling `done` of
/// each resource as the operation completes it. `current` is what [`read`] returned; a no-op
/// makes no mutating call.
pub async fn apply(
    cfn: &Client,
    desired: &Desired,
    current: Option<&Current>,
    progress: Progress<'_>,
    done: ResourceDone<'_>,
) -> anyhow::Result<Applied> {
    let change = diff(desired, current);
    if let Some(refused) = refusal(&change) {
        return Err(refused.into());
    }
    if let (Change::NoOp, Some(current)) = (&change, current) {
        progress(format!("stack {}: up to date", desired.stack_name));
        return Ok(Applied {
            stack_id: current.stack_id.clone(),
            outputs: current.outputs.clone(),
            changed: false,
        });
    }
    let mut kind = match current {
        None => ChangeSetType::Create,
        Some(c) if c.status == "REVIEW_IN_PROGRESS" => ChangeSetType::Create,
        Some(_) => ChangeSetType::Update,
    };
    if let Some(current) = current.filter(|c| c.needs_recreate()) {
        progress(format!(
            "stack {}: {} from an earlier failed create; deleting it first",
            desired.stack_name, current.status
        ));
        delete_and_wait(cfn, &current.stack_id, &desired.stack_name, progress).await?;
        kind = ChangeSetType::Create;
    }
    let creating = kind == ChangeSetType::Create;
    progress(format!(
        "stack {}: {}",
        desired.stack_name,
        if creating { "creating" } else { "updating" }
    ));
    let in_review = current.is_some_and(|c| c.status == "REVIEW_IN_PROGRESS");
    if creating && !in_review {
        let stack = create_stack(cfn, desired, progress, done).await?;
        return Ok(Applied {
            stack_id: stack.stack_id().unwrap_or_default().to_string(),
            outputs: outputs_of(&stack),
            changed: true,
        });
    }
    let request = ChangeSetRequest {
        stack_name: &desired.stack_name,
        template_body: &desired.template_body,
        params: Params::Values(&desired.parameters),
        tags: desired.all_tags(),
        kind,
        service_role: desired.service_role.as_deref(),
    };
    match create_change_set(cfn, request, progress).await? {
        Prepared::Empty => {
            let stack = describe_stack(cfn, &desired.stack_name)
                .await?
                .ok_or_else(|| anyhow::anyhow!("stack {} vanished", desired.stack_name))?;
            Ok(Applied {
                stack_id: stack.stack_id().unwrap_or_default().to_string(),
                outputs: outputs_of(&stack),
                changed: false,
            })
        }
        Prepared::Ready {
            change_set_id,
            stack_id,
        } => {
            let success: &[&str] = if creating {
                &["CREATE_COMPLETE"]
            } else {
                &["UPDATE_COMPLETE"]
            };
            let stack = execute_and_wait(
                cfn,
                &desired.stack_name,
                &change_set_id,
                &stack_id,
                success,
                progress,
                done,
            )
            .await?;
            Ok(Applied {
                stack_id: stack.stack_id().unwrap_or(&stack_id).to_string(),
                outputs: outputs_of(&stack),
                changed: true,
            })
        }
    }
}

/// Pure: the template with `DeletionPolicy: Retain` on every `AWS::DynamoDB::Table` (JSON or
/// block-style YAML). Returns the template unchanged when every table already retains.
pub fn retain_tables(template: &str) -> String {
    if template.trim_start().starts_with('{')
        && let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(template)
    {
        if let Some(resources) = doc.get_mut("Resources").and_then(|r| r.as_object_mut()) {
            for resource in resources.values_mut() {
                if resource.get("Type").and_then(|t| t.as_str()) == Some("AWS::DynamoDB::Table") {
                    resource["DeletionPolicy"] = serde_json::Value::String("Retain".into());
                }
            }
        }
        return serde_json::to_string_pretty(&doc).unwrap_or_else(|_| template.to_string());
    }
    retain_tables_yaml(template)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_table_type_line(line: &str) -> bool {
    let trimmed = line.trim();
    let Some(value) = trimmed.strip_prefix("Type:") else {
        return false;
    };
    let value = value
        .split('#')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    value == "AWS::DynamoDB::Table"
}

fn retain_tables_yaml(template: &str) -> String {
    let mut lines: Vec<String> = template.lines().map(str::to_string).collect();
    let mut index = 0;
    while index < lines.len() {
        if !is_table_type_line(&lines[index]) {
            index += 1;
            continue;
        }
        let indent = indent_of(&lines[index]);
        // The resource block: the lines around `Type:` indented at least as deep, stopping at a
        // shallower non-blank line (the next resource key or section).
        let in_block = |line: &String| line.trim().is_empty() || indent_of(line) >= indent;
        let mut start = index;
        while start > 0 && in_block(&lines[start - 1]) {
            start -= 1;
        }
        let mut end = index + 1;
        while end < lines.len() && in_block(&lines[end]) {
            end += 1;
        }
        let existing = (start..end).find(|&i| {
            indent_of(&lines[i]) == indent && lines[i].trim_start().starts_with("DeletionPolicy:")
        });
        let retain = format!("{}DeletionPolicy: Retain", " ".repeat(indent));
        match existing {
            Some(i) => lines[i] = retain,
            None => {
                lines.insert(index + 1, retain);
                end += 1;
            }
        }
        index = end;
    }
    let mut out = lines.join("\n");
    if template.ends_with('\n') {
        out.push('\n');
    }
    out
}

async fn retained_tables(cfn: &Client, stack_id: &str) -> anyhow::Result<Vec<Retained>> {
    let out = cfn
        .describe_stack_resources()
        .stack_name(stack_id)
        .send()
        .await
        .map_err(|err| {
            anyhow::anyhow!(
                "failed to list the resources of stack {stack_id}: {}",
                describe_error(&err.into_service_error())
            )
        })?;
    Ok(out
        .stack_resources()
        .iter()
        .filter(|r| r.resource_type() == Some("AWS::DynamoDB::Table"))
        .filter_map(|r| {
            Some(Retained {
                logical_id: r.logical_resource_id()?.to_string(),
                resource_type: "AWS::DynamoDB::Table".into(),
                physical_id: r.physical_resource_id()?.to_string(),
            })
        })
        .collect())
}

/// Pure: what `delete` would do, for `destroy --plan`: `NoOp` (absent), `Conflict` (not ours,
/// or busy: left alone / refused), or `Create`, which here means "the stack will be deleted".
pub fn delete_change(current: Option<&Current>, deployment: &str) -> Change {
    match current {
        None => Change::NoOp,
        Some(c) if c.deployment() != Some(deployment) => conflict(
            format!(
                "stack {} is not tagged {DEPLOYMENT_TAG}={deployment}; it is left alone",
                c.stack_name
            ),
            "delete it yourself if it is a leftover, or pass the --name it was deployed with",
        ),
        Some(c) if c.busy() && c.status != "DELETE_IN_PROGRESS" => conflict(
            format!("stack {} is busy: {}", c.stack_name, c.status),
            "wait for the running deploy to finish and run destroy again",
        ),
        Some(_) => Change::Delete,
    }
}

/// Deletes the deployment's stack. Idempotent: an absent stack is success. Refuses a stack not
/// tagged with `deployment` or busy with another operation. With `keep_data`, tables are retained
/// (and listed in the result).
pub async fn delete(
    cfn: &Client,
    stack_name: &str,
    deployment: &str,
    keep_data: bool,
    progress: Progress<'_>,
) -> anyhow::Result<Deleted> {
    let Some(current) = read(cfn, stack_name).await? else {
        progress(format!("stack {stack_name}: already absent"));
        return Ok(Deleted {
            existed: false,
            retained: Vec::new(),
        });
    };
    if let Some(refused) = refusal(&delete_change(Some(&current), deployment)) {
        return Err(refused.into());
    }
    let mut seen = HashSet::new();
    if current.status == "DELETE_IN_PROGRESS" {
        progress(format!(
            "stack {stack_name}: a delete is already running; waiting for it"
        ));
        let (stack, failures) = wait_stack(
            cfn,
            &current.stack_id,
            stack_name,
            &mut seen,
            progress,
            &ignore_resources,
        )
        .await?;
        if let Some(stack) =
            stack.filter(|s| s.stack_status() != Some(&StackStatus::DeleteComplete))
        {
            return Err(failure_of(
                stack_name,
                &stack_status_str(&stack),
                stack.stack_status_reason(),
                &failures,
            )
            .into());
        }
        return Ok(Deleted {
            existed: true,
            retained: Vec::new(),
        });
    }
    let mut retained = Vec::new();
    let updatable = matches!(
        current.status.as_str(),
        "CREATE_COMPLETE"
            | "UPDATE_COMPLETE"
            | "UPDATE_ROLLBACK_COMPLETE"
            | "IMPORT_COMPLETE"
            | "IMPORT_ROLLBACK_COMPLETE"
    );
    if keep_data && updatable {
        // Listed before the switch: what the stack holds now is what will be kept.
        retained = retained_tables(cfn, &current.stack_id).await?;
        let template = retain_tables(&current.template_body);
        if template != current.template_body {
            progress(format!(
                "stack {stack_name}: marking tables DeletionPolicy Retain before delete (--keep-data)"
            ));
            let request = ChangeSetRequest {
                stack_name,
                template_body: &template,
                params: Params::Previous(&current.parameters),
                tags: current.tags.clone(),
                kind: ChangeSetType::Update,
                // The stack keeps the role it was given.
                service_role: None,
            };
            if let Prepared::Ready {
                change_set_id,
                stack_id,
            } = create_change_set(cfn, request, progress).await?
            {
                execute_and_wait(
                    cfn,
                    stack_name,
                    &change_set_id,
                    &stack_id,
                    &["UPDATE_COMPLETE"],
                    progress,
                    &ignore_resources,
                )
                .await?;
            }
        }
    } else if keep_data {
        retained = retained_tables(cfn, &current.stack_id).await?;
        if !retained.is_empty() && current.status != "DELETE_FAILED" {
            return Err(UserError::new(format!(
                "cannot keep the tables of stack {stack_name} while it is {}",
                current.status
            ))
            .hint("run deploy to repair the stack first, or destroy without --keep-data")
            .into());
        }
    }
    let retain: Vec<String> = retained.iter().map(|r| r.logical_id.clone()).collect();
    let retain = if current.status == "DELETE_FAILED" {
        retain
    } else {
        Vec::new()
    };
    delete_retaining(cfn, &current.stack_id, stack_name, &retain, progress).await?;
    for table in &retained {
        progress(format!(
            "stack {stack_name}: kept table {} (--keep-data)",
            table.physical_id
        ));
    }
    Ok(Deleted {
        existed: true,
        retained,
    })
}

#[cfg(test)]
mod tests;
