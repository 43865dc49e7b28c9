//! The plan: per resource, create / update / no-op / conflict (or, for destroy, delete /
//! restore / keep), with field diffs and flow-content diffs. Computing it is pure: desired state
//! and current state in, plan out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::desired::{
    CALLBACK_ENTRY_FLOW, FlowTemplate, OUTBOUND_WHISPER_FLOW, RETURNING_ENTRY_FLOW,
    ROUTING_PROFILE, Settings,
};
use super::observe::Current;
use crate::resources::connect::associations::{self, Bot};
use crate::resources::connect::{flows, phone, queues, routing_profile, storage, whisper};
use crate::resources::{Change, FieldDiff};

/// Values produced by the AWS-side steps (stacks, Lex) that Connect resources refer to.
#[derive(Debug, Clone, Default)]
pub struct Upstream {
    /// `${lambda:<logical name>}` → function ARN.
    pub lambdas: BTreeMap<String, String>,
    /// The bot to associate (V2 alias ARN or V1 name).
    pub bot: Option<Bot>,
    /// `${lex:<name>}` → alias ARN (V2) or bot name (V1).
    pub lex: BTreeMap<String, String>,
    /// The stack's CTR stream, when the stack made one.
    pub ctr_stream: Option<String>,
    /// How flows name the bot (V2 alias ARN, or V1 name/Region/alias).
    pub lex_rendering: Option<crate::assets::LexRendering>,
    /// True when the AWS-side steps (artifacts, stacks, Lex) are part of this deploy: then every
    /// Lambda and Lex reference will have a value by the time a flow step runs.
    pub upstream: bool,
    /// Function ids to associate with the instance (their ARNs come from the stacks).
    pub lambda_ids: Vec<String>,
    /// The bot to associate, by name (its alias ARN comes from the Lex step).
    pub bot_name: Option<String>,
}

impl Upstream {
    /// True when every Lambda and Lex reference of `template` has a value: only then can the flow
    /// be deployed (its other references are queues and flows this deploy creates).
    pub fn ready_for(&self, template: &FlowTemplate, settings: &Settings) -> bool {
        self.upstream
            || template
                .keys(settings)
                .iter()
                .all(|(kind, name)| match kind.as_str() {
                    "lambda" => self.lambdas.contains_key(name),
                    "lex" => {
                        self.lex.contains_key(name)
                            || matches!(
                                self.lex_rendering,
                                Some(crate::assets::LexRendering::V1 { .. })
                            )
                    }
                    _ => true,
                })
    }
}

/// One resource's line in the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanItem {
    pub kind: String,
    pub name: String,
    #[serde(flatten)]
    pub change: Change,
}

impl PlanItem {
    pub fn new(kind: &str, name: impl Into<String>, change: Change) -> PlanItem {
        PlanItem {
            kind: kind.to_string(),
            name: name.into(),
            change,
        }
    }

    /// A stable id for the graph and for tests: `kind:name`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind, self.name)
    }
}

/// A whole plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub items: Vec<PlanItem>,
}

impl Plan {
    pub fn changes(&self) -> impl Iterator<Item = &PlanItem> {
        self.items.iter().filter(|item| item.change.is_mutation())
    }

    pub fn conflicts(&self) -> impl Iterator<Item = &PlanItem> {
        self.items
            .iter()
            .filter(|item| matches!(item.change, Change::Conflict { .. }))
    }

    pub fn has_changes(&self) -> bool {
        self.changes().next().is_some()
    }

    /// Whether `self` and `other` plan the same, the items of `kind` aside.
    pub fn same_apart_from(&self, other: &Plan, kind: &str) -> bool {
        let rest = |plan: &Plan| -> Vec<PlanItem> {
            plan.items
                .iter()
                .filter(|item| item.kind != kind)
                .cloned()
                .collect()
        };
        rest(self) == rest(other)
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<&PlanItem> {
        self.items
            .iter()
            .find(|item| item.kind == kind && item.name == name)
    }

    /// The item of `kind` named `name` when the plan changes it (what becomes a deploy step).
    pub fn changing(&self, kind: &str, name: &str) -> Option<&PlanItem> {
        self.get(kind, name)
            .filter(|item| item.change.is_mutation())
    }
}

/// Every reference a flow may name, from what exists now and what the AWS side produced.
pub fn known_refs(current: &Current, inputs: &Upstream) -> BTreeMap<(String, String), String> {
    let mut known = BTreeMap::new();
    for (name, queue) in &current.queues {
        known.insert(("queue".to_string(), name.clone()), queue.arn.clone());
    }
    for (name, flow) in &current.flows {
        known.insert(("flow".to_string(), name.clone()), flow.arn.clone());
    }
    for (name, arn) in &inputs.lambdas {
        known.insert(("lambda".to_string(), name.clone()), arn.clone());
    }
    for (name, value) in &inputs.lex {
        known.insert(("lex".to_string(), name.clone()), value.clone());
    }
    known
}

/// The desired queues (returning-callers only). `hours_id` may be empty when the hours were
/// not found (preflight refuses that before a plan is made).
pub fn desired_queues(settings: &Settings, hours_id: &str) -> Vec<queues::Desired> {
    if !settings.returning_callers() {
        return Vec::new();
    }
    settings
        .menu
        .queues
        .iter()
        .map(|queue| queues::Desired {
            name: settings.named(&queue.name),
            description: queue.description(),
            hours_id: hours_id.to_string(),
        })
        .collect()
}

/// The routing profile holding the menu's queues: the existing one `--routing-profile` names, or
/// the solution's own.
pub fn routing_profile_name(settings: &Settings) -> String {
    settings
        .routing_profile
        .clone()
        .unwrap_or_else(|| settings.named(ROUTING_PROFILE))
}

pub fn desired_routing_profile(settings: &Settings) -> Option<routing_profile::Desired> {
    settings
        .returning_callers()
        .then(|| routing_profile::Desired {
            name: routing_profile_name(settings),
            description: "Returning-caller queues at priority 2 (connect-returns)".into(),
            queues: settings
                .menu
                .names()
                .map(|name| {
                    let priority = i32::try_from(settings.routing_priority)
                        .unwrap_or(routing_profile::PRIORITY);
                    (settings.named(name), priority)
                })
                .collect(),
            borrowed: settings.routing_profile.is_some(),
        })
}

/// A flow's desired state with the references known now, and the references still unknown.
pub fn desired_flow_with_missing(
    template: &FlowTemplate,
    settings: &Settings,
    known: &BTreeMap<(String, String), String>,
    inputs: &Upstream,
) -> (flows::Desired, Vec<(String, String)>) {
    let lex = inputs
        .lex_rendering
        .clone()
        .unwrap_or(crate::assets::LexRendering::V2);
    let (content, missing) = template.render(settings, known, &lex);
    (desired_flow_from(template, settings, content), missing)
}

fn desired_flow_from(
    template: &FlowTemplate,
    settings: &Settings,
    content: String,
) -> flows::Desired {
    flows::Desired {
        solution: template.solution.clone(),
        name: settings.named(&template.name),
        flow_type: template.flow_type.clone(),
        description: template.description.clone(),
        content,
    }
}

/// Computes the deploy plan (pure).
pub fn compute(
    settings: &Settings,
    current: &Current,
    templates: &[FlowTemplate],
    inputs: &Upstream,
) -> Plan {
    let deployment = &settings.name;
    let adopt = settings.adopt;
    let mut items = Vec::new();
    let hours_id = crate::resources::connect::hours::find(&current.hours, &settings.hours)
        .map(|h| h.id.clone())
        .unwrap_or_default();
    for queue in desired_queues(settings, &hours_id) {
        let change = queues::diff(&queue, current.queues.get(&queue.name), deployment, adopt);
        items.push(PlanItem::new("queue", &queue.name, change));
    }
    if let Some(profile) = desired_routing_profile(settings) {
        let change = routing_profile::diff(
            &profile,
            current.routing_profile.as_ref(),
            deployment,
            adopt,
        );
        items.push(PlanItem::new("routing-profile", &profile.name, change));
    }
    let known = known_refs(current, inputs);
    for template in templates {
        let (flow, missing) = desired_flow_with_missing(template, settings, &known, inputs);
        let mut change = flows::diff(&flow, current.flows.get(&flow.name), deployment, adopt);
        // A flow whose references do not exist yet will change once they do.
        if change == Change::NoOp && !missing.is_empty() {
            change = Change::Update {
                fields: vec![crate::resources::FieldDiff::new(
                    "content",
                    "deployed",
                    "with new references",
                )],
                content_diff: None,
            };
        }
        items.push(PlanItem::new("flow", &flow.name, change));
    }
    for id in &inputs.lambda_ids {
        let present = inputs
            .lambdas
            .get(id)
            .is_some_and(|arn| current.lambdas.contains(arn));
        items.push(PlanItem::new(
            "lambda-association",
            id,
            associations::diff(present),
        ));
    }
    if let Some(name) = &inputs.bot_name {
        let present = inputs
            .bot
            .as_ref()
            .is_some_and(|bot| current.bots.contains(bot));
        items.push(PlanItem::new(
            "bot-association",
            name,
            associations::diff(present),
        ));
    }
    if settings.callbacks() {
        let whisper_flow = settings.named(OUTBOUND_WHISPER_FLOW);
        if templates
            .iter()
            .any(|t| settings.named(&t.name) == whisper_flow)
            && let Some(queue) = current.queues.get(&settings.callback_queue)
        {
            let flow_id = current
                .flows
                .get(&whisper_flow)
                .map(|flow| flow.id.as_str());
            items.push(PlanItem::new(
                "outbound-whisper",
                &settings.callback_queue,
                whisper::diff(queue, flow_id, &whisper_flow, deployment),
            ));
        }
        let wanted = inputs.ctr_stream.clone();
        if wanted.is_some() || inputs.upstream || storage::stream_in_use(&current.storage).is_some()
        {
            items.push(PlanItem::new(
                "ctr-storage",
                "CONTACT_TRACE_RECORDS",
                storage::diff(&current.storage, wanted.as_deref()),
            ));
        }
    }
    for (number, entry) in phone_targets(settings) {
        let entry_name = settings.named(entry);
        if !templates
            .iter()
            .any(|t| settings.named(&t.name) == entry_name)
        {
            continue;
        }
        let Some(claimed) = current
            .phones
            .iter()
            .find(|claimed| claimed.number == number)
        else {
            continue;
        };
        let record = current
            .instance_tags
            .get(&phone::record_tag(deployment, &claimed.id))
            .map(|value| phone::parse_record(value));
        let flow_id = current.flows.get(&entry_name).map(|flow| flow.id.as_str());
        let change = match &record {
            // Someone pointed it elsewhere after this deployment did: theirs until consented.
            Some(record) if phone::repointed(record, &claimed.id, current.phone_flows.as_ref()) => {
                let now = current
                    .phone_flows
                    .as_ref()
                    .and_then(|flows| flows.get(&claimed.id))
                    .cloned()
                    .unwrap_or_else(|| "(no flow)".into());
                if settings.adopt {
                    Change::Update {
                        fields: vec![FieldDiff::new("contact flow", now, entry_name.clone())],
                        content_diff: None,
                    }
                } else {
                    Change::Conflict {
                        reason: format!(
                            "phone number {} was pointed at another flow after this deployment pointed it at {entry_name}",
                            phone::masked(&number)
                        ),
                        hint: Some(format!(
                            "pass --adopt to point it back at {entry_name}, or leave it out of this deployment's settings"
                        )),
                    }
                }
            }
            _ => phone::diff(record.as_ref(), flow_id, &entry_name),
        };
        items.push(PlanItem::new(
            "phone-number",
            phone::masked(&number),
            change,
        ));
    }
    Plan { items }
}

/// The numbers to point and the flow each goes to.
pub fn phone_targets(settings: &Settings) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if let Some(number) = &settings.phone_number {
        out.push((number.clone(), RETURNING_ENTRY_FLOW));
    }
    if let Some(number) = &settings.callback_phone_number {
        out.push((number.clone(), CALLBACK_ENTRY_FLOW));
    }
    out
}

/// The human rendering of a plan.
pub fn render(plan: &Plan, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    if plan.items.is_empty() {
        let _ = writeln!(out, "  (nothing)");
    }
    for item in &plan.items {
        let _ = writeln!(
            out,
            "  {:<9} {:<19} {}",
            item.change.verb(),
            item.kind,
            item.name
        );
        match &item.change {
            Change::Update {
                fields,
                content_diff,
            } => {
                for field in fields
                    .iter()
                    .filter(|field| field.field != "content" || content_diff.is_none())
                {
                    let _ = writeln!(
                        out,
                        "              {}: {} -> {}",
                        field.field, field.from, field.to
                    );
                }
                if let Some(diff) = content_diff {
                    for line in diff.lines() {
                        let _ = writeln!(out, "              | {line}");
                    }
                }
            }
            Change::Restore { fields } => {
                for field in fields {
                    let _ = writeln!(
                        out,
                        "              {}: {} -> {}",
                        field.field, field.from, field.to
                    );
                }
            }
            Change::Conflict { reason, .. } | Change::Keep { reason } => {
                let _ = writeln!(out, "              {reason}");
            }
            _ => {}
        }
    }
    let count = |verb: &str| {
        plan.items
            .iter()
            .filter(|item| item.change.verb() == verb)
            .count()
    };
    let mut totals = Vec::new();
    for verb in [
        "create", "update", "adopt", "delete", "restore", "no-op", "keep", "conflict",
    ] {
        let n = count(verb);
        if n > 0 {
            totals.push(format!("{n} {verb}"));
        }
    }
    if !totals.is_empty() {
        let _ = writeln!(out, "  {}", totals.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::model::SolutionChoice;
    use crate::resources::connect::hours::Hours;

    fn settings() -> Settings {
        Settings::defaults("d")
    }

    fn empty_instance() -> Current {
        Current {
            hours: vec![Hours {
                id: "h".into(),
                arn: "arn:h".into(),
                name: "Basic Hours".into(),
            }],
            ..Current::default()
        }
    }

    #[test]
    fn a_fresh_instance_plans_creates_for_everything() {
        let plan = compute(&settings(), &empty_instance(), &[], &Upstream::default());
        assert_eq!(
            plan.items
                .iter()
                .filter(|i| i.change == Change::Create)
                .count(),
            6,
            "{plan:?}"
        );
        let text = render(&plan, "plan");
        assert!(
            text.contains("create    queue               Sales"),
            "{text}"
        );
        assert!(text.contains("6 create"), "{text}");
    }

    #[test]
    fn callbacks_alone_creates_no_queues() {
        let mut s = settings();
        s.solution = SolutionChoice::Callbacks;
        assert!(
            compute(&s, &empty_instance(), &[], &Upstream::default())
                .items
                .is_empty()
        );
    }

    #[test]
    fn a_flow_diff_is_rendered_line_by_line() {
        let mut current = empty_instance();
        current.flows.insert(
            "f".into(),
            flows::Current {
                id: "1".into(),
                arn: "arn:f".into(),
                name: "f".into(),
                flow_type: "CONTACT_FLOW".into(),
                content: r#"{"x":1}"#.into(),
                published: true,
                tags: crate::resources::owner_tags("d"),
            },
        );
        let template = FlowTemplate {
            solution: "callbacks".into(),
            name: "f".into(),
            flow_type: "CONTACT_FLOW".into(),
            description: String::new(),
            content: r#"{"x":2}"#.into(),
        };
        let mut s = settings();
        s.solution = SolutionChoice::Callbacks;
        let plan = compute(&s, &current, &[template], &Upstream::default());
        let text = render(&plan, "plan");
        assert!(text.contains("| -  \"x\": 1"), "{text}");
        assert!(text.contains("| +  \"x\": 2"), "{text}");
    }
}
