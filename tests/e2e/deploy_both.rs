//! End-to-end: both solutions with the AWS side (artifacts, stacks in moto, Lex V2 in the sandbox).

use crate::harness::{Env, items, show, stdout_json};
use serde_json::json;

#[test]
fn both_solutions_deploy_and_redeploy_is_a_noop() {
    let env = Env::new();
    let out = env.on_instance(&["--output", "json", "deploy", "--yes"]);
    println!("{}", show(&out));
    assert!(out.status.success(), "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["result"], json!("applied"));
    let instance = env.instance_state();
    let flows: Vec<_> = items(&instance, "flows")
        .into_iter()
        .filter(|f| f["tags"]["connect-returns:deployment"] == json!(env.name))
        .collect();
    assert_eq!(flows.len(), 6, "{flows:#?}");
    // No other run held the lock meanwhile, so the instance is read once, not again under it.
    let before_changes: Vec<String> = env
        .requests()
        .iter()
        .take_while(|entry| entry["mutating"].as_bool() == Some(false))
        .filter(|entry| entry["service"] == "connect")
        .map(|entry| entry["operation"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut once = before_changes.clone();
    once.sort();
    once.dedup();
    assert_eq!(
        once.len(),
        before_changes.len(),
        "the first deploy read the instance twice: {before_changes:?}"
    );
    env.clear_requests();
    let again = env.on_instance(&["--output", "json", "deploy", "--yes"]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(
        stdout_json(&again)["result"],
        json!("no-changes"),
        "{}",
        show(&again)
    );
    assert_eq!(env.mutating(), Vec::<String>::new());
    let reads = env.reads();
    assert!(reads.len() <= 15, "{} reads: {reads:?}", reads.len());
    // Queues and the routing profile come whole from one Search each: no Describe per queue.
    let connect = env.connect_reads();
    assert!(
        connect.len() <= 8,
        "{} Connect reads: {connect:?}",
        connect.len()
    );
    let mut once = connect.clone();
    once.sort();
    once.dedup();
    assert_eq!(
        once.len(),
        connect.len(),
        "a Connect read twice: {connect:?}"
    );
    env.clear_requests();
    let status = env.on_instance(&["status", "--check"]);
    assert!(status.status.success(), "{}", show(&status));
    let connect = env.connect_reads();
    assert!(
        connect.len() <= 8,
        "status: {} Connect reads: {connect:?}",
        connect.len()
    );
}

#[test]
fn one_changed_flow_costs_exactly_one_mutating_call() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    // Someone edits cfOutboundWhisperflow in the console.
    env.edit_flow("cfOutboundWhisperflow", |content| {
        content["Metadata"] = json!({"edited": "by hand"});
    });
    let plan = env.on_instance(&["deploy", "--plan"]);
    let text = String::from_utf8_lossy(&plan.stdout).to_string();
    assert!(
        text.contains("update    flow                cfOutboundWhisperflow"),
        "{text}"
    );
    assert!(
        text.contains("edited"),
        "the content diff shows the edit: {text}"
    );
    env.clear_requests();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(env.mutating(), vec!["UpdateContactFlowContent".to_string()]);
}

#[test]
fn with_lex_v1_both_solutions_deploy_redeploy_and_destroy() {
    let env = Env::new();
    let before = env.state();
    let out = env.on_instance(&["deploy", "--yes", "--lex", "v1"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("end of support"),
        "{}",
        show(&out)
    );
    let instance = env.instance_state();
    assert!(
        !instance["lex_bots"].as_array().unwrap().is_empty(),
        "a V1 bot is associated"
    );
    let repeat = items(&instance, "flows")
        .into_iter()
        .find(|f| f["name"] == json!("repeatCallerFlow"))
        .unwrap();
    let content = repeat["published"].as_str().unwrap();
    assert!(
        content.contains("\"LexBot\"") && !content.contains("LexV2Bot"),
        "the flow names the V1 bot"
    );
    assert!(!content.contains("${"), "no placeholder left");
    env.clear_requests();
    let again = env.on_instance(&["--output", "json", "deploy", "--yes", "--lex", "v1"]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(
        stdout_json(&again)["result"],
        json!("no-changes"),
        "{}",
        show(&again)
    );
    assert_eq!(env.mutating(), Vec::<String>::new());
    // status reads the V1 bot of a `--lex v1` deployment: everything in sync, within the same
    // read budget as a V2 deployment.
    env.clear_requests();
    let status = env.on_instance(&["--output", "json", "status", "--check"]);
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));
    let connect = env.connect_reads();
    assert!(
        connect.len() <= 8,
        "status: {} Connect reads: {connect:?}",
        connect.len()
    );
    let doc = stdout_json(&status);
    let bot = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == json!("lex-bot"))
        .unwrap()
        .clone();
    assert_eq!(bot["present"], json!(true), "{bot}");
    assert_eq!(bot["ownership"], json!("ours"), "{bot}");
    // Lex V1 names allow letters and underscores only: the deployment's bot is named for it.
    let bot_name = bot["name"].as_str().unwrap().to_string();
    assert!(
        bot_name.ends_with("Concierge") && bot_name != "returnCallerConcierge",
        "{bot}"
    );
    assert_eq!(bot["in_sync"], json!(true), "{bot}");
    assert_eq!(bot["healthy"], json!(true), "{bot}");
    // The alias moved out of band (to $LATEST) is drift.
    let lex = env.lexv1_client();
    #[allow(deprecated)]
    {
        let alias = env
            .block_on(lex.get_bot_alias().bot_name(&bot_name).name("prod").send())
            .unwrap();
        assert_ne!(alias.bot_version(), Some("$LATEST"));
        env.block_on(
            lex.put_bot_alias()
                .bot_name(&bot_name)
                .name("prod")
                .bot_version("$LATEST")
                .set_checksum(alias.checksum().map(str::to_string))
                .send(),
        )
        .unwrap();
    }
    env.clear_requests();
    let status = env.on_instance(&["--output", "json", "status", "--check"]);
    assert_eq!(status.status.code(), Some(3), "{}", show(&status));
    assert_eq!(env.mutating(), Vec::<String>::new(), "status is read-only");
    let doc = stdout_json(&status);
    let bot = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == json!("lex-bot"))
        .unwrap()
        .clone();
    assert_eq!(bot["in_sync"], json!(false), "{bot}");
    assert!(bot["detail"].as_str().unwrap().contains("$LATEST"), "{bot}");
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    Env::assert_same_state(&before, &env.state(), "after destroy");
}

#[test]
fn phone_numbers_point_at_the_entry_flows_and_destroy_puts_them_back() {
    let env = Env::new();
    let number = env.phone_number();
    // Before the deploy the number answers with a flow of the instance's own.
    let sample = items(&env.instance_state(), "flows")
        .into_iter()
        .find(|f| f["name"] == json!("Sample inbound flow (first contact experience)"))
        .unwrap();
    let phone_id = env.state()["connect"]["phone_numbers"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = env.connect_client();
    env.block_on(
        client
            .associate_phone_number_contact_flow()
            .instance_id(env.instance_id())
            .phone_number_id(&phone_id)
            .contact_flow_id(sample["id"].as_str().unwrap())
            .send(),
    )
    .unwrap();
    let before = env.state();
    let out = env.on_instance(&[
        "--output",
        "json",
        "deploy",
        "--yes",
        "--callback-phone-number",
        &number,
    ]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&number),
        "the full number is never printed"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&number),
        "the full number is never logged"
    );
    let state = env.state();
    let phone = state["connect"]["phone_numbers"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    let entry = items(&env.instance_state(), "flows")
        .into_iter()
        .find(|f| f["name"] == json!("cfSetCallBackflow"))
        .unwrap();
    assert_eq!(phone["flow_id"], entry["id"]);
    env.clear_requests();
    let again = env.on_instance(&["deploy", "--yes", "--callback-phone-number", &number]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(env.mutating(), Vec::<String>::new());
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let after = env.state();
    let phone = after["connect"]["phone_numbers"][phone_id.as_str()].clone();
    assert_eq!(
        phone["flow_id"], sample["id"],
        "the number points at its flow from before again: {phone}"
    );
    Env::assert_same_state(&before, &after, "after destroy");
}

#[test]
fn every_flow_is_published_with_no_placeholder_and_only_existing_arns() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let instance = env.instance_state();
    let state = env.state();
    let text = state.to_string();
    let flows: Vec<_> = items(&instance, "flows")
        .into_iter()
        .filter(|f| f["tags"]["connect-returns:deployment"] == json!(env.name))
        .collect();
    assert_eq!(flows.len(), 6);
    for flow in &flows {
        let content = flow["published"]
            .as_str()
            .unwrap_or_else(|| panic!("{} is published", flow["name"]));
        assert!(
            !content.contains("${") && !content.contains("<pending"),
            "{}: placeholder left",
            flow["name"]
        );
        for arn in content
            .split('"')
            .filter(|part| part.starts_with("arn:aws:"))
        {
            if arn.starts_with("arn:aws:lambda:") {
                assert!(
                    instance["lambdas"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|l| l == arn),
                    "{}: Lambda {arn} is associated",
                    flow["name"]
                );
            } else if arn.starts_with("arn:aws:lex:") {
                assert!(
                    instance["lex_v2_aliases"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|a| a == arn),
                    "{}: alias {arn} is associated",
                    flow["name"]
                );
            } else {
                let id = arn.rsplit('/').next().unwrap();
                assert!(
                    text.contains(&format!("\"id\":\"{id}\"")),
                    "{}: {arn} exists",
                    flow["name"]
                );
            }
        }
    }
    let basic = items(&instance, "queues")
        .into_iter()
        .find(|q| q["name"] == json!("BasicQueue"))
        .unwrap();
    let whisper = flows
        .iter()
        .find(|f| f["name"] == json!("cfOutboundWhisperflow"))
        .unwrap();
    assert_eq!(
        basic["outbound_caller_config"]["OutboundFlowId"], whisper["id"],
        "the callback queue's outbound whisper is set"
    );
    assert_eq!(
        instance["storage_configs"].as_object().map(|m| m.len()),
        Some(1),
        "CTRs stream to Kinesis"
    );
}

#[test]
fn a_second_deploy_while_one_holds_the_lock_refuses_clearly() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    // Another run of this deployment holds the lock (taken just now).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    env.put_artifact_object(
        &format!("locks/{}.lock", env.name),
        &format!("deploy pid 1 on ci-runner at {now}"),
    );
    // Something to change: one flow edited by hand.
    env.edit_flow("cfAgentCallBackWhisperflow", |content| {
        content["Metadata"] = json!({"edited": true});
    });
    env.clear_requests();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another run of deployment") && stderr.contains("ci-runner"),
        "{stderr}"
    );
    assert_eq!(
        env.mutating(),
        Vec::<String>::new(),
        "nothing changed while locked"
    );
    // The lock is released by its holder; then the deploy goes through and releases its own.
    env.delete_artifact_object(&format!("locks/{}.lock", env.name));
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        env.bucket_keys(&format!("locks/{}.lock", env.name)),
        Vec::<String>::new(),
        "the lock is released"
    );
}

#[test]
fn the_plan_and_summary_read_well() {
    let env = Env::new();
    let plan = env.on_instance(&["deploy", "--plan"]);
    assert!(plan.status.success(), "{}", show(&plan));
    let text = String::from_utf8_lossy(&plan.stdout).to_string();
    assert!(
        text.starts_with(&format!(
            "plan for deployment {} (nothing applied)",
            env.name
        )),
        "{text}"
    );
    assert!(text.contains("create    stack"), "{text}");
    assert!(
        text.contains(&format!(
            "create    lex-bot             {}Concierge",
            env.name
        )),
        "{text}"
    );
    assert!(
        text.contains("update    outbound-whisper    BasicQueue"),
        "{text}"
    );
    assert!(
        text.contains("outbound whisper flow: (none) -> cfOutboundWhisperflow (to be created)"),
        "{text}"
    );
    let out = env.on_instance(&["--no-progress", "deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let summary = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        summary.contains("created   flow repeatCallerFlow"),
        "{summary}"
    );
    assert!(summary.contains("deployed in"), "{summary}");
    let progress = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        progress.lines().any(|line| line.contains("== applying")),
        "{progress}"
    );
    assert!(
        progress
            .lines()
            .all(|line| line.len() < 8 || line.as_bytes()[2] == b':'),
        "plain lines start with a timestamp: {progress}"
    );
}

#[test]
fn a_deploy_waits_for_a_held_lock_with_lock_timeout_then_goes_through() {
    let env = Env::new();
    let key = format!("locks/{}.lock", env.name);
    // Before the very first deploy: the bucket exists only because a lock does.
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    env.put_artifact_object(&key, &format!("deploy pid 1 on ci-runner at {now}"));
    // Bounded: still held after the timeout → exit 2, with the waiting said on stderr.
    let out = env.on_instance(&["deploy", "--yes", "--lock-timeout", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("waiting for the lock"), "{stderr}");
    assert!(
        stderr.contains("ci-runner") && stderr.contains("hint:"),
        "{stderr}"
    );
    // Released while the second run waits: it goes through.
    let out = std::thread::scope(|scope| {
        let deploy = scope.spawn(|| {
            env.on_instance(&[
                "--output",
                "json",
                "deploy",
                "--yes",
                "--lock-timeout",
                "60",
            ])
        });
        std::thread::sleep(std::time::Duration::from_secs(2));
        env.delete_artifact_object(&key);
        deploy.join().unwrap()
    });
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(stdout_json(&out)["result"], json!("applied"));
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        env.bucket_keys(&key),
        Vec::<String>::new(),
        "the lock is released"
    );
}

fn stdout_text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The `result` of a `--output json` run, or `exit N` when it refused.
fn result_of(out: &std::process::Output) -> String {
    match out.status.code() {
        Some(0) => stdout_json(out)["result"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        code => format!("exit {code:?}"),
    }
}

#[test]
fn two_first_deploys_started_together_apply_once() {
    let env = Env::new();
    env.clear_requests();
    let (a, b) = std::thread::scope(|scope| {
        let run = || {
            env.on_instance(&[
                "--output",
                "json",
                "deploy",
                "--yes",
                "--lock-timeout",
                "120",
            ])
        };
        let a = scope.spawn(run);
        let b = scope.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut results = vec![result_of(&a), result_of(&b)];
    results.sort();
    assert_eq!(
        results,
        ["applied", "no-changes"],
        "{}\n{}",
        show(&a),
        show(&b)
    );
    let created_queues = env
        .mutating()
        .iter()
        .filter(|op| op.as_str() == "CreateQueue")
        .count();
    assert_eq!(
        created_queues, 5,
        "one run created the five queues, the other none"
    );
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // Without --lock-timeout the second refuses instead (or finds nothing left to do).
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let (a, b) = std::thread::scope(|scope| {
        let run = || env.on_instance(&["--output", "json", "deploy", "--yes"]);
        let a = scope.spawn(run);
        let b = scope.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    let results = [result_of(&a), result_of(&b)];
    assert_eq!(
        results.iter().filter(|r| r.as_str() == "applied").count(),
        1,
        "{}\n{}",
        show(&a),
        show(&b)
    );
    for (out, result) in [(&a, &results[0]), (&b, &results[1])] {
        assert!(
            ["applied", "no-changes", "exit Some(2)"].contains(&result.as_str()),
            "{}",
            show(out)
        );
        if result == "exit Some(2)" {
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("holds its lock"),
                "{}",
                show(out)
            );
        }
    }
}

#[test]
fn a_deploy_and_a_destroy_together_never_leave_a_mixed_state() {
    let env = Env::new();
    let before = env.state();
    for round in 0..2 {
        let (deploy, destroy) = std::thread::scope(|scope| {
            let deploy = scope.spawn(|| {
                env.on_instance(&[
                    "--output",
                    "json",
                    "deploy",
                    "--yes",
                    "--lock-timeout",
                    "120",
                ])
            });
            if round == 1 {
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            let destroy = scope.spawn(|| {
                env.on_instance(&[
                    "--output",
                    "json",
                    "destroy",
                    "--yes",
                    "--lock-timeout",
                    "120",
                ])
            });
            (deploy.join().unwrap(), destroy.join().unwrap())
        });
        assert!(deploy.status.success(), "round {round}: {}", show(&deploy));
        assert!(
            destroy.status.success(),
            "round {round}: {}",
            show(&destroy)
        );
        let status = env.on_instance(&["status", "--check"]);
        if status.status.code() == Some(0) {
            // The destroy came first (or found nothing yet): the deployment is whole.
        } else {
            Env::assert_same_state(
                &before,
                &env.state(),
                &format!("round {round}: not whole, so fully gone"),
            );
        }
        let out = env.on_instance(&["destroy", "--yes"]);
        assert!(out.status.success(), "{}", show(&out));
        Env::assert_same_state(&before, &env.state(), "after the final destroy");
    }
}

#[test]
fn the_artifact_bucket_enforces_bucket_owner_ownership() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes", "--solution", "callbacks"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        env.artifact_bucket_ownership().as_deref(),
        Some("BucketOwnerEnforced")
    );
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn the_artifact_bucket_denies_every_request_without_tls_and_a_deploy_restores_that() {
    // A Region of its own, so no other test's deploy shares (and re-hardens) this bucket.
    let region = "sa-east-1";
    let env = Env::with_config(connect_returns_sandbox::Config {
        region: region.into(),
        ..Default::default()
    });
    let id = env.instance_id();
    let run = |args: &[&str]| {
        let out = env.cli_with(&[args, &["--instance", &id]].concat(), |c| {
            c.env("AWS_REGION", region);
        });
        assert!(out.status.success(), "{}", show(&out));
    };
    run(&["deploy", "--yes", "--solution", "callbacks"]);
    let tls_only = |env: &Env| {
        let policy = env.artifact_bucket_policy()?;
        policy["Statement"]
            .as_array()?
            .iter()
            .find(|st| {
                st["Effect"] == "Deny"
                    && st["Principal"] == "*"
                    && st["Action"] == "s3:*"
                    && st["Condition"]["Bool"]["aws:SecureTransport"] == "false"
            })
            .cloned()
    };
    let statement = tls_only(&env).expect("a statement denying requests without TLS");
    assert_eq!(
        statement["Resource"],
        serde_json::json!([
            format!("arn:aws:s3:::{}", env.artifact_bucket()),
            format!("arn:aws:s3:::{}/*", env.artifact_bucket()),
        ])
    );
    // moto evaluates the policy with the transport the request came on.
    let key = env
        .artifact_keys()
        .into_iter()
        .next()
        .expect("an uploaded zip");
    assert_eq!(env.get_artifact_object_without_tls(&key), 403);
    let zip = env.get_artifact_object(&key).expect("readable over TLS");
    assert!(zip.starts_with(b"PK"), "a zip over TLS");

    // Someone removes the policy: the next deploy puts the statement back.
    env.delete_artifact_bucket_policy();
    assert_eq!(env.get_artifact_object_without_tls(&key), 200);
    let status = env.cli_with(&["status", "--check", "--instance", &id], |c| {
        c.env("AWS_REGION", region);
    });
    assert_eq!(status.status.code(), Some(3), "{}", show(&status));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("denies requests without TLS"),
        "{}",
        show(&status)
    );
    run(&["deploy", "--yes", "--solution", "callbacks"]);
    assert!(
        tls_only(&env).is_some(),
        "the deploy restored the TLS-only statement"
    );
    assert_eq!(env.get_artifact_object_without_tls(&key), 403);
    run(&["destroy", "--yes"]);
}

#[test]
fn a_number_re_pointed_by_hand_is_drift_and_destroy_leaves_the_later_association() {
    let env = Env::new();
    let number = env.phone_number();
    let phone_of = |env: &Env| {
        env.state()["connect"]["phone_numbers"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone()
    };
    let phone_id = phone_of(&env)["id"].as_str().unwrap().to_string();
    let instance = env.instance_id();
    let out = env.cli_with(
        &[
            "deploy",
            "--yes",
            "--phone-number",
            &number,
            "--instance",
            &instance,
        ],
        |command| {
            command.env("RUST_LOG", "trace");
        },
    );
    assert!(out.status.success(), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.len() > 10_000, "trace logs the SDK's requests");
    assert!(
        !stderr.contains(&number[1..]) && !stdout_text(&out).contains(&number[1..]),
        "the full number never appears, not even at trace level"
    );
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // Someone points the number at another flow in the console.
    let sample = items(&env.instance_state(), "flows")
        .into_iter()
        .find(|f| f["name"] == json!("Sample inbound flow (first contact experience)"))
        .unwrap();
    let client = env.connect_client();
    env.block_on(
        client
            .associate_phone_number_contact_flow()
            .instance_id(env.instance_id())
            .phone_number_id(&phone_id)
            .contact_flow_id(sample["id"].as_str().unwrap())
            .send(),
    )
    .unwrap();
    let out = env.on_instance(&["--output", "json", "status", "--check"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = stdout_json(&out);
    let row = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == json!("phone-number"))
        .cloned()
        .expect("a phone-number row");
    assert_eq!(row["drifted"], json!(true), "{row}");
    assert!(!row.to_string().contains(&number[2..]), "masked: {row}");
    // deploy does not take it back without consent.
    env.clear_requests();
    let out = env.on_instance(&["deploy", "--yes", "--phone-number", &number]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--adopt"),
        "{}",
        show(&out)
    );
    assert_eq!(env.mutating(), Vec::<String>::new());
    // destroy leaves the later association in place.
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        phone_of(&env)["flow_id"],
        sample["id"],
        "the hand-set flow stays"
    );
    let tags = env.instance_state()["tags"].clone();
    assert!(
        tags.is_object(),
        "the instance's tags are in the state dump"
    );
    let tags = tags.to_string();
    assert!(
        !tags.contains(":phone:"),
        "our record of the number is gone: {tags}"
    );
}

#[test]
fn switching_to_lex_v1_and_destroying_leaves_the_stand_ins_as_they_were() {
    let env = Env::new();
    let before = env.state();
    let v2 = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(v2.status.success(), "{}", show(&v2));
    let v1 = env.on_instance(&[
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--lex",
        "v1",
    ]);
    assert!(v1.status.success(), "{}", show(&v1));
    let status = env.on_instance(&["status", "--check"]);
    assert!(
        matches!(status.status.code(), Some(0 | 3)),
        "{}",
        show(&status)
    );
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    Env::assert_same_state(&before, &env.state(), "after V2, V1 and destroy");
}
