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
//!
//! Here: the types, `read` and `diff`. By phase: `apply` (create or update), `change_set`,
//! `wait` (events, completion, failures), `delete`, `retain` (the template transform).

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

mod apply;
mod change_set;
mod delete;
mod retain;
mod wait;

pub use apply::apply;
use change_set::*;
pub use delete::delete;
use delete::*;
use retain::indent_of;
pub use retain::retain_tables;
use wait::*;
pub use wait::{ResourceDone, ignore_resources};

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

#[cfg(test)]
mod tests;
