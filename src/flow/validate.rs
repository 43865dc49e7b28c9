//! Validation of a whole asset set (the shipped one, or a directory laid out like `assets/` with an
//! optional `templates/`): the bot, every flow (see [`super::check`]) and both templates, checked
//! against the handler contract (`returns_lambdas::contract`) and against each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use returns_lambdas::contract::{self, Function};

use super::check::{self, Catalog, LambdaSpec, Problem};
use crate::assets::{self, BotDefinition, Placeholder, Solution, cfn, lex};

/// One flow to check.
#[derive(Debug, Clone)]
pub struct FlowSource {
    /// The shipped flow it stands for.
    pub asset: &'static assets::FlowAsset,
    /// File name relative to the assets root.
    pub file: String,
    /// Its text (None when the file is missing).
    pub source: Option<String>,
}

/// Everything `validate` looks at.
#[derive(Debug, Clone)]
pub struct AssetSet {
    /// The flows of the chosen solutions.
    pub flows: Vec<FlowSource>,
    /// The bot definition text.
    pub bot: String,
    /// The templates of the chosen solutions: (solution, file, text).
    pub templates: Vec<(Solution, String, Option<String>)>,
    /// The assets directory the sources were read from: problems then carry the line of the
    /// action they are about in its file.
    pub dir: Option<std::path::PathBuf>,
    /// The call experience the shipped flows were shaped by; its menu names the queues the
    /// flows may refer to.
    pub experience: assets::CallExperience,
}

/// The bot definition's file name relative to the assets root.
pub const BOT_FILE: &str = "lex/returnCallerConcierge.json";

impl AssetSet {
    /// The shipped assets of `solutions`, shaped by `experience` (menu, prompts, voice).
    pub fn shipped(solutions: &[Solution], experience: &assets::CallExperience) -> AssetSet {
        AssetSet {
            flows: assets::flows()
                .iter()
                .filter(|f| solutions.contains(&f.solution))
                .map(|f| FlowSource {
                    asset: f,
                    file: format!("flows/{}.json", f.name),
                    source: Some(
                        experience
                            .apply(f.name, f.source)
                            .unwrap_or_else(|_| f.source.to_string()),
                    ),
                })
                .collect(),
            bot: experience
                .bot_definition()
                .ok()
                .and_then(|bot| serde_json::to_string_pretty(&bot).ok())
                .unwrap_or_else(|| lex::SOURCE.to_string()),
            templates: solutions
                .iter()
                .map(|s| {
                    (
                        *s,
                        format!("templates/{}", assets::template_file(*s)),
                        Some(assets::template(*s).to_string()),
                    )
                })
                .collect(),
            dir: None,
            experience: experience.clone(),
        }
    }

    /// The assets under `dir` (`flows/`, `lex/`; `templates/` when present, else the shipped ones).
    /// Their flows are taken as written; the experience's menu names the queues they may
    /// refer to.
    pub fn from_dir(
        dir: &Path,
        solutions: &[Solution],
        experience: &assets::CallExperience,
    ) -> AssetSet {
        let read = |p: &Path| std::fs::read_to_string(p).ok();
        let mut set = AssetSet::shipped(solutions, experience);
        set.dir = Some(dir.to_path_buf());
        for f in &mut set.flows {
            // Checked as deployed: the config file's prompts and voice (and its own menu, when
            // it gives one) applied.
            f.source = read(&dir.join(&f.file))
                .map(|text| experience.apply_own(f.asset.name, &text).unwrap_or(text));
        }
        set.bot = read(&dir.join(BOT_FILE)).unwrap_or_default();
        if dir.join("templates").is_dir() {
            for (_, file, text) in &mut set.templates {
                *text = read(&dir.join(file.as_str()));
            }
        }
        set
    }
}

/// The catalog of referable things: functions from the handler contract, the menu's queues,
/// flows, the bot.
pub fn catalog(bot: &BotDefinition, menu: &assets::Menu) -> Catalog {
    let lambdas = Function::ALL
        .iter()
        .map(|f| {
            (
                f.id().to_string(),
                LambdaSpec {
                    solution: f.solution().into(),
                    parameters: f
                        .parameters()
                        .iter()
                        .map(|p| (p.name.to_string(), p.required))
                        .collect(),
                    contact_attributes: f
                        .contact_attributes()
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                    returns: f.returns().iter().map(|k| k.to_string()).collect(),
                    invoked_by_connect: f.invoked_by_connect(),
                },
            )
        })
        .collect();
    Catalog {
        lambdas,
        queues: menu.names().map(str::to_string).collect(),
        flows: assets::flows()
            .iter()
            .map(|f| (f.name.to_string(), (f.flow_type.to_string(), f.solution)))
            .collect(),
        bot_name: bot.name.clone(),
        intents: bot.intents.iter().map(|i| i.name.clone()).collect(),
    }
}

fn problem(file: &str, action: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_string(),
        line: None,
        action: action.map(str::to_string),
        message: message.into(),
    }
}

/// Every problem in `set`, sorted by file.
pub fn validate(set: &AssetSet) -> Vec<Problem> {
    let mut out = Vec::new();
    let bot = match lex::parse(&set.bot) {
        Ok(b) => {
            for p in b.problems() {
                out.push(problem(BOT_FILE, None, p));
            }
            b
        }
        Err(e) => {
            out.push(problem(
                BOT_FILE,
                None,
                format!("cannot read the bot definition: {e}"),
            ));
            lex::bot()
        }
    };
    let catalog = catalog(&bot, &set.experience.menu);
    let mut lambdas_used: BTreeMap<Solution, BTreeSet<String>> = BTreeMap::new();
    for f in &set.flows {
        let Some(source) = &f.source else {
            out.push(problem(&f.file, None, "file is missing"));
            continue;
        };
        out.extend(check::check_flow(
            &f.file,
            f.asset.flow_type,
            f.asset.solution,
            source,
            &catalog,
        ));
        for found in assets::placeholder::scan(source) {
            if let Ok(Placeholder::Lambda(name)) = found.parsed {
                lambdas_used
                    .entry(f.asset.solution)
                    .or_default()
                    .insert(name);
            }
        }
    }
    for (solution, file, text) in &set.templates {
        let Some(text) = text else {
            out.push(problem(file, None, "file is missing"));
            continue;
        };
        let used = lambdas_used.get(solution).cloned().unwrap_or_default();
        out.extend(
            cfn::check_template(*solution, text, &used)
                .into_iter()
                .map(|found| problem(file, found.name.as_deref(), found.message)),
        );
    }
    if let Some(dir) = &set.dir {
        for problem in &mut out {
            problem.line = line_of(dir, problem);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The line of `problem`'s file where its action is defined (`"Identifier": "<action>"`), else
/// the first line that names it.
fn line_of(dir: &Path, problem: &Problem) -> Option<usize> {
    let action = problem.action.as_deref()?;
    let source = std::fs::read_to_string(dir.join(&problem.file)).ok()?;
    let quoted = format!("\"{action}\"");
    let lines: Vec<&str> = source.lines().collect();
    lines
        .iter()
        .position(|line| line.contains("\"Identifier\"") && line.contains(&quoted))
        .or_else(|| lines.iter().position(|line| line.contains(&quoted)))
        .map(|index| index + 1)
}

impl From<contract::Solution> for Solution {
    fn from(s: contract::Solution) -> Solution {
        match s {
            contract::Solution::ReturningCallers => Solution::ReturningCallers,
            contract::Solution::Callbacks => Solution::Callbacks,
        }
    }
}

impl From<Solution> for contract::Solution {
    fn from(s: Solution) -> contract::Solution {
        match s {
            Solution::ReturningCallers => contract::Solution::ReturningCallers,
            Solution::Callbacks => contract::Solution::Callbacks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_assets_have_no_problems() {
        let problems = validate(&AssetSet::shipped(
            &Solution::ALL,
            &assets::CallExperience::default(),
        ));
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
