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
        out.extend(check_template(file, *solution, text, &used));
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

/// Checks one template against the contract and the Lambdas its flows invoke.
pub fn check_template(
    file: &str,
    solution: Solution,
    text: &str,
    used_by_flows: &BTreeSet<String>,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let t = match cfn::Template::read(text) {
        Ok(t) => t,
        Err(e) => {
            out.push(problem(
                file,
                None,
                format!("line {}: {}", e.line, e.message),
            ));
            return out;
        }
    };
    for (n, line) in text.lines().enumerate() {
        if !line.trim_start().starts_with('#') && literal_arn_with_account(line) {
            out.push(problem(
                file,
                None,
                format!(
                    "line {}: literal ARN; build ARNs with !Sub and pseudo parameters",
                    n + 1
                ),
            ));
        }
    }
    if t.keys(&["Resources"]).is_empty() {
        out.push(problem(file, None, "no Resources"));
    }
    let params = t.keys(&["Parameters"]);
    for p in assets::template_parameters(solution) {
        if !params.contains(p) {
            out.push(problem(
                file,
                Some(p),
                "parameter the CLI passes is not declared",
            ));
        }
    }
    for (name, bounds) in assets::setting_parameters(solution) {
        for (key, want) in [
            ("Default", bounds.default),
            ("MinValue", bounds.min),
            ("MaxValue", bounds.max),
        ] {
            let have = t.get(&["Parameters", name, key]);
            if have.and_then(|v| v.trim().parse::<u32>().ok()) != Some(want) {
                out.push(problem(
                    file,
                    Some(name),
                    format!(
                        "{key} is {} but the setting's definition (returns_lambdas::contract) says {want}; the CLI, the template and the handler must accept the same values",
                        have.unwrap_or("absent")
                    ),
                ));
            }
        }
    }
    let outputs = t.keys(&["Outputs"]);
    for o in assets::template_outputs(solution) {
        if !outputs.contains(o) {
            out.push(problem(
                file,
                Some(o),
                "output the CLI reads is not declared",
            ));
        }
    }
    let number_params: BTreeSet<&str> = params
        .iter()
        .copied()
        .filter(|p| t.get(&["Parameters", p, "Type"]) == Some("Number"))
        .collect();
    // Lambda functions: one per contract function of this solution, Handler = function id.
    let mut by_handler: BTreeMap<String, &str> = BTreeMap::new();
    for (res, ty) in t.resources() {
        if ty != "AWS::Lambda::Function" {
            continue;
        }
        let handler = t
            .get(&["Resources", res, "Properties", "Handler"])
            .unwrap_or("");
        let Some(function) =
            Function::from_id(handler).filter(|f| Solution::from(f.solution()) == solution)
        else {
            out.push(problem(
                file,
                Some(res),
                format!("Handler {handler:?} is not a function id of the {solution} solution"),
            ));
            continue;
        };
        if by_handler.insert(handler.to_string(), res).is_some() {
            out.push(problem(
                file,
                Some(res),
                format!("a second function with Handler {handler}"),
            ));
        }
        if t.get(&["Resources", res, "Properties", "Runtime"]) != Some("provided.al2023") {
            out.push(problem(file, Some(res), "Runtime must be provided.al2023"));
        }
        if t.get(&["Resources", res, "Properties", "Code", "S3Bucket"])
            != Some("!Ref ArtifactBucket")
            || t.get(&["Resources", res, "Properties", "Code", "S3Key"]) != Some("!Ref ArtifactKey")
        {
            out.push(problem(
                file,
                Some(res),
                "Code must come from !Ref ArtifactBucket / !Ref ArtifactKey",
            ));
        }
        let vars: BTreeMap<&str, &str> = t
            .keys(&["Resources", res, "Properties", "Environment", "Variables"])
            .into_iter()
            .map(|k| {
                (
                    k,
                    t.get(&[
                        "Resources",
                        res,
                        "Properties",
                        "Environment",
                        "Variables",
                        k,
                    ])
                    .unwrap_or(""),
                )
            })
            .collect();
        let wanted: BTreeSet<&str> = function
            .env()
            .iter()
            .copied()
            .filter(|v| *v != contract::env::HANDLER)
            .collect();
        for v in &wanted {
            if !vars.contains_key(v) {
                out.push(problem(
                    file,
                    Some(res),
                    format!("{handler} needs the environment variable {v}"),
                ));
            }
        }
        for (k, v) in &vars {
            if !wanted.contains(k) {
                out.push(problem(
                    file,
                    Some(res),
                    format!("environment variable {k} is not one {handler} reads"),
                ));
            }
            if let Some(p) = v.strip_prefix("!Ref ")
                && number_params.contains(p.trim())
            {
                out.push(problem(file, Some(res), format!("{k} takes the Number parameter {p} through !Ref; use !Sub \"${{{p}}}\" so the value is a string")));
            }
        }
        if function.invoked_by_connect() {
            let target = format!("!GetAtt {res}.Arn");
            let permitted = t.resources().iter().any(|(p, pty)| {
                *pty == "AWS::Lambda::Permission"
                    && t.get(&["Resources", p, "Properties", "FunctionName"])
                        == Some(target.as_str())
                    && t.get(&["Resources", p, "Properties", "Principal"])
                        == Some("connect.amazonaws.com")
                    && t.get(&["Resources", p, "Properties", "SourceArn"])
                        .is_some()
                    && t.get(&["Resources", p, "Properties", "SourceAccount"])
                        .is_some()
            });
            if !permitted {
                out.push(problem(file, Some(res), "no Lambda permission for connect.amazonaws.com with SourceArn and SourceAccount"));
            }
            match assets::lambda_output(handler) {
                Some(o) if t.get(&["Outputs", o, "Value"]) == Some(target.as_str()) => {}
                Some(o) => out.push(problem(
                    file,
                    Some(res),
                    format!("output {o} must be {target}"),
                )),
                None => out.push(problem(
                    file,
                    Some(res),
                    "no output name is defined for this function",
                )),
            }
        }
        if t.get(&["Resources", res, "Properties", "Role"]).is_none() {
            out.push(problem(file, Some(res), "has no Role"));
        }
    }
    for f in Function::ALL
        .iter()
        .filter(|f| Solution::from(f.solution()) == solution)
    {
        if !by_handler.contains_key(f.id()) {
            out.push(problem(
                file,
                None,
                format!("no AWS::Lambda::Function with Handler {}", f.id()),
            ));
        }
    }
    for name in used_by_flows {
        if !by_handler.contains_key(name) {
            out.push(problem(
                file,
                None,
                format!(
                    "the flows invoke ${{lambda:{name}}} but the template has no such function"
                ),
            ));
        }
    }
    for (res, ty) in t.resources() {
        if ty == "AWS::Logs::LogGroup"
            && t.get(&["Resources", res, "Properties", "RetentionInDays"])
                .is_none()
        {
            out.push(problem(
                file,
                Some(res),
                "log group without RetentionInDays",
            ));
        }
        if ty == "AWS::DynamoDB::Table" {
            if t.get(&[
                "Resources",
                res,
                "Properties",
                "TimeToLiveSpecification",
                "AttributeName",
            ]) != Some(contract::table::TTL_ATTRIBUTE)
            {
                out.push(problem(
                    file,
                    Some(res),
                    format!(
                        "table needs TimeToLiveSpecification on {}",
                        contract::table::TTL_ATTRIBUTE
                    ),
                ));
            }
            if t.get(&[
                "Resources",
                res,
                "Properties",
                "SSESpecification",
                "SSEEnabled",
            ]) != Some("true")
            {
                out.push(problem(
                    file,
                    Some(res),
                    "table needs SSESpecification SSEEnabled: true",
                ));
            }
            if t.get(&["Resources", res, "Properties", "BillingMode"]) != Some("PAY_PER_REQUEST") {
                out.push(problem(
                    file,
                    Some(res),
                    "table needs BillingMode PAY_PER_REQUEST",
                ));
            }
        }
    }
    out
}

/// `arn:<partition>:<service>:<region>:<12-digit account>:` somewhere in `line`.
pub fn literal_arn_with_account(line: &str) -> bool {
    line.match_indices("arn:").any(|(i, _)| {
        let parts: Vec<&str> = line[i..].splitn(6, ':').collect();
        parts.len() == 6
            && parts[1].starts_with("aws")
            && parts[4].len() == 12
            && parts[4].chars().all(|c| c.is_ascii_digit())
    })
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

    #[test]
    fn literal_arns_with_an_account_are_found() {
        assert!(literal_arn_with_account(
            "x: arn:aws:lambda:us-east-1:123456789012:function:f"
        ));
        assert!(!literal_arn_with_account(
            "AllowedPattern: \"^arn:aws[a-z-]*:connect:[a-z0-9-]+:[0-9]{12}:instance/\""
        ));
        assert!(!literal_arn_with_account(
            "!Sub arn:${AWS::Partition}:polly:${AWS::Region}:${AWS::AccountId}:lexicon/*"
        ));
    }
}
