//! `status` in the engine: what a deployment has, and for each resource whether it *drifted*
//! (what exists differs from what was deployed, per the deployment record) or is *outdated*
//! (what was deployed differs from what this version with these settings would deploy).
//!
//! Read-only: the same reads as destroy, then the deploy diff of each resource, once against the
//! recorded settings and once against the intent (flags over the record). Asset-derived
//! resources (flows, stacks, the bot) are compared through the record's fingerprints, so a new
//! version of a shipped flow shows as outdated, an edit by hand as drifted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::desired::{self, OUTBOUND_WHISPER_FLOW, Settings};
use super::model::{Intent, LexVersion};
use super::observe::{self, Observed};
use super::plan::{self, Upstream};
use super::record::{self, Record, StackPrint};
use super::{Target, upstream};
use crate::report::Reporter;
use crate::resources::connect::{flows, queues, routing_profile, whisper};
use crate::resources::lex::{v1 as lexv1, v2 as lexv2};
use crate::resources::stack;
use crate::resources::{Change, Ownership, artifacts};

/// Version of the status JSON document. 2: rows carry `drifted` and `outdated`, the document
/// carries the deployment record and the outdated settings.
pub const SCHEMA_VERSION: u32 = 2;

/// One resource's line.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub kind: String,
    pub name: String,
    pub present: bool,
    /// `ours`, `adopted`, `foreign`, or null when missing.
    pub ownership: Option<Ownership>,
    /// Neither drifted nor outdated; null when that cannot be computed yet.
    pub in_sync: Option<bool>,
    /// What exists differs from what was deployed (changed out of band).
    pub drifted: bool,
    /// What was deployed differs from what this version with these settings would deploy.
    pub outdated: bool,
    pub healthy: bool,
    /// What differs or what is wrong, in words.
    pub detail: String,
}

impl Row {
    /// A row before the drifted/outdated classification; present when it has an owner.
    pub fn new(
        kind: &str,
        name: &str,
        ownership: Option<Ownership>,
        in_sync: Option<bool>,
        healthy: bool,
        detail: String,
    ) -> Row {
        Row {
            kind: kind.into(),
            name: name.into(),
            present: ownership.is_some(),
            ownership,
            in_sync,
            drifted: false,
            outdated: false,
            healthy,
            detail,
        }
    }
}

/// The JSON document of `status` (see docs/output.md).
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub schema_version: u32,
    pub command: &'static str,
    pub deployment: String,
    pub instance: String,
    /// False when no resource of the deployment exists.
    pub deployed: bool,
    /// What the deployment was made with (null for a deployment without a record).
    pub record: Option<RecordSummary>,
    /// Settings where the intent (flags, environment, config file) differs from the record.
    pub outdated_settings: Vec<SettingChange>,
    pub resources: Vec<Row>,
    pub summary: Summary,
    /// Everything present, not drifted, healthy (what `--check` gates on).
    pub ok: bool,
    /// `ok`, and nothing outdated (what `--check-outdated` gates on).
    pub up_to_date: bool,
}

/// The record as status shows it (phone numbers masked).
#[derive(Debug, Serialize)]
pub struct RecordSummary {
    pub tool_version: String,
    pub assets_fingerprint: String,
    /// This version's assets fingerprint, for comparison.
    pub current_assets_fingerprint: String,
    pub settings: Settings,
}

/// One setting the intent changes.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct SettingChange {
    pub setting: String,
    pub deployed: String,
    pub intended: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub in_sync: usize,
    pub drifted: usize,
    pub outdated: usize,
    pub missing: usize,
    pub unhealthy: usize,
    pub unchecked: usize,
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
        Change::Conflict { reason, .. } => reason.clone(),
        _ => String::new(),
    }
}

/// Builds the rows (pure).
pub fn rows(found: &Observed, settings: &Settings, inputs: &Upstream) -> Vec<Row> {
    let current = &found.current;
    let deployment = &settings.name;
    let mut out = Vec::new();
    let mut row = |kind: &str,
                   name: &str,
                   ownership: Option<Ownership>,
                   change: Option<Change>,
                   healthy: bool,
                   detail: String| {
        let in_sync = change.as_ref().map(|change| matches!(change, Change::NoOp));
        let detail = if detail.is_empty() {
            change.as_ref().map(describe_change).unwrap_or_default()
        } else {
            detail
        };
        out.push(Row::new(kind, name, ownership, in_sync, healthy, detail));
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
            let whisper_flow = settings.named(OUTBOUND_WHISPER_FLOW);
            let flow_id = current
                .flows
                .get(&whisper_flow)
                .map(|flow| flow.id.as_str());
            let change = whisper::diff(queue, flow_id, &whisper_flow, deployment);
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
            let dead = found
                .dead_ctr_streams
                .iter()
                .find(|(id, _)| id == association)
                .map(|(_, stream)| stream.clone());
            if present {
                row(
                    "ctr-storage",
                    association,
                    Some(Ownership::Ours),
                    Some(Change::NoOp),
                    dead.is_none(),
                    dead.map(|stream| format!("streams to {stream}, which does not exist: no CTR reaches the callbacks"))
                        .unwrap_or_default(),
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
            let dead = found
                .dead_ctr_streams
                .iter()
                .any(|(_, dead)| dead == stream);
            row(
                "ctr-storage",
                stream,
                Some(Ownership::Foreign),
                Some(Change::NoOp),
                !dead,
                if dead {
                    "the instance's config streams to a stream that does not exist: no CTR reaches the callbacks".into()
                } else {
                    "reusing the instance's existing config".into()
                },
            );
        }
    }
    out
}

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

/// Reads the deployment and reports on every resource. `intent` overrides the record.
pub async fn inspect(
    target: &Target,
    name: &str,
    intent: &Intent,
    reporter: &Reporter,
) -> anyhow::Result<StatusReport> {
    let connect = &target.connect;
    let (region, account) = connect.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    let bucket = artifacts::bucket_name(&account, &region);
    let record = record::read(&target.aws.s3(), &bucket, name).await?;
    let record = record.filter(|record| record.instance_arn == connect.instance_arn);
    let deployed_base = match &record {
        Some(record) => Settings {
            name: name.to_string(),
            ..record.settings.clone()
        },
        None => Settings::defaults(name),
    };
    let mut settings = intent.over(&deployed_base);
    let recalled = observe::Recalled::from_record(record.as_ref(), &settings);
    let mut found =
        observe::read_deployment(connect, &settings, target.instance_tags.clone(), &recalled)
            .await?;
    observe::read_aws(&target.aws, connect, &settings, &mut found).await?;
    // Without a record, what was deployed is unknown: compare with the intent alone, as drift.
    let mut deployed = match &record {
        Some(_) => deployed_base.clone(),
        None => settings.clone(),
    };
    if record.is_none() && intent.lex.is_none() && uses_lex_v1(&found, name) {
        settings.lex = LexVersion::V1;
        deployed.lex = LexVersion::V1;
    }
    reporter.phase("comparing with what was deployed and what this version would deploy");
    let aws_current = upstream::AwsCurrent {
        bucket: None,
        stacks: found
            .stacks
            .iter()
            .map(|(solution, (_, stack))| (*solution, stack.clone()))
            .collect(),
        bot: found.bot.as_ref().map(|(_, bot)| bot.clone()),
        bot_v1: found.bot_v1.clone(),
    };
    let artifact = upstream::local_artifact(&target.lambda_artifact)
        .ok()
        .or_else(|| recorded_artifact(record.as_ref()));
    let compare = |settings: &Settings| {
        let inputs = upstream::connect_inputs(&aws_current, settings, &region, &account);
        let desired = artifact.clone().and_then(|artifact| {
            let mut desired =
                upstream::desired(settings, &account, &region, &connect.instance_arn, artifact)
                    .ok()?;
            keep_ctr_stream_parameter(&mut desired, &found, record.as_ref());
            Some(desired)
        });
        let mut rows = aws_rows(&found, settings, &inputs, desired.as_ref());
        rows.extend(self::rows(&found, settings, &inputs));
        (rows, inputs, desired)
    };
    let (mut resources, inputs, desired_now) = compare(&settings);
    let (then_rows, _, _) = compare(&deployed);
    for row in &mut resources {
        let then = then_rows
            .iter()
            .find(|then| then.kind == row.kind && then.name == row.name);
        classify(row, then);
    }
    if let Some(record) = &record {
        apply_fingerprints(
            &mut resources,
            record,
            &found,
            &settings,
            &inputs,
            desired_now.as_ref(),
        );
    }
    // A bot an earlier release named otherwise is ours and outdated: the next deploy removes it.
    for earlier in &found.earlier_bots {
        let mut row = Row::new(
            "lex-bot",
            earlier.name(),
            Some(Ownership::Ours),
            Some(false),
            true,
            format!(
                "this deployment's bot under an earlier name; deploy moves the deployment to {} and removes it",
                upstream::bot_spec_for(&settings).name
            ),
        );
        row.outdated = true;
        resources.push(row);
    }
    let outdated_settings: Vec<SettingChange> = settings
        .differences(&deployed)
        .into_iter()
        .map(|(setting, intended, deployed)| SettingChange {
            setting: setting.to_string(),
            deployed,
            intended,
        })
        .collect();
    // The artifact bucket is shared by every deployment in the account and Region: it alone
    // does not make this deployment exist.
    let deployed_any = resources.iter().any(|row| {
        row.kind != "artifacts"
            && matches!(row.ownership, Some(Ownership::Ours | Ownership::Adopted))
    });
    let mut summary = Summary::default();
    for row in &mut resources {
        row.in_sync = row.in_sync.map(|_| !row.drifted && !row.outdated);
        match (row.present, row.in_sync) {
            (false, _) => summary.missing += 1,
            (true, None) => summary.unchecked += 1,
            (true, Some(_)) => {
                if row.drifted {
                    summary.drifted += 1;
                }
                if row.outdated {
                    summary.outdated += 1;
                }
                if !row.drifted && !row.outdated {
                    summary.in_sync += 1;
                }
            }
        }
        if row.present && !row.healthy {
            summary.unhealthy += 1;
        }
    }
    let ok = deployed_any && summary.drifted == 0 && summary.missing == 0 && summary.unhealthy == 0;
    let up_to_date = ok && summary.outdated == 0 && outdated_settings.is_empty();
    Ok(StatusReport {
        schema_version: SCHEMA_VERSION,
        command: "status",
        deployment: name.to_string(),
        instance: connect.instance_arn.clone(),
        deployed: deployed_any,
        record: record.map(|record| RecordSummary {
            tool_version: record.tool_version,
            assets_fingerprint: record.assets_fingerprint,
            current_assets_fingerprint: record::assets_fingerprint(),
            settings: masked(record.settings),
        }),
        outdated_settings,
        resources,
        summary,
        ok,
        up_to_date,
    })
}

fn masked(mut settings: Settings) -> Settings {
    let mask = |number: &mut Option<String>| {
        if let Some(n) = number {
            *n = crate::resources::connect::phone::masked(n);
        }
    };
    mask(&mut settings.phone_number);
    mask(&mut settings.callback_phone_number);
    settings
}

/// Without a local Lambda build, the stacks are compared with the artifact the record names.
fn recorded_artifact(record: Option<&Record>) -> Option<artifacts::LocalArtifact> {
    let key = record?
        .deployed
        .stacks
        .values()
        .find_map(|stack| stack.parameters.get("ArtifactKey"))?;
    let sha256 = key.rsplit('/').next()?.trim_end_matches(".zip").to_string();
    Some(artifacts::LocalArtifact {
        name: upstream::ARTIFACT.into(),
        path: std::path::PathBuf::new(),
        sha256,
        embedded: None,
    })
}

/// The CTR stream parameter is decided at deploy time from the instance; status keeps the
/// recorded (else the live) value rather than guessing again.
fn keep_ctr_stream_parameter(
    desired: &mut upstream::AwsDesired,
    found: &Observed,
    record: Option<&Record>,
) {
    for (solution, (name, live)) in &found.stacks {
        let Some(wanted) = desired.stacks.get_mut(solution) else {
            continue;
        };
        if !wanted
            .parameters
            .contains_key(upstream::CTR_STREAM_PARAMETER)
            && *solution != crate::assets::Solution::Callbacks
        {
            continue;
        }
        let value = record
            .and_then(|record| record.deployed.stacks.get(name))
            .and_then(|print| print.parameters.get(upstream::CTR_STREAM_PARAMETER))
            .or_else(|| {
                live.as_ref()
                    .and_then(|live| live.parameters.get(upstream::CTR_STREAM_PARAMETER))
            })
            .cloned()
            .unwrap_or_default();
        wanted
            .parameters
            .insert(upstream::CTR_STREAM_PARAMETER.into(), value);
    }
}

/// Drifted when what exists differs from what the recorded settings deploy; outdated when it
/// matches them but not what the intended settings deploy.
fn classify(row: &mut Row, then: Option<&Row>) {
    let now_differs = row.in_sync == Some(false);
    let then_differs = then.map_or(now_differs, |then| then.in_sync == Some(false));
    row.drifted = then_differs;
    row.outdated = now_differs && !then_differs;
    if row.outdated
        && let Some(then) = then
        && row.detail.is_empty()
    {
        row.detail = then.detail.clone();
    }
}

/// For flows, stacks and the bot the record's fingerprints decide: drifted when what exists
/// differs from what was written, outdated when what was written differs from what this
/// version would write.
fn apply_fingerprints(
    rows: &mut [Row],
    record: &Record,
    found: &Observed,
    settings: &Settings,
    inputs: &Upstream,
    desired: Option<&upstream::AwsDesired>,
) {
    let known = plan::known_refs(&found.current, inputs);
    let mut now_flows = BTreeMap::new();
    for template in desired::flow_templates(settings) {
        let (flow, missing) = plan::desired_flow_with_missing(&template, settings, &known, inputs);
        if missing.is_empty() {
            now_flows.insert(flow.name.clone(), record::flow_print(&flow.content));
        }
    }
    for row in rows.iter_mut().filter(|row| row.present) {
        match row.kind.as_str() {
            "flow" => {
                let (Some(recorded), Some(current)) = (
                    record.deployed.flows.get(&row.name),
                    found.current.flows.get(&row.name),
                ) else {
                    continue;
                };
                row.drifted = *recorded != record::flow_print(&current.content);
                row.outdated = now_flows.get(&row.name).is_some_and(|now| now != recorded);
                row.in_sync = Some(!row.drifted && !row.outdated);
                row.detail = match (row.drifted, row.outdated) {
                    (true, true) => {
                        "content edited since deployed, and this version ships another".into()
                    }
                    (true, false) => "content edited since deployed".into(),
                    (false, true) => "this version ships another content".into(),
                    (false, false) => row.detail.clone(),
                };
            }
            "stack" => {
                let Some(recorded) = record.deployed.stacks.get(&row.name) else {
                    continue;
                };
                let Some(live) = found
                    .stacks
                    .values()
                    .find(|(name, _)| *name == row.name)
                    .and_then(|(_, live)| live.as_ref())
                else {
                    continue;
                };
                let live_print = StackPrint {
                    template_sha256: record::sha256(live.template_body.as_bytes()),
                    parameters: recorded
                        .parameters
                        .keys()
                        .filter_map(|key| {
                            live.parameters
                                .get(key)
                                .map(|value| (key.clone(), value.clone()))
                        })
                        .collect(),
                };
                let drift = live_print.differences(recorded);
                let now = desired
                    .and_then(|desired| {
                        desired
                            .stacks
                            .values()
                            .find(|stack| stack.stack_name == row.name)
                    })
                    .map(|stack| StackPrint::of(&stack.template_body, &stack.parameters));
                let outdated = now
                    .map(|now| recorded.differences(&now))
                    .unwrap_or_default();
                row.drifted = !drift.is_empty();
                row.outdated = !outdated.is_empty();
                row.in_sync = Some(!row.drifted && !row.outdated);
                let words = |what: &str, diffs: &[(String, String, String)], verb: &str| {
                    diffs
                        .iter()
                        .map(|(field, a, b)| format!("{what}{field}: {a} ({verb} {b})"))
                        .collect::<Vec<_>>()
                };
                let mut detail = words("", &drift, "deployed");
                detail.extend(words("", &outdated, "would deploy"));
                if !live.healthy() {
                    detail.insert(0, format!("status {}", live.status));
                }
                row.detail = detail.join("; ");
            }
            "lex-bot" => {
                let Some(recorded) = &record.deployed.bot else {
                    continue;
                };
                let current = match settings.lex {
                    LexVersion::V1 => found
                        .bot_v1
                        .as_ref()
                        .and_then(|bot| bot.alias_fingerprint.clone()),
                    LexVersion::V2 => found
                        .bot
                        .as_ref()
                        .and_then(|(_, bot)| bot.alias_fingerprint.clone()),
                };
                let spec = upstream::bot_spec_for(settings);
                let now = match settings.lex {
                    LexVersion::V1 => lexv1::fingerprint(&spec),
                    LexVersion::V2 => spec.fingerprint_v2(),
                };
                row.drifted = current.as_ref() != Some(recorded);
                row.outdated = now != *recorded;
                row.in_sync = Some(!row.drifted && !row.outdated);
                let healthy_words = row.detail.starts_with("Lex V1, alias");
                if row.drifted && (row.detail.is_empty() || healthy_words) {
                    row.detail = "alias prod serves another bot version than deployed".into();
                } else if row.outdated && !row.drifted {
                    row.detail = "this version ships another bot definition".into();
                }
            }
            _ => {}
        }
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
