//! What a run works with, read once from the deployment: the record's settings, the entry
//! flows, queues, Lambda ARNs and tables; the chosen scenarios, each checked to render.

use std::collections::BTreeMap;

use super::scenarios::{self, Deployed, Scenario};
use super::*;
use crate::assets::Solution;
use crate::deploy::Target;
use crate::deploy::model::Settings;
use crate::deploy::record;
use crate::error::UserError;
use crate::report::Reporter;
use crate::resources::connect::{flows, queues};
use crate::resources::{artifacts, stack};

/// Everything a run works with, read once.
pub(super) struct Plan {
    pub(super) settings: Settings,
    pub(super) deployed: Deployed,
    /// Entry flow id by solution.
    pub(super) entry_flows: BTreeMap<Solution, String>,
    /// Table name by solution.
    pub(super) tables: BTreeMap<Solution, String>,
    /// Queue name (as deployed) by shipped name.
    pub(super) queue_names: BTreeMap<String, String>,
    pub(super) scenarios: Vec<Scenario>,
}

/// Reads what the scenarios need: the record's settings, the entry flows, queues, Lambda ARNs
/// and tables. A deployment that lacks one is bad input (nothing was changed yet).
pub(super) async fn read_plan(
    target: &Target,
    name: &str,
    request: &Request,
    region: &str,
    account: &str,
    reporter: &Reporter,
) -> anyhow::Result<Plan> {
    let connect = &target.connect;
    let bucket = artifacts::bucket_name(account, region);
    let record = record::read(&target.aws.s3(), &bucket, name)
        .await?
        .filter(|record| record.instance_arn == connect.instance_arn);
    let Some(record) = record else {
        return Err(UserError::new(format!(
            "no deployment {name} in instance {}: verify proves what deploy made",
            connect.instance_id
        ))
        .hint("run `connect-returns deploy` first, or pass the --name it was deployed with")
        .into());
    };
    let settings = Settings {
        name: name.to_string(),
        ..record.settings
    };
    warn_of_other_assets(&settings, reporter);
    let solutions: Vec<Solution> = Solution::ALL
        .into_iter()
        .filter(|solution| match solution {
            Solution::ReturningCallers => settings.returning_callers(),
            Solution::Callbacks => settings.callbacks(),
        })
        .collect();
    let every = scenarios::for_experience(&settings.experience());
    let chosen: Vec<Scenario> = if request.scenarios.is_empty() {
        every
            .iter()
            .filter(|s| solutions.contains(&s.solution))
            .cloned()
            .collect()
    } else {
        let mut chosen = Vec::new();
        for wanted in &request.scenarios {
            let Some(scenario) = every.iter().find(|s| s.name == *wanted) else {
                let names: Vec<&str> = every.iter().map(|s| s.name.as_str()).collect();
                return Err(UserError::new(format!("unknown scenario {wanted:?}"))
                    .hint(format!("pass --scenario with one of: {}", names.join(", ")))
                    .into());
            };
            if !solutions.contains(&scenario.solution) {
                return Err(UserError::new(format!(
                    "scenario {wanted} is a {} path, which deployment {name} does not have",
                    scenario.solution.id()
                ))
                .hint("deploy that solution, or leave the scenario out")
                .into());
            }
            if !chosen.iter().any(|s: &Scenario| s.name == scenario.name) {
                chosen.push(scenario.clone());
            }
        }
        chosen
    };
    reporter.phase(format!(
        "reading deployment {name}'s flows, queues and stacks"
    ));
    let names = crate::deploy::observe::queue_names(&settings);
    let (flows, queues, stacks) = tokio::try_join!(
        flows::read_all(connect),
        queues::read_named(connect, &names),
        async {
            let cfn = target.aws.cloudformation();
            let mut out = BTreeMap::new();
            for solution in &solutions {
                let stack_name = stack::stack_name(name, solution.id())?;
                if let Some(current) = stack::read(&cfn, &stack_name).await? {
                    out.insert(*solution, current);
                }
            }
            anyhow::Ok(out)
        }
    )?;
    let mut deployed = Deployed {
        callback_queue: settings.callback_queue.clone(),
        ..Deployed::default()
    };
    let mut queue_names = BTreeMap::new();
    for shipped in settings
        .menu
        .names()
        .map(|queue| queue.to_string())
        .chain([settings.callback_queue.clone()])
    {
        let deployed_name = if shipped == settings.callback_queue {
            shipped.clone()
        } else {
            settings.named(&shipped)
        };
        if let Some(queue) = queues.get(&deployed_name) {
            deployed
                .queue_arns
                .insert(shipped.clone(), queue.arn.clone());
            queue_names.insert(shipped, deployed_name);
        }
    }
    let mut entry_flows = BTreeMap::new();
    let mut tables = BTreeMap::new();
    for solution in &solutions {
        let (flow, table_output) = match solution {
            Solution::ReturningCallers => ("repeatCallerFlow", "ReturnCallsTableName"),
            Solution::Callbacks => ("cfSetCallBackflow", "CallbacksTableName"),
        };
        let flow_name = settings.named(flow);
        match flows.get(&flow_name) {
            Some(found) if found.published => {
                entry_flows.insert(*solution, found.id.clone());
            }
            _ => {
                return Err(UserError::new(format!(
                    "deployment {name} has no published flow {flow_name}"
                ))
                .hint("run `connect-returns deploy` to restore it, then verify again")
                .into());
            }
        }
        let Some(stack) = stacks.get(solution) else {
            return Err(UserError::new(format!(
                "deployment {name} has no {} stack",
                solution.id()
            ))
            .hint("run `connect-returns deploy` to restore it, then verify again")
            .into());
        };
        if let Some(table) = stack.outputs.get(table_output) {
            tables.insert(*solution, table.clone());
        }
        for function in returns_lambdas::contract::Function::ALL.map(|f| f.id()) {
            if let Some(arn) =
                crate::assets::lambda_output(function).and_then(|output| stack.outputs.get(output))
            {
                deployed
                    .lambda_arns
                    .insert(function.to_string(), arn.clone());
            }
        }
    }
    // Every scenario's content must render against what exists, before anything is made.
    for scenario in &chosen {
        content::render(scenario, &deployed).map_err(|lack| {
            let refusal =
                UserError::new(format!("scenario {} cannot run: {lack}", scenario.name));
            if scenario.unheard() {
                let others: Vec<&str> = chosen
                    .iter()
                    .filter(|s| !s.unheard())
                    .map(|s| s.name.as_str())
                    .collect();
                refusal.hint(format!(
                    "pass the --assets DIR the deployment was made from, or choose others with --scenario: {}",
                    others.join(", ")
                ))
            } else {
                refusal.hint(
                    "run `connect-returns deploy` to restore the deployment, then verify again",
                )
            }
        })?;
        if !tables.contains_key(&scenario.solution) {
            return Err(UserError::new(format!(
                "scenario {} cannot run: the {} stack names no table",
                scenario.name,
                scenario.solution.id()
            ))
            .hint("run `connect-returns deploy` to restore the deployment, then verify again")
            .into());
        }
    }
    Ok(Plan {
        settings,
        deployed,
        entry_flows,
        tables,
        queue_names,
        scenarios: chosen,
    })
}

/// The scenarios expect the words of the flows this run reads (built in, or `--assets DIR`):
/// says so when the deployment was made from others.
fn warn_of_other_assets(settings: &Settings, reporter: &Reporter) {
    let given = crate::assets::assets_dir();
    let name = &settings.name;
    match (&settings.assets, given) {
        (Some(_), None) => reporter.warn(format!(
            "deployment {name} was made from an assets directory: the scenarios expect the built-in flows' words (pass --assets DIR to expect its own)"
        )),
        (Some(recorded), Some(dir)) if *recorded != crate::assets::dir_fingerprint(dir) => {
            reporter.warn(format!(
                "{} is not the assets directory deployment {name} was made from: its flows or bot differ",
                dir.display()
            ))
        }
        (None, Some(dir)) => reporter.warn(format!(
            "deployment {name} was made from the built-in flows, not from {}",
            dir.display()
        )),
        _ => {}
    }
}
