//! `init DIR` and `--assets DIR`: the shipped assets written out, edited by hand, and still
//! checked. validate names a broken action by file, line and identifier, and deploy refuses it
//! before any request; a hand-edited prompt goes through simulate, deploy, status and destroy.
//! The real binary against the sandbox and moto.

use crate::harness::{Env, items, show, stdout_json};
use serde_json::{Value, json};

const FLOW: &str = "flows/repeatCallerFlow.json";

fn init(env: &Env) -> (tempfile::TempDir, String) {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ours");
    let dir = dir.to_string_lossy().to_string();
    let out = env.cli(&["init", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    (parent, dir)
}

fn edit(dir: &str, file: &str, from: &str, to: &str) {
    let path = std::path::Path::new(dir).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn init_writes_the_assets_and_refuses_a_directory_in_use() {
    let env = Env::new();
    let (_parent, dir) = init(&env);
    let root = std::path::Path::new(&dir);
    for file in [
        FLOW,
        "flows/cfSetCallBackflow.json",
        "lex/returnCallerConcierge.json",
        "lex/locales/es_US.json",
        "scenarios/returning-yes-yes.toml",
        "connect-returns.toml",
    ] {
        assert!(root.join(file).is_file(), "{file} written");
    }
    let config = std::fs::read_to_string(root.join("connect-returns.toml")).unwrap();
    assert!(config.contains("# [[queues]]"), "{config}");
    // The commented config is a valid config file as written.
    let out = env.cli(&[
        "--config",
        &root.join("connect-returns.toml").to_string_lossy(),
        "validate",
        "--assets",
        &dir,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = env.cli(&["init", &dir]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not an empty directory") && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn a_broken_transition_is_named_by_file_line_and_action_and_deploy_changes_nothing() {
    let env = Env::new();
    let (_parent, dir) = init(&env);
    edit(
        &dir,
        FLOW,
        r#""NextAction": "Transfer new","#,
        r#""NextAction": "Transfer nowhere","#,
    );
    let text = std::fs::read_to_string(std::path::Path::new(&dir).join(FLOW)).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains(r#""Identifier": "Connecting new""#))
        .unwrap()
        + 1;

    let out = env.cli(&["validate", "--assets", &dir]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reported = format!("{FLOW}:{line}: \"Connecting new\"");
    assert!(
        stdout.contains(&reported),
        "expected {reported} in\n{stdout}"
    );
    assert!(stdout.contains("Transfer nowhere"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));

    let id = env.instance_id();
    env.clear_requests();
    let out = env.cli(&["deploy", "--yes", "--assets", &dir, "--instance", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{FLOW}:{line}: Connecting new")),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
    assert!(env.requests().is_empty(), "a request was sent");
    assert_eq!(
        env.stack_status(&format!("{}-returning-callers", env.name)),
        None
    );
    assert_eq!(env.artifact_keys(), Vec::<String>::new());
}

#[test]
fn a_hand_edited_prompt_is_simulated_deployed_recorded_and_destroyed() {
    let env = Env::new();
    let (_parent, dir) = init(&env);
    let id = env.instance_id();
    edit(
        &dir,
        FLOW,
        "Please hold while we connect you to the next available agent.",
        "Hold on, an expert will be with you shortly.",
    );
    let out = env.cli(&["validate", "--assets", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = env.cli(&["--output", "json", "simulate", "--all", "--assets", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failed"], json!(0));
    assert!(
        report
            .to_string()
            .contains("Hold on, an expert will be with you shortly.")
    );

    let before = env.instance_state();
    let deploy = [
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--assets",
        &dir,
        "--instance",
        &id,
    ];
    let out = env.cli(&deploy);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let flow = items(&env.instance_state(), "flows")
        .into_iter()
        .find(|f| f["name"] == json!("repeatCallerFlow"))
        .unwrap();
    assert!(
        flow["published"]
            .as_str()
            .unwrap()
            .contains("Hold on, an expert will be with you shortly."),
        "{flow}"
    );

    let out = env.cli(&[
        "status",
        "--check-outdated",
        "--assets",
        &dir,
        "--instance",
        &id,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // Elsewhere, without the directory: the record says what the deployment was made from.
    let out = env.cli(&["--output", "json", "status", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report = stdout_json(&out);
    let outdated = report["outdated_settings"].as_array().unwrap();
    let assets = outdated
        .iter()
        .find(|o| o["setting"] == json!("assets"))
        .unwrap_or_else(|| panic!("no assets entry in {outdated:?}"));
    assert!(
        assets["deployed"]
            .as_str()
            .unwrap()
            .contains("pass --assets DIR"),
        "{assets}"
    );
    assert_eq!(assets["intended"], json!("built-in"));

    let out = env.cli(&["destroy", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    Env::assert_same_state(&before, &env.instance_state(), "after destroy");
}
