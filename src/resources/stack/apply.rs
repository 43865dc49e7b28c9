//! Creating a stack (CreateStack) or updating it through a change set.

use super::*;

/// First creation: CreateStack (there is nothing to review in a create, and moto drops the outputs
/// of stacks created through a CREATE change set).
pub(super) async fn create_stack(
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
