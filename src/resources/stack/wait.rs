//! Waiting for a stack operation: new stack events streamed as progress, each completed resource
//! told to whoever waits for it, the end checked against the statuses that mean success.

use super::*;

/// Longest time a stack operation is waited for before giving up (CloudFormation's own limits are longer,
/// but a Connect solution stack that takes an hour is broken).
pub(super) const STACK_WAIT_LIMIT: Duration = Duration::from_secs(60 * 60);

/// Event ids already seen on a stack, so a wait prints only new ones.
pub(super) async fn seen_events(cfn: &Client, stack_id: &str) -> HashSet<String> {
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
pub(super) async fn wait_stack(
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

pub(super) fn failure_of(
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

pub(super) async fn execute_and_wait(
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
pub(super) async fn finish(
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

/// Told of each resource a stack operation completes, as its events show it: (logical id,
/// physical id). What depends on one resource of a stack can start before the whole stack is
/// done.
pub type ResourceDone<'a> = &'a (dyn Fn(&str, &str) + Send + Sync);

/// A [`ResourceDone`] for operations nothing waits on the resources of.
pub fn ignore_resources(_: &str, _: &str) {}
