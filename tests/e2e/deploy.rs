//! End-to-end tests of `connect-returns deploy`: the real binary against the in-process sandbox
//! (Connect, Lex) and moto, asserting through the sandbox's state dump and request log.

use crate::harness::{Env, create_kinesis_stream, items, show, stdout_json};
use serde_json::{Value, json};

fn tagged(item: &Value, deployment: &str) -> bool {
    item["tags"]["connect-returns:deployment"].as_str() == Some(deployment)
}

fn queues_named(instance: &Value, name: &str) -> Vec<Value> {
    items(instance, "queues")
        .into_iter()
        .filter(|queue| queue["name"] == json!(name))
        .collect()
}

fn assert_returning_callers_deployed(env: &Env) {
    let instance = env.instance_state();
    let mut ids = Vec::new();
    for name in [
        "Sales",
        "Service",
        "Repairs",
        "Installations",
        "Spare_Parts",
    ] {
        let found = queues_named(&instance, name);
        assert_eq!(found.len(), 1, "exactly one queue {name}");
        assert!(tagged(&found[0], &env.name), "queue {name} carries our tag");
        ids.push(found[0]["id"].as_str().unwrap().to_string());
    }
    let profiles: Vec<Value> = items(&instance, "routing_profiles")
        .into_iter()
        .filter(|p| p["name"] == json!("returnCallerRoutingProfile"))
        .collect();
    assert_eq!(profiles.len(), 1);
    assert!(tagged(&profiles[0], &env.name));
    let queues = profiles[0]["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 5);
    for queue in queues {
        assert_eq!(queue["channel"], json!("VOICE"));
        assert_eq!(queue["priority"], json!(2));
        assert!(ids.contains(&queue["queue_id"].as_str().unwrap().to_string()));
    }
}

#[test]
fn fresh_deploy_then_redeploy_and_plan_make_no_change() {
    let env = Env::new();
    let out = env.on_instance(&[
        "--output",
        "json",
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["result"], json!("applied"));
    assert!(
        doc["resources"]["queue:Sales"]
            .as_str()
            .unwrap()
            .contains("/queue/")
    );
    assert_returning_callers_deployed(&env);

    env.clear_requests();
    let again = env.on_instance(&[
        "--output",
        "json",
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
    ]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(stdout_json(&again)["result"], json!("no-changes"));
    assert_eq!(
        env.mutating(),
        Vec::<String>::new(),
        "an unchanged re-deploy makes no mutating call"
    );
    let reads = env.reads();
    assert!(reads.len() <= 15, "{} reads: {reads:?}", reads.len());

    env.clear_requests();
    let plan = env.on_instance(&["deploy", "--plan", "--solution", "returning-callers"]);
    assert!(plan.status.success(), "{}", show(&plan));
    assert_eq!(env.mutating(), Vec::<String>::new());
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains("no-op"),
        "{}",
        show(&plan)
    );
}

#[test]
fn plan_on_a_fresh_instance_lists_creates_and_changes_nothing() {
    let env = Env::new();
    let before = env.instance_state();
    let out = env.on_instance(&["deploy", "--plan"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("create    queue               Sales"),
        "{text}"
    );
    assert!(
        text.contains("create    routing-profile     returnCallerRoutingProfile"),
        "{text}"
    );
    assert_eq!(env.mutating(), Vec::<String>::new());
    assert_eq!(env.instance_state(), before);
}

#[test]
fn one_out_of_band_change_is_repaired_with_exactly_one_mutating_call() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(out.status.success(), "{}", show(&out));
    // Take Repairs out of the routing profile by hand.
    env.take_queue_out_of_profile("returnCallerRoutingProfile", "Repairs");

    let plan = env.on_instance(&["deploy", "--plan", "--solution", "returning-callers"]);
    let text = String::from_utf8_lossy(&plan.stdout).to_string();
    assert!(text.contains("update    routing-profile"), "{text}");
    assert!(text.contains("queues (VOICE)"), "{text}");

    env.clear_requests();
    let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        env.mutating(),
        vec!["AssociateRoutingProfileQueues".to_string()]
    );
    assert_returning_callers_deployed(&env);
}

fn hours_of_our_queues(env: &Env) -> Vec<String> {
    let instance = env.instance_state();
    items(&instance, "queues")
        .into_iter()
        .filter(|queue| tagged(queue, &env.name))
        .map(|queue| queue["hours_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn queues_moved_to_other_hours_are_repaired_and_follow_the_hours_name() {
    let env = Env::new();
    let deploy = ["deploy", "--yes", "--solution", "returning-callers"];
    let out = env.on_instance(&deploy);
    assert!(out.status.success(), "{}", show(&out));
    let basic = env.seed["hours_of_operation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(hours_of_our_queues(&env), vec![basic.clone(); 5]);
    let night = env.admin(
        "POST",
        "hours",
        Some(&json!({"instance_id": env.instance_id(), "name": "Night Shift"}).to_string()),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = env.connect_client();
    let move_queue = |name: &str, hours: &str| {
        let id = queues_named(&env.instance_state(), name)[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        env.block_on(
            client
                .update_queue_hours_of_operation()
                .instance_id(env.instance_id())
                .queue_id(id)
                .hours_of_operation_id(hours)
                .send(),
        )
        .unwrap();
    };

    // Sales moved to other hours in the console: drift, and a deploy moves it back.
    move_queue("Sales", &night);
    let status = env.on_instance(&["status", "--check"]);
    assert_eq!(status.status.code(), Some(3), "{}", show(&status));
    env.clear_requests();
    let out = env.on_instance(&deploy);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        env.mutating(),
        vec!["UpdateQueueHoursOfOperation".to_string()]
    );
    assert_eq!(hours_of_our_queues(&env), vec![basic.clone(); 5]);

    // The hours are renamed and others take the name the deployment uses ("Basic Hours"), and
    // one queue is moved to them by hand: the deployment follows the name, not the id it
    // resolved when it was made, so the other four queues move too.
    for (id, name) in [(&basic, "Day Shift"), (&night, "Basic Hours")] {
        env.block_on(
            client
                .update_hours_of_operation()
                .instance_id(env.instance_id())
                .hours_of_operation_id(id)
                .name(name)
                .send(),
        )
        .unwrap();
    }
    move_queue("Sales", &night);
    env.clear_requests();
    let out = env.on_instance(&deploy);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        env.mutating(),
        vec!["UpdateQueueHoursOfOperation".to_string(); 4]
    );
    assert_eq!(hours_of_our_queues(&env), vec![night.clone(); 5]);
    let status = env.on_instance(&["status", "--check"]);
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));
}

#[test]
fn without_a_terminal_deploy_needs_yes() {
    let env = Env::new();
    let out = env.on_instance(&["deploy"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no terminal to confirm on"), "{stderr}");
    assert!(stderr.contains("hint: pass --yes"), "{stderr}");
    assert!(env.requests().is_empty(), "refused before any request");
}

fn create_untagged_queue(env: &Env, name: &str) -> String {
    let hours = env.seed["hours_of_operation"]["id"].as_str().unwrap();
    let client = env.connect_client();
    let created = env
        .block_on(
            client
                .create_queue()
                .instance_id(env.instance_id())
                .name(name)
                .hours_of_operation_id(hours)
                .description("hand-made")
                .send(),
        )
        .unwrap();
    created.queue_id().unwrap().to_string()
}

#[test]
fn an_untagged_same_named_queue_is_a_conflict_and_adopt_uses_it() {
    let env = Env::new();
    let sales = create_untagged_queue(&env, "Sales");
    let before = env.instance_state();
    env.clear_requests();
    let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a queue named Sales exists that this deployment did not create"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: pass --adopt"), "{stderr}");
    assert_eq!(env.mutating(), Vec::<String>::new());
    assert_eq!(env.instance_state(), before);

    let out = env.on_instance(&[
        "deploy",
        "--yes",
        "--adopt",
        "--solution",
        "returning-callers",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let instance = env.instance_state();
    let found = queues_named(&instance, "Sales");
    assert_eq!(found.len(), 1, "no second Sales queue");
    assert_eq!(found[0]["id"], json!(sales));
    assert_eq!(found[0]["tags"]["connect-returns:adopted"], json!(env.name));
    assert_eq!(
        found[0]["description"],
        json!("hand-made"),
        "an adopted queue keeps its settings"
    );
    let profile = items(&instance, "routing_profiles")
        .into_iter()
        .find(|p| p["name"] == json!("returnCallerRoutingProfile"))
        .unwrap();
    assert!(
        profile["queues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["queue_id"] == json!(sales))
    );
}

#[test]
fn with_injected_throttling_and_errors_deploy_converges() {
    let env = Env::new();
    let faults = json!({"seed": 7, "rules": [
        {"service": "connect", "throttle_probability": 0.1, "error_probability": 0.1},
        {"service": "lexv2", "throttle_probability": 0.1, "error_probability": 0.1}
    ]});
    env.admin("PUT", "faults", Some(&faults.to_string()));
    let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(out.status.success(), "{}", show(&out));
    let faulted = env
        .requests()
        .iter()
        .filter(|r| r["status"].as_u64().is_some_and(|s| s == 429 || s >= 500))
        .count();
    assert!(faulted > 0, "faults were injected");
    env.admin("PUT", "faults", Some(r#"{"rules": []}"#));
    assert_returning_callers_deployed(&env);
    env.clear_requests();
    let again = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(env.mutating(), Vec::<String>::new());
}

#[test]
fn a_deploy_killed_part_way_converges_on_rerun_without_duplicates() {
    // Slow every Connect request down so the kill lands mid-deploy, at several points.
    for kill_after_ms in [150u64, 400, 700] {
        let env = Env::new();
        env.admin(
            "PUT",
            "faults",
            Some(&json!({"rules": [{"service": "connect", "latency_ms": 60}]}).to_string()),
        );
        let id = env.instance_id();
        let mut command = env.command(&[
            "deploy",
            "--yes",
            "--solution",
            "returning-callers",
            "--instance",
            &id,
        ]);
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = command.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(kill_after_ms));
        let _ = child.kill();
        let _ = child.wait();
        env.admin("PUT", "faults", Some(r#"{"rules": []}"#));
        let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
        assert!(
            out.status.success(),
            "kill at {kill_after_ms} ms: {}",
            show(&out)
        );
        assert_returning_callers_deployed(&env);
    }
}

/// Each bad input: exit 2, a one-line cause, a hint, and no mutating request.
#[test]
fn bad_inputs_are_refused_before_any_change() {
    let env = Env::new();
    let id = env.instance_id();
    let other_region_arn = env.instance_arn().replace("us-east-1", "eu-west-2");
    let missing = "00000000-0000-4000-8000-000000000000";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["deploy", "--yes", "--instance", "not-an-id"],
            "is neither an instance id nor an ARN",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                "arn:aws:connect:us-east-1:1234:instance/x",
            ],
            "is not an Amazon Connect instance ARN",
        ),
        (vec!["deploy", "--yes", "--instance", missing], "not found"),
        (
            vec!["deploy", "--yes", "--instance", &other_region_arn],
            "is in eu-west-2 but the AWS Region in use is us-east-1",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--record-ttl-minutes",
                "0",
            ],
            "--record-ttl-minutes 0 is out of range",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--record-ttl-minutes=-5",
            ],
            "--record-ttl-minutes -5 is out of range",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--record-ttl-minutes",
                "99999999",
            ],
            "out of range",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--phone-number",
                "2065550100",
            ],
            "--phone-number is not an E.164 phone number",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--cfn-service-role",
                "connect-returns-cfn",
            ],
            "--cfn-service-role \"connect-returns-cfn\" is not an IAM role ARN",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--phone-number",
                "+442071234567",
            ],
            "is not claimed in the instance",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--callback-queue",
                "NoSuchQueue",
            ],
            "callback queue \"NoSuchQueue\" not found",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--hours",
                "Night Hours",
            ],
            "hours of operation \"Night Hours\" not found",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--solution",
                "everything",
            ],
            "invalid value 'everything'",
        ),
        (
            vec!["deploy", "--yes", "--instance", &id, "--lex", "v3"],
            "invalid value 'v3'",
        ),
        (
            vec!["deploy", "--yes", "--instance", &id, "--name", "bad name!"],
            "cannot name a CloudFormation stack",
        ),
    ];
    for (args, message) in cases {
        env.clear_requests();
        let out = env.cli(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        assert!(
            stderr.contains(message),
            "{args:?}: expected {message:?} in\n{stderr}"
        );
        assert!(
            stderr.contains("hint:")
                || stderr.contains("possible values")
                || stderr.contains("For more information"),
            "{args:?}: no hint in\n{stderr}"
        );
        assert_eq!(
            env.mutating(),
            Vec::<String>::new(),
            "{args:?} made a mutating request"
        );
    }
}

/// A refusal of the deploy preflight: exit 2, the cause on one line, a hint, and nothing changed in
/// the sandbox (no mutating request) or in moto (no stack, no artifact uploaded).
fn assert_refused_unchanged(env: &Env, out: &std::process::Output, message: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", show(out));
    let line = stderr
        .lines()
        .find(|line| line.contains(message))
        .unwrap_or_else(|| panic!("expected {message:?} in\n{stderr}"));
    assert!(
        line.starts_with("error: "),
        "cause not on one line: {stderr}"
    );
    assert!(stderr.contains("hint:"), "no hint in\n{stderr}");
    assert_eq!(env.mutating(), Vec::<String>::new(), "a mutating request");
    for solution in ["returning-callers", "callbacks"] {
        let stack = format!("{}-{solution}", env.name);
        assert_eq!(env.stack_status(&stack), None, "stack {stack} exists");
    }
    assert_eq!(
        env.artifact_keys(),
        Vec::<String>::new(),
        "an artifact was uploaded"
    );
}

#[test]
fn a_lambda_artifact_refused_by_the_glibc_check_changes_nothing() {
    let mut env = Env::new();
    let (_dir, manifest) = crate::harness::lambda_fixture_of(crate::harness::REFUSED_BOOTSTRAP);
    env.extra_env
        .retain(|(key, _)| key != "CONNECT_RETURNS_LAMBDA_MANIFEST");
    env.extra_env
        .push(("CONNECT_RETURNS_LAMBDA_MANIFEST".into(), manifest));
    env.clear_requests();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert_refused_unchanged(&env, &out, "needs glibc 2.36");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("arc4random@GLIBC_2.36"), "{stderr}");
}

#[test]
fn a_ctr_stream_that_does_not_exist_changes_nothing() {
    let env = Env::new();
    for stream in [
        "no-such-ctr-stream".to_string(),
        "arn:aws:kinesis:us-east-1:123456789012:stream/no-such-ctr-stream".to_string(),
    ] {
        env.clear_requests();
        let out = env.on_instance(&["deploy", "--yes", "--ctr-stream", &stream]);
        assert_refused_unchanged(&env, &out, &format!("CTR stream {stream} not found"));
    }
    // An existing stream passes the check (a plan with it succeeds and changes nothing).
    let name = format!("{}-ctr", env.name);
    create_kinesis_stream(&name);
    env.clear_requests();
    let out = env.on_instance(&["deploy", "--plan", "--ctr-stream", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(env.mutating(), Vec::<String>::new());
}

#[test]
fn bad_config_files_and_missing_credentials_are_refused() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let id = env.instance_id();
    let cases = [
        ("broken = [", vec![], "is not valid TOML"),
        ("colour = \"blue\"", vec![], "unknown key `colour`"),
        (
            "name = \"x\"\n[env.prod]\nname = \"y\"",
            vec!["--env", "staging"],
            "unknown environment `staging`",
        ),
    ];
    for (text, extra, message) in cases {
        let path = dir.path().join("connect-returns.toml");
        std::fs::write(&path, text).unwrap();
        let path = path.to_string_lossy().to_string();
        let mut args = vec!["--config", &path];
        args.extend(extra.iter().copied());
        args.extend(["deploy", "--yes", "--instance", &id]);
        env.clear_requests();
        let out = env.cli(&args);
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{}",
            show(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("hint:"),
            "{}",
            show(&out)
        );
        assert!(env.requests().is_empty());
    }
    let mut no_credentials = Env::new();
    no_credentials
        .extra_env
        .push(("AWS_ACCESS_KEY_ID".into(), String::new()));
    no_credentials
        .extra_env
        .push(("AWS_SECRET_ACCESS_KEY".into(), String::new()));
    let out = no_credentials.on_instance(&["deploy", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no AWS credentials found"),
        "{}",
        show(&out)
    );
    assert!(no_credentials.requests().is_empty());
}

#[test]
fn inputs_that_would_change_the_wrong_thing_are_refused_before_any_change_anywhere() {
    let env = Env::new();
    let id = env.instance_id();
    let other_account_arn = env.instance_arn().replace("123456789012", "999999999999");
    let long_prefix = "p".repeat(200);
    let unreachable = "http://127.0.0.1:9";
    let profiles = tempfile::tempdir().unwrap();
    let config = profiles.path().join("config");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n[profile ci]\nregion = us-east-1\n",
    )
    .unwrap();
    type Adjust = Box<dyn Fn(&mut std::process::Command)>;
    let none: fn() -> Adjust = || Box::new(|_| {});
    let cases: Vec<(Vec<&str>, Adjust, &str)> = vec![
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--outputs-file",
                "/nonexistent/dir/out.json",
            ],
            none(),
            "cannot write --outputs-file /nonexistent/dir/out.json",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--prefix",
                &long_prefix,
            ],
            none(),
            "--prefix of 200 characters",
        ),
        (
            vec!["deploy", "--yes", "--instance", &other_account_arn],
            none(),
            "--instance belongs to account 999999999999 but the credentials are of account 123456789012",
        ),
        (
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--profile",
                "nosuchprofile",
            ],
            {
                let config = config.clone();
                Box::new(move |c: &mut std::process::Command| {
                    c.env("AWS_CONFIG_FILE", &config);
                })
            },
            "AWS profile \"nosuchprofile\" not found",
        ),
        (
            vec!["deploy", "--yes", "--instance", &id, "--region", "nonsense"],
            none(),
            "\"nonsense\" is not an AWS Region name",
        ),
        (
            // Connect is regional: the us-east-1 instance does not exist in eu-west-1.
            vec![
                "deploy",
                "--yes",
                "--instance",
                &id,
                "--region",
                "eu-west-1",
            ],
            none(),
            "not found",
        ),
        (
            vec!["deploy", "--yes", "--instance", &id],
            Box::new(move |c: &mut std::process::Command| {
                for var in [
                    "AWS_ENDPOINT_URL",
                    "AWS_ENDPOINT_URL_CONNECT",
                    "AWS_ENDPOINT_URL_LEX_MODELS_V2",
                    "AWS_ENDPOINT_URL_LEX_MODEL_BUILDING_SERVICE",
                ] {
                    c.env(var, unreachable);
                }
            }),
            "cannot reach the AWS STS endpoint",
        ),
        (
            vec!["status", "--instance", &id],
            Box::new(move |c: &mut std::process::Command| {
                c.env("AWS_ENDPOINT_URL_CONNECT", unreachable);
            }),
            "cannot reach the Amazon Connect endpoint",
        ),
    ];
    for (args, adjust, message) in cases {
        env.clear_requests();
        let out = env.cli_with(&args, |c| adjust(c));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        let line = stderr
            .lines()
            .find(|line| line.contains(message))
            .unwrap_or_else(|| panic!("{args:?}: expected {message:?} in\n{stderr}"));
        assert!(line.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains("\nhint: "),
            "{args:?}: no hint in\n{stderr}"
        );
        assert!(
            !stderr.contains("DispatchFailure"),
            "{args:?}: a debug dump in\n{stderr}"
        );
        assert_eq!(
            env.mutating(),
            Vec::<String>::new(),
            "{args:?} made a mutating request"
        );
        assert_eq!(
            env.stack_status(&format!("{}-returning-callers", env.name)),
            None,
            "{args:?}"
        );
        assert_eq!(env.artifact_keys(), Vec::<String>::new(), "{args:?}");
        assert_eq!(
            env.tables_named(&env.name),
            Vec::<String>::new(),
            "{args:?}"
        );
    }
}

#[test]
fn the_lex_bot_is_built_while_the_stack_still_makes_its_lambdas() {
    let env = Env::new();
    // Lambdas take 6 s, everything else (the bot's role included) completes at once.
    let model = testkit::LatencyModel {
        scale: 1.0,
        per_type: vec![("AWS::Lambda::Function".to_string(), 6.0)],
        default_seconds: 0.0,
    };
    let proxy = testkit::CfnLatencyProxy::start(testkit::moto(), model).unwrap();
    let id = env.instance_id();
    let out = env.cli_with(
        &[
            "deploy",
            "--yes",
            "--solution",
            "returning-callers",
            "--instance",
            &id,
        ],
        |c| {
            c.env("AWS_ENDPOINT_URL_CLOUDFORMATION", &proxy.url);
        },
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        proxy
            .ops()
            .iter()
            .any(|op| op.action == "CreateStack" && op.modelled.as_secs() == 6),
        "the stack was held for its Lambdas: {:?}",
        proxy.ops()
    );
    let operations: Vec<String> = env
        .requests()
        .iter()
        .map(|entry| entry["operation"].as_str().unwrap_or_default().to_string())
        .collect();
    let position = |name: &str| {
        operations
            .iter()
            .position(|op| op == name)
            .unwrap_or_else(|| panic!("no {name} in {operations:?}"))
    };
    // The first Lambda association needs the stack's outputs, so it marks the stack's end; the
    // bot was built and given its alias before that.
    assert!(
        position("CreateBotAlias") < position("AssociateLambdaFunction"),
        "{operations:?}"
    );
    // The bot runs with the role the stack reports.
    let status = env.on_instance(&["status", "--check"]);
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));
}
