//! Change sets: created for an update (or a create under review), an empty one recognised as
//! success in both AWS's and moto's wording, and a stack busy with another operation refused.

use super::*;

pub(super) fn no_changes_reason(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

pub(super) fn change_set_name() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("connect-returns-{millis}")
}

/// Which parameters a change set sends: the desired values, or the deployed ones (for the
/// keep-data switch). Deployed values are sent explicitly, except masked NoEcho values, which use
/// UsePreviousValue (moto mishandles UsePreviousValue for empty-string parameters).
pub(super) enum Params<'a> {
    Values(&'a BTreeMap<String, String>),
    Previous(&'a BTreeMap<String, String>),
}

pub(super) struct ChangeSetRequest<'a> {
    pub(super) stack_name: &'a str,
    pub(super) template_body: &'a str,
    pub(super) params: Params<'a>,
    pub(super) tags: BTreeMap<String, String>,
    pub(super) kind: ChangeSetType,
    pub(super) service_role: Option<&'a str>,
}

/// Outcome of preparing a change set.
pub(super) enum Prepared {
    /// Nothing to change.
    Empty,
    /// Ready to execute.
    Ready {
        change_set_id: String,
        stack_id: String,
    },
}

pub(super) async fn create_change_set(
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
pub(super) fn busy_or(message: &str, stack_name: &str) -> Option<anyhow::Error> {
    let busy = message.contains("_IN_PROGRESS state") || message.contains("is in progress");
    busy.then(|| {
        anyhow::Error::new(
            UserError::new(format!("stack {stack_name} is busy with another operation: {message}"))
                .hint("another deploy or destroy of this deployment is running; wait for it to finish and run again"),
        )
    })
}
