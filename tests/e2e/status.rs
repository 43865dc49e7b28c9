//! End-to-end tests of `connect-returns status`: the real binary against the sandbox and moto.

use crate::harness::{Env, show, stdout_json};
use serde_json::{Value, json};

fn status(env: &Env) -> (Option<i32>, Value) {
    let out = env.on_instance(&["--output", "json", "status", "--check"]);
    (out.status.code(), stdout_json(&out))
}

fn row<'a>(doc: &'a Value, kind: &str, name: &str) -> &'a Value {
    doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == json!(kind) && row["name"] == json!(name))
        .unwrap_or_else(|| panic!("no row {kind} {name} in {doc}"))
}

#[test]
fn nothing_deployed_is_said_plainly_and_fails_the_check() {
    let env = Env::new();
    let out = env.on_instance(&["status"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing deployed"),
        "{}",
        show(&out)
    );
    let (code, doc) = status(&env);
    assert_eq!(code, Some(3));
    assert_eq!(doc["deployed"], json!(false));
    assert_eq!(env.mutating(), Vec::<String>::new());
}

#[test]
fn a_fresh_deployment_is_in_sync_and_status_is_read_only() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    env.clear_requests();
    let out = env.on_instance(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("queue              Sales"), "{text}");
    assert!(
        text.contains("flow               repeatCallerFlow"),
        "{text}"
    );
    assert!(text.contains("lex-bot"), "{text}");
    assert!(
        text.contains(" in sync, 0 drifted, 0 outdated, 0 missing, 0 unhealthy\n"),
        "{text}"
    );
    assert_eq!(env.mutating(), Vec::<String>::new(), "status is read-only");
}

#[test]
fn a_queue_deleted_by_hand_and_a_changed_profile_are_reported_then_repaired() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(out.status.success(), "{}", show(&out));
    let repairs = env.id_of("queues", "Repairs");
    env.take_queue_out_of_profile("returnCallerRoutingProfile", "Repairs");
    env.block_on(
        env.connect_client()
            .delete_queue()
            .instance_id(env.instance_id())
            .queue_id(&repairs)
            .send(),
    )
    .unwrap();

    env.clear_requests();
    let out = env.on_instance(&[
        "--output",
        "json",
        "status",
        "--check",
        "--solution",
        "returning-callers",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(row(&doc, "queue", "Repairs")["present"], json!(false));
    assert_eq!(
        row(&doc, "routing-profile", "returnCallerRoutingProfile")["in_sync"],
        json!(false)
    );
    assert!(
        row(&doc, "routing-profile", "returnCallerRoutingProfile")["detail"]
            .as_str()
            .unwrap()
            .contains("queues (VOICE)")
    );
    assert_eq!(doc["summary"]["missing"], json!(1));
    assert_eq!(env.mutating(), Vec::<String>::new());
    let text = String::from_utf8_lossy(
        &env.on_instance(&["status", "--solution", "returning-callers"])
            .stdout,
    )
    .to_string();
    assert!(
        text.contains("MISSING") && text.contains("DRIFTED"),
        "{text}"
    );

    let out = env.on_instance(&["deploy", "--yes", "--solution", "returning-callers"]);
    assert!(out.status.success(), "{}", show(&out));
    let out = env.on_instance(&["status", "--check", "--solution", "returning-callers"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn an_edited_flow_and_a_moved_alias_are_drift_until_redeployed() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let (code, _) = status(&env);
    assert_eq!(code, Some(0));

    // Out-of-band flow edit.
    env.edit_flow("newCallerAgentWhisper", |content| {
        content["Metadata"] = json!({"edited": true});
    });
    let (code, doc) = status(&env);
    assert_eq!(code, Some(3));
    assert_eq!(
        row(&doc, "flow", "newCallerAgentWhisper")["in_sync"],
        json!(false)
    );

    // Alias prod moved to a hand-made version.
    let lex = env.lexv2_client();
    let bots = env.block_on(lex.list_bots().send()).unwrap();
    let bot_id = bots.bot_summaries()[0].bot_id().unwrap().to_string();
    let version = env
        .block_on(
            lex.create_bot_version()
                .bot_id(&bot_id)
                .bot_version_locale_specification(
                    "en_US",
                    aws_sdk_lexmodelsv2::types::BotVersionLocaleDetails::builder()
                        .source_bot_version("DRAFT")
                        .build()
                        .unwrap(),
                )
                .send(),
        )
        .unwrap();
    let version = version.bot_version().unwrap().to_string();
    let aliases = env
        .block_on(lex.list_bot_aliases().bot_id(&bot_id).send())
        .unwrap();
    let alias = aliases
        .bot_alias_summaries()
        .iter()
        .find(|a| a.bot_alias_name() == Some("prod"))
        .unwrap();
    env.block_on(
        lex.update_bot_alias()
            .bot_id(&bot_id)
            .bot_alias_id(alias.bot_alias_id().unwrap())
            .bot_alias_name("prod")
            .bot_version(&version)
            .send(),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (code, doc) = status(&env);
    assert_eq!(code, Some(3));
    assert_eq!(
        row(&doc, "lex-bot", &format!("{}Concierge", env.name))["in_sync"],
        json!(false),
        "{doc}"
    );

    let out = env.on_instance(&["deploy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
    let (code, doc) = status(&env);
    assert_eq!(code, Some(0), "{doc}");
}
