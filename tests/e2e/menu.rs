//! A contact center's own menu from the config file (`[[queues]]`, `[menu]`): validate, simulate,
//! deploy, status and destroy all follow it, and a list Connect or a caller could not use is
//! refused before any request. The real binary against the sandbox and moto.

use crate::harness::{Env, items, show, stdout_json};
use serde_json::{Value, json};

/// The acceptance menu: three queues, one with a space in its name, and the menu's own words.
const THREE_QUEUES: &str = r#"
[menu]
intro = "Thank you for calling Example Corp."
option = "For {words}, press {digit}."

[[queues]]
name = "Billing"
digit = 1
description = "Invoices and payments"

[[queues]]
name = "Tech Support"
digit = 2
words = "technical support"

[[queues]]
name = "Sales"
digit = 3
"#;

fn write_config(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("connect-returns.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

fn queues_named(instance: &Value, name: &str) -> Vec<Value> {
    items(instance, "queues")
        .into_iter()
        .filter(|queue| queue["name"] == json!(name))
        .collect()
}

#[test]
fn validate_and_simulate_follow_the_configured_menu() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, THREE_QUEUES);

    let out = env.cli(&["--config", &config, "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = env.cli(&["--config", &config, "simulate", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    for name in [
        "menu-key-1-billing",
        "menu-key-2-tech-support",
        "menu-key-3-sales",
    ] {
        assert!(list.contains(name), "{name} not listed:\n{list}");
    }
    assert!(!list.contains("new-caller-spare-parts"), "{list}");

    let out = env.cli(&["--config", &config, "--output", "json", "simulate", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // simulate's JSON has no published schema (it is a development tool's report).
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["failed"], json!(0), "{report:#}");
    let outcome = |name: &str| {
        report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == json!(name))
            .cloned()
            .unwrap_or_else(|| panic!("{name} did not run"))
    };
    let tech = outcome("menu-key-2-tech-support");
    assert_eq!(tech["passed"], json!(true));
    assert_eq!(tech["steps"][0]["queue"], json!("Tech Support"));
    let prompts = tech["steps"][0]["runs"][0].to_string();
    assert!(
        prompts.contains("Thank you for calling Example Corp. For Billing, press 1. For technical support, press 2. For Sales, press 3."),
        "the menu says the configured words: {prompts}"
    );
    // A shipped returning-caller scenario, carried onto the menu, still runs.
    assert_eq!(outcome("returning-yes-yes")["passed"], json!(true));
}

#[test]
fn deploy_status_and_destroy_follow_the_configured_menu() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, THREE_QUEUES);
    let id = env.instance_id();
    let before = env.instance_state();

    let out = env.cli(&[
        "--config",
        &config,
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--instance",
        &id,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let instance = env.instance_state();
    let mut ids = Vec::new();
    for name in ["Billing", "Tech Support", "Sales"] {
        let found = queues_named(&instance, name);
        assert_eq!(found.len(), 1, "one queue {name}");
        ids.push(found[0]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        queues_named(&instance, "Billing")[0]["description"],
        json!("Invoices and payments")
    );
    for blog_only in ["Service", "Repairs", "Installations", "Spare_Parts"] {
        assert!(queues_named(&instance, blog_only).is_empty(), "{blog_only}");
    }
    let profile = items(&instance, "routing_profiles")
        .into_iter()
        .find(|p| p["name"] == json!("returnCallerRoutingProfile"))
        .expect("our routing profile");
    let mut on_profile: Vec<String> = profile["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue_id"].as_str().unwrap().to_string())
        .collect();
    on_profile.sort();
    ids.sort();
    assert_eq!(on_profile, ids);
    let flow = items(&instance, "flows")
        .into_iter()
        .find(|f| f["name"] == json!("repeatCallerFlow"))
        .expect("the entry flow");
    let content = flow["published"].as_str().unwrap_or_default().to_string();
    assert!(
        content.contains("For technical support, press 2."),
        "{content}"
    );

    let out = env.cli(&["--config", &config, "status", "--check", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = env.cli(&["--output", "json", "status", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let recorded = &stdout_json(&out)["record"]["settings"]["menu"];
    assert_eq!(
        recorded["queues"][1]["name"],
        json!("Tech Support"),
        "{recorded}"
    );
    // Status with another menu says the menu is outdated.
    let other = write_config(&dir, &THREE_QUEUES.replace("digit = 3", "digit = 9"));
    let out = env.cli(&[
        "--config",
        &other,
        "--output",
        "json",
        "status",
        "--instance",
        &id,
    ]);
    let outdated = stdout_json(&out)["outdated_settings"].clone();
    assert!(
        outdated
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["setting"] == json!("menu")
                && o["intended"].as_str().unwrap().contains("9 Sales")),
        "{outdated}"
    );
    // Without the config, status compares with the recorded menu: still in sync.
    let out = env.cli(&["status", "--check", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    // A new menu that leaves out a queue this deployment created is refused: deploy would
    // leave it behind and destroy would no longer know it.
    let two = THREE_QUEUES.replace("[[queues]]\nname = \"Sales\"\ndigit = 3\n", "");
    assert!(!two.contains("Sales"));
    let smaller = write_config(&dir, &two);
    env.clear_requests();
    let out = env.cli(&["--config", &smaller, "deploy", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("leaves out 1 queue(s)"), "{stderr}");
    assert!(
        stderr.contains("Sales") && stderr.contains("\nhint: "),
        "{stderr}"
    );
    assert_eq!(env.mutating(), Vec::<String>::new());

    let out = env.cli(&["destroy", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    Env::assert_same_state(&before, &env.instance_state(), "after destroy");
}

#[test]
fn bad_menus_are_refused_before_any_request() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let id = env.instance_id();
    let entry =
        |name: &str, digit: &str| format!("[[queues]]\nname = \"{name}\"\ndigit = {digit}\n");
    let twelve_plus_one: String = (0..13).map(|i| entry(&format!("Q{i}"), "\"1\"")).collect();
    let cases: Vec<(String, &str)> = vec![
        (
            entry("Billing", "1") + &entry("Sales", "1"),
            "key 1 is given to more than one queue",
        ),
        (
            entry("Billing", "1") + &entry("Billing", "2"),
            "queue \"Billing\" is in the menu twice",
        ),
        (twelve_plus_one, "a one-key DTMF menu offers at most 12"),
        (entry("Billing", "12"), "cannot press as one DTMF key"),
        (
            entry("Billing/Invoices", "1"),
            "is not one the tool can create in Amazon Connect",
        ),
        (
            entry(&"x".repeat(128), "1"),
            "is not one the tool can create in Amazon Connect",
        ),
        (
            entry("Billing", "1") + "colour = \"blue\"\n",
            "queue entry 1: unknown field `colour`",
        ),
    ];
    for (text, message) in cases {
        let config = write_config(&dir, &text);
        for command in [vec!["deploy", "--yes", "--instance", &id], vec!["validate"]] {
            let mut args = vec!["--config", config.as_str()];
            args.extend(command.iter().copied());
            env.clear_requests();
            let out = env.cli(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{text}: {}", show(&out));
            let line = stderr
                .lines()
                .find(|line| line.contains(message))
                .unwrap_or_else(|| panic!("{text}: expected {message:?} in\n{stderr}"));
            assert!(line.starts_with("error: "), "{stderr}");
            assert!(stderr.contains("\nhint: "), "no hint in\n{stderr}");
            assert!(env.requests().is_empty(), "{text}: a request was sent");
        }
        assert_eq!(
            env.stack_status(&format!("{}-returning-callers", env.name)),
            None
        );
        assert_eq!(env.artifact_keys(), Vec::<String>::new());
    }
}
