//! The dependency-graph executor: steps run as soon as every step they depend on succeeded,
//! independent steps concurrently (tokio tasks). A failed step stops its dependents (reported
//! as skipped, with the failing step named) while independent branches finish; the result lists
//! every failure. Steps report through the [`Reporter`]; the executor knows nothing of AWS.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;

use tokio::task::JoinSet;

use crate::report::{Event, Reporter, StepOutcome};

pub type StepFuture = Pin<Box<dyn Future<Output = anyhow::Result<StepOutcome>> + Send>>;

/// One unit of work.
pub struct Step {
    pub id: String,
    pub label: String,
    pub deps: Vec<String>,
    pub run: Box<dyn FnOnce() -> StepFuture + Send>,
}

impl Step {
    pub fn new<F, Fut>(
        id: impl Into<String>,
        label: impl Into<String>,
        deps: Vec<String>,
        run: F,
    ) -> Step
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<StepOutcome>> + Send + 'static,
    {
        Step {
            id: id.into(),
            label: label.into(),
            deps,
            run: Box::new(move || Box::pin(run())),
        }
    }
}

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Done(StepOutcome),
    Failed(String),
    Skipped(String),
}

/// The result of a whole graph, in completion order.
#[derive(Debug, Default)]
pub struct GraphResult {
    pub steps: Vec<(String, String, Ended)>,
}

impl GraphResult {
    #[cfg(test)]
    pub fn failures(&self) -> Vec<(&str, &str)> {
        self.steps
            .iter()
            .filter_map(|(_, label, ended)| match ended {
                Ended::Failed(error) => Some((label.as_str(), error.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn ok(&self) -> bool {
        self.steps
            .iter()
            .all(|(_, _, ended)| matches!(ended, Ended::Done(_)))
    }
}

/// Runs `steps`. A dependency on an id that is not in the graph is a bug, reported as an error.
pub async fn run(steps: Vec<Step>, reporter: &Reporter) -> anyhow::Result<GraphResult> {
    let ids: BTreeSet<String> = steps.iter().map(|step| step.id.clone()).collect();
    anyhow::ensure!(
        ids.len() == steps.len(),
        "duplicate step ids in the deploy graph"
    );
    for step in &steps {
        for dep in &step.deps {
            anyhow::ensure!(
                ids.contains(dep),
                "step {} depends on unknown step {dep}",
                step.id
            );
        }
    }
    let labels: BTreeMap<String, String> = steps
        .iter()
        .map(|step| (step.id.clone(), step.label.clone()))
        .collect();
    let mut pending: BTreeMap<String, Step> = steps
        .into_iter()
        .map(|step| (step.id.clone(), step))
        .collect();
    let mut ended: BTreeMap<String, Ended> = BTreeMap::new();
    let mut result = GraphResult::default();
    let mut running: JoinSet<(String, anyhow::Result<StepOutcome>)> = JoinSet::new();
    loop {
        // Skip what depends on a failure; start what is ready.
        let mut progressed = true;
        while progressed {
            progressed = false;
            let ids: Vec<String> = pending.keys().cloned().collect();
            for id in ids {
                let deps = pending[&id].deps.clone();
                if let Some(bad) = deps.iter().find(|dep| {
                    matches!(ended.get(*dep), Some(Ended::Failed(_) | Ended::Skipped(_)))
                }) {
                    let step = pending.remove(&id).expect("pending step");
                    let because = format!("{} did not complete", labels[bad]);
                    reporter.send(Event::Skipped {
                        step: id.clone(),
                        label: step.label.clone(),
                        because: because.clone(),
                    });
                    ended.insert(id.clone(), Ended::Skipped(because.clone()));
                    result.steps.push((id, step.label, Ended::Skipped(because)));
                    progressed = true;
                } else if deps
                    .iter()
                    .all(|dep| matches!(ended.get(dep), Some(Ended::Done(_))))
                {
                    let step = pending.remove(&id).expect("pending step");
                    reporter.send(Event::Started {
                        step: id.clone(),
                        label: step.label.clone(),
                    });
                    let future = (step.run)();
                    running.spawn(async move { (id, future.await) });
                    progressed = true;
                }
            }
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (id, outcome) =
            joined.map_err(|err| anyhow::anyhow!("a deploy step panicked: {err}"))?;
        let label = labels[&id].clone();
        let end = match outcome {
            Ok(outcome) => {
                reporter.send(Event::Finished {
                    step: id.clone(),
                    label: label.clone(),
                    outcome: outcome.clone(),
                });
                Ended::Done(outcome)
            }
            Err(err) => {
                let error = format!("{err:#}");
                reporter.send(Event::Failed {
                    step: id.clone(),
                    label: label.clone(),
                    error: error.clone(),
                });
                Ended::Failed(error)
            }
        };
        ended.insert(id.clone(), end.clone());
        result.steps.push((id, label, end));
    }
    anyhow::ensure!(
        pending.is_empty(),
        "the deploy graph has a dependency cycle"
    );
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    fn step(id: &str, deps: &[&str], log: Arc<Mutex<Vec<String>>>, fail: bool) -> Step {
        let name = id.to_string();
        Step::new(
            id,
            format!("step {id}"),
            deps.iter().map(|d| d.to_string()).collect(),
            move || async move {
                log.lock().unwrap().push(format!("start {name}"));
                tokio::time::sleep(Duration::from_millis(20)).await;
                log.lock().unwrap().push(format!("end {name}"));
                if fail {
                    anyhow::bail!("{name} broke")
                } else {
                    Ok(StepOutcome::Created)
                }
            },
        )
    }

    #[tokio::test]
    async fn dependents_wait_and_independent_steps_overlap() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            step("a", &[], log.clone(), false),
            step("b", &[], log.clone(), false),
            step("c", &["a", "b"], log.clone(), false),
        ];
        let result = run(steps, &Reporter::silent()).await.unwrap();
        assert!(result.ok());
        let log = log.lock().unwrap().clone();
        // a and b both start before either ends; c starts after both end.
        assert_eq!(&log[..2], &["start a".to_string(), "start b".to_string()]);
        assert_eq!(log[4], "start c");
    }

    #[tokio::test]
    async fn a_failure_skips_dependents_and_reports_every_failure() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            step("a", &[], log.clone(), true),
            step("b", &[], log.clone(), true),
            step("c", &["a"], log.clone(), false),
            step("d", &["c"], log.clone(), false),
            step("e", &[], log.clone(), false),
        ];
        let result = run(steps, &Reporter::silent()).await.unwrap();
        assert_eq!(result.failures().len(), 2);
        let ended: BTreeMap<_, _> = result
            .steps
            .iter()
            .map(|(id, _, e)| (id.clone(), e.clone()))
            .collect();
        assert!(matches!(ended["c"], Ended::Skipped(_)));
        assert!(matches!(ended["d"], Ended::Skipped(_)));
        assert_eq!(ended["e"], Ended::Done(StepOutcome::Created));
        assert!(
            !log.lock()
                .unwrap()
                .iter()
                .any(|line| line.contains(" c") || line.contains(" d"))
        );
    }

    #[tokio::test]
    async fn unknown_dependencies_are_refused() {
        let steps = vec![step(
            "a",
            &["nope"],
            Arc::new(Mutex::new(Vec::new())),
            false,
        )];
        assert!(run(steps, &Reporter::silent()).await.is_err());
    }
}
