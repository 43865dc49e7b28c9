//! Operational behaviour through aws-sdk-connect: the Connect quota (429 ThrottlingException with
//! retries off, recovery with the SDK's standard retry), fault injection (latency, 429, 500,
//! deterministic by seed), the request log with mutating flags, seeding and admin validation.
use std::time::{Duration, Instant};

use crate::common::*;
use aws_sdk_connect::error::ProvideErrorMetadata;
use connect_returns_sandbox::{Config, QuotaConfig};
use serde_json::{Value, json};

fn throttled_count(log: &[Value]) -> usize {
    log.iter()
        .filter(|e| e["status"] == 429 && e["error"] == "ThrottlingException")
        .count()
}

#[tokio::test]
async fn quota_throttles_a_burst_without_retries() {
    let sb = sandbox(Config::default()).await;
    seed(&sb).await;
    let c = connect_client(&sb).await;
    let mut ok = 0;
    let mut throttled = 0;
    for _ in 0..12 {
        match c.list_instances().send().await {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(e.code(), Some("ThrottlingException"), "{e:?}");
                assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(429));
                throttled += 1;
            }
        }
    }
    assert!(ok >= 5, "the burst of 5 passes: {ok}");
    assert!(
        throttled >= 5,
        "a fast burst of 12 is throttled: {throttled}"
    );
    let log = requests(&sb).await;
    assert_eq!(throttled_count(&log), throttled);
    // another region has its own bucket
    let west = aws_sdk_connect::Client::from_conf(
        aws_sdk_connect::config::Builder::from(&sdk_config(&sb.connect_url, false).await)
            .region(aws_sdk_connect::config::Region::new("us-west-2"))
            .build(),
    );
    west.list_instances()
        .send()
        .await
        .expect("separate bucket per region");
    // switching the quota off through the admin API
    let (s, q) = admin(&sb, "PUT", "quota", Some(json!({"enabled": false}))).await;
    assert_eq!((s, q["enabled"].as_bool()), (200, Some(false)));
    for _ in 0..10 {
        c.list_instances().send().await.expect("no quota");
    }
}

/// Connect quotas are per operation: a burst of one operation drains only that operation's bucket.
#[tokio::test]
async fn quota_is_per_operation() {
    let sb = sandbox(Config::default()).await;
    let s = seed(&sb).await;
    let instance = s["instance"]["id"].as_str().unwrap().to_string();
    let c = connect_client(&sb).await;
    // 6 ListQueues, 5 ListHoursOfOperations and 5 DescribeInstance, all sent at the same instant
    let mut tasks = Vec::new();
    for (op, n) in [
        ("ListQueues", 6),
        ("ListHoursOfOperations", 5),
        ("DescribeInstance", 5),
    ] {
        for _ in 0..n {
            let (c, instance) = (c.clone(), instance.clone());
            tasks.push(tokio::spawn(async move {
                let code = |e: Option<&str>| e.unwrap_or_default().to_string();
                let ok = match op {
                    "ListQueues" => c
                        .list_queues()
                        .instance_id(&instance)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code(e.code())),
                    "ListHoursOfOperations" => c
                        .list_hours_of_operations()
                        .instance_id(&instance)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code(e.code())),
                    _ => c
                        .describe_instance()
                        .instance_id(&instance)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code(e.code())),
                };
                (op, ok)
            }));
        }
    }
    let mut served = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for t in tasks {
        let (op, r) = t.await.unwrap();
        let slot = served.entry(op).or_default();
        match r {
            Ok(()) => slot.0 += 1,
            Err(code) => {
                assert_eq!(code, "ThrottlingException");
                slot.1 += 1;
            }
        }
    }
    assert_eq!(
        served["ListQueues"],
        (5, 1),
        "burst 5 served, the 6th throttled"
    );
    assert_eq!(served["ListHoursOfOperations"], (5, 0), "own bucket");
    assert_eq!(served["DescribeInstance"], (5, 0), "own bucket");
    let log = requests(&sb).await;
    let throttled: Vec<&str> = log
        .iter()
        .filter(|e| e["status"] == 429)
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(throttled, ["ListQueues"]);
    // the bucket refills at 2/s: one more call half a second later is served
    tokio::time::sleep(Duration::from_millis(550)).await;
    c.list_queues()
        .instance_id(&instance)
        .send()
        .await
        .expect("refilled");
    // a per-operation quota set through the admin API applies to that operation only
    let (st, q) = admin(
        &sb,
        "PUT",
        "quota",
        Some(json!({"operations": {"ListQueues": {"rate": 1.0, "burst": 2.0}}})),
    )
    .await;
    assert_eq!(st, 200, "{q}");
    assert_eq!(
        q["operations"]["ListQueues"],
        json!({"rate": 1.0, "burst": 2.0})
    );
    assert_eq!(
        q["operations"]["GetMetricData"],
        json!({"rate": 5.0, "burst": 8.0})
    );
    let mut ok = 0;
    for _ in 0..3 {
        ok += usize::from(c.list_queues().instance_id(&instance).send().await.is_ok());
    }
    assert_eq!(ok, 2, "the configured burst of 2");
    let (st, _) = admin(
        &sb,
        "PUT",
        "quota",
        Some(json!({"operations": {"ListQueues": {"rate": -1.0, "burst": 2.0}}})),
    )
    .await;
    assert_eq!(st, 400, "a non-positive rate is refused");
}

#[tokio::test]
async fn sdk_standard_retry_recovers_from_throttling() {
    let sb = sandbox(Config::default()).await;
    let s = seeded(&sb).await;
    let c = connect_client_retrying(&sb).await;
    for n in 0..10 {
        c.create_queue()
            .instance_id(&s.instance_id)
            .name(format!("q{n}"))
            .hours_of_operation_id(&s.hours_id)
            .send()
            .await
            .expect("retried to success");
    }
    let log = requests(&sb).await;
    assert!(throttled_count(&log) > 0, "some attempts were throttled");
    let created = log
        .iter()
        .filter(|e| e["operation"] == "CreateQueue" && e["status"] == 200)
        .count();
    assert_eq!(created, 10);
}

#[tokio::test]
async fn fault_injection_errors_latency_and_determinism() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let (st, _) = admin(
        &sb,
        "PUT",
        "faults",
        Some(json!({"rules": [
            {"service": "connect", "operation": "ListQueues", "error_probability": 1.0},
            {"service": "connect", "operation": "DescribeQueue", "throttle_probability": 1.0},
            {"service": "connect", "operation": "DescribeInstance", "latency_ms": 150},
            {"service": "lexv2", "operation": "*", "error_probability": 1.0}
        ]})),
    )
    .await;
    assert_eq!(st, 200);
    let e = c
        .list_queues()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InternalServiceException"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(500));
    let e = c
        .describe_queue()
        .instance_id(&s.instance_id)
        .queue_id(&s.queue_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
    let t = Instant::now();
    c.describe_instance()
        .instance_id(&s.instance_id)
        .send()
        .await
        .expect("slow but fine");
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "injected latency applies"
    );
    c.list_hours_of_operations()
        .instance_id(&s.instance_id)
        .send()
        .await
        .expect("other operations unaffected");
    let log = requests(&sb).await;
    let find = |op: &str| log.iter().find(|e| e["operation"] == op).cloned().unwrap();
    assert_eq!(
        (
            find("ListQueues")["status"].clone(),
            find("ListQueues")["error"].clone()
        ),
        (json!(500), json!("InternalServiceException"))
    );
    assert_eq!(find("DescribeQueue")["status"], 429);
    assert_eq!(find("DescribeInstance")["status"], 200);
    // probabilities are drawn from a seeded generator: the same seed gives the same outcomes
    let mut runs = Vec::new();
    for _ in 0..2 {
        admin(&sb, "PUT", "faults", Some(json!({"seed": 42, "rules": [{"operation": "ListQueues", "error_probability": 0.5}]}))).await;
        let mut outcome = Vec::new();
        for _ in 0..16 {
            outcome.push(
                c.list_queues()
                    .instance_id(&s.instance_id)
                    .send()
                    .await
                    .is_ok(),
            );
        }
        runs.push(outcome);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&true) && runs[0].contains(&false),
        "{:?}",
        runs[0]
    );
    // invalid rules are refused; clearing restores normal service
    let (st, v) = admin(
        &sb,
        "PUT",
        "faults",
        Some(json!({"rules": [{"service": "nope"}]})),
    )
    .await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("InvalidRequestException"))
    );
    let (st, _) = admin(&sb, "PUT", "faults", Some(json!([]))).await;
    assert_eq!(st, 200);
    c.list_queues()
        .instance_id(&s.instance_id)
        .send()
        .await
        .expect("faults cleared");
}

#[tokio::test]
async fn faults_from_config_and_global_latency() {
    let mut config = quiet_config();
    config.faults = connect_returns_sandbox::FaultConfig {
        seed: 1,
        rules: vec![connect_returns_sandbox::FaultRule {
            service: "connect".into(),
            operation: "ListInstances".into(),
            error_probability: 1.0,
            ..Default::default()
        }],
    };
    config.latency = Duration::from_millis(50);
    let sb = sandbox(config).await;
    let c = connect_client(&sb).await;
    let t = Instant::now();
    let e = c.list_instances().send().await.unwrap_err();
    assert_eq!(e.code(), Some("InternalServiceException"));
    assert!(t.elapsed() >= Duration::from_millis(50));
    let (_, f) = admin(&sb, "GET", "faults", None).await;
    assert_eq!(f["rules"][0]["operation"], "ListInstances");
}

#[tokio::test]
async fn request_log_records_operations_and_mutating_flags() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    c.list_queues()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    c.describe_queue()
        .instance_id(&s.instance_id)
        .queue_id(&s.queue_id)
        .send()
        .await
        .unwrap();
    let log = requests(&sb).await;
    assert_eq!(log.len(), 2, "admin calls are not logged: {log:?}");
    assert!(
        log.iter()
            .all(|e| e["mutating"] == false && e["service"] == "connect"),
        "{log:?}"
    );
    c.create_queue()
        .instance_id(&s.instance_id)
        .name("new")
        .hours_of_operation_id(&s.hours_id)
        .send()
        .await
        .unwrap();
    let _ = c
        .create_queue()
        .instance_id(&s.instance_id)
        .name("new")
        .hours_of_operation_id(&s.hours_id)
        .send()
        .await
        .unwrap_err();
    let log = requests(&sb).await;
    assert_eq!(log.len(), 4);
    let last = &log[3];
    assert_eq!(last["operation"], "CreateQueue");
    assert_eq!(last["mutating"], true);
    assert_eq!(last["status"], 409);
    assert_eq!(last["error"], "DuplicateResourceException");
    assert_eq!(last["method"], "PUT");
    assert_eq!(last["path"], format!("/queues/{}", s.instance_id));
    let seqs: Vec<u64> = log.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let (_, only_mutating) = admin(&sb, "GET", "requests?mutating=true", None).await;
    let only_mutating = only_mutating.as_array().unwrap().clone();
    assert_eq!(only_mutating.len(), 2);
    assert!(
        only_mutating
            .iter()
            .all(|e| e["operation"] == "CreateQueue")
    );
    let (_, lex_only) = admin(&sb, "GET", "requests?service=lexv2", None).await;
    assert_eq!(lex_only, json!([]));
    let (_, by_op) = admin(&sb, "GET", "requests?operation=ListQueues", None).await;
    assert_eq!(by_op.as_array().unwrap().len(), 1);
    let (st, _) = admin(&sb, "DELETE", "requests", None).await;
    assert_eq!(st, 200);
    assert!(requests(&sb).await.is_empty());
    // in-process access sees the same log
    c.list_instances().send().await.unwrap();
    let entries = sb.shared().requests();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].operation, "ListInstances");
    assert!(!entries[0].mutating);
}

#[tokio::test]
async fn seed_creates_a_new_looking_instance() {
    let sb = sandbox(Config {
        quota: QuotaConfig {
            enabled: false,
            ..Default::default()
        },
        account_id: "111122223333".into(),
        region: "eu-west-2".into(),
        ..Config::default()
    })
    .await;
    let s = seeded(&sb).await;
    assert!(
        s.instance_arn
            .starts_with("arn:aws:connect:eu-west-2:111122223333:instance/")
    );
    let cfg = sdk_config(&sb.connect_url, false).await;
    let c = aws_sdk_connect::Client::from_conf(
        aws_sdk_connect::config::Builder::from(&cfg)
            .region(aws_sdk_connect::config::Region::new("eu-west-2"))
            .build(),
    );
    let flows = c
        .list_contact_flows()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    let mut names: Vec<_> = flows
        .contact_flow_summary_list()
        .iter()
        .map(|f| f.name().unwrap().to_string())
        .collect();
    names.sort();
    for want in [
        "Default agent whisper",
        "Default customer queue",
        "Default outbound",
        "Sample inbound flow (first contact experience)",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    // every seeded flow is published and valid: re-publishing its own content passes validation
    for f in flows.contact_flow_summary_list() {
        let d = c
            .describe_contact_flow()
            .instance_id(&s.instance_id)
            .contact_flow_id(f.id().unwrap())
            .send()
            .await
            .unwrap();
        let content = d.contact_flow().unwrap().content().unwrap().to_string();
        c.update_contact_flow_content()
            .instance_id(&s.instance_id)
            .contact_flow_id(f.id().unwrap())
            .content(content)
            .send()
            .await
            .expect("seeded flow is valid");
    }
    let q = c
        .list_queues()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(q.queue_summary_list()[0].name(), Some("BasicQueue"));
    let rp = c
        .list_routing_profiles()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rp.routing_profile_summary_list()[0].name(),
        Some("Basic Routing Profile")
    );
    let rpq = c
        .list_routing_profile_queues()
        .instance_id(&s.instance_id)
        .routing_profile_id(&s.routing_profile_id)
        .send()
        .await
        .unwrap();
    assert!(
        rpq.routing_profile_queue_config_summary_list()
            .iter()
            .any(|x| x.queue_name() == "BasicQueue")
    );
    let pn = c
        .describe_phone_number()
        .phone_number_id(&s.phone_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pn.claimed_phone_number_summary()
            .unwrap()
            .phone_number_arn(),
        Some(
            format!(
                "arn:aws:connect:eu-west-2:111122223333:phone-number/{}",
                s.phone_id
            )
            .as_str()
        )
    );
    // a second seed makes a second, separate instance; an explicit alias must be unique
    let (st, v) = admin(
        &sb,
        "POST",
        "seed",
        Some(json!({"instance_alias": "my-center"})),
    )
    .await;
    assert_eq!(
        (st, v["instance"]["alias"].as_str()),
        (200, Some("my-center"))
    );
    let (st, v) = admin(
        &sb,
        "POST",
        "seed",
        Some(json!({"instance_alias": "my-center"})),
    )
    .await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (409, Some("DuplicateResourceException"))
    );
    assert_eq!(
        c.list_instances()
            .send()
            .await
            .unwrap()
            .instance_summary_list()
            .len(),
        2
    );
}
