//! The generated deployer policy, proven against what the CLI really does.
//!
//! Two life cycles run against the stand-ins (V2 bot with a CloudFormation-created CTR stream;
//! V1 bot with an existing CTR stream and a phone number). Every request the CLI sends is recorded:
//! the sandbox logs Connect and Lex, a recording proxy in front of moto logs the rest. Then:
//! - every request maps to an IAM action (the Service Authorization Reference, as the pinned
//!   `parliament` ships it) on a resource ARN, and the policy allows that action on that ARN;
//! - every action of the policy is used: sent by the CLI, a dependent action the SAR lists for a
//!   sent action, or a permission CloudFormation's resource handlers (the registry schemas the
//!   pinned `cfn-lint` ships) need for a resource type of the deployed stacks;
//! - the same check fails on the policy with one action removed, and with an unused one added;
//! - `parliament` reports no findings on the generated policies.
//!
//! Each life cycle includes `verify` (a run killed mid-way and one after it), so the life cycles
//! run in Regions with Connect test cases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::harness::{Env, show};
use serde_json::Value;

/// An action and the ARN it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Use {
    action: String,
    resource: String,
    what: String,
}

fn site_packages() -> PathBuf {
    let lib = crate::harness::root().join(".venv/lib");
    let python = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{}: {e} (hint: cargo xtask setup)", lib.display()))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("python"))
        .expect("a python dir in .venv/lib");
    python.path().join("site-packages")
}

/// The Service Authorization Reference as parliament ships it.
struct Sar {
    services: Vec<Value>,
}

impl Sar {
    fn load() -> Sar {
        let path = site_packages().join("parliament/iam_definition.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (hint: cargo xtask setup)", path.display()));
        Sar {
            services: serde_json::from_str(&text).unwrap(),
        }
    }

    /// The privilege entry of `prefix:action`, in the service named like `service_hint` when the
    /// prefix is shared (Lex V1 and V2 both use `lex`).
    fn privilege(&self, prefix: &str, action: &str, v2: Option<bool>) -> Option<(&Value, &Value)> {
        self.services
            .iter()
            .filter(|s| s["prefix"] == prefix)
            .filter(|s| match v2 {
                Some(v2) => s["service_name"].as_str().unwrap_or("").contains("V2") == v2,
                None => true,
            })
            .find_map(|s| {
                s["privileges"]
                    .as_array()?
                    .iter()
                    .find(|p| {
                        p["privilege"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(action))
                    })
                    .map(|p| (s, p))
            })
    }

    /// The ARN template of the action's first required resource type (`None`: no resource type).
    fn arn_template(&self, prefix: &str, action: &str, v2: Option<bool>) -> Option<String> {
        if prefix == "connect"
            && let Some(template) = test_case_arn_template(action)
        {
            return Some(template.to_string());
        }
        let (service, privilege) = self.privilege(prefix, action, v2).unwrap_or_else(|| {
            panic!("{prefix}:{action} is not in the Service Authorization Reference")
        });
        let types = privilege["resource_types"].as_array()?;
        let chosen = types
            .iter()
            .map(|t| t["resource_type"].as_str().unwrap_or(""))
            .find(|t| t.ends_with('*'))
            .or_else(|| {
                types
                    .iter()
                    .map(|t| t["resource_type"].as_str().unwrap_or(""))
                    .find(|t| !t.is_empty())
            })?;
        let name = chosen.trim_end_matches('*');
        service["resources"]
            .as_array()?
            .iter()
            .find(|r| r["resource"] == name)
            .and_then(|r| r["arn"].as_str())
            .map(str::to_string)
    }

    /// The dependent actions the SAR lists for an action.
    fn dependents(&self, action: &str) -> Vec<String> {
        let (prefix, name) = action.split_once(':').unwrap();
        self.services
            .iter()
            .filter(|s| s["prefix"] == prefix)
            .filter_map(|s| s["privileges"].as_array())
            .flatten()
            .filter(|p| {
                p["privilege"]
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(name))
            })
            .filter_map(|p| p["resource_types"].as_array())
            .flatten()
            .filter_map(|t| t["dependent_actions"].as_array())
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect()
    }
}

/// The Connect test-case operations (2026) are newer than the pinned reference data. Each is
/// authorised on the test case it names, in the form the sandbox documents
/// (`sandbox/TESTCASES.md`), or on the instance when it names none yet (create, search, the
/// instance's list of executions).
fn test_case_arn_template(action: &str) -> Option<&'static str> {
    const INSTANCE: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}";
    const TEST_CASE: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/test-case/${TestCaseId}";
    match action {
        "CreateTestCase" | "SearchTestCases" | "ListTestCaseExecutions" | "ListTestCases" => {
            Some(INSTANCE)
        }
        "StartTestCaseExecution"
        | "StopTestCaseExecution"
        | "GetTestCaseExecutionSummary"
        | "ListTestCaseExecutionRecords"
        | "DescribeTestCase"
        | "UpdateTestCase"
        | "DeleteTestCase" => Some(TEST_CASE),
        _ => None,
    }
}

/// CloudFormation's handler permissions (create, read, update, delete) for a resource type.
fn handler_permissions(resource_type: &str) -> BTreeSet<String> {
    let schemas = site_packages().join("cfnlint/data/schemas");
    let providers: Value = serde_json::from_str(
        &std::fs::read_to_string(schemas.join("providers/us-east-1.json")).unwrap(),
    )
    .unwrap();
    let file = providers[resource_type]
        .as_str()
        .expect("a registry schema");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(schemas.join(format!("resources/{file}.json"))).unwrap(),
    )
    .unwrap();
    ["create", "read", "update", "delete"]
        .iter()
        .filter_map(|h| schema["handlers"][h]["permissions"].as_array())
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect()
}

/// What CloudFormation needs, in lower case, for the resources of the solutions' templates.
fn stack_handler_permissions(solutions: &[&str]) -> BTreeSet<String> {
    template_types(solutions)
        .iter()
        .flat_map(|t| handler_permissions(t))
        .map(|a| a.to_ascii_lowercase())
        .collect()
}

/// The resource types of the shipped templates of the deployed solutions.
fn template_types(solutions: &[&str]) -> BTreeSet<String> {
    solutions
        .iter()
        .flat_map(|s| {
            let text =
                std::fs::read_to_string(crate::harness::root().join(format!("templates/{s}.yaml")))
                    .unwrap();
            text.lines()
                .filter_map(|l| {
                    l.trim()
                        .strip_prefix("Type: AWS::")
                        .map(|t| format!("AWS::{t}"))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

const ACCOUNT: &str = "123456789012";

/// Fills an SAR ARN template: `${Partition}` etc. from the test's account, ids from `ids`, `*`
/// for what the request does not name.
fn fill(template: &str, ids: &BTreeMap<&str, String>, region: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').unwrap() + at;
        let key = &rest[at + 2..end];
        out.push_str(&match key {
            "Partition" => "aws".to_string(),
            "Region" => region.to_string(),
            "Account" => ACCOUNT.to_string(),
            other => ids.get(other).cloned().unwrap_or_else(|| "*".into()),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The segment after `name` in a path.
fn after<'a>(segments: &[&'a str], name: &str) -> Option<&'a str> {
    segments
        .iter()
        .position(|s| *s == name)
        .and_then(|i| segments.get(i + 1).copied())
        .filter(|s| !s.is_empty())
}

/// What one sandbox log entry asked for.
fn sandbox_use(sar: &Sar, entry: &Value, instance_id: &str, region: &str) -> Option<Use> {
    let service = entry["service"].as_str()?;
    let operation = entry["operation"].as_str()?;
    let path = entry["path"].as_str().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let (prefix, v2) = match service {
        "connect" => ("connect", None),
        "lexv2" => ("lex", Some(true)),
        "lexv1" => ("lex", Some(false)),
        _ => return None,
    };
    if operation == "TagResource"
        || operation == "UntagResource"
        || operation == "ListTagsForResource"
    {
        let arn = segments.iter().find(|s| s.starts_with("arn"))?;
        let arn = decode(arn);
        return Some(Use {
            action: format!("{prefix}:{operation}"),
            resource: arn,
            what: format!("{service} {} {path}", entry["method"]),
        });
    }
    if prefix == "connect" {
        ids.insert("InstanceId", instance_id.to_string());
        let resource = segments
            .get(3)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty());
        match segments.get(1).copied() {
            Some("queues") => {
                if let Some(r) = resource {
                    ids.insert("QueueId", r);
                }
            }
            Some("routing-profiles") => {
                if let Some(r) = resource {
                    ids.insert("RoutingProfileId", r);
                }
            }
            Some("contact-flows") => {
                if let Some(r) = resource {
                    ids.insert("ContactFlowId", r);
                }
            }
            Some("test-cases") => {
                if let Some(r) = resource {
                    ids.insert("TestCaseId", r);
                }
            }
            Some("phone-number") => {
                if let Some(r) = segments.get(2).filter(|s| **s != "list") {
                    ids.insert("PhoneNumberId", r.to_string());
                }
            }
            _ => {}
        }
    } else if v2 == Some(true) {
        if let Some(bot) = after(&segments, "bots") {
            ids.insert("BotId", bot.to_string());
        }
        if let Some(alias) = after(&segments, "botaliases") {
            ids.insert("BotAliasId", alias.to_string());
        }
    } else {
        if let Some(bot) = after(&segments, "bots") {
            ids.insert("BotName", bot.to_string());
        }
        if let Some(alias) = after(&segments, "aliases") {
            ids.insert("BotAlias", alias.to_string());
        }
        if let Some(version) = after(&segments, "versions") {
            ids.insert("BotVersion", version.to_string());
            ids.insert("IntentVersion", version.to_string());
        }
        if let Some(intent) = after(&segments, "intents") {
            ids.insert("IntentName", intent.to_string());
        }
    }
    let resource = sar
        .arn_template(prefix, operation, v2)
        .map(|t| fill(&t, &ids, region))
        .unwrap_or_else(|| "*".into());
    Some(Use {
        action: format!("{prefix}:{operation}"),
        resource,
        what: format!("{service} {} {path}", entry["method"]),
    })
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What one request to moto asked for.
fn moto_uses(call: &testkit::recording::Recorded, region: &str) -> Vec<Use> {
    let what = format!(
        "{} {} {}?{}",
        call.service, call.method, call.path, call.query
    );
    let one = |action: String, resource: String| {
        vec![Use {
            action,
            resource,
            what: what.clone(),
        }]
    };
    let regional =
        |service: &str, resource: &str| format!("arn:aws:{service}:{region}:{ACCOUNT}:{resource}");
    match call.service.as_str() {
        "sts" => one(format!("sts:{}", call.params["Action"]), "*".into()),
        "cloudformation" => {
            let action = call.params["Action"].clone();
            let stack = call
                .params
                .get("StackName")
                .cloned()
                .or_else(|| call.params.get("ChangeSetName").cloned())
                .unwrap_or_else(|| "*".into());
            let resource = if stack.starts_with("arn:") {
                // A change set ARN names no stack; CloudFormation authorises it against the
                // stack the change set belongs to, which the proxy saw created by name.
                stack
            } else {
                regional("cloudformation", &format!("stack/{stack}/id"))
            };
            let mut uses = one(format!("cloudformation:{action}"), resource);
            // Naming a service role makes CloudFormation check iam:PassRole on the caller.
            if let Some(role) = call.params.get("RoleARN") {
                uses.push(Use {
                    action: "iam:PassRole".into(),
                    resource: role.clone(),
                    what: format!("{what} Action={action}"),
                });
            }
            uses
        }
        "s3" => {
            let path = call.path.trim_start_matches('/');
            let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
            let q = |k: &str| {
                call.query
                    .split('&')
                    .any(|p| p == k || p.starts_with(&format!("{k}=")))
            };
            let bucket_arn = format!("arn:aws:s3:::{bucket}");
            let object = |key: &str| format!("arn:aws:s3:::{bucket}/{key}");
            let method = call.method.as_str();
            if key.is_empty() {
                let action = match method {
                    _ if q("encryption") => {
                        if method == "PUT" {
                            "PutEncryptionConfiguration"
                        } else {
                            "GetEncryptionConfiguration"
                        }
                    }
                    _ if q("publicAccessBlock") => {
                        if method == "PUT" {
                            "PutBucketPublicAccessBlock"
                        } else {
                            "GetBucketPublicAccessBlock"
                        }
                    }
                    _ if q("ownershipControls") => {
                        if method == "PUT" {
                            "PutBucketOwnershipControls"
                        } else {
                            "GetBucketOwnershipControls"
                        }
                    }
                    _ if q("policy") => match method {
                        "PUT" => "PutBucketPolicy",
                        "DELETE" => "DeleteBucketPolicy",
                        _ => "GetBucketPolicy",
                    },
                    _ if q("tagging") => {
                        if method == "PUT" {
                            "PutBucketTagging"
                        } else {
                            "GetBucketTagging"
                        }
                    }
                    "POST" if q("delete") => {
                        return call
                            .body
                            .split("<Key>")
                            .skip(1)
                            .filter_map(|k| k.split("</Key>").next())
                            .map(|k| Use {
                                action: "s3:DeleteObject".into(),
                                resource: object(k),
                                what: what.clone(),
                            })
                            .collect();
                    }
                    "GET" | "HEAD" => "ListBucket",
                    "PUT" => "CreateBucket",
                    "DELETE" => "DeleteBucket",
                    other => panic!("unmapped S3 bucket request {other} {what}"),
                };
                one(format!("s3:{action}"), bucket_arn)
            } else {
                let action = match method {
                    "PUT" => "PutObject",
                    "GET" | "HEAD" => "GetObject",
                    "DELETE" => "DeleteObject",
                    other => panic!("unmapped S3 object request {other} {what}"),
                };
                one(format!("s3:{action}"), object(key))
            }
        }
        "kinesis" | "dynamodb" => {
            let operation = call
                .target
                .as_deref()
                .unwrap_or("")
                .rsplit('.')
                .next()
                .unwrap_or("");
            let resource = if call.service == "kinesis" {
                call.params
                    .get("StreamARN")
                    .cloned()
                    .or_else(|| {
                        call.params
                            .get("StreamName")
                            .map(|n| regional("kinesis", &format!("stream/{n}")))
                    })
                    .unwrap_or_else(|| "*".into())
            } else {
                call.params
                    .get("TableName")
                    .map(|n| regional("dynamodb", &format!("table/{n}")))
                    .unwrap_or_else(|| "*".into())
            };
            one(format!("{}:{operation}", call.service), resource)
        }
        other => panic!("the CLI called {other} directly, which this test does not map: {what}"),
    }
}

/// `*` matches any run of characters; `?` one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn allows(policy: &Value, use_: &Use) -> bool {
    policy["Statement"].as_array().unwrap().iter().any(|s| {
        let actions: Vec<&str> = s["Action"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let resources: Vec<&str> = s["Resource"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        actions.iter().any(|a| a.eq_ignore_ascii_case(&use_.action))
            && resources.iter().any(|r| glob(r, &use_.resource))
    })
}

fn policy_actions(policy: &Value) -> BTreeSet<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

/// One life cycle's evidence.
struct Lifecycle {
    region: String,
    policy: Value,
    uses: Vec<Use>,
    /// `--cfn-service-role`: CloudFormation then works with the role's rights, not the caller's.
    cfn_service_role: Option<String>,
    solutions: Vec<&'static str>,
}

/// The coverage check: what is sent is allowed, what is allowed is used. The problems, if any.
fn check(sar: &Sar, lifecycle: &Lifecycle, policy: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    for use_ in &lifecycle.uses {
        if !allows(policy, use_) {
            problems.push(format!(
                "not allowed: {} on {} ({})",
                use_.action, use_.resource, use_.what
            ));
        }
    }
    let sent: BTreeSet<String> = lifecycle
        .uses
        .iter()
        .map(|u| u.action.to_ascii_lowercase())
        .collect();
    let dependents: BTreeSet<String> = sent
        .iter()
        .flat_map(|a| sar.dependents(a))
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let by_cloudformation: BTreeSet<String> = if lifecycle.cfn_service_role.is_some() {
        BTreeSet::new()
    } else {
        stack_handler_permissions(&lifecycle.solutions)
    };
    for action in policy_actions(policy) {
        let a = action.to_ascii_lowercase();
        if !sent.contains(&a) && !dependents.contains(&a) && !by_cloudformation.contains(&a) {
            problems.push(format!("unused: {action} (not sent, no dependent action of one sent, not needed by CloudFormation for the stacks' resources)"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn generate(env: &Env, args: &[&str]) -> Value {
    let out = env.cli(&[&["generate", "iam-policy"][..], args].concat());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs a life cycle with every request recorded: deploy, the same again (no change), status,
/// a flow edited out of band, a deploy that repairs it and changes a setting (stack update),
/// status, a plan, destroy.
fn lifecycle(
    env: &Env,
    region: &str,
    deploy_args: &[&str],
    policy_args: &[&str],
    solutions: Vec<&'static str>,
) -> Lifecycle {
    let proxy = testkit::recording::RecordingProxy::start(testkit::moto()).unwrap();
    env.clear_requests();
    let id = env.instance_id();
    let run = |args: &[&str]| {
        let out = env.cli_with(args, |c| {
            c.env("AWS_ENDPOINT_URL", &proxy.url)
                .env("AWS_REGION", region);
        });
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        out
    };
    fn join<'a>(first: &[&'a str], args: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
        [first, args, more].concat()
    }
    let first = run(&join(
        &["deploy", "--instance", &id, "--yes"],
        deploy_args,
        &[],
    ));
    // The Region is new, so this deploy makes the artifact bucket: its own doing, not a change by
    // another run to re-plan (and re-confirm) for.
    assert!(
        !String::from_utf8_lossy(&first.stderr).contains("changed while this run waited"),
        "{}",
        show(&first)
    );
    run(&join(
        &["deploy", "--instance", &id, "--yes"],
        deploy_args,
        &[],
    ));
    run(&["status", "--instance", &id, "--check"]);
    // verify: one run killed while its executions run, then one that removes what it left (stopping
    // the executions) and runs a call path of each solution, one seeding a record.
    let mut killed = env.command(&["verify", "--instance", &id]);
    killed
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_REGION", region)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut killed = killed.spawn().expect("verify starts");
    let started = std::time::Instant::now();
    while crate::harness::items(&env.instance_state(), "test_executions").is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the run started no execution"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    killed.kill().expect("kill");
    killed.wait().expect("reap");
    let verified = run(&[
        "--output",
        "json",
        "verify",
        "--instance",
        &id,
        "--scenario",
        "new-caller-sales",
        "--scenario",
        "callback-cancel-agent-hangs-up",
    ]);
    let verified: Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(verified["passed"], 2, "{verified}");
    assert!(
        verified["cleanup"]["leftover_test_cases"].as_u64() > Some(0),
        "{verified}"
    );
    let mut entries = env.requests();
    for operation in [
        "StopTestCaseExecution",
        "DeleteTestCase",
        "StartTestCaseExecution",
    ] {
        assert!(
            entries.iter().any(|e| e["operation"] == operation),
            "verify sent no {operation}"
        );
    }
    edit_out_of_band(env);
    env.clear_requests();
    run(&join(
        &["deploy", "--instance", &id, "--yes"],
        deploy_args,
        &["--record-ttl-minutes", "60"],
    ));
    run(&["status", "--instance", &id, "--check"]);
    run(&join(
        &["deploy", "--instance", &id, "--plan"],
        deploy_args,
        &["--record-ttl-minutes", "60"],
    ));
    run(&["destroy", "--instance", &id, "--yes"]);
    entries.extend(env.requests());
    let sar = Sar::load();
    let mut uses: Vec<Use> = entries
        .iter()
        .filter(|entry| entry["operation"] != "UnknownOperation")
        .filter_map(|entry| sandbox_use(&sar, entry, &id, region))
        .collect();
    uses.extend(
        proxy
            .calls()
            .iter()
            .flat_map(|call| moto_uses(call, region)),
    );
    let arn = env.instance_arn();
    let policy = generate(
        env,
        &[&["--instance", &arn, "--name", &env.name][..], policy_args].concat(),
    );
    let cfn_service_role = deploy_args
        .iter()
        .position(|a| *a == "--cfn-service-role")
        .map(|i| deploy_args[i + 1].to_string());
    Lifecycle {
        region: region.to_string(),
        policy,
        uses,
        cfn_service_role,
        solutions,
    }
}

/// Someone edits a flow in the console, and moves a queue of ours to other hours with another
/// description, so the next deploy repairs all three.
fn edit_out_of_band(env: &Env) {
    env.edit_flow("newCallerAgentWhisper", |content| {
        content["Metadata"] = serde_json::json!({"edited": true});
    });
    let instance = env.instance_state();
    let client = env.connect_client();
    let sales = crate::harness::items(&instance, "queues")
        .into_iter()
        .find(|q| q["name"] == "Sales")
        .expect("the Sales queue");
    let sales = sales["id"].as_str().unwrap();
    let night = env.admin(
        "POST",
        "hours",
        Some(
            &serde_json::json!({"instance_id": env.instance_id(), "name": "Night Shift"})
                .to_string(),
        ),
    );
    env.block_on(
        client
            .update_queue_hours_of_operation()
            .instance_id(env.instance_id())
            .queue_id(sales)
            .hours_of_operation_id(night["id"].as_str().unwrap())
            .send(),
    )
    .unwrap();
    env.block_on(
        client
            .update_queue_name()
            .instance_id(env.instance_id())
            .queue_id(sales)
            .description("edited in the console")
            .send(),
    )
    .unwrap();
}

/// parliament's findings on the policy, one JSON object each, less the artifact bucket's
/// PutBucketPolicy (see below) and the ones its Lex reading gets wrong: parliament looks an action up in the first service with the prefix, and Lex V1 and V2
/// share `lex`, so V2 actions whose names V1 also has (DeleteBot, DeleteIntent, ...) are checked
/// against V1 ARN formats. Those actions are proved against the V2 definition by `check`.
fn parliament_findings(sar: &Sar, policy: &Value) -> Vec<Value> {
    // parliament refuses --file when stdin is not a terminal; --string takes the document.
    let out = std::process::Command::new(crate::harness::root().join(".venv/bin/parliament"))
        .arg("--string")
        .arg(policy.to_string())
        .arg("--json")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run parliament (hint: cargo xtask setup)");
    assert!(
        out.status.success() || !out.stdout.is_empty(),
        "parliament failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let misread_lex_v2 = |detail: &Value| {
        detail["action"]
            .as_str()
            .and_then(|a| a.strip_prefix("lex:"))
            .is_some_and(|a| sar.privilege("lex", a, Some(true)).is_some())
    };
    let lex_v2 = policy_is_lex_v2(policy);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).expect("parliament --json prints JSON lines"))
        .filter_map(|mut finding| {
            // Hardening the artifact bucket (the TLS-only policy) needs s3:PutBucketPolicy on it,
            // and whoever may put its policy administers that bucket: the same trust as CDK's
            // bootstrap bucket. Scoped to the tool's bucket only; any other bucket still fails.
            if finding["issue"] == "RESOURCE_POLICY_PRIVILEGE_ESCALATION"
                && finding["detail"].as_str().is_some_and(|d| {
                    d.contains("on arn:aws:s3:::connect-returns-")
                        && d.ends_with("does allow s3:PutBucketPolicy")
                })
            {
                return None;
            }
            // The Connect test-case actions are newer than parliament's data (see
            // `test_case_arn_template`); any other unknown action still fails.
            if finding["issue"] == "UNKNOWN_ACTION"
                && finding["location"]["string"]
                    .as_str()
                    .and_then(|a| a.strip_prefix("connect:"))
                    .is_some_and(|a| test_case_arn_template(a).is_some())
            {
                return None;
            }
            if lex_v2
                && finding["issue"] == "RESOURCE_MISMATCH"
                && let Some(details) = finding["detail"].as_array_mut()
            {
                details.retain(|d| !misread_lex_v2(d));
                if details.is_empty() {
                    return None;
                }
            }
            Some(finding)
        })
        .collect()
}

/// A Lex V2 policy names `bot/` ARNs (V1 names `bot:`).
fn policy_is_lex_v2(policy: &Value) -> bool {
    policy.to_string().contains(":bot/")
}

fn resolve_change_sets(lifecycle: &mut Lifecycle, env: &Env) {
    // The CLI names change sets by ARN in Describe/Execute/Delete; every change set belongs to one
    // of the deployment's stacks (their names start with the deployment name).
    for use_ in &mut lifecycle.uses {
        if use_.resource.contains(":changeSet/") {
            let stack = lifecycle
                .solutions
                .iter()
                .map(|s| format!("{}-{s}", env.name))
                .find(|stack| {
                    use_.what.contains(stack.as_str()) || use_.resource.contains(stack.as_str())
                });
            if let Some(stack) = stack {
                use_.resource = format!(
                    "arn:aws:cloudformation:{}:{ACCOUNT}:stack/{stack}/id",
                    lifecycle.region
                );
            }
        }
    }
}

fn prove(env: &Env, mut lifecycle: Lifecycle) {
    resolve_change_sets(&mut lifecycle, env);
    let sar = Sar::load();
    let policy = lifecycle.policy.clone();
    if let Err(problems) = check(&sar, &lifecycle, &policy) {
        panic!("the generated policy does not match what the CLI does:\n{problems}");
    }
    // The check can fail: one action removed, one unused added.
    let used = lifecycle
        .uses
        .first()
        .expect("the CLI sent requests")
        .action
        .clone();
    let mut fewer = policy.clone();
    for statement in fewer["Statement"].as_array_mut().unwrap() {
        statement["Action"]
            .as_array_mut()
            .unwrap()
            .retain(|a| !a.as_str().unwrap().eq_ignore_ascii_case(&used));
    }
    let err = check(&sar, &lifecycle, &fewer).unwrap_err();
    assert!(err.contains(&format!("not allowed: {used}")), "{err}");
    // So does any one of verify's actions removed.
    let verify_actions: BTreeSet<String> = lifecycle
        .uses
        .iter()
        .map(|u| u.action.clone())
        .filter(|a| a.contains("TestCase") || a == "dynamodb:PutItem" || a == "dynamodb:DeleteItem")
        .collect();
    assert!(
        verify_actions.contains("connect:CreateTestCase")
            && verify_actions.contains("dynamodb:PutItem"),
        "verify's requests are in the life cycle: {verify_actions:?}"
    );
    for action in &verify_actions {
        let mut fewer = policy.clone();
        for statement in fewer["Statement"].as_array_mut().unwrap() {
            statement["Action"]
                .as_array_mut()
                .unwrap()
                .retain(|a| a.as_str() != Some(action.as_str()));
        }
        let err = check(&sar, &lifecycle, &fewer).unwrap_err();
        assert!(err.contains(&format!("not allowed: {action}")), "{err}");
    }
    let mut more = policy.clone();
    more["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push("connect:DeleteInstance".into());
    let err = check(&sar, &lifecycle, &more).unwrap_err();
    assert!(err.contains("unused: connect:DeleteInstance"), "{err}");
    let findings = parliament_findings(&sar, &policy);
    assert!(
        findings.is_empty(),
        "parliament findings {findings:#?} on\n{policy:#}"
    );
}

/// A sandbox whose instance lives in `region`: the artifact bucket is named after the account and
/// Region, so a Region no other test uses gives a life cycle that creates and deletes it.
/// Its test-case executions run the real handlers (as in `verify.rs`), each for a second or more,
/// so that a run can be killed while one runs.
fn env_in(region: &str) -> Env {
    let connect_port = testkit::free_port();
    let built = |name: &str| {
        crate::harness::cli_binary()
            .parent()
            .expect("the target directory")
            .join(name)
            .display()
            .to_string()
    };
    let runner = format!(
        "{} {} {} http://127.0.0.1:{connect_port}",
        built("sandbox-lambda-runner"),
        built("bootstrap"),
        testkit::moto_plain_url().trim_end_matches('/'),
    );
    Env::with_config(connect_returns_sandbox::Config {
        region: region.into(),
        quota: connect_returns_sandbox::QuotaConfig {
            enabled: false,
            ..Default::default()
        },
        lex_build_duration: std::time::Duration::from_millis(50),
        connect_port,
        lambda_runner: Some(runner),
        test_case_pace: std::time::Duration::from_secs(1),
        test_case_time_limit: std::time::Duration::from_secs(20),
        ..Default::default()
    })
}

/// A Kinesis stream in moto, in `region`.
fn create_stream(name: &str, region: &str) {
    use std::io::{Read as _, Write as _};
    let url = testkit::moto_plain_url().to_string();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let body = serde_json::json!({"StreamName": name, "ShardCount": 1}).to_string();
    let mut socket = std::net::TcpStream::connect(host).expect("connect to moto");
    write!(
        socket,
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: Kinesis_20131202.CreateStream\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/kinesis/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "CreateStream: {response}"
    );
}

#[test]
fn the_policy_covers_a_lex_v2_life_cycle_and_nothing_more() {
    let region = "ap-northeast-2";
    let env = env_in(region);
    let phone = env.phone_number();
    let lifecycle = lifecycle(
        &env,
        region,
        &["--solution", "all", "--phone-number", &phone],
        &["--solution", "all"],
        vec!["returning-callers", "callbacks"],
    );
    prove(&env, lifecycle);
}

#[test]
fn the_policy_covers_a_lex_v1_life_cycle_with_a_phone_number_and_an_existing_stream() {
    let region = "ap-south-1";
    let env = env_in(region);
    let stream = format!("ctr-{}", env.name);
    create_stream(&stream, region);
    let phone = env.phone_number();
    let lifecycle = lifecycle(
        &env,
        region,
        &[
            "--solution",
            "all",
            "--lex",
            "v1",
            "--ctr-stream",
            &stream,
            "--phone-number",
            &phone,
        ],
        &["--solution", "all", "--lex", "v1"],
        vec!["returning-callers", "callbacks"],
    );
    prove(&env, lifecycle);
}

#[test]
fn a_policy_for_an_instance_id_or_a_service_role_name_is_refused() {
    let env = Env::new();
    for (args, cause) in [
        (
            &["--instance", "1a2b3c4d"][..],
            "is not an Amazon Connect instance ARN",
        ),
        (
            &["--cfn-service-role", "cfn-role"][..],
            "is not an IAM role ARN",
        ),
        (
            &[
                "--cfn-service-role",
                "arn:aws:iam::123456789012:role/r",
                "--for",
                "cfn-service-role",
            ][..],
            "cannot be used with",
        ),
    ] {
        let out = env.cli(&[&["generate", "iam-policy"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(cause), "{args:?}: {stderr}");
        assert!(
            stderr.contains("hint:") || stderr.contains("--help"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// The Lex allowance in `parliament_findings` leaves every other finding standing.
#[test]
fn parliament_findings_keep_mismatches_outside_the_shared_lex_names() {
    let sar = Sar::load();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["s3:GetObject", "lex:DeleteIntent"],
            "Resource": ["arn:aws:s3:::a-bucket", "arn:aws:lex:us-east-1:123456789012:bot/BOTID"]
        }]
    });
    let findings = parliament_findings(&sar, &policy);
    let actions: Vec<&str> = findings
        .iter()
        .flat_map(|f| f["detail"].as_array().into_iter().flatten())
        .filter_map(|d| d["action"].as_str())
        .collect();
    assert!(actions.contains(&"s3:GetObject"), "{findings:#?}");
    assert!(!actions.contains(&"lex:DeleteIntent"), "{findings:#?}");
}

#[test]
fn with_a_cfn_service_role_the_deployer_passes_it_and_the_role_holds_the_stack_rights() {
    let region = "ca-central-1";
    let env = env_in(region);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/connect-returns-cfn");
    let phone = env.phone_number();
    let lifecycle = lifecycle(
        &env,
        region,
        &[
            "--solution",
            "all",
            "--cfn-service-role",
            &role,
            "--phone-number",
            &phone,
        ],
        &["--solution", "all", "--cfn-service-role", &role],
        vec!["returning-callers", "callbacks"],
    );
    // Every stack create and change set names the role.
    for operation in ["CreateStack", "CreateChangeSet"] {
        assert!(
            lifecycle.uses.iter().any(|u| u.action == "iam:PassRole"
                && u.resource == role
                && u.what.contains(operation)),
            "{operation} without RoleARN"
        );
    }
    let creates = lifecycle
        .uses
        .iter()
        .filter(|u| {
            u.action == "cloudformation:CreateStack" || u.action == "cloudformation:CreateChangeSet"
        })
        .count();
    let passes = lifecycle
        .uses
        .iter()
        .filter(|u| u.action == "iam:PassRole" && u.resource == role)
        .count();
    assert_eq!(creates, passes, "a stack change without the role");
    let arn = env.instance_arn();
    let service_policy = generate(
        &env,
        &[
            "--instance",
            &arn,
            "--name",
            &env.name,
            "--solution",
            "all",
            "--for",
            "cfn-service-role",
        ],
    );
    let alone = generate(
        &env,
        &["--instance", &arn, "--name", &env.name, "--solution", "all"],
    );
    let deployer = lifecycle.policy.clone();
    prove(&env, lifecycle);
    // The role's policy holds only what CloudFormation needs for the stacks' resources (plus the
    // artifact it reads and the roles it passes to Lambda), and everything the deployer gave up.
    let sar = Sar::load();
    let needed = stack_handler_permissions(&["returning-callers", "callbacks"]);
    let service_actions: BTreeSet<String> = policy_actions(&service_policy)
        .into_iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    for action in &service_actions {
        assert!(
            needed.contains(action) || action == "s3:getobject" || action == "iam:passrole",
            "the service role's policy holds {action}, which CloudFormation does not need"
        );
    }
    let kept: BTreeSet<String> = policy_actions(&deployer)
        .into_iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    for action in policy_actions(&alone) {
        let a = action.to_ascii_lowercase();
        assert!(
            kept.contains(&a) || service_actions.contains(&a),
            "{action} is in neither the deployer's nor the service role's policy"
        );
    }
    let findings = parliament_findings(&sar, &service_policy);
    assert!(findings.is_empty(), "parliament findings {findings:#?}");
}
