//! End-to-end tests of `connect-returns destroy`: the real binary against the sandbox and moto.

use crate::harness::{Env, items, show, stdout_json};
use serde_json::json;

#[test]
fn destroy_restores_the_before_snapshot_and_a_second_run_is_a_noop() {
    let env = Env::new();
    let before = env.state();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_ne!(env.state(), before, "deploy changed something");
    let stacks = [
        format!("{}-returning-callers", env.name),
        format!("{}-callbacks", env.name),
    ];
    for stack in &stacks {
        assert!(
            env.stack_status(stack).is_some(),
            "stack {stack} exists after deploy"
        );
    }
    assert!(!env.artifact_keys().is_empty());
    assert!(!env.tables_named(&env.name).is_empty());

    env.clear_requests();
    let plan = env.on_instance(&["destroy", "--plan"]);
    assert!(plan.status.success(), "{}", show(&plan));
    let text = String::from_utf8_lossy(&plan.stdout).to_string();
    assert!(
        text.contains("delete    queue               Sales"),
        "{text}"
    );
    assert!(text.contains("delete    routing-profile"), "{text}");
    assert_eq!(
        env.mutating(),
        Vec::<String>::new(),
        "destroy --plan changes nothing"
    );

    let out = env.on_instance(&["--output", "json", "destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(stdout_json(&out)["result"], json!("destroyed"));
    Env::assert_same_state(
        &before,
        &env.state(),
        "after destroy the sandbox is as before deploy",
    );
    for stack in &stacks {
        assert_eq!(env.stack_status(stack), None, "stack {stack} is gone");
    }
    assert_eq!(
        env.artifact_keys(),
        Vec::<String>::new(),
        "the deployment's artifacts are gone"
    );
    assert_eq!(
        env.tables_named(&env.name),
        Vec::<String>::new(),
        "no table of ours is left"
    );

    env.clear_requests();
    let again = env.on_instance(&["--output", "json", "destroy", "--yes"]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(stdout_json(&again)["result"], json!("nothing-deployed"));
    assert_eq!(env.mutating(), Vec::<String>::new());
}

#[test]
fn without_a_terminal_destroy_needs_yes() {
    let env = Env::new();
    let out = env.on_instance(&["destroy"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("hint: pass --yes"),
        "{}",
        show(&out)
    );
    assert!(env.requests().is_empty());
}

#[test]
fn destroy_after_killed_deploys_leaves_the_instance_as_it_was() {
    for kill_after_ms in [120u64, 300, 600] {
        let env = Env::new();
        let before = env.state();
        env.admin(
            "PUT",
            "faults",
            Some(&json!({"rules": [{"service": "connect", "latency_ms": 50}]}).to_string()),
        );
        let id = env.instance_id();
        let mut command = env.command(&["deploy", "--yes", "--instance", &id]);
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = command.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(kill_after_ms));
        let _ = child.kill();
        let _ = child.wait();
        env.admin("PUT", "faults", Some(r#"{"rules": []}"#));
        let out = env.on_instance(&["destroy", "--yes"]);
        assert!(
            out.status.success(),
            "kill at {kill_after_ms} ms: {}",
            show(&out)
        );
        Env::assert_same_state(
            &before,
            &env.state(),
            &format!("kill at {kill_after_ms} ms"),
        );
    }
}

#[test]
fn adopted_resources_stay_and_lose_only_the_adoption_tag() {
    let env = Env::new();
    let hours = env.seed["hours_of_operation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = env.connect_client();
    env.block_on(
        client
            .create_queue()
            .instance_id(env.instance_id())
            .name("Sales")
            .hours_of_operation_id(hours)
            .description("mine")
            .send(),
    )
    .unwrap();
    let before = env.state();
    let out = env.on_instance(&["deploy", "--yes", "--adopt"]);
    assert!(out.status.success(), "{}", show(&out));
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let instance = env.instance_state();
    let sales: Vec<_> = items(&instance, "queues")
        .into_iter()
        .filter(|q| q["name"] == json!("Sales"))
        .collect();
    assert_eq!(sales.len(), 1, "the adopted queue stays");
    assert_eq!(sales[0]["tags"], json!({}));
    Env::assert_same_state(&before, &env.state(), "after destroy");
}

#[test]
fn destroy_one_solution_leaves_the_other() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let deployed = env.instance_state();
    let out = env.on_instance(&["destroy", "--yes", "--solution", "callbacks"]);
    assert!(out.status.success(), "{}", show(&out));
    let after = env.instance_state();
    let ours = |instance: &serde_json::Value| -> Vec<serde_json::Value> {
        items(instance, "queues")
            .into_iter()
            .filter(|q| q["tags"]["connect-returns:deployment"] == json!(env.name))
            .collect()
    };
    assert_eq!(ours(&after).len(), 5);
    assert_eq!(
        ours(&after),
        ours(&deployed),
        "returning-callers queues stay"
    );
    let basic = items(&after, "queues")
        .into_iter()
        .find(|q| q["name"] == json!("BasicQueue"))
        .unwrap();
    assert_eq!(
        basic["outbound_caller_config"],
        json!({}),
        "the callback queue's whisper is restored"
    );
    assert_eq!(basic["tags"], json!({}));
    assert_eq!(
        items(&after, "routing_profiles"),
        items(&deployed, "routing_profiles")
    );
    let out = env.on_instance(&["destroy", "--yes", "--solution", "returning-callers"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        !items(&env.instance_state(), "queues")
            .iter()
            .any(|q| q["name"] == json!("Sales"))
    );
}

#[test]
fn keep_data_keeps_the_tables_and_nothing_else() {
    let env = Env::new();
    let before = env.state();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let tables = env.tables_named(&env.name);
    assert_eq!(tables.len(), 2, "{tables:?}");
    let out = env.on_instance(&["destroy", "--yes", "--keep-data"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        env.tables_named(&env.name),
        tables,
        "--keep-data keeps the tables"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("kept tables"),
        "{}",
        show(&out)
    );
    assert_eq!(env.stack_status(&format!("{}-callbacks", env.name)), None);
    Env::assert_same_state(&before, &env.state(), "everything else is gone");
}

#[test]
fn what_cannot_be_removed_is_listed_with_why_and_a_rerun_finishes() {
    let env = Env::new();
    let before = env.state();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    // Someone puts our Sales queue into the instance's Basic Routing Profile: it is in use.
    env.put_queue_in_profile("Basic Routing Profile", "Sales", 1);
    let out = env.on_instance(&["--output", "json", "destroy", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["result"], json!("incomplete"));
    let left = doc["left"].as_array().unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["resource"], json!("queue Sales"));
    assert!(
        left[0]["why"].as_str().unwrap().contains("ResourceInUse"),
        "{left:?}"
    );
    assert!(!left[0]["what_to_do"].as_str().unwrap().is_empty());
    // Take it out of the profile again; the second destroy finishes the job.
    env.take_queue_out_of_profile("Basic Routing Profile", "Sales");
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    Env::assert_same_state(&before, &env.state(), "after the second destroy");
}

#[test]
fn destroying_a_deployment_that_was_never_made_changes_nothing() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let before = env.state();
    env.clear_requests();
    let other = format!("{}x", env.name);
    let out = env.on_instance(&["destroy", "--yes", "--name", &other]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing to destroy"),
        "{}",
        show(&out)
    );
    assert_eq!(env.mutating(), Vec::<String>::new(), "{}", show(&out));
    Env::assert_same_state(&before, &env.state(), "after destroying another name");
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

/// A second queue on the seeded instance, for a second deployment's callbacks.
fn create_queue(env: &Env, name: &str) {
    let client = env.connect_client();
    let hours = env.seed["hours_of_operation"]["id"]
        .as_str()
        .expect("seeded hours id")
        .to_string();
    let instance = env.instance_id();
    env.block_on(
        client
            .create_queue()
            .instance_id(instance)
            .name(name)
            .hours_of_operation_id(hours)
            .send(),
    )
    .expect("create queue");
}

/// Deploys B next to A, checks both, destroys B: A never notices, and the sandbox is as A left it.
fn b_comes_and_goes_without_touching_a(env: &Env, b: &[&str], what: &str) {
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{what}: {}", show(&out));
    let a_only = env.state();
    let with = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        args.extend(b.iter().map(|s| s.to_string()));
        args
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.cli(&args)
    };

    // B was never made: destroying it changes nothing.
    env.clear_requests();
    let out = run(with(&["destroy", "--yes"]));
    assert!(out.status.success(), "{what}: {}", show(&out));
    assert_eq!(
        env.mutating(),
        Vec::<String>::new(),
        "{what}: {}",
        show(&out)
    );
    Env::assert_same_state(
        &a_only,
        &env.state(),
        &format!("{what}: destroy of a B never made"),
    );

    let out = run(with(&["deploy", "--yes"]));
    assert!(out.status.success(), "{what}: deploy B: {}", show(&out));
    let out = run(with(&["status", "--check"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: status B: {}",
        show(&out)
    );
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: status A after B: {}",
        show(&out)
    );
    let out = run(with(&["destroy", "--yes"]));
    assert!(out.status.success(), "{what}: destroy B: {}", show(&out));
    Env::assert_same_state(&a_only, &env.state(), &format!("{what}: after B's destroy"));
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: status A at the end: {}",
        show(&out)
    );
    for solution in ["returning-callers", "callbacks"] {
        let stack = format!("{}-{solution}", env.name);
        assert!(
            env.stack_status(&stack).is_some(),
            "{what}: A's {stack} stays"
        );
    }
}

#[test]
fn a_second_deployment_in_the_same_instance_lives_beside_the_first() {
    let env = Env::new();
    create_queue(&env, "SecondCallbacks");
    let b = format!("{}b", env.name);
    let instance = env.instance_id();
    b_comes_and_goes_without_touching_a(
        &env,
        &[
            "--name",
            &b,
            "--prefix",
            "b-",
            "--callback-queue",
            "SecondCallbacks",
            "--instance",
            &instance,
        ],
        "one instance, --prefix",
    );
}

#[test]
fn a_deployment_in_a_second_instance_of_the_account_lives_beside_the_first() {
    let env = Env::new();
    let second = env.admin("POST", "seed", Some(r#"{"instance_alias":"second"}"#));
    let second = second["instance"]["id"]
        .as_str()
        .expect("second instance")
        .to_string();
    let b = format!("{}b", env.name);
    b_comes_and_goes_without_touching_a(
        &env,
        &["--name", &b, "--lex", "v1", "--instance", &second],
        "two instances, B on Lex V1",
    );
}

#[test]
fn the_bot_an_earlier_release_named_for_this_deployment_is_removed_not_orphaned() {
    let env = Env::new();
    // What an earlier release left: this deployment's bot under the shipped name.
    let lex = env.lexv2_client();
    env.block_on(
        lex.create_bot()
            .bot_name("returnCallerConcierge")
            .description(format!("earlier (connect-returns deployment={})", env.name))
            .role_arn("arn:aws:iam::123456789012:role/earlier")
            .data_privacy(
                aws_sdk_lexmodelsv2::types::DataPrivacy::builder()
                    .child_directed(false)
                    .build(),
            )
            .idle_session_ttl_in_seconds(300)
            .send(),
    )
    .expect("create the earlier bot");
    let out = env.on_instance(&["status"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("earlier name"),
        "status names the earlier bot: {}",
        show(&out)
    );
    let plan = env.on_instance(&["deploy", "--plan", "--output", "json"]);
    let plan = stdout_json(&plan);
    assert!(
        plan["plan"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["kind"] == "lex-bot"
                && item["name"] == "returnCallerConcierge"
                && item["action"] == "delete"),
        "the plan removes the earlier bot: {plan}"
    );
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let bots = env.block_on(lex.list_bots().send()).expect("list bots");
    let names: Vec<&str> = bots
        .bot_summaries()
        .iter()
        .filter_map(|bot| bot.bot_name())
        .collect();
    assert_eq!(
        names,
        [format!("{}Concierge", env.name)],
        "only the deployment's own bot is left"
    );
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn a_same_named_bot_of_another_owner_is_not_an_earlier_bot() {
    let env = Env::new();
    let lex = env.lexv2_client();
    env.block_on(
        lex.create_bot()
            .bot_name("returnCallerConcierge")
            .description("built by hand from the blog")
            .role_arn("arn:aws:iam::123456789012:role/theirs")
            .data_privacy(
                aws_sdk_lexmodelsv2::types::DataPrivacy::builder()
                    .child_directed(false)
                    .build(),
            )
            .idle_session_ttl_in_seconds(300)
            .send(),
    )
    .expect("create their bot");
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let bots = env.block_on(lex.list_bots().send()).expect("list bots");
    let names: Vec<&str> = bots
        .bot_summaries()
        .iter()
        .filter_map(|bot| bot.bot_name())
        .collect();
    assert_eq!(names, ["returnCallerConcierge"], "their bot stays");
}
