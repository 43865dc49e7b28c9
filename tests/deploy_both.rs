//! End-to-end: both solutions with the AWS side (artifacts, stacks in moto, Lex V2 in the sandbox).

mod support;

use serde_json::json;
use support::{Env, items, show, stdout_json};

#[test]
fn both_solutions_deploy_and_redeploy_is_a_noop() {
    let env = Env::new();
    let out = env.on_instance(&["--output", "json", "deploy", "--yes"]);
    println!("{}", show(&out));
    assert!(out.status.success(), "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["result"], json!("applied"));
    let instance = env.instance_state();
    let flows: Vec<_> = items(&instance, "flows").into_iter().filter(|f| f["tags"]["connect-returns:deployment"] == json!(env.name)).collect();
    assert_eq!(flows.len(), 6, "{flows:#?}");
    env.clear_requests();
    let again = env.on_instance(&["--output", "json", "deploy", "--yes"]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(stdout_json(&again)["result"], json!("no-changes"), "{}", show(&again));
    assert_eq!(env.mutating(), Vec::<String>::new());
    let reads = env.reads();
    assert!(reads.len() <= 15, "{} reads: {reads:?}", reads.len());
}
