//! Pure: the AWS side's status rows (the artifact bucket, the stacks, the Lex bot of either
//! version, the Lambda and bot associations), and which Lex version a deployment uses.

use super::super::desired::Settings;
use super::super::model::LexVersion;
use super::super::observe::Observed;
use super::super::plan::Upstream;
use super::super::upstream;
use super::Row;
use crate::resources::lex::{v1 as lexv1, v2 as lexv2};
use crate::resources::stack;
use crate::resources::{Ownership, artifacts};

/// Rows of the AWS side: stacks, the Lex bot, the associations (pure).
pub fn aws_rows(
    found: &Observed,
    settings: &Settings,
    inputs: &Upstream,
    desired: Option<&upstream::AwsDesired>,
) -> Vec<Row> {
    let mut out = Vec::new();
    let mut push = |kind: &str,
                    name: &str,
                    ownership: Option<Ownership>,
                    in_sync: Option<bool>,
                    healthy: bool,
                    detail: String| {
        out.push(Row::new(kind, name, ownership, in_sync, healthy, detail));
    };
    if let Some(bucket) = &found.artifacts
        && bucket.ownership == artifacts::Ownership::Ours
    {
        let detail = if bucket.tls_only {
            String::new()
        } else {
            "bucket policy: (allows requests without TLS) -> denies requests without TLS"
                .to_string()
        };
        push(
            "artifacts",
            &bucket.bucket,
            Some(Ownership::Ours),
            Some(bucket.tls_only),
            true,
            detail,
        );
    }
    for (solution, (name, current)) in &found.stacks {
        match current {
            Some(stack) => {
                let ownership = if stack.deployment() == Some(settings.name.as_str()) {
                    Ownership::Ours
                } else {
                    Ownership::Foreign
                };
                let mut wanted = desired
                    .and_then(|desired| desired.stacks.get(solution))
                    .cloned();
                if let Some(wanted) = &mut wanted
                    && *solution == crate::assets::Solution::Callbacks
                {
                    let existing = stack
                        .parameters
                        .get("ExistingCtrStreamArn")
                        .cloned()
                        .unwrap_or_default();
                    wanted
                        .parameters
                        .insert("ExistingCtrStreamArn".into(), existing);
                }
                let change = wanted
                    .as_ref()
                    .map(|wanted| stack::diff(wanted, Some(stack)));
                let in_sync = change.as_ref().map(|change| !change.is_mutation());
                let detail = match change {
                    Some(crate::resources::Change::Update { fields, .. }) => fields
                        .iter()
                        .map(|field| field.field.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => {
                        "template not compared: no local Lambda build (cargo xtask build-lambdas)"
                            .into()
                    }
                    _ => String::new(),
                };
                let detail = if stack.healthy() {
                    detail
                } else {
                    format!("status {}", stack.status)
                };
                push(
                    "stack",
                    name,
                    Some(ownership),
                    in_sync,
                    stack.healthy(),
                    detail,
                );
            }
            None => push("stack", name, None, None, false, "not found".into()),
        }
    }
    if settings.returning_callers() && settings.lex == LexVersion::V1 {
        let spec = upstream::bot_spec_v1(settings);
        match &found.bot_v1 {
            Some(bot) => out_lex_v1_row(&mut push, &spec, bot, &settings.name),
            None => push("lex-bot", &spec.name, None, None, false, "not found".into()),
        }
    } else if settings.returning_callers() {
        let spec = upstream::bot_spec(settings);
        match &found.bot {
            Some((name, bot)) => {
                let ownership = if bot.deployment.as_deref() == Some(settings.name.as_str()) {
                    Ownership::Ours
                } else {
                    Ownership::Foreign
                };
                let role = found
                    .stacks
                    .get(&crate::assets::Solution::ReturningCallers)
                    .and_then(|(_, stack)| stack.as_ref())
                    .and_then(|stack| stack.outputs.get("LexBotRoleARN"))
                    .cloned();
                let change = lexv2::diff(
                    &upstream::lex_desired(&spec, &settings.name, role.as_deref()),
                    Some(bot),
                );
                let healthy = bot
                    .alias
                    .as_ref()
                    .is_some_and(|alias| alias.version.is_some())
                    && bot.bot_status != "Failed";
                let detail = match &change {
                    crate::resources::Change::Update { fields, .. } => fields
                        .iter()
                        .map(|f| f.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                    _ if !healthy => format!(
                        "bot status {}, alias prod {:?}",
                        bot.bot_status,
                        bot.alias.as_ref().and_then(|a| a.version.clone())
                    ),
                    _ => String::new(),
                };
                push(
                    "lex-bot",
                    name,
                    Some(ownership),
                    Some(!change.is_mutation()),
                    healthy,
                    detail,
                );
            }
            None => push("lex-bot", &spec.name, None, None, false, "not found".into()),
        }
    }
    if settings.returning_callers() {
        let spec = upstream::bot_spec_for(settings);
        if let Some(bot) = &inputs.bot {
            let present = found.current.bots.contains(bot);
            push(
                "bot-association",
                &spec.name,
                present.then_some(Ownership::Ours),
                present.then_some(true),
                present,
                if present {
                    String::new()
                } else {
                    "not associated".into()
                },
            );
        }
    }
    for (phone_id, record) in &found.phones {
        let name = found
            .current
            .phones
            .iter()
            .find(|claimed| &claimed.id == phone_id)
            .map(|claimed| crate::resources::connect::phone::masked(&claimed.number))
            .unwrap_or_else(|| phone_id.clone());
        let flows = found.current.phone_flows.as_ref();
        let repointed = crate::resources::connect::phone::repointed(record, phone_id, flows);
        push(
            "phone-number",
            &name,
            Some(Ownership::Ours),
            flows.map(|_| !repointed),
            true,
            if repointed {
                "points at another flow since this deployment pointed it (changed by hand); deploy --adopt points it back, destroy leaves it".into()
            } else {
                String::new()
            },
        );
    }
    for id in &inputs.lambda_ids {
        let Some(arn) = inputs.lambdas.get(id) else {
            continue;
        };
        let present = found.current.lambdas.contains(arn);
        push(
            "lambda-association",
            id,
            present.then_some(Ownership::Ours),
            present.then_some(true),
            present,
            if present {
                String::new()
            } else {
                "not associated".into()
            },
        );
    }
    out
}

/// The Lex V1 bot's row (`--lex v1` deployments): ours, alias `prod` serving the shipped
/// definition, `$LATEST` built.
fn out_lex_v1_row(
    push: &mut impl FnMut(&str, &str, Option<Ownership>, Option<bool>, bool, String),
    spec: &crate::resources::lex::BotSpec,
    bot: &lexv1::Current,
    deployment: &str,
) {
    let ownership = if bot.deployment.as_deref() == Some(deployment) {
        Ownership::Ours
    } else {
        Ownership::Foreign
    };
    let change = lexv1::diff(
        &lexv1::Desired {
            spec: spec.clone(),
            deployment: deployment.to_string(),
        },
        Some(bot),
    );
    let healthy = bot.alias_version.is_some() && bot.latest_status != "FAILED";
    let detail = match &change {
        crate::resources::Change::Update { fields, .. } => fields
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        crate::resources::Change::Conflict { reason, .. } => reason.clone(),
        _ if !healthy => format!(
            "Lex V1 bot status {}, alias {} {}",
            bot.latest_status,
            lexv1::ALIAS_NAME,
            bot.alias_version.as_deref().unwrap_or("(absent)")
        ),
        _ => format!(
            "Lex V1, alias {} at version {}",
            lexv1::ALIAS_NAME,
            bot.alias_version.as_deref().unwrap_or_default()
        ),
    };
    push(
        "lex-bot",
        &spec.name,
        Some(ownership),
        Some(matches!(change, crate::resources::Change::NoOp)),
        healthy,
        detail,
    );
}

/// Whether the deployment was made with `--lex v1`: its V1 bot carries our marker and no V2 bot
/// of ours exists (deploy makes exactly one of the two).
pub fn uses_lex_v1(found: &Observed, deployment: &str) -> bool {
    let v1_ours = found
        .bot_v1
        .as_ref()
        .is_some_and(|bot| bot.deployment.as_deref() == Some(deployment));
    let v2_ours = found
        .bot
        .as_ref()
        .is_some_and(|(_, bot)| bot.deployment.as_deref() == Some(deployment));
    v1_ours && !v2_ours
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1(deployment: Option<&str>, status: &str, fingerprint: Option<String>) -> lexv1::Current {
        lexv1::Current {
            deployment: deployment.map(str::to_string),
            latest_status: status.into(),
            alias_version: Some("2".into()),
            alias_fingerprint: fingerprint,
            foreign_intents: Vec::new(),
        }
    }

    fn row_of(bot: &lexv1::Current) -> Row {
        let mut rows = Vec::new();
        let mut push = |kind: &str,
                        name: &str,
                        ownership: Option<Ownership>,
                        in_sync: Option<bool>,
                        healthy: bool,
                        detail: String| {
            rows.push(Row::new(kind, name, ownership, in_sync, healthy, detail))
        };
        out_lex_v1_row(
            &mut push,
            &upstream::bot_spec_v1(&Settings::defaults("d")),
            bot,
            "d",
        );
        rows.remove(0)
    }

    #[test]
    fn a_v1_bot_of_ours_means_a_lex_v1_deployment() {
        let mut found = Observed::default();
        assert!(!uses_lex_v1(&found, "d"));
        found.bot_v1 = Some(v1(Some("other"), "READY", None));
        assert!(!uses_lex_v1(&found, "d"));
        found.bot_v1 = Some(v1(Some("d"), "READY", None));
        assert!(uses_lex_v1(&found, "d"));
    }

    #[test]
    fn the_v1_row_says_sync_and_health() {
        let shipped = lexv1::fingerprint(&upstream::bot_spec_v1(&Settings::defaults("d")));
        let good = row_of(&v1(Some("d"), "READY", Some(shipped.clone())));
        assert_eq!(
            (good.ownership, good.in_sync, good.healthy),
            (Some(Ownership::Ours), Some(true), true)
        );
        let failed = row_of(&v1(Some("d"), "FAILED", Some(shipped)));
        assert!(!failed.healthy, "{failed:?}");
        let moved = row_of(&v1(Some("d"), "READY", Some("0ld".into())));
        assert_eq!(moved.in_sync, Some(false), "{moved:?}");
        let foreign = row_of(&v1(None, "READY", None));
        assert_eq!(
            (foreign.ownership, foreign.in_sync),
            (Some(Ownership::Foreign), Some(false))
        );
    }
}
