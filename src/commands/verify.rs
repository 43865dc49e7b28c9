//! `connect-returns verify`: runs the call paths as Amazon Connect test cases against the
//! deployed flows.
//!
//! Translates the flags into a request, hands the engine (`verify::run`) Ctrl-C as its
//! interruption, renders the report (a table, or JSON), and maps a failed scenario to exit 4.

use std::fmt;

use clap::Args;

use crate::cli::{GlobalArgs, TargetArgs};
use crate::error::Outcome;
use crate::instance::InstanceRef;
use crate::output::{mask_phone_numbers, print_result};
use crate::ui;
use crate::verify::{self, Request, VerifyReport};

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Each scenario is a call path of the blogs, run by Amazon Connect as a test \
case against the\ndeployed entry flow: no phone call, no agent. What a path needs is seeded in \
DynamoDB under a\nreserved test number (+1 201 555 01xx) and removed afterwards. Paths that reach \
a queue end at\nthe transfer, so the simulated contact is never offered to an agent.\n\n\
At most 5 test cases run at once, each for at most 5 minutes. Every test case and record verify\n\
made is deleted at the end, also after Ctrl-C; after a kill, the next verify removes them (found\n\
by tag). A run holds the deployment's lock, as deploy and destroy do: a second verify meanwhile\n\
waits up to --lock-timeout, then is refused. Exit 0: every scenario passed; 4: a scenario failed; 2: verify cannot run."
)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Run only this scenario (repeatable; default: every scenario of the deployed solutions).
    /// The names follow the deployed menu: new-caller-sales … with the blog's, menu-key-1-billing …
    /// with your own [[queues]]; an unknown name is refused with the list
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Leave the test cases in the instance for inspection (the records are still removed)
    #[arg(long)]
    pub keep: bool,
    /// Wait up to this many seconds when another run of the deployment holds its lock
    /// (0, the default: refuse at once, naming the holder)
    #[arg(long, value_name = "SECONDS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub lock_timeout: u64,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "deployment {} in {}: test cases on the deployed flows",
            self.deployment, self.instance
        )?;
        writeln!(
            f,
            "{:<32} {:<18} {:<7} ENDS",
            "SCENARIO", "SOLUTION", "RESULT"
        )?;
        for s in &self.scenarios {
            writeln!(
                f,
                "{:<32} {:<18} {:<7} {}",
                s.name,
                s.solution,
                if s.passed { "passed" } else { "FAILED" },
                s.ends
            )?;
            if !s.passed {
                writeln!(
                    f,
                    "  observation {} did not pass (execution {})",
                    s.failed_observation.as_deref().unwrap_or("-"),
                    s.execution_status
                )?;
                if let Some(expected) = &s.expected {
                    writeln!(f, "    expected: {expected}")?;
                }
                for seen in &s.seen {
                    writeln!(f, "    seen instead: {seen}")?;
                }
                if let Some(message) = &s.message {
                    writeln!(f, "    {message}")?;
                }
            }
            if let Some(id) = &s.test_case_id {
                writeln!(f, "  kept test case {id}")?;
            }
        }
        let c = &self.cleanup;
        if c.leftover_test_cases + c.leftover_records > 0 {
            writeln!(
                f,
                "removed {} test case(s) and {} record(s) an earlier verify had left",
                c.leftover_test_cases, c.leftover_records
            )?;
        }
        writeln!(
            f,
            "{} passed, {} failed; deleted {} test case(s){} and {} record(s)",
            self.passed,
            self.failed,
            c.test_cases_deleted,
            if c.test_cases_kept > 0 {
                format!(", kept {}", c.test_cases_kept)
            } else {
                String::new()
            },
            c.records_deleted
        )
    }
}

/// The report with every phone number masked (what the service echoes may contain the test
/// number).
fn masked(mut report: VerifyReport) -> VerifyReport {
    for s in &mut report.scenarios {
        for seen in &mut s.seen {
            *seen = mask_phone_numbers(seen);
        }
        s.expected = s.expected.as_deref().map(mask_phone_numbers);
        s.message = s.message.as_deref().map(mask_phone_numbers);
        for value in s.observed.values_mut() {
            *value = mask_phone_numbers(value);
        }
    }
    report
}

pub async fn run(global: &GlobalArgs, args: &VerifyArgs) -> anyhow::Result<Outcome> {
    // The words the scenarios expect come from the flows the deployment was made from.
    super::init::use_assets(args.target.assets.as_ref())?;
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let reporter = ui::progress::reporter(ui::progress::ProgressStyleChoice {
        quiet: global.quiet,
        no_progress: global.no_progress,
    });
    let target = super::open_target(global, &instance, &args.target.name, &reporter).await?;
    let request = Request {
        scenarios: args.scenarios.clone(),
        keep: args.keep,
        lock_timeout: std::time::Duration::from_secs(args.lock_timeout),
    };
    let interrupted = async {
        // Without a signal handler there is no Ctrl-C to wait for.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let report = verify::run(&target, &args.target.name, &request, &reporter, interrupted).await?;
    let report = masked(report);
    print_result(global, &report)?;
    Ok(if report.all_passed() {
        Outcome::Success
    } else {
        Outcome::ScenarioFailed
    })
}
