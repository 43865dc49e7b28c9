//! Offline checks of one CloudFormation template (read with [`super::Template`]) against the
//! handler contract (`returns_lambdas::contract`), the settings' ranges, the parameters and outputs
//! the CLI uses, and the Lambdas the solution's flows invoke: one function per contract function,
//! their environment, roles and permissions, the tables, and no literal ARNs.

use std::collections::{BTreeMap, BTreeSet};

use returns_lambdas::contract::{self, Function};

use super::Template;
use crate::assets::{self, Solution};

/// One problem in a template: the parameter, output or resource it is about, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The parameter, output or resource, when the problem is in one.
    pub name: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn finding(name: Option<&str>, message: impl Into<String>) -> Finding {
    Finding {
        name: name.map(str::to_string),
        message: message.into(),
    }
}

/// Checks one template against the contract and the Lambdas its flows invoke.
pub fn check_template(
    solution: Solution,
    text: &str,
    used_by_flows: &BTreeSet<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let t = match Template::read(text) {
        Ok(t) => t,
        Err(e) => {
            out.push(finding(None, format!("line {}: {}", e.line, e.message)));
            return out;
        }
    };
    for (n, line) in text.lines().enumerate() {
        if !line.trim_start().starts_with('#') && literal_arn_with_account(line) {
            out.push(finding(
                None,
                format!(
                    "line {}: literal ARN; build ARNs with !Sub and pseudo parameters",
                    n + 1
                ),
            ));
        }
    }
    if t.keys(&["Resources"]).is_empty() {
        out.push(finding(None, "no Resources"));
    }
    let params = t.keys(&["Parameters"]);
    for p in assets::template_parameters(solution) {
        if !params.contains(p) {
            out.push(finding(Some(p), "parameter the CLI passes is not declared"));
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
                out.push(finding(Some(name),
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
            out.push(finding(Some(o), "output the CLI reads is not declared"));
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
            out.push(finding(
                Some(res),
                format!("Handler {handler:?} is not a function id of the {solution} solution"),
            ));
            continue;
        };
        if by_handler.insert(handler.to_string(), res).is_some() {
            out.push(finding(
                Some(res),
                format!("a second function with Handler {handler}"),
            ));
        }
        if t.get(&["Resources", res, "Properties", "Runtime"]) != Some("provided.al2023") {
            out.push(finding(Some(res), "Runtime must be provided.al2023"));
        }
        if t.get(&["Resources", res, "Properties", "Code", "S3Bucket"])
            != Some("!Ref ArtifactBucket")
            || t.get(&["Resources", res, "Properties", "Code", "S3Key"]) != Some("!Ref ArtifactKey")
        {
            out.push(finding(
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
                out.push(finding(
                    Some(res),
                    format!("{handler} needs the environment variable {v}"),
                ));
            }
        }
        for (k, v) in &vars {
            if !wanted.contains(k) {
                out.push(finding(
                    Some(res),
                    format!("environment variable {k} is not one {handler} reads"),
                ));
            }
            if let Some(p) = v.strip_prefix("!Ref ")
                && number_params.contains(p.trim())
            {
                out.push(finding(Some(res), format!("{k} takes the Number parameter {p} through !Ref; use !Sub \"${{{p}}}\" so the value is a string")));
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
                out.push(finding(Some(res), "no Lambda permission for connect.amazonaws.com with SourceArn and SourceAccount"));
            }
            match assets::lambda_output(handler) {
                Some(o) if t.get(&["Outputs", o, "Value"]) == Some(target.as_str()) => {}
                Some(o) => out.push(finding(Some(res), format!("output {o} must be {target}"))),
                None => out.push(finding(
                    Some(res),
                    "no output name is defined for this function",
                )),
            }
        }
        if t.get(&["Resources", res, "Properties", "Role"]).is_none() {
            out.push(finding(Some(res), "has no Role"));
        }
    }
    for f in Function::ALL
        .iter()
        .filter(|f| Solution::from(f.solution()) == solution)
    {
        if !by_handler.contains_key(f.id()) {
            out.push(finding(
                None,
                format!("no AWS::Lambda::Function with Handler {}", f.id()),
            ));
        }
    }
    for name in used_by_flows {
        if !by_handler.contains_key(name) {
            out.push(finding(
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
            out.push(finding(Some(res), "log group without RetentionInDays"));
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
                out.push(finding(
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
                out.push(finding(
                    Some(res),
                    "table needs SSESpecification SSEEnabled: true",
                ));
            }
            if t.get(&["Resources", res, "Properties", "BillingMode"]) != Some("PAY_PER_REQUEST") {
                out.push(finding(
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

#[cfg(test)]
mod tests {
    use super::*;

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
