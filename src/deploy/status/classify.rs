//! Pure: each row classified as drifted (what exists differs from what was deployed) or outdated
//! (what was deployed differs from what this version would deploy): by comparing the rows of the
//! recorded and the intended settings, and, for flows, stacks and the bot, the record's
//! fingerprints.

use std::collections::BTreeMap;

use super::super::desired::{self, Settings};
use super::super::model::LexVersion;
use super::super::observe::Observed;
use super::super::plan::{self, Upstream};
use super::super::record::{self, Record, StackPrint};
use super::super::upstream;
use super::Row;
use crate::resources::lex::v1 as lexv1;

/// Drifted when what exists differs from what the recorded settings deploy; outdated when it
/// matches them but not what the intended settings deploy.
pub(super) fn classify(row: &mut Row, then: Option<&Row>) {
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
pub(super) fn apply_fingerprints(
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
