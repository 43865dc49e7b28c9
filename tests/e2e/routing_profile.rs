//! `--routing-profile NAME`: the menu's queues go onto an existing routing profile (the agents
//! already on it take the calls), what it had is recorded on it, and destroy puts exactly that
//! back, also after a deploy that failed half-way. The real binary against the sandbox and moto.

use crate::harness::{Env, items, show};
use serde_json::{Value, json};

const BASIC: &str = "Basic Routing Profile";

fn profile(env: &Env, name: &str) -> Option<Value> {
    items(&env.instance_state(), "routing_profiles")
        .into_iter()
        .find(|p| p["name"] == json!(name))
}

/// The profile's VOICE entries as (queue name, priority).
fn voice_queues(env: &Env, profile: &Value) -> Vec<(String, i64)> {
    let instance = env.instance_state();
    let queues = items(&instance, "queues");
    let mut out: Vec<(String, i64)> = profile["queues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["channel"] == json!("VOICE"))
        .map(|entry| {
            let name = queues
                .iter()
                .find(|q| q["id"] == entry["queue_id"])
                .map(|q| q["name"].as_str().unwrap().to_string())
                .unwrap_or_default();
            (name, entry["priority"].as_i64().unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn an_existing_profile_gets_the_queues_and_destroy_gives_back_exactly_what_it_had() {
    let env = Env::new();
    let id = env.instance_id();
    let before = env.instance_state();
    let had = voice_queues(&env, &profile(&env, BASIC).unwrap());
    assert!(!had.is_empty(), "the seeded profile has its own queue");

    let out = env.cli(&[
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--routing-profile",
        BASIC,
        "--instance",
        &id,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let mut expected = had.clone();
    for name in [
        "Sales",
        "Service",
        "Repairs",
        "Installations",
        "Spare_Parts",
    ] {
        expected.push((name.to_string(), 2));
    }
    expected.sort();
    assert_eq!(voice_queues(&env, &profile(&env, BASIC).unwrap()), expected);
    assert!(
        profile(&env, "returnCallerRoutingProfile").is_none(),
        "no profile of our own"
    );

    let out = env.cli(&["status", "--check", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    env.clear_requests();
    let out = env.cli(&[
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--routing-profile",
        BASIC,
        "--instance",
        &id,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        env.mutating(),
        Vec::<String>::new(),
        "a re-deploy changes nothing"
    );

    let out = env.cli(&["destroy", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    Env::assert_same_state(&before, &env.instance_state(), "after destroy");
}

#[test]
fn a_deploy_that_failed_half_way_is_still_put_back_by_destroy() {
    let env = Env::new();
    let id = env.instance_id();
    let before = env.instance_state();
    // Adding queues to the profile fails: the queues exist and the profile's record is written,
    // but the deploy stops there, without a deployment record.
    env.admin(
        "PUT",
        "faults",
        Some(
            &json!({"rules": [{"service": "connect", "operation": "AssociateRoutingProfileQueues", "error_probability": 1.0}]})
                .to_string(),
        ),
    );
    let out = env.cli(&[
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--routing-profile",
        BASIC,
        "--instance",
        &id,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    env.admin("PUT", "faults", Some(r#"{"rules": []}"#));
    let tags = profile(&env, BASIC).unwrap()["tags"].clone();
    assert_eq!(
        tags["connect-returns:changed-by"],
        json!(env.name),
        "the profile was recorded before the change: {tags}"
    );

    let out = env.cli(&["destroy", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    Env::assert_same_state(&before, &env.instance_state(), "after destroy");
}

#[test]
fn a_missing_profile_or_a_priority_out_of_range_is_refused_before_any_change() {
    let env = Env::new();
    let id = env.instance_id();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--routing-profile", "No Such Profile"],
            "routing profile No Such Profile does not exist",
        ),
        (
            &["--routing-priority", "0"],
            "--routing-priority 0 is out of range",
        ),
        (
            &["--routing-priority", "100"],
            "--routing-priority 100 is out of range",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["deploy", "--yes", "--instance", &id];
        args.extend(extra.iter().copied());
        env.clear_requests();
        let out = env.cli(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(stderr.contains("\nhint: "), "{args:?}: {stderr}");
        assert_eq!(env.mutating(), Vec::<String>::new(), "{args:?}");
        assert_eq!(
            env.stack_status(&format!("{}-returning-callers", env.name)),
            None
        );
        assert_eq!(env.artifact_keys(), Vec::<String>::new());
    }
}

/// Starts a deploy onto the borrowed profile, kills it (SIGKILL, no clean-up of its own) as soon
/// as the sandbox has logged a request `reached` accepts, the way a CI runner cancelling a job does.
fn deploy_killed_when(env: &Env, reached: impl Fn(&Value) -> bool) {
    let id = env.instance_id();
    let mut command = env.command(&[
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--routing-profile",
        BASIC,
        "--instance",
        &id,
    ]);
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().expect("deploy starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if env.requests().iter().any(&reached) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the deploy never reached the kill point"
        );
        if let Some(status) = child.try_wait().expect("poll the deploy") {
            panic!("the deploy ended ({status}) before the kill point");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("kill the deploy");
    child.wait().expect("reap the deploy");
}

/// A point of the deploy to kill it at: its name, and the logged request that marks it.
type KillPoint<'a> = (&'a str, &'a dyn Fn(&Value) -> bool);

#[test]
fn a_killed_deploy_is_put_back_by_destroy_at_each_point_of_the_profile_change() {
    // Kill points: right after the profile's record is written (our queues exist, the profile is
    // not changed yet), and right after our queues went onto it (the deploy goes on to the flows).
    let recorded = |entry: &Value| {
        entry["operation"] == json!("TagResource")
            && entry["path"]
                .as_str()
                .unwrap_or_default()
                .contains("routing-profile")
            && entry["status"] == json!(200)
    };
    let associated = |entry: &Value| {
        entry["operation"] == json!("AssociateRoutingProfileQueues")
            && entry["status"] == json!(200)
    };
    let points: [KillPoint; 2] = [
        ("after the profile's record", &recorded),
        ("after our queues went onto the profile", &associated),
    ];
    for (point, reached) in points {
        let env = Env::new();
        let before = env.instance_state();
        // Every Connect answer takes a little while, so the kill lands close to its point.
        env.admin(
            "PUT",
            "faults",
            Some(&json!({"rules": [{"service": "connect", "latency_ms": 40}]}).to_string()),
        );
        deploy_killed_when(&env, reached);
        env.admin("PUT", "faults", Some(r#"{"rules": []}"#));
        let tags = profile(&env, BASIC).unwrap()["tags"].clone();
        assert_eq!(
            tags["connect-returns:changed-by"],
            json!(env.name),
            "killed {point}: the profile carries its record: {tags}"
        );

        // Destroy knows only the instance: the profile is found through the instance's record.
        let out = env.cli(&["destroy", "--yes", "--instance", &env.instance_id()]);
        assert_eq!(out.status.code(), Some(0), "killed {point}: {}", show(&out));
        Env::assert_same_state(
            &before,
            &env.instance_state(),
            &format!("destroy after a deploy killed {point}"),
        );
    }
}
