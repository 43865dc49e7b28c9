//! What a destroy removes and restores: the plan, from what was observed and the deployment's
//! settings, each item owned by this deployment (or adopted by it) and nothing else.

use std::collections::{BTreeMap, HashMap};

use crate::assets::Solution;
use crate::deploy::desired::Settings;
use crate::deploy::observe::{EarlierBot, Observed};
use crate::deploy::plan::{Plan, PlanItem};
use crate::resources::connect::flows::SOLUTION_TAG;
use crate::resources::connect::{flows, phone, routing_profile, whisper};
use crate::resources::{Change, FieldDiff, Ownership};
use crate::resources::{lexv2, stack};

/// The Lambda ARNs of our stacks that are associated with the instance.
pub(super) fn our_lambda_associations(found: &Observed) -> Vec<(Solution, String)> {
    let mut out = Vec::new();
    for (solution, (_, stack)) in &found.stacks {
        let Some(stack) = stack else { continue };
        for id in crate::deploy::upstream::lambda_ids(*solution) {
            if let Some(arn) =
                crate::assets::lambda_output(id).and_then(|output| stack.outputs.get(output))
                && found.current.lambdas.contains(arn)
            {
                out.push((*solution, arn.clone()));
            }
        }
    }
    out
}

/// Our bot's alias ARN when it is associated with the instance. A same-named bot of another
/// deployment (or of nobody) is not ours: its association stays.
fn our_bot_association(
    found: &Observed,
    bot: &lexv2::Current,
    cx_region: &str,
    cx_account: &str,
) -> Option<String> {
    let alias = bot.alias.as_ref()?;
    let arn = lexv2::alias_arn(cx_region, cx_account, &bot.bot_id, &alias.alias_id);
    found
        .current
        .bots
        .contains(&crate::resources::connect::associations::Bot::V2 {
            alias_arn: arn.clone(),
        })
        .then_some(arn)
}

/// Removing a Lex V1 bot of ours: its association (when the instance has it), then the bot.
fn lex_v1_removal(found: &Observed, name: &str, region: &str) -> Vec<PlanItem> {
    let mut items = Vec::new();
    let bot = crate::resources::connect::associations::Bot::V1 {
        name: name.to_string(),
        region: region.to_string(),
    };
    if found.current.bots.contains(&bot) {
        items.push(PlanItem::new("bot-association-v1", name, Change::Delete));
    }
    items.push(PlanItem::new("lex-bot-v1", name, Change::Delete));
    items
}

/// Removing the bots an earlier release made for this deployment under another name (read only
/// when their ownership marker names this deployment).
pub fn earlier_bots_removal(found: &Observed, region: &str, account: &str) -> Vec<PlanItem> {
    let mut items = Vec::new();
    for earlier in &found.earlier_bots {
        match earlier {
            EarlierBot::V2 { name, bot } => {
                if let Some(arn) = our_bot_association(found, bot, region, account) {
                    items.push(PlanItem::new("bot-association", arn, Change::Delete));
                }
                items.push(PlanItem::new("lex-bot", name, Change::Delete));
            }
            EarlierBot::V1 { spec } => items.extend(lex_v1_removal(found, &spec.name, region)),
        }
    }
    items
}

fn flow_solution(flow: &flows::Current) -> Option<&str> {
    flow.tags.get(SOLUTION_TAG).map(String::as_str)
}

fn wanted_solution(settings: &Settings, solution: Option<&str>) -> bool {
    match solution {
        Some("returning-callers") => settings.returning_callers(),
        Some("callbacks") => settings.callbacks(),
        _ => settings.returning_callers() && settings.callbacks(),
    }
}

/// Our flows of the chosen solutions, by name.
fn our_flows<'a>(
    found: &'a Observed,
    settings: &Settings,
) -> BTreeMap<&'a str, &'a flows::Current> {
    found
        .current
        .flows
        .iter()
        .filter(|(_, flow)| {
            Ownership::of(&flow.tags, &settings.name) == Ownership::Ours
                && wanted_solution(settings, flow_solution(flow))
        })
        .map(|(name, flow)| (name.as_str(), flow))
        .collect()
}

/// The destroy plan without instance coordinates (tests).
#[cfg(test)]
pub fn plan(found: &Observed, settings: &Settings) -> Plan {
    plan_in(found, settings, "", "")
}

pub fn plan_in(found: &Observed, settings: &Settings, region: &str, account: &str) -> Plan {
    let deployment = &settings.name;
    let mut items = Vec::new();
    let flows_by_id: HashMap<&str, &flows::Current> = found
        .current
        .flows
        .values()
        .map(|flow| (flow.id.as_str(), flow))
        .collect();
    for (id, record) in &found.phones {
        let solution = flows_by_id
            .get(record.flow_id.as_str())
            .and_then(|flow| flow_solution(flow));
        if !wanted_solution(settings, solution) {
            continue;
        }
        if phone::repointed(record, id, found.current.phone_flows.as_ref()) {
            items.push(PlanItem::new(
                "phone-number",
                id,
                Change::Restore {
                    fields: vec![FieldDiff::new(
                        "contact flow",
                        "another flow (pointed there after this deployment)",
                        "left as it is; only this deployment's record of the number goes",
                    )],
                },
            ));
            continue;
        }
        let to = record
            .previous
            .clone()
            .unwrap_or_else(|| "(no flow)".into());
        items.push(PlanItem::new(
            "phone-number",
            id,
            Change::Restore {
                fields: vec![FieldDiff::new("contact flow", &record.flow_id, to)],
            },
        ));
    }
    if settings.callbacks()
        && let Some(queue) = &found.whisper_queue
    {
        let change = match whisper::restore_change(queue, deployment) {
            // Only the instance record exists (a run killed before it changed the queue).
            Change::NoOp => Change::Restore {
                fields: vec![FieldDiff::new(
                    "record",
                    "whisper queue recorded",
                    "(removed)",
                )],
            },
            change => change,
        };
        items.push(PlanItem::new("outbound-whisper", &queue.name, change));
    }
    for name in our_flows(found, settings).keys() {
        items.push(PlanItem::new("flow", *name, Change::Delete));
    }
    if settings.returning_callers()
        && let Some(profile) = &found.borrowed_profile
    {
        items.push(PlanItem::new(
            "routing-profile",
            &profile.name,
            routing_profile::restore_change(profile, deployment, &our_queue_names(settings)),
        ));
    }
    if settings.returning_callers() {
        if let Some(profile) = &found.current.routing_profile
            && found
                .borrowed_profile
                .as_ref()
                .is_none_or(|borrowed| borrowed.id != profile.id)
        {
            match Ownership::of(&profile.tags, deployment) {
                Ownership::Ours => items.push(PlanItem::new(
                    "routing-profile",
                    &profile.name,
                    Change::Delete,
                )),
                Ownership::Adopted => items.push(PlanItem::new(
                    "routing-profile",
                    &profile.name,
                    adopted_change(),
                )),
                Ownership::Foreign => {}
            }
        }
        for (name, queue) in &found.current.queues {
            if found
                .whisper_queue
                .as_ref()
                .is_some_and(|whisper| whisper.id == queue.id)
                || name == &settings.callback_queue
            {
                continue;
            }
            match Ownership::of(&queue.tags, deployment) {
                Ownership::Ours => items.push(PlanItem::new("queue", name, Change::Delete)),
                Ownership::Adopted => items.push(PlanItem::new("queue", name, adopted_change())),
                Ownership::Foreign => {}
            }
        }
    }
    if settings.callbacks()
        && let Some(association) = &found.ctr_association
    {
        items.push(PlanItem::new("ctr-storage", association, Change::Delete));
    }
    for (_, arn) in our_lambda_associations(found) {
        items.push(PlanItem::new("lambda-association", arn, Change::Delete));
    }
    if let Some((name, bot)) = &found.bot {
        if bot.deployment.as_deref() == Some(deployment.as_str()) {
            if let Some(arn) = our_bot_association(found, bot, region, account) {
                items.push(PlanItem::new("bot-association", arn, Change::Delete));
            }
            items.push(PlanItem::new("lex-bot", name, Change::Delete));
        } else {
            items.push(PlanItem::new(
                "lex-bot",
                name,
                Change::Keep {
                    reason: "not created by this deployment".into(),
                },
            ));
        }
    }
    if let Some(v1) = &found.bot_v1
        && v1.deployment.as_deref() == Some(deployment.as_str())
    {
        items.extend(lex_v1_removal(
            found,
            &crate::deploy::upstream::bot_spec_v1(settings).name,
            region,
        ));
    }
    items.extend(earlier_bots_removal(found, region, account));
    for (name, stack) in found.stacks.values() {
        let Some(stack) = stack else { continue };
        match stack::delete_change(Some(stack), deployment) {
            crate::resources::Change::Conflict { reason, .. } => {
                items.push(PlanItem::new("stack", name, Change::Keep { reason }))
            }
            _ => items.push(PlanItem::new("stack", name, Change::Delete)),
        }
    }
    if let Some(bucket) = &found.bucket {
        items.push(PlanItem::new("artifacts", bucket, Change::Delete));
    }
    Plan { items }
}

/// The menu's queue names as this deployment names them.
pub(super) fn our_queue_names(settings: &Settings) -> Vec<String> {
    settings
        .menu
        .names()
        .map(|name| settings.named(name))
        .collect()
}

fn adopted_change() -> Change {
    Change::Restore {
        fields: vec![FieldDiff::new(
            "tag connect-returns:adopted",
            "this deployment",
            "(removed; the resource stays)",
        )],
    }
}

#[cfg(test)]
mod tests;
