//! `connect-returns status`: what a deployment has, and whether it matches what deploy would write.
//!
//! Read-only: the same list/search/describe reads as destroy, then the deploy diff of each
//! resource against what deploy would write now. `--check` turns drift, a missing or an unhealthy
//! resource (or nothing deployed at all) into exit 3, for CI gates.

use clap::Args;

use crate::cli::{GlobalArgs, TargetArgs};
use crate::commands::deploy::LexVersion;
use crate::deploy::desired::{self, OUTBOUND_WHISPER_FLOW, Settings};
use crate::deploy::plan::{self, Inputs};
use crate::deploy::{self, aws_side, destroy};
use crate::error::Outcome;
use crate::instance::InstanceRef;
use crate::output::print_result;
use crate::report::Reporter;
use crate::resources::connect::{flows, queues, routing_profile};
use crate::resources::{Change, Ownership};
use crate::resources::{lexv1, lexv2, stack};

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Exit 3 when anything is missing, drifted or unhealthy (for CI gates)
    #[arg(long)]
    pub check: bool,
}

/// One resource's line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub kind: String,
    pub name: String,
    pub present: bool,
    /// `ours`, `adopted`, `foreign`, or null when missing.
    pub ownership: Option<Ownership>,
    /// Whether it matches what deploy would write; null when that cannot be computed yet.
    pub in_sync: Option<bool>,
    pub healthy: bool,
    /// What differs or what is wrong, in words.
    pub detail: String,
}

/// The JSON document of `status` (see docs/output.md).
#[derive(Debug, serde::Serialize)]
pub struct StatusResult {
    pub command: &'static str,
    pub deployment: String,
    pub instance: String,
    /// False when no resource of the deployment exists.
    pub deployed: bool,
    pub resources: Vec<Row>,
    pub summary: Summary,
    /// True when everything is present, in sync and healthy.
    pub ok: bool,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Summary {
    pub in_sync: usize,
    pub drifted: usize,
    pub missing: usize,
    pub unhealthy: usize,
    pub unchecked: usize,
}

impl std::fmt::Display for StatusResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.deployed {
            return writeln!(
                f,
                "nothing deployed: no resource of deployment {} in instance {}",
                self.deployment, self.instance
            );
        }
        writeln!(f, "deployment {} in {}", self.deployment, self.instance)?;
        writeln!(
            f,
            "{:<18} {:<30} {:<8} {:<8} {:<9} {:<9} DETAIL",
            "KIND", "NAME", "PRESENT", "OWNER", "SYNC", "HEALTH"
        )?;
        for row in &self.resources {
            let owner = match row.ownership {
                Some(Ownership::Ours) => "ours",
                Some(Ownership::Adopted) => "adopted",
                Some(Ownership::Foreign) => "foreign",
                None => "-",
            };
            let sync = match row.in_sync {
                Some(true) => "in sync",
                Some(false) => "DRIFTED",
                None => "unchecked",
            };
            writeln!(
                f,
                "{:<18} {:<30} {:<8} {:<8} {:<9} {:<9} {}",
                row.kind,
                row.name,
                if row.present { "yes" } else { "MISSING" },
                owner,
                if row.present { sync } else { "-" },
                if row.healthy { "healthy" } else { "UNHEALTHY" },
                row.detail
            )?;
        }
        let s = &self.summary;
        writeln!(
            f,
            "{} in sync, {} drifted, {} missing, {} unhealthy{}",
            s.in_sync,
            s.drifted,
            s.missing,
            s.unhealthy,
            if s.unchecked > 0 {
                format!(", {} unchecked", s.unchecked)
            } else {
                String::new()
            }
        )
    }
}

fn settings_of(args: &StatusArgs) -> Settings {
    Settings {
        name: args.target.name.clone(),
        solution: args.target.solution,
        lex: crate::commands::deploy::LexVersion::V2,
        prefix: args.target.prefix.clone().unwrap_or_default(),
        hours: "Basic Hours".into(),
        callback_queue: "BasicQueue".into(),
        ctr_stream: None,
        phone_number: None,
        callback_phone_number: None,
        record_ttl_minutes: 180,
        callback_ttl_hours: 24,
        adopt: false,
    }
}

fn describe_change(change: &Change) -> String {
    match change {
        Change::Update { fields, .. } => fields
            .iter()
            .map(|field| {
                format!(
                    "{}: {} (deploy would write {})",
                    field.field, field.from, field.to
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Change::Conflict { reason } => reason.clone(),
        _ => String::new(),
    }
}

/// Builds the rows (pure).
pub fn rows(found: &destroy::Found, settings: &Settings, inputs: &Inputs) -> Vec<Row> {
    let current = &found.current;
    let deployment = &settings.name;
    let mut out = Vec::new();
    let mut row = |kind: &str,
                   name: &str,
                   ownership: Option<Ownership>,
                   change: Option<Change>,
                   healthy: bool,
                   detail: String| {
        let present = ownership.is_some();
        let in_sync = change.as_ref().map(|change| matches!(change, Change::NoOp));
        let detail = if detail.is_empty() {
            change.as_ref().map(describe_change).unwrap_or_default()
        } else {
            detail
        };
        out.push(Row {
            kind: kind.into(),
            name: name.into(),
            present,
            ownership,
            in_sync,
            healthy,
            detail,
        });
    };
    let hours_id = crate::resources::connect::hours::find(&current.hours, &settings.hours)
        .map(|h| h.id.clone());
    for desired_queue in plan::desired_queues(settings, hours_id.as_deref().unwrap_or_default()) {
        match current.queues.get(&desired_queue.name) {
            Some(queue) => {
                let ownership = Ownership::of(&queue.tags, deployment);
                let mut wanted = desired_queue.clone();
                if hours_id.is_none() {
                    wanted.hours_id = queue.hours_id.clone();
                }
                row(
                    "queue",
                    &desired_queue.name,
                    Some(ownership),
                    Some(queues::diff(&wanted, Some(queue), deployment, false)),
                    true,
                    String::new(),
                );
            }
            None => row(
                "queue",
                &desired_queue.name,
                None,
                None,
                false,
                "not found".into(),
            ),
        }
    }
    if let Some(profile) = plan::desired_routing_profile(settings) {
        match &current.routing_profile {
            Some(existing) => {
                let ownership = Ownership::of(&existing.tags, deployment);
                row(
                    "routing-profile",
                    &profile.name,
                    Some(ownership),
                    Some(routing_profile::diff(
                        &profile,
                        Some(existing),
                        deployment,
                        false,
                    )),
                    true,
                    String::new(),
                );
            }
            None => row(
                "routing-profile",
                &profile.name,
                None,
                None,
                false,
                "not found".into(),
            ),
        }
    }
    let known = plan::known_refs(current, inputs);
    for template in desired::flow_templates(settings) {
        let name = settings.named(&template.name);
        match current.flows.get(&name) {
            Some(flow) => {
                let ownership = Ownership::of(&flow.tags, deployment);
                let healthy = flow.published;
                let detail = if healthy {
                    String::new()
                } else {
                    "not published".to_string()
                };
                if inputs.ready_for(&template, settings) {
                    let (wanted, _) =
                        plan::desired_flow_with_missing(&template, settings, &known, inputs);
                    let mut change = flows::diff(&wanted, Some(flow), deployment, false);
                    if let Change::Update {
                        content_diff: Some(diff),
                        ..
                    } = &change
                    {
                        let changed = diff
                            .lines()
                            .filter(|line| {
                                (line.starts_with('+') || line.starts_with('-'))
                                    && !line.starts_with("+++")
                                    && !line.starts_with("---")
                            })
                            .count();
                        change = Change::Update {
                            fields: vec![crate::resources::FieldDiff::new(
                                "content",
                                format!("{changed} lines differ"),
                                "the shipped flow",
                            )],
                            content_diff: None,
                        };
                    }
                    row(
                        "flow",
                        &name,
                        Some(ownership),
                        Some(change),
                        healthy,
                        detail,
                    );
                } else {
                    out_unchecked(&mut row, &name, ownership, healthy, detail);
                }
            }
            // Deploy would create it only once its Lambda and Lex ARNs exist.
            None if inputs.ready_for(&template, settings) => {
                row("flow", &name, None, None, false, "not found".into())
            }
            None => {}
        }
    }
    if settings.callbacks() {
        if let Some(queue) = &found.whisper_queue {
            let flow_id = current
                .flows
                .get(&settings.named(OUTBOUND_WHISPER_FLOW))
                .map(|flow| flow.id.clone());
            let in_sync = flow_id.is_some() && queue.outbound_flow_id == flow_id;
            let change = if in_sync {
                Change::NoOp
            } else {
                Change::Update {
                    fields: vec![crate::resources::FieldDiff::new(
                        "outbound whisper flow",
                        queue
                            .outbound_flow_id
                            .clone()
                            .unwrap_or_else(|| "(none)".into()),
                        flow_id.unwrap_or_else(|| "(missing flow)".into()),
                    )],
                    content_diff: None,
                }
            };
            row(
                "outbound-whisper",
                &queue.name,
                Some(Ownership::Adopted),
                Some(change),
                true,
                String::new(),
            );
        }
        if let Some(association) = &found.ctr_association {
            let present = current
                .storage
                .iter()
                .any(|config| &config.association_id == association);
            if present {
                row(
                    "ctr-storage",
                    association,
                    Some(Ownership::Ours),
                    Some(Change::NoOp),
                    true,
                    String::new(),
                );
            } else {
                row(
                    "ctr-storage",
                    association,
                    None,
                    None,
                    false,
                    "association recorded but not found".into(),
                );
            }
        } else if let Some(stream) =
            crate::resources::connect::storage::stream_in_use(&current.storage)
        {
            row(
                "ctr-storage",
                stream,
                Some(Ownership::Foreign),
                Some(Change::NoOp),
                true,
                "reusing the instance's existing config".into(),
            );
        }
    }
    out
}

/// Rows of the AWS side: stacks, the Lex bot, the associations (pure).
pub fn aws_rows(
    found: &destroy::Found,
    settings: &Settings,
    inputs: &Inputs,
    desired: Option<&aws_side::AwsDesired>,
) -> Vec<Row> {
    let mut out = Vec::new();
    let mut push = |kind: &str,
                    name: &str,
                    ownership: Option<Ownership>,
                    in_sync: Option<bool>,
                    healthy: bool,
                    detail: String| {
        out.push(Row {
            kind: kind.into(),
            name: name.into(),
            present: ownership.is_some(),
            ownership,
            in_sync,
            healthy,
            detail,
        });
    };
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
                let in_sync = change.as_ref().map(|change| !change.mutates());
                let detail = match change {
                    Some(crate::resources::stack::common::Change::Update { fields }) => fields
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
        let spec = aws_side::bot_spec();
        match &found.bot_v1 {
            Some(bot) => out_lex_v1_row(&mut push, &spec, bot, &settings.name),
            None => push("lex-bot", &spec.name, None, None, false, "not found".into()),
        }
    } else if settings.returning_callers() {
        let spec = aws_side::bot_spec();
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
                    &aws_side::lex_desired(&spec, &settings.name, role.as_deref()),
                    Some(bot),
                );
                let healthy = bot
                    .alias
                    .as_ref()
                    .is_some_and(|alias| alias.version.is_some())
                    && bot.bot_status != "Failed";
                let detail = match &change {
                    crate::resources::stack::common::Change::Update { fields } => fields
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
                    Some(!change.mutates()),
                    healthy,
                    detail,
                );
            }
            None => push("lex-bot", &spec.name, None, None, false, "not found".into()),
        }
    }
    if settings.returning_callers() {
        let spec = aws_side::bot_spec();
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
    spec: &crate::resources::lexv2::BotSpec,
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
        crate::resources::stack::common::Change::Update { fields } => fields
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        crate::resources::stack::common::Change::Conflict { reason, .. } => reason.clone(),
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
        Some(matches!(
            change,
            crate::resources::stack::common::Change::NoOp
        )),
        healthy,
        detail,
    );
}

fn out_unchecked(
    row: &mut impl FnMut(&str, &str, Option<Ownership>, Option<Change>, bool, String),
    name: &str,
    ownership: Ownership,
    healthy: bool,
    detail: String,
) {
    let detail = if detail.is_empty() {
        "content not compared: the Lambda and Lex ARNs it names are not known yet".to_string()
    } else {
        detail
    };
    row("flow", name, Some(ownership), None, healthy, detail);
}

/// Whether the deployment was made with `--lex v1`: its V1 bot carries our marker and no V2 bot
/// of ours exists (deploy makes exactly one of the two).
pub fn uses_lex_v1(found: &destroy::Found, deployment: &str) -> bool {
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

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<Outcome> {
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let mut settings = settings_of(args);
    desired::check(&settings)?;
    let reporter = Reporter::from_args(global);
    reporter.phase(format!(
        "reading deployment {} in instance {}",
        settings.name, instance.id
    ));
    let target = deploy::connect(global, &instance, &settings.name).await?;
    let mut found = destroy::read(&target.cx, &settings, target.instance_tags.clone()).await?;
    destroy::read_aws(&target.aws, &target.cx, &settings, &mut found).await?;
    if uses_lex_v1(&found, &settings.name) {
        settings.lex = LexVersion::V1;
    }
    let (region, account) = target.cx.region_account();
    let aws_current = aws_side::AwsCurrent {
        bucket: None,
        stacks: found
            .stacks
            .iter()
            .map(|(solution, (_, stack))| (*solution, stack.clone()))
            .collect(),
        bot: found.bot.as_ref().map(|(_, bot)| bot.clone()),
        bot_v1: found.bot_v1.clone(),
    };
    let mut inputs = aws_side::inputs(&aws_current, region, account);
    inputs.aws_side = true;
    if settings.lex == LexVersion::V1 {
        aws_side::use_lex_v1(&mut inputs, region);
    }
    inputs.lambda_ids = aws_side::solutions(&settings)
        .into_iter()
        .flat_map(aws_side::connect_lambda_ids)
        .map(str::to_string)
        .collect();
    // The stacks are compared with the local Lambda build when there is one.
    let aws_desired = aws_side::local_artifact().ok().and_then(|artifact| {
        aws_side::desired(
            &settings,
            account,
            region,
            &target.cx.instance_arn,
            artifact,
        )
        .ok()
    });
    let mut resources = aws_rows(&found, &settings, &inputs, aws_desired.as_ref());
    resources.extend(rows(&found, &settings, &inputs));
    let deployed = resources
        .iter()
        .any(|row| matches!(row.ownership, Some(Ownership::Ours | Ownership::Adopted)));
    let mut summary = Summary::default();
    for row in &resources {
        match (row.present, row.in_sync) {
            (false, _) => summary.missing += 1,
            (true, Some(true)) => summary.in_sync += 1,
            (true, Some(false)) => summary.drifted += 1,
            (true, None) => summary.unchecked += 1,
        }
        if row.present && !row.healthy {
            summary.unhealthy += 1;
        }
    }
    let ok = deployed && summary.drifted == 0 && summary.missing == 0 && summary.unhealthy == 0;
    let result = StatusResult {
        command: "status",
        deployment: settings.name.clone(),
        instance: target.cx.instance_arn.clone(),
        deployed,
        resources,
        summary,
        ok,
    };
    print_result(global, &result)?;
    if args.check && !ok {
        Ok(Outcome::Drift)
    } else {
        Ok(Outcome::Success)
    }
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
            rows.push(Row {
                kind: kind.into(),
                name: name.into(),
                present: ownership.is_some(),
                ownership,
                in_sync,
                healthy,
                detail,
            })
        };
        out_lex_v1_row(&mut push, &aws_side::bot_spec(), bot, "d");
        rows.remove(0)
    }

    #[test]
    fn a_v1_bot_of_ours_means_a_lex_v1_deployment() {
        let mut found = destroy::Found::default();
        assert!(!uses_lex_v1(&found, "d"));
        found.bot_v1 = Some(v1(Some("other"), "READY", None));
        assert!(!uses_lex_v1(&found, "d"));
        found.bot_v1 = Some(v1(Some("d"), "READY", None));
        assert!(uses_lex_v1(&found, "d"));
    }

    #[test]
    fn the_v1_row_says_sync_and_health() {
        let shipped = lexv1::fingerprint(&aws_side::bot_spec());
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
