//! End-to-end tests of the deployment record: a deployment made with non-default settings from a
//! config file is inspected and destroyed from an empty working directory with only the instance
//! and the name, and `status` tells drift (changed by hand) from outdated (this version or these
//! settings would deploy something else).

use std::process::Command;

use crate::harness::{Env, create_kinesis_stream, items, show, stdout_json};
use serde_json::{Value, json};

/// A config file whose `[env.ci]` table sets the deployment settings away from their defaults.
fn config(
    env: &Env,
    callback_queue: &str,
    stream: &str,
    hours: &str,
    callback_number: &str,
) -> String {
    format!(
        r#"
record-ttl-minutes = 999

[env.ci]
instance = "{instance}"
name = "{name}"
solution = "all"
lex = "v1"
prefix = "ci-"
callback-queue = "{callback_queue}"
ctr-stream = "{stream}"
phone-number = "{phone}"
callback-phone-number = "{callback_number}"
hours = "{hours}"
record-ttl-minutes = 120
callback-ttl-hours = 48
"#,
        instance = env.instance_id(),
        name = env.name,
        phone = env.phone_number(),
    )
}

fn row<'a>(doc: &'a Value, kind: &str, name: &str) -> &'a Value {
    doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == json!(kind) && row["name"] == json!(name))
        .unwrap_or_else(|| panic!("no row {kind} {name} in {doc}"))
}

/// Runs the CLI in `dir` with no Lambda build anywhere near (an empty CI runner).
fn in_empty_dir(env: &Env, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    env.cli_with(args, |command: &mut Command| {
        command
            .current_dir(dir)
            .env_remove("CONNECT_RETURNS_LAMBDA_MANIFEST")
            .env_remove("CONNECT_RETURNS_NAME");
    })
}

#[test]
fn a_non_default_deployment_is_checked_and_destroyed_from_an_empty_runner() {
    let env = Env::new();
    // What the settings name must exist: other hours, a second standard queue, a second
    // claimed number and a CTR stream.
    let instance = env.instance_id();
    let night = env.admin(
        "POST",
        "hours",
        Some(&json!({"instance_id": instance, "name": "Night Shift"}).to_string()),
    );
    let second = env.admin(
        "POST",
        "phone-numbers",
        Some(&json!({"instance_id": instance}).to_string()),
    );
    let callback_number = second["number"].as_str().unwrap().to_string();
    let queue = format!("ciCallbacks{}", &env.name[2..8]);
    let hours_id = night["id"].as_str().unwrap().to_string();
    let client = env.connect_client();
    env.block_on(
        client
            .create_queue()
            .instance_id(env.instance_id())
            .name(&queue)
            .hours_of_operation_id(&hours_id)
            .send(),
    )
    .unwrap();
    let stream = format!("ci-ctr-{}", env.name);
    create_kinesis_stream(&stream);
    let before = env.state();
    let workdir = tempfile::tempdir().unwrap();
    let config_path = workdir.path().join("connect-returns.toml");
    std::fs::write(
        &config_path,
        config(&env, &queue, &stream, "Night Shift", &callback_number),
    )
    .unwrap();
    let deploy = env.cli_with(
        &["--env", "ci", "--output", "json", "deploy", "--yes"],
        |c| {
            c.current_dir(workdir.path());
        },
    );
    assert!(deploy.status.success(), "{}", show(&deploy));
    let doc = stdout_json(&deploy);
    assert_eq!(doc["lex"], json!("v1"), "{doc}");
    assert!(
        doc["resources"]
            .as_object()
            .unwrap()
            .contains_key("queue:ci-Sales"),
        "{doc}"
    );
    let sales = items(&env.instance_state(), "queues")
        .into_iter()
        .find(|q| q["name"] == json!("ci-Sales"))
        .unwrap();
    assert_eq!(
        sales["hours_id"], night["id"],
        "the queues keep the given hours: {sales}"
    );

    // Another machine: an empty directory, no Lambda build, only --instance and --name.
    let empty = tempfile::tempdir().unwrap();
    let id = env.instance_id();
    let bare = ["--instance", id.as_str(), "--name", env.name.as_str()];
    let status = in_empty_dir(
        &env,
        empty.path(),
        &[
            &["--output", "json", "status", "--check-outdated"][..],
            &bare[..],
        ]
        .concat(),
    );
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));
    let doc = stdout_json(&status);
    assert_eq!(doc["schema_version"], json!(2));
    assert_eq!(
        doc["record"]["settings"]["record-ttl-minutes"],
        json!(120),
        "{doc}"
    );
    assert_eq!(doc["record"]["settings"]["prefix"], json!("ci-"), "{doc}");
    assert_eq!(
        doc["record"]["settings"]["hours"],
        json!("Night Shift"),
        "{doc}"
    );
    assert_eq!(
        doc["record"]["settings"]["callback-ttl-hours"],
        json!(48),
        "{doc}"
    );
    let number = env.phone_number();
    for number in [&number, &callback_number] {
        assert!(
            !String::from_utf8_lossy(&status.stdout).contains(&number[2..]),
            "the full phone number never appears: {doc}"
        );
    }
    assert_eq!(doc["summary"]["drifted"], json!(0), "{doc}");
    assert_eq!(doc["summary"]["outdated"], json!(0), "{doc}");
    // Lex V1 names allow letters and underscores only: the bot is named for the deployment.
    let bot = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == json!("lex-bot"))
        .expect("a lex-bot row");
    let bot_name = bot["name"].as_str().unwrap();
    assert!(
        bot_name.starts_with("rct_") && bot_name.ends_with("Concierge"),
        "{bot}"
    );
    assert_eq!(bot["in_sync"], json!(true), "{bot}");
    // The same with the config file's environment, from its directory.
    let status = env.cli_with(&["--env", "ci", "status", "--check"], |c| {
        c.current_dir(workdir.path());
    });
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));

    // An intent that differs from the record is outdated, not drift: --check passes, the
    // stricter gate does not.
    let intent = [
        &["--output", "json", "status", "--record-ttl-minutes", "60"][..],
        &bare[..],
    ]
    .concat();
    let status = in_empty_dir(&env, empty.path(), &[&intent[..], &["--check"]].concat());
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));
    let doc = stdout_json(&status);
    assert_eq!(
        doc["outdated_settings"],
        json!([{"setting": "record-ttl-minutes", "deployed": "120", "intended": "60"}]),
        "{doc}"
    );
    let stack = row(&doc, "stack", &format!("{}-returning-callers", env.name));
    assert_eq!(
        (stack["drifted"].clone(), stack["outdated"].clone()),
        (json!(false), json!(true)),
        "{stack}"
    );
    assert!(
        stack["detail"].as_str().unwrap().contains("RecordTTL"),
        "{stack}"
    );
    let gate = in_empty_dir(
        &env,
        empty.path(),
        &[&intent[..], &["--check-outdated"]].concat(),
    );
    assert_eq!(gate.status.code(), Some(3), "{}", show(&gate));

    // The destroy from the empty runner puts everything back as it was before the deploy.
    let destroy = in_empty_dir(
        &env,
        empty.path(),
        &[&["destroy", "--yes"][..], &bare[..]].concat(),
    );
    assert!(destroy.status.success(), "{}", show(&destroy));
    Env::assert_same_state(&before, &env.state(), "after destroy");
    assert_eq!(
        env.bucket_keys(&format!("records/{}.json", env.name)),
        Vec::<String>::new()
    );
    let status = in_empty_dir(
        &env,
        empty.path(),
        &[&["status", "--check"][..], &bare[..]].concat(),
    );
    assert_eq!(
        status.status.code(),
        Some(3),
        "nothing deployed: {}",
        show(&status)
    );
}

#[test]
fn a_flow_edited_by_hand_is_drift_and_a_new_shipped_flow_is_outdated() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let status = |extra: &[(&str, &str)], args: &[&str]| {
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let id = env.instance_id();
        let all = [
            &["--output", "json", "status"][..],
            args,
            &["--instance", id.as_str()][..],
        ]
        .concat();
        let out = env.cli_with(&all, |command| {
            command.envs(extra);
        });
        (out.status.code(), stdout_json(&out))
    };

    // Out of band: someone edits a flow in the console. Drifted; --check fails.
    env.edit_flow("newCallerAgentWhisper", |content| {
        content["Metadata"] = json!({"edited": "by hand"});
    });
    let (code, doc) = status(&[], &["--check"]);
    assert_eq!(code, Some(3), "{doc}");
    let flow = row(&doc, "flow", "newCallerAgentWhisper");
    assert_eq!(
        (flow["drifted"].clone(), flow["outdated"].clone()),
        (json!(true), json!(false)),
        "{flow}"
    );

    // A deploy repairs it; then a version that ships another newCallerAgentWhisper (a fixture)
    // finds the deployment outdated, not drifted.
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/flows/newCallerAgentWhisper.json");
    let mut content: Value =
        serde_json::from_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    content["Metadata"] = json!({"fixture": "a later version of the flow"});
    let fixtures = tempfile::tempdir().unwrap();
    std::fs::write(
        fixtures.path().join("newCallerAgentWhisper.json"),
        content.to_string(),
    )
    .unwrap();
    let later = [(
        "CONNECT_RETURNS_FLOWS_DIR",
        fixtures.path().to_str().unwrap(),
    )];
    let (code, doc) = status(&later, &["--check"]);
    assert_eq!(code, Some(0), "outdated is not drift: {doc}");
    let flow = row(&doc, "flow", "newCallerAgentWhisper");
    assert_eq!(
        (flow["drifted"].clone(), flow["outdated"].clone()),
        (json!(false), json!(true)),
        "{flow}"
    );
    assert_eq!(doc["summary"]["outdated"], json!(1), "{doc}");
    assert_ne!(
        doc["record"]["assets_fingerprint"],
        doc["record"]["current_assets_fingerprint"]
    );
    let (code, _) = status(&later, &["--check-outdated"]);
    assert_eq!(code, Some(3));
    // The built-in version still matches what was deployed.
    let (code, doc) = status(&[], &["--check-outdated"]);
    assert_eq!(code, Some(0), "{doc}");
}

#[test]
fn a_deployment_without_a_record_is_still_read_and_an_unchanged_deploy_writes_one() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes", "--record-ttl-minutes", "90"]);
    assert!(out.status.success(), "{}", show(&out));
    // As a version without records left it.
    let key = format!("records/{}.json", env.name);
    assert_eq!(env.bucket_keys(&key), vec![key.clone()]);
    env.delete_artifact_object(&key);
    let out = env.on_instance(&[
        "--output",
        "json",
        "status",
        "--record-ttl-minutes",
        "90",
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["record"], Value::Null, "{doc}");
    let text = env.on_instance(&["status", "--record-ttl-minutes", "90"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("no deployment record"),
        "{}",
        show(&text)
    );
    // The next deploy changes nothing in Connect and writes the record.
    env.clear_requests();
    let out = env.on_instance(&[
        "--output",
        "json",
        "deploy",
        "--yes",
        "--record-ttl-minutes",
        "90",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(stdout_json(&out)["result"], json!("no-changes"));
    assert_eq!(env.mutating(), Vec::<String>::new());
    assert_eq!(env.bucket_keys(&key), vec![key]);
    let out = env.on_instance(&["--output", "json", "status", "--check-outdated"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        stdout_json(&out)["record"]["settings"]["record-ttl-minutes"],
        json!(90)
    );
}
