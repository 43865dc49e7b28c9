//! `connect-returns validate`: offline checks of the shipped flows, bot and templates.
//!
//! Reports every problem at once (file and action identifier), on stdout as text or one JSON
//! document, and exits 2 when there is any. No AWS call is made.

use std::fmt;
use std::path::PathBuf;

use clap::Args;

use crate::assets::Solution;
use crate::cli::{GlobalArgs, SolutionArg};
use crate::error::{Outcome, UserError};
use crate::flow::check::Problem;
use crate::flow::validate::{AssetSet, validate};
use crate::output::print_result;

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Which solution's assets
    #[arg(long, value_enum, default_value_t = SolutionArg::All)]
    pub solution: SolutionArg,
    /// Check the assets in DIR (laid out as flows/, lex/ and optionally templates/) instead of the
    /// ones built into this binary
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
}

/// The solutions a choice stands for.
pub fn solutions(choice: SolutionArg) -> Vec<Solution> {
    match choice {
        SolutionArg::ReturningCallers => vec![Solution::ReturningCallers],
        SolutionArg::Callbacks => vec![Solution::Callbacks],
        SolutionArg::All => Solution::ALL.to_vec(),
    }
}

/// What `validate` prints.
#[derive(Debug, serde::Serialize)]
pub struct ValidateReport {
    /// True when no problem was found.
    pub ok: bool,
    /// Where the assets came from: `built-in` or the directory.
    pub source: String,
    /// Files checked.
    pub checked: Vec<String>,
    /// Every problem.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ValidateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            let at = match p.line {
                Some(line) => format!("{}:{line}", p.file),
                None => p.file.clone(),
            };
            match &p.action {
                Some(a) => writeln!(f, "{at}: {a:?}: {}", p.message)?,
                None => writeln!(f, "{at}: {}", p.message)?,
            }
        }
        if self.ok {
            writeln!(
                f,
                "ok: {} files checked ({}), no problems",
                self.checked.len(),
                self.source
            )
        } else {
            writeln!(
                f,
                "{} problem(s) in {} files checked ({})",
                self.problems.len(),
                self.checked.len(),
                self.source
            )
        }
    }
}

pub async fn run(global: &GlobalArgs, args: &ValidateArgs) -> anyhow::Result<Outcome> {
    let chosen = solutions(args.solution);
    let experience = global.experience();
    experience.check()?;
    let (set, source) = match &args.assets {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(UserError::new(format!("assets directory {} does not exist", dir.display()))
                    .hint("pass a directory laid out like assets/: flows/, lex/ and optionally templates/")
                    .into());
            }
            (
                AssetSet::from_dir(dir, &chosen, &experience),
                dir.display().to_string(),
            )
        }
        None => (
            AssetSet::shipped(&chosen, &experience),
            "built-in".to_string(),
        ),
    };
    let mut checked: Vec<String> = set.flows.iter().map(|f| f.file.clone()).collect();
    checked.push(crate::flow::validate::BOT_FILE.to_string());
    checked.extend(set.templates.iter().map(|(_, file, _)| file.clone()));
    let problems = validate(&set);
    let report = ValidateReport {
        ok: problems.is_empty(),
        source,
        checked,
        problems,
    };
    print_result(global, &report)?;
    if report.ok {
        Ok(Outcome::Success)
    } else {
        Err(UserError::new(format!("validation found {} problem(s)", report.problems.len()))
            .hint("fix each problem listed above (file, action identifier, message) and run validate again")
            .into())
    }
}
