//! `connect-returns simulate`: offline call-path simulation of the flows.
//!
//! Runs scenarios (built in, from `assets/scenarios/`, or from `--scenarios DIR`): the flows are
//! interpreted, the real Lambda handler code runs in-process against a DynamoDB endpoint (moto in
//! tests and the demo) in scratch tables it creates and deletes, and Connect's StopContact is
//! answered by an in-process stand-in. Exit 1 when any outcome differs from the scenario's
//! expectation, 2 for bad input (unknown scenario, no endpoint).

use std::fmt;
use std::path::PathBuf;

use clap::Args;

use crate::cli::GlobalArgs;
use crate::error::{Outcome, UserError};
use crate::flow::scenario::{self, Backend, Scenario, ScenarioOutcome};
use crate::output::print_result;

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Scenario to run (see --list)
    #[arg(required_unless_present_any = ["all", "list"])]
    pub scenario: Option<String>,
    /// Run every scenario
    #[arg(long, conflicts_with = "scenario")]
    pub all: bool,
    /// List the scenarios and exit
    #[arg(long, conflicts_with_all = ["scenario", "all"])]
    pub list: bool,
    /// Read scenarios from DIR (*.toml) instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Run the flows and bot in DIR (written by `connect-returns init DIR`) instead of the
    /// built-in ones; with no --scenarios, the scenarios of DIR/scenarios too
    #[arg(long, value_name = "DIR", env = "CONNECT_RETURNS_ASSETS")]
    pub assets: Option<PathBuf>,
    /// DynamoDB endpoint for the scratch tables (default: AWS_ENDPOINT_URL_DYNAMODB, then
    /// AWS_ENDPOINT_URL); simulate never uses a real AWS account
    #[arg(long, value_name = "URL", env = "CONNECT_RETURNS_DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
}

/// What `simulate` prints.
#[derive(Debug, serde::Serialize)]
pub struct SimulateReport {
    /// Scenarios run.
    pub scenarios: Vec<ScenarioOutcome>,
    /// How many passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// How StopContact was answered (always the in-process stand-in).
    pub stop_contact: &'static str,
}

impl fmt::Display for SimulateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.scenarios {
            write!(f, "{s}")?;
        }
        writeln!(
            f,
            "{} passed, {} failed (StopContact: {})",
            self.passed, self.failed, self.stop_contact
        )
    }
}

/// The scenario list `--list` prints.
#[derive(Debug, serde::Serialize)]
pub struct ScenarioList {
    /// (name, solution, description).
    pub scenarios: Vec<ScenarioEntry>,
}

/// One listed scenario.
#[derive(Debug, serde::Serialize)]
pub struct ScenarioEntry {
    /// Name.
    pub name: String,
    /// Solution id.
    pub solution: String,
    /// What it shows.
    pub description: String,
}

impl fmt::Display for ScenarioList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .scenarios
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(0);
        for s in &self.scenarios {
            writeln!(f, "{:width$}  {:17}  {}", s.name, s.solution, s.description)?;
        }
        Ok(())
    }
}

fn load(dir: Option<&PathBuf>) -> anyhow::Result<Vec<(String, Scenario)>> {
    let texts: Vec<(String, String)> = match dir {
        None => scenario::BUILT_IN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        Some(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                UserError::new(format!(
                    "cannot read the scenarios directory {}: {e}",
                    dir.display()
                ))
                .hint("pass a directory holding <name>.toml scenario files")
            })?;
            let mut out = Vec::new();
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let name = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default();
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        UserError::new(format!("cannot read {}: {e}", path.display()))
                    })?;
                    out.push((name, text));
                }
            }
            out.sort();
            out
        }
    };
    let mut scenarios = Vec::new();
    for (name, text) in texts {
        let parsed = scenario::parse(&text).map_err(|e| {
            UserError::new(format!(
                "scenario {name} cannot be read: {}",
                e.lines().next().unwrap_or_default()
            ))
            .hint("see assets/scenarios/*.toml for the format")
        })?;
        scenarios.push((name, parsed));
    }
    Ok(scenarios)
}

fn endpoint(args: &SimulateArgs) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    args.dynamodb_endpoint
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_DYNAMODB"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
}

pub async fn run(global: &GlobalArgs, args: &SimulateArgs) -> anyhow::Result<Outcome> {
    super::init::use_assets(args.assets.as_ref())?;
    let experience = global.experience();
    experience.check()?;
    let scenarios_dir = args.scenarios.clone().or_else(|| {
        args.assets
            .as_ref()
            .map(|dir| dir.join("scenarios"))
            .filter(|dir| dir.is_dir())
    });
    let all = load(scenarios_dir.as_ref())?;
    // The built-in scenarios are written for the blog's menu; another menu gets its own.
    // The shipped scenarios (built in, or as init wrote them) are written for the blog's menu;
    // another menu gets its own.
    let all = match &args.scenarios {
        None => crate::flow::menu_scenarios::for_experience(&experience, all),
        Some(_) => all,
    };
    if args.list {
        let list = ScenarioList {
            scenarios: all
                .iter()
                .map(|(n, s)| ScenarioEntry {
                    name: n.clone(),
                    solution: s.solution.clone(),
                    description: s.description.clone(),
                })
                .collect(),
        };
        print_result(global, &list)?;
        return Ok(Outcome::Success);
    }
    let chosen: Vec<&(String, Scenario)> = match &args.scenario {
        Some(name) => {
            let found: Vec<_> = all.iter().filter(|(n, _)| n == name).collect();
            if found.is_empty() {
                return Err(UserError::new(format!("no scenario named {name}"))
                    .hint("run connect-returns simulate --list to see the scenarios")
                    .into());
            }
            found
        }
        None => all.iter().collect(),
    };
    let Some(url) = endpoint(args) else {
        return Err(UserError::new(
            "simulate needs a local DynamoDB endpoint for its scratch tables",
        )
        .hint("start the stand-ins with cargo xtask sandbox up and export the variables it prints")
        .hint("or pass --dynamodb-endpoint http://127.0.0.1:<port> (a moto server)")
        .into());
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let region = global
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .unwrap_or_else(|| "us-east-1".to_string());
    let credentials = aws_credential_types::Credentials::new(
        env("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "simulate".to_string()),
        env("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "simulate".to_string()),
        None,
        None,
        "simulate",
    );
    let backend = Backend {
        dynamodb: crate::aws::local::dynamodb(&url, &region, credentials.clone()),
        region,
        credentials,
    };
    let bot = experience.bot_definition()?;
    let mut outcomes = Vec::new();
    for (name, s) in chosen {
        tracing::info!(scenario = %name, "running");
        outcomes.push(scenario::run(name, s, &backend, &bot, &experience).await);
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let report = SimulateReport {
        failed: outcomes.len() - passed,
        passed,
        scenarios: outcomes,
        stop_contact: "in-process stand-in (loopback HTTP, StopContact only)",
    };
    print_result(global, &report)?;
    if report.failed > 0 {
        let names: Vec<&str> = report
            .scenarios
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.name.as_str())
            .collect();
        anyhow::bail!(
            "{} scenario(s) did not behave as expected: {}",
            report.failed,
            names.join(", ")
        );
    }
    Ok(Outcome::Success)
}
