//! Steps as nodes that say what they consume and produce; the graph's edges are derived from
//! that, never listed (terraform's reference transformer). Deploy: a node runs after every node
//! that produces what it consumes. Destroy is the reverse: removing a resource waits until every
//! resource that consumes what it produced is gone.

use std::collections::BTreeSet;
use std::future::Future;

use super::desired::{FlowTemplate, Settings};
use super::graph::Step;
use crate::report::StepOutcome;

/// Something one step makes and another needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    /// The Lambda zip in the artifact bucket.
    Artifacts,
    /// A Lambda function's ARN (a stack output), by function id.
    Lambda(String),
    /// A Lambda function associated with the instance, by function id.
    LambdaAssociated(String),
    /// The Kinesis stream contact trace records go to.
    CtrStream,
    /// The instance's CTR storage config.
    CtrStorage,
    /// The role the Lex V2 bot runs with (a stack output).
    LexRole,
    /// The bot's `prod` alias, by bot name.
    LexAlias(String),
    /// The bot associated with the instance, by bot name.
    BotAssociated(String),
    Queue(String),
    RoutingProfile(String),
    Flow(String),
    /// The callback queue's outbound whisper setting.
    OutboundWhisper(String),
    /// A phone number's flow association, by (masked) number.
    PhoneNumber(String),
}

/// A step with what it consumes and produces.
pub struct Node {
    pub step: Step,
    pub consumes: Vec<Ref>,
    pub produces: Vec<Ref>,
}

impl Node {
    pub fn new<F, Fut>(
        id: impl Into<String>,
        label: impl Into<String>,
        consumes: Vec<Ref>,
        produces: Vec<Ref>,
        run: F,
    ) -> Node
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<StepOutcome>> + Send + 'static,
    {
        Node {
            step: Step::new(id, label, Vec::new(), run),
            consumes,
            produces,
        }
    }
}

/// Deploy order: each node waits for the nodes producing what it consumes (within the graph;
/// what no node produces already exists).
pub fn for_deploy(nodes: Vec<Node>) -> Vec<Step> {
    connect(nodes, |waiter, other| {
        overlaps(&waiter.consumes, &other.produces)
    })
}

/// Destroy order, the reverse: removing a node waits for the removal of every node that
/// consumes what it produced.
pub fn for_destroy(nodes: Vec<Node>) -> Vec<Step> {
    connect(nodes, |waiter, other| {
        overlaps(&other.consumes, &waiter.produces)
    })
}

fn overlaps(a: &[Ref], b: &[Ref]) -> bool {
    let a: BTreeSet<&Ref> = a.iter().collect();
    b.iter().any(|r| a.contains(r))
}

fn connect(nodes: Vec<Node>, waits_for: impl Fn(&Node, &Node) -> bool) -> Vec<Step> {
    let deps: Vec<Vec<String>> = nodes
        .iter()
        .enumerate()
        .map(|(i, waiter)| {
            nodes
                .iter()
                .enumerate()
                .filter(|(j, other)| *j != i && waits_for(waiter, other))
                .map(|(_, other)| other.step.id.clone())
                .collect()
        })
        .collect();
    nodes
        .into_iter()
        .zip(deps)
        .map(|(node, deps)| Step { deps, ..node.step })
        .collect()
}

/// What a flow consumes: the queues and flows its placeholders name, and the Lambdas and bot it
/// invokes, which must be associated with the instance first.
pub fn flow_consumes(template: &FlowTemplate, settings: &Settings) -> Vec<Ref> {
    template
        .keys(settings)
        .into_iter()
        .flat_map(|(kind, name)| match kind.as_str() {
            "queue" => vec![Ref::Queue(name)],
            "flow" => vec![Ref::Flow(name)],
            "lambda" => vec![Ref::Lambda(name.clone()), Ref::LambdaAssociated(name)],
            "lex" => vec![Ref::LexAlias(name.clone()), Ref::BotAssociated(name)],
            _ => vec![],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, consumes: Vec<Ref>, produces: Vec<Ref>) -> Node {
        Node::new(id, id, consumes, produces, || async {
            Ok(StepOutcome::Unchanged)
        })
    }

    fn edges(steps: &[Step]) -> Vec<(String, Vec<String>)> {
        steps
            .iter()
            .map(|step| (step.id.clone(), step.deps.clone()))
            .collect()
    }

    fn sample() -> Vec<Node> {
        let q = Ref::Queue("Sales".into());
        let f = Ref::Flow("repeatCallerFlow".into());
        let lambda = Ref::Lambda("getCurrentTime".into());
        let assoc = Ref::LambdaAssociated("getCurrentTime".into());
        vec![
            node("stack", vec![Ref::Artifacts], vec![lambda.clone()]),
            node("artifacts", vec![], vec![Ref::Artifacts]),
            node("queue", vec![], vec![q.clone()]),
            node("assoc", vec![lambda.clone()], vec![assoc.clone()]),
            node("flow", vec![q, lambda, assoc], vec![f.clone()]),
            node("phone", vec![f], vec![Ref::PhoneNumber("+1…00".into())]),
        ]
    }

    #[test]
    fn deploy_edges_follow_what_each_step_consumes() {
        assert_eq!(
            edges(&for_deploy(sample())),
            vec![
                ("stack".to_string(), vec!["artifacts".to_string()]),
                ("artifacts".into(), vec![]),
                ("queue".into(), vec![]),
                ("assoc".into(), vec!["stack".into()]),
                (
                    "flow".into(),
                    vec!["stack".into(), "queue".into(), "assoc".into()]
                ),
                ("phone".into(), vec!["flow".into()]),
            ]
        );
    }

    #[test]
    fn destroy_edges_are_the_reverse() {
        assert_eq!(
            edges(&for_destroy(sample())),
            vec![
                (
                    "stack".to_string(),
                    vec!["assoc".to_string(), "flow".to_string()]
                ),
                ("artifacts".into(), vec!["stack".into()]),
                ("queue".into(), vec!["flow".into()]),
                ("assoc".into(), vec!["flow".into()]),
                ("flow".into(), vec!["phone".into()]),
                ("phone".into(), vec![]),
            ]
        );
    }
}
