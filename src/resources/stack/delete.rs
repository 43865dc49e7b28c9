//! Deleting a stack we own, with `keep_data` first switching its tables to `DeletionPolicy:
//! Retain`, and the tables it kept.

use super::*;

/// Deletes a stack by id and waits for DELETE_COMPLETE.
pub(super) async fn delete_and_wait(
    cfn: &Client,
    stack_id: &str,
    stack_name: &str,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    delete_retaining(cfn, stack_id, stack_name, &[], progress).await
}

/// Deletes a stack by id, keeping `retain` (logical ids; CloudFormation accepts them only for a
/// stack in DELETE_FAILED), and waits for DELETE_COMPLETE.
pub(super) async fn delete_retaining(
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

pub(super) async fn retained_tables(cfn: &Client, stack_id: &str) -> anyhow::Result<Vec<Retained>> {
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
