//! Pure: the Connect side's status rows (hours, queues, routing profile, flows, whisper, storage,
//! phone numbers), each the deploy diff of what exists against what these settings deploy.

use super::super::desired::{self, OUTBOUND_WHISPER_FLOW, Settings};
use super::super::observe::Observed;
use super::super::plan::{self, Upstream};
use super::Row;
use crate::resources::connect::{flows, queues, routing_profile, whisper};
use crate::resources::{Change, Ownership};

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
