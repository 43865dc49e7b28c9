//! `status` in the engine: what a deployment has, and for each resource whether it *drifted*
//! (what exists differs from what was deployed, per the deployment record) or is *outdated*
//! (what was deployed differs from what this version with these settings would deploy).
//!
//! Read-only: the same reads as destroy, then the deploy diff of each resource, once against the
//! recorded settings and once against the intent (flags over the record). Asset-derived
//! resources (flows, stacks, the bot) are compared through the record's fingerprints, so a new
//! version of a shipped flow shows as outdated, an edit by hand as drifted.
//!
//! This file reads and assembles the report; `connect_rows.rs` and `aws_rows.rs` build the rows,
//! `classify.rs` decides drifted and outdated.

use serde::Serialize;

use super::desired::Settings;
use super::model::{Intent, LexVersion};
use super::observe::{self, Observed};
use super::record::{self, Record};
use super::{Target, upstream};
use crate::report::Reporter;
use crate::resources::{Ownership, artifacts};

mod aws_rows;
mod classify;
mod connect_rows;

use aws_rows::{aws_rows, uses_lex_v1};
use classify::{apply_fingerprints, classify};
use connect_rows::rows;

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
