//! End-to-end: `verify` runs the call paths as test cases on a fresh deploy of both solutions.
//! The sandbox executes them against the deployed flows; its Lambda runner runs the real
//! `bootstrap` with each deployed function's environment and DynamoDB on moto.
//!
//! `bootstrap` and `sandbox-lambda-runner` are the workspace's binaries next to the CLI's
//! (`cargo xtask test` builds them; alone: `cargo build --workspace --examples --bins`, which
//! reuses the test build's compiled dependencies).

use std::path::PathBuf;
use std::time::Duration;

use crate::harness::{Env, items, show, stdout_json};
use connect_returns_sandbox::{Config, QuotaConfig};
use serde_json::{Value, json};

fn built(name: &str) -> PathBuf {
    let dir = crate::harness::cli_binary()
        .parent()
        .expect("the target directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --workspace --examples --bins` (cargo xtask test does)",
        path.display()
    );
    path
}

/// A sandbox whose test-case executions run the real handlers.
fn env() -> Env {
    env_paced(Duration::from_millis(50))
}

/// `env` with executions that stay INITIATED, then IN_PROGRESS, for at least `pace` each.
fn env_paced(pace: Duration) -> Env {
    let connect_port = testkit::free_port();
    let runner = format!(
        "{} {} {} http://127.0.0.1:{connect_port}",
        built("sandbox-lambda-runner").display(),
        built("bootstrap").display(),
        testkit::moto_plain_url().trim_end_matches('/'),
    );
    Env::with_config(Config {
        quota: QuotaConfig {
            enabled: false,
            ..QuotaConfig::default()
        },
        lex_build_duration: Duration::from_millis(50),
        connect_port,
        lambda_runner: Some(runner),
        test_case_pace: pace,
        // A path that goes astray waits for the time limit: keep failures quick.
        test_case_time_limit: Duration::from_secs(20),
        ..Config::default()
    })
}

fn deploy(env: &Env) {
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
}

fn verify(env: &Env, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["--output", "json", "verify"];
    args.extend(extra);
    let out = env.on_instance(&args);
    let text = show(&out);
    let doc = if out.stdout.is_empty() {
        Value::Null
    } else {
        stdout_json(&out)
    };
    (out.status.code(), doc, text)
}

fn scenario<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no scenario {name} in {doc}"))
}

/// Every scenario of a report passed, its execution too.
fn assert_every_scenario_passed(doc: &Value) {
    for s in doc["scenarios"].as_array().unwrap() {
        assert_eq!(s["passed"], true, "{s}");
        assert_eq!(s["execution_status"], "PASSED", "{s}");
    }
}

/// The scenarios of a report, in its order.
fn scenario_names(doc: &Value) -> Vec<&str> {
    doc["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect()
}

/// The test cases and executions left in the instance.
fn test_cases_left(env: &Env) -> (usize, usize) {
    let instance = env.instance_state();
    (
        items(&instance, "test_cases").len(),
        items(&instance, "test_executions").len(),
    )
}

/// Every item of the deployment's tables whose number is a reserved test number.
fn test_records_left(env: &Env) -> Vec<String> {
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::new()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(testkit::moto_plain_url())
            .build(),
    );
    let mut left = Vec::new();
    let tables = env.tables_named(&env.name);
    assert_eq!(tables.len(), 2, "both solutions' tables: {tables:?}");
    for table in tables {
        let scan = env
            .block_on(client.scan().table_name(&table).send())
            .expect("scan");
        for item in scan.items() {
            let number = item
                .get("phoneNumber")
                .or_else(|| item.get("PhoneNumber"))
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if number.starts_with("+120155501") {
                left.push(format!("{table}: {number}"));
            }
        }
    }
    left
}

#[test]
fn every_scenario_passes_on_a_fresh_deploy_and_nothing_is_left() {
    let env = env();
    deploy(&env);
    env.clear_requests();
    let (code, doc, text) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        scenario_names(&doc),
        [
            "new-caller-sales",
            "new-caller-service",
            "returning-yes-yes",
            "returning-no",
            "callback-keep-no-duplicate",
            "callback-cancel-agent-hangs-up"
        ]
    );
    assert_every_scenario_passed(&doc);
    assert!(
        scenario(&doc, "new-caller-sales")["ends"]
            .as_str()
            .unwrap()
            .contains("ends at the transfer to Sales"),
        "{doc}"
    );
    // The handlers really ran: the cancel path found the seeded PENDING record and reached
    // StopContact, which could not stop a callback whose contact id is not known yet.
    assert_eq!(
        scenario(&doc, "callback-cancel-agent-hangs-up")["observed"]["handledBy"],
        "Agent"
    );
    assert_eq!(doc["passed"], 6);
    assert_eq!(doc["cleanup"]["test_cases_deleted"], 6);
    assert_eq!(test_cases_left(&env), (0, 0));
    assert_eq!(test_records_left(&env), Vec::<String>::new());
    // Never more than five executions at once: replay the request log. An execution holds its
    // slot from its start until the summary read that saw it end (verify's last read of it);
    // its records are read after the slot is free.
    let requests = env.requests();
    let test_case_of = |entry: &Value| {
        let path = entry["path"].as_str().unwrap_or_default();
        path.split('/').nth(3).unwrap_or_default().to_string()
    };
    let mut last_summary = std::collections::BTreeMap::new();
    for (at, entry) in requests.iter().enumerate() {
        if entry["operation"] == "GetTestCaseExecutionSummary" {
            last_summary.insert(test_case_of(entry), at);
        }
    }
    let mut running = std::collections::BTreeSet::new();
    let mut most = 0;
    let mut starts = 0;
    for (at, entry) in requests.iter().enumerate() {
        let test_case = test_case_of(entry);
        match entry["operation"].as_str().unwrap_or_default() {
            "StartTestCaseExecution" => {
                starts += 1;
                running.insert(test_case);
                most = most.max(running.len());
            }
            "GetTestCaseExecutionSummary" if last_summary.get(&test_case) == Some(&at) => {
                running.remove(&test_case);
            }
            _ => {}
        }
    }
    assert_eq!(starts, 6, "one execution per scenario");
    assert!((1..=5).contains(&most), "at most five at once, saw {most}");
    // Again: nothing leftover, and the run is the same.
    let (code, doc, text) = verify(&env, &["--scenario", "new-caller-sales"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(doc["cleanup"]["leftover_test_cases"], 0);
    assert_eq!(doc["scenarios"].as_array().unwrap().len(), 1);
}

#[test]
fn a_flow_edited_out_of_band_fails_naming_the_scenario_and_the_observation() {
    let env = env();
    deploy(&env);
    // Someone points digit 1 at the Service queue in the console.
    env.edit_flow("repeatCallerFlow", |content| {
        let service_queue = content["Actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Identifier"] == "Queue Service")
            .unwrap()["Parameters"]["QueueId"]
            .clone();
        for action in content["Actions"].as_array_mut().unwrap() {
            if action["Identifier"] == "Queue Sales" {
                action["Parameters"]["QueueId"] = service_queue.clone();
            }
        }
    });
    let (code, doc, text) = verify(
        &env,
        &[
            "--scenario",
            "new-caller-sales",
            "--scenario",
            "new-caller-service",
        ],
    );
    assert_eq!(code, Some(4), "{text}");
    let sales = scenario(&doc, "new-caller-sales");
    assert_eq!(sales["passed"], false, "{sales}");
    assert_eq!(sales["failed_observation"], "transfer-to-sales", "{sales}");
    assert!(
        sales["seen"].to_string().contains("TransferContactToQueue"),
        "what was seen instead: {sales}"
    );
    assert_eq!(scenario(&doc, "new-caller-service")["passed"], true);
    // The table says it too.
    let out = env.on_instance(&["verify", "--scenario", "new-caller-sales"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{}", show(&out));
    assert!(table.contains("new-caller-sales"), "{table}");
    assert!(table.contains("FAILED"), "{table}");
    assert!(
        table.contains("observation transfer-to-sales did not pass"),
        "{table}"
    );
    assert_eq!(test_cases_left(&env), (0, 0));
}

/// `verify` started in the background on `env`'s deployment.
fn spawn_verify(env: &Env) -> std::process::Child {
    spawn_verify_with(env, &[])
}

/// `spawn_verify` with more arguments (JSON on stdout).
fn spawn_verify_with(env: &Env, extra: &[&str]) -> std::process::Child {
    let id = env.instance_id();
    let mut args = vec!["--output", "json", "verify", "--instance", &id];
    args.extend(extra);
    let mut command = env.command(&args);
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command.spawn().expect("verify starts")
}

/// Waits until the instance holds a test case (the run is under way).
fn wait_for_a_test_case(env: &Env) {
    for _ in 0..1000 {
        if test_cases_left(env).0 > 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the run made no test case");
}

#[test]
fn a_killed_run_leaves_test_cases_the_next_run_removes() {
    // Slow executions, so that the kill lands while they run.
    let env = env_paced(Duration::from_secs(3));
    deploy(&env);
    let mut child = spawn_verify(&env);
    wait_for_a_test_case(&env);
    child.kill().expect("kill");
    child.wait().expect("reap");
    let (cases, _) = test_cases_left(&env);
    assert!(cases > 0, "the kill left test cases behind");
    let (code, doc, text) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        doc["cleanup"]["leftover_test_cases"].as_u64().unwrap() > 0,
        "{doc}"
    );
    assert_eq!(test_cases_left(&env), (0, 0));
    assert_eq!(test_records_left(&env), Vec::<String>::new());
}

/// Two runs on one deployment: the second waits for the first's lock (or, without
/// `--lock-timeout`, is refused the way a second deploy is), so the removal of leftovers at its
/// start never deletes the test cases of the run still going.
#[test]
fn a_second_verify_waits_for_the_first_or_is_refused_and_never_removes_its_test_cases() {
    let env = env_paced(Duration::from_secs(2));
    deploy(&env);
    let first = spawn_verify_with(&env, &[]);
    wait_for_a_test_case(&env);
    let waiting = spawn_verify_with(&env, &["--lock-timeout", "600"]);
    // Refused at once: the first run holds the lock.
    let (code, _, text) = verify(&env, &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "another run of deployment {} holds its lock (verify pid",
            env.name
        )),
        "{text}"
    );
    assert!(
        text.contains("hint: wait for it to finish and run again, or pass --lock-timeout"),
        "{text}"
    );
    for (run, child) in [("first", first), ("waiting", waiting)] {
        let out = child.wait_with_output().expect("reap");
        let text = show(&out);
        assert_eq!(out.status.code(), Some(0), "the {run} run: {text}");
        let doc = stdout_json(&out);
        assert_eq!(doc["passed"], 6, "the {run} run: {doc}");
        assert_eq!(
            doc["cleanup"]["leftover_test_cases"], 0,
            "the {run} run removed no test case of another: {doc}"
        );
        if run == "waiting" {
            assert!(
                text.contains("waiting for the lock of deployment"),
                "the second run said it waited: {text}"
            );
        }
    }
    assert_eq!(test_cases_left(&env), (0, 0));
    assert_eq!(test_records_left(&env), Vec::<String>::new());
    // The lock is gone with the runs: a deploy takes it again at once.
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn ctrl_c_stops_the_run_and_removes_what_it_made() {
    let env = env_paced(Duration::from_secs(3));
    deploy(&env);
    let child = spawn_verify(&env);
    wait_for_a_test_case(&env);
    let interrupt = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupt.success());
    let out = child.wait_with_output().expect("reap");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("verify was interrupted: removed the"),
        "{stderr}"
    );
    assert_eq!(test_cases_left(&env), (0, 0));
    assert_eq!(test_records_left(&env), Vec::<String>::new());
}

#[test]
fn verify_cannot_run_without_a_deployment_or_with_an_unknown_scenario() {
    let env = env();
    let before = env.state();
    let (code, _, text) = verify(&env, &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("no deployment"), "{text}");
    assert!(text.contains("hint:"), "{text}");
    Env::assert_same_state(&before, &env.state(), "verify without a deployment");
    deploy(&env);
    let (code, _, text) = verify(&env, &["--scenario", "no-such-path"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("unknown scenario \"no-such-path\""), "{text}");
    assert!(
        text.contains("hint: pass --scenario with one of: new-caller-sales"),
        "{text}"
    );
}

#[test]
fn in_a_region_without_test_cases_verify_says_so_and_names_the_regions_with_them() {
    let env = Env::with_config(Config {
        region: "eu-west-1".into(),
        quota: QuotaConfig {
            enabled: false,
            ..QuotaConfig::default()
        },
        ..Config::default()
    });
    let out = env.cli_with(&["verify", "--instance", &env.instance_id()], |command| {
        command.env("AWS_REGION", "eu-west-1");
    });
    let text = show(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("Amazon Connect test cases are not available in eu-west-1"),
        "{text}"
    );
    assert!(
        text.contains("hint: verify runs where the service runs test cases: us-east-1, us-west-2"),
        "{text}"
    );
}

/// The simulator (`src/flow`) and the sandbox's executor walk the same path of every shared
/// scenario to the same end: the queue, or the attribute the path sets.
#[test]
fn the_simulator_and_the_executor_agree_on_every_shared_scenario() {
    let env = env();
    deploy(&env);
    let (code, doc, text) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert_the_simulator_agrees(&env, &doc, &[]);
}

/// `simulate` (with `global` flags) ends every scenario `verify` ran where the executor did.
fn assert_the_simulator_agrees(env: &Env, doc: &Value, global: &[&str]) {
    for executed in doc["scenarios"].as_array().unwrap() {
        let name = executed["name"].as_str().unwrap();
        let mut args = global.to_vec();
        args.extend(["--output", "json", "simulate", name]);
        let out = env.cli(&args);
        assert!(out.status.success(), "simulate {name}: {}", show(&out));
        let simulated: Value = serde_json::from_slice(&out.stdout).unwrap();
        let last_call = simulated["scenarios"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|step| step["kind"] == "call")
            .unwrap()
            .clone();
        let observed = &executed["observed"];
        match (
            observed.get("queue"),
            observed.get("handledBy"),
            observed.get("status"),
        ) {
            (Some(queue), _, _) => {
                // The executor logs the deployed queue's name; the simulator the shipped one.
                assert_eq!(
                    queue, &last_call["queue"],
                    "{name}: {executed} vs {last_call}"
                );
            }
            (_, Some(handled), _) => assert_eq!(
                handled, &last_call["attributes"]["CallBackCancelHandledBy"],
                "{name}: {executed} vs {last_call}"
            ),
            (_, _, Some(status)) => assert_eq!(
                status, &last_call["attributes"]["CallBackStatus"],
                "{name}: {executed} vs {last_call}"
            ),
            _ => panic!("{name} logged nothing to compare: {executed}"),
        }
    }
}

/// A contact center's own menu, prompts and bot language.
const OWN_EXPERIENCE: &str = r#"
[bot]
locale = "es_US"

[prompts.repeatCallerFlow]
"Ask same matter" = "<speak>Welcome back to Example Corp! <break time=\"300ms\"/> Is this about your last call?</speak>"

[prompts.cfSetCallBackflow]
"Keep callback" = "Your callback stays booked. Goodbye."

[[queues]]
name = "Billing"
digit = 1

[[queues]]
name = "Tech Support"
digit = 2

[[queues]]
name = "Sales"
digit = 3
"#;

/// A deployment made with its own call experience is proved on its own terms, read from the
/// deployment record (verify is given no config file): a path per configured queue, the
/// configured words, the answers in the bot's language.
#[test]
fn a_deployment_with_its_own_menu_prompts_and_bot_is_verified_on_them() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("connect-returns.toml");
    std::fs::write(&config, OWN_EXPERIENCE).unwrap();
    let config = config.to_string_lossy().to_string();
    let out = env.on_instance(&["--config", &config, "deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let (code, doc, text) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        scenario_names(&doc),
        [
            "menu-key-1-billing",
            "menu-key-2-tech-support",
            "menu-key-3-sales",
            "returning-yes-yes",
            "returning-no",
            "callback-keep-no-duplicate",
            "callback-cancel-agent-hangs-up"
        ]
    );
    assert_every_scenario_passed(&doc);
    assert_eq!(
        scenario(&doc, "menu-key-2-tech-support")["observed"]["queue"],
        "Tech Support"
    );
    // The blog's returning caller last called its second queue: here Tech Support.
    assert_eq!(
        scenario(&doc, "returning-yes-yes")["observed"]["queue"],
        "Tech Support"
    );
    assert_eq!(scenario(&doc, "returning-no")["observed"]["queue"], "Sales");
    assert!(
        scenario(&doc, "menu-key-3-sales")["ends"]
            .as_str()
            .unwrap()
            .contains("ends at the transfer to Sales"),
        "{doc}"
    );
    assert_eq!(test_cases_left(&env), (0, 0));
    assert_eq!(test_records_left(&env), Vec::<String>::new());
    assert_the_simulator_agrees(&env, &doc, &["--config", &config]);

    // The configured welcome is what is proved: the shipped words put back out of band fail.
    env.edit_flow("repeatCallerFlow", |content| {
        for action in content["Actions"].as_array_mut().unwrap() {
            if action["Identifier"] == "Ask same matter" {
                let parameters = action["Parameters"].as_object_mut().unwrap();
                parameters.remove("SSML");
                parameters.insert(
                    "Text".into(),
                    json!("Welcome back! Are you calling about the same matter as your last call?"),
                );
            }
        }
    });
    let (code, doc, text) = verify(&env, &["--scenario", "returning-yes-yes"]);
    assert_eq!(code, Some(4), "{text}");
    let yes_yes = scenario(&doc, "returning-yes-yes");
    assert_eq!(yes_yes["failed_observation"], "welcome-back", "{yes_yes}");
    assert!(
        yes_yes["expected"]
            .to_string()
            .contains("Welcome back to Example Corp!"),
        "{yes_yes}"
    );
    // The blog's scenario names are not this deployment's.
    let (code, _, text) = verify(&env, &["--scenario", "new-caller-sales"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("menu-key-1-billing"), "{text}");
}

/// A deployment made from an assets directory is proved on that directory's words with
/// `--assets DIR`. Without it, verify says it expects the built-in words, and a prompt the
/// directory rewrote fails; a flow without the action a path waits for is refused before
/// anything is made.
#[test]
fn a_deployment_from_an_assets_directory_is_verified_on_its_own_flows() {
    let env = env();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ours").to_string_lossy().to_string();
    let out = env.cli(&["init", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let flow = std::path::Path::new(&dir).join("flows/repeatCallerFlow.json");
    let shipped = std::fs::read_to_string(&flow).unwrap();
    let welcome = "Welcome back! Are you calling about the same matter as your last call?";
    assert!(shipped.contains(welcome));
    std::fs::write(
        &flow,
        shipped.replacen(welcome, "Hello again! Is this about your last call?", 1),
    )
    .unwrap();
    let out = env.on_instance(&["deploy", "--yes", "--assets", &dir]);
    assert!(out.status.success(), "{}", show(&out));

    let (code, doc, text) = verify(
        &env,
        &[
            "--assets",
            &dir,
            "--scenario",
            "returning-yes-yes",
            "--scenario",
            "new-caller-sales",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(doc["passed"], 2, "{doc}");
    assert!(!text.contains("warning"), "{text}");

    let (code, doc, text) = verify(&env, &["--scenario", "returning-yes-yes"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("was made from an assets directory"), "{text}");
    let yes_yes = scenario(&doc, "returning-yes-yes");
    assert_eq!(yes_yes["failed_observation"], "welcome-back", "{yes_yes}");

    // The directory's flow loses the action the path waits for.
    let renamed = std::fs::read_to_string(&flow)
        .unwrap()
        .replace("\"Ask same department\"", "\"Same department?\"");
    std::fs::write(&flow, renamed).unwrap();
    env.clear_requests();
    let (code, _, text) = verify(&env, &["--assets", &dir]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(
            "scenario returning-yes-yes cannot run: flow repeatCallerFlow has no action \"Ask same department\""
        ),
        "{text}"
    );
    assert!(text.contains("hint: pass the --assets DIR"), "{text}");
    assert!(
        text.contains("new-caller-sales"),
        "the others are named: {text}"
    );
    assert!(
        text.contains("is not the assets directory deployment"),
        "{text}"
    );
    assert_eq!(test_cases_left(&env), (0, 0));
    assert!(
        !env.requests()
            .iter()
            .any(|entry| entry["operation"] == "CreateTestCase"),
        "nothing was made"
    );
}
