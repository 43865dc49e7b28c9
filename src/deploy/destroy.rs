//! Destroy: remove what a deployment created and put back what it changed, in a safe order, as
//! a dependency graph (issue 6).
//!
//! Only resources carrying `connect-returns:deployment=<name>` are deleted. Adopted resources
//! lose their adoption tag and stay. Pre-existing settings we changed (the callback queue's
//! outbound whisper, phone-number flows) are restored from the values recorded at deploy time;
//! a CTR storage association is removed only when the instance tag says we created it.
//!
//! Order: phone numbers and the outbound whisper are restored first; a flow is deleted after
//! every flow that references it; the routing profile is emptied and deleted before the queues;
//! Lambda associations go after the flows that invoke them.

use std::collections::{BTreeMap, HashMap};

use super::current::{self, Current, Depth};
use super::desired::Settings;
use super::graph::{self, GraphResult, Step};
use super::plan::{Plan, PlanItem};
use crate::report::{Reporter, StepOutcome};
use crate::resources::connect::flows::SOLUTION_TAG;
use crate::resources::connect::{Connect, flows, phone, queues, routing_profile, storage, whisper};
use crate::resources::{Change, FieldDiff, Ownership, TAG_ADOPTED};

/// Everything destroy needs to know, read without a mutating call.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub current: Current,
    /// The queue whose outbound whisper we changed (from the instance tag).
    pub whisper_queue: Option<queues::Current>,
    /// Phone numbers we pointed: (number id, record).
    pub phones: Vec<(String, phone::Record)>,
    /// The CTR association we created.
    pub ctr_association: Option<String>,
}

/// Reads what the deployment has.
pub async fn read(cx: &Connect, settings: &Settings, instance_tags: HashMap<String, String>) -> anyhow::Result<Found> {
    let current = current::read_with(cx, settings, instance_tags.clone(), Depth::Full).await?;
    let whisper_queue = match instance_tags.get(&whisper::queue_tag(&settings.name)) {
        Some(id) => match current.queues.values().find(|queue| &queue.id == id) {
            Some(queue) => Some(queue.clone()),
            None => queues::describe(cx, id).await?,
        },
        None => None,
    };
    let prefix = format!("connect-returns:{}:phone:", settings.name);
    let phones = instance_tags
        .iter()
        .filter_map(|(key, value)| key.strip_prefix(&prefix).map(|id| (id.to_string(), phone::parse_record(value))))
        .collect();
    let ctr_association = instance_tags.get(&storage::created_tag(&settings.name)).cloned();
    Ok(Found { current, whisper_queue, phones, ctr_association })
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
fn our_flows<'a>(found: &'a Found, settings: &Settings) -> BTreeMap<&'a str, &'a flows::Current> {
    found
        .current
        .flows
        .iter()
        .filter(|(_, flow)| Ownership::of(&flow.tags, &settings.name) == Ownership::Ours && wanted_solution(settings, flow_solution(flow)))
        .map(|(name, flow)| (name.as_str(), flow))
        .collect()
}

/// The destroy plan (pure).
pub fn plan(found: &Found, settings: &Settings) -> Plan {
    let deployment = &settings.name;
    let mut items = Vec::new();
    let flows_by_id: HashMap<&str, &flows::Current> = found.current.flows.values().map(|flow| (flow.id.as_str(), flow)).collect();
    for (id, record) in &found.phones {
        let solution = flows_by_id.get(record.flow_id.as_str()).and_then(|flow| flow_solution(flow));
        if !wanted_solution(settings, solution) {
            continue;
        }
        let to = record.previous.clone().unwrap_or_else(|| "(no flow)".into());
        items.push(PlanItem::new("phone-number", id, Change::Restore { fields: vec![FieldDiff::new("contact flow", &record.flow_id, to)] }));
    }
    if settings.callbacks()
        && let Some(queue) = &found.whisper_queue
    {
        let change = whisper::restore_change(queue, deployment);
        if change != Change::NoOp {
            items.push(PlanItem::new("outbound-whisper", &queue.name, change));
        }
    }
    for name in our_flows(found, settings).keys() {
        items.push(PlanItem::new("flow", *name, Change::Delete));
    }
    if settings.returning_callers() {
        if let Some(profile) = &found.current.routing_profile {
            match Ownership::of(&profile.tags, deployment) {
                Ownership::Ours => items.push(PlanItem::new("routing-profile", &profile.name, Change::Delete)),
                Ownership::Adopted => items.push(PlanItem::new("routing-profile", &profile.name, adopted_change())),
                Ownership::Foreign => {}
            }
        }
        for (name, queue) in &found.current.queues {
            if found.whisper_queue.as_ref().is_some_and(|whisper| whisper.id == queue.id) || name == &settings.callback_queue {
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
    Plan { items }
}

fn adopted_change() -> Change {
    Change::Restore { fields: vec![FieldDiff::new("tag connect-returns:adopted", "this deployment", "(removed; the resource stays)")] }
}

/// Runs the destroy plan as a graph.
pub async fn run(cx: &Connect, settings: &Settings, found: &Found, plan: &Plan, reporter: &Reporter) -> anyhow::Result<GraphResult> {
    let mut steps = Vec::new();
    let restore_ids: Vec<String> =
        plan.items.iter().filter(|item| matches!(item.kind.as_str(), "phone-number" | "outbound-whisper")).map(PlanItem::id).collect();
    for item in &plan.items {
        let id = item.id();
        match item.kind.as_str() {
            "phone-number" => {
                let Some((phone_id, record)) = found.phones.iter().find(|(phone_id, _)| phone_id == &item.name).cloned() else { continue };
                let cx = cx.clone();
                steps.push(Step::new(id, format!("phone number {}", item.name), vec![], move || async move {
                    phone::restore(&cx, &phone_id, &record).await?;
                    Ok(StepOutcome::Restored)
                }));
            }
            "outbound-whisper" => {
                let Some(queue) = found.whisper_queue.clone() else { continue };
                let cx = cx.clone();
                steps.push(Step::new(id, format!("outbound whisper of queue {}", queue.name), vec![], move || async move {
                    whisper::restore(&cx, &queue).await?;
                    Ok(StepOutcome::Restored)
                }));
            }
            "flow" => {
                let Some(flow) = found.current.flows.get(&item.name).cloned() else { continue };
                // Delete after the restores and after every flow of ours that references it.
                let mut deps = restore_ids.clone();
                for other in plan.items.iter().filter(|other| other.kind == "flow" && other.name != item.name) {
                    if let Some(referrer) = found.current.flows.get(&other.name)
                        && (referrer.content.contains(&flow.arn) || referrer.content.contains(&flow.id))
                    {
                        deps.push(other.id());
                    }
                }
                let cx = cx.clone();
                steps.push(Step::new(id, format!("flow {}", item.name), deps, move || async move {
                    flows::delete(&cx, &flow).await?;
                    Ok(StepOutcome::Deleted)
                }));
            }
            "routing-profile" => {
                let Some(profile) = found.current.routing_profile.clone() else { continue };
                let cx = cx.clone();
                let change = item.change.clone();
                steps.push(Step::new(id, format!("routing profile {}", item.name), vec![], move || async move {
                    if change == Change::Delete {
                        routing_profile::delete(&cx, &profile).await?;
                        Ok(StepOutcome::Deleted)
                    } else {
                        cx.untag(&profile.arn, vec![TAG_ADOPTED.to_string()]).await?;
                        Ok(StepOutcome::Kept)
                    }
                }));
            }
            "queue" => {
                let Some(queue) = found.current.queues.get(&item.name).cloned() else { continue };
                let mut deps: Vec<String> = plan.items.iter().filter(|other| matches!(other.kind.as_str(), "routing-profile" | "flow")).map(PlanItem::id).collect();
                deps.extend(restore_ids.iter().cloned());
                let cx = cx.clone();
                let change = item.change.clone();
                steps.push(Step::new(id, format!("queue {}", item.name), deps, move || async move {
                    if change == Change::Delete {
                        queues::delete(&cx, &queue).await?;
                        Ok(StepOutcome::Deleted)
                    } else {
                        cx.untag(&queue.arn, vec![TAG_ADOPTED.to_string()]).await?;
                        Ok(StepOutcome::Kept)
                    }
                }));
            }
            "ctr-storage" => {
                let association = item.name.clone();
                let cx = cx.clone();
                steps.push(Step::new(id, "contact trace records association", vec![], move || async move {
                    storage::disassociate(&cx, &association).await?;
                    Ok(StepOutcome::Deleted)
                }));
            }
            _ => {}
        }
    }
    let _ = settings;
    graph::run(steps, reporter).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SolutionChoice;
    use crate::commands::deploy::LexVersion;
    use crate::resources::owner_tags;

    fn settings(solution: SolutionChoice) -> Settings {
        Settings {
            name: "d".into(),
            solution,
            lex: LexVersion::V2,
            prefix: String::new(),
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

    fn flow(name: &str, solution: &str, tags: HashMap<String, String>) -> flows::Current {
        let mut tags = tags;
        tags.insert(SOLUTION_TAG.into(), solution.into());
        flows::Current {
            id: format!("id-{name}"),
            arn: format!("arn-{name}"),
            name: name.into(),
            flow_type: "CONTACT_FLOW".into(),
            content: "{}".into(),
            published: true,
            tags,
        }
    }

    #[test]
    fn only_our_flows_of_the_chosen_solution_are_deleted() {
        let mut found = Found::default();
        found.current.flows.insert("a".into(), flow("a", "callbacks", owner_tags("d")));
        found.current.flows.insert("b".into(), flow("b", "returning-callers", owner_tags("d")));
        found.current.flows.insert("c".into(), flow("c", "callbacks", HashMap::new()));
        found.current.flows.insert("e".into(), flow("e", "callbacks", owner_tags("other")));
        let plan = plan(&found, &settings(SolutionChoice::Callbacks));
        let names: Vec<&str> = plan.items.iter().map(|item| item.name.as_str()).collect();
        assert_eq!(names, vec!["a"]);
        let all = super::plan(&found, &settings(SolutionChoice::All));
        assert_eq!(all.items.len(), 2);
    }

    #[test]
    fn nothing_of_ours_means_an_empty_plan() {
        assert!(plan(&Found::default(), &settings(SolutionChoice::All)).items.is_empty());
    }
}
