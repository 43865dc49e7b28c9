//! Core conformance tests through the Connect port: SDK round trip, unknown operations, missing
//! auth, the request log and the admin API basics.
use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn sdk_lists_and_describes_a_seeded_instance() {
    let sb = sandbox(quiet_config()).await;
    let seeded = seed(&sb).await;
    let c = connect_client(&sb).await;
    let out = c.list_instances().send().await.expect("list instances");
    let list = out.instance_summary_list();
    assert_eq!(list.len(), 1);
    let id = seeded["instance"]["id"].as_str().unwrap();
    assert_eq!(list[0].id(), Some(id));
    let d = c
        .describe_instance()
        .instance_id(id)
        .send()
        .await
        .expect("describe");
    let inst = d.instance().unwrap();
    assert_eq!(
        inst.arn(),
        Some(format!("arn:aws:connect:us-east-1:123456789012:instance/{id}").as_str())
    );
    assert_eq!(inst.instance_alias(), seeded["instance"]["alias"].as_str());
    // an ARN works as the instance id too
    let by_arn = c
        .describe_instance()
        .instance_id(inst.arn().unwrap())
        .send()
        .await
        .expect("describe by arn");
    assert_eq!(by_arn.instance().unwrap().id(), Some(id));
    assert_eq!(
        refused(
            c.describe_instance()
                .instance_id("00000000-0000-0000-0000-000000000000")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_operation_is_a_clear_404_and_logged() {
    let sb = sandbox(quiet_config()).await;
    let (status, body, _) = http(
        &sb.connect_url,
        "GET",
        "/no/such/thing",
        None,
        &[("authorization", "x")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["__type"], "UnknownOperationException");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("GET /no/such/thing"), "{msg}");
    // a known path with the wrong method is unknown too
    let (status, body, _) = http(
        &sb.connect_url,
        "PATCH",
        "/instance",
        None,
        &[("authorization", "x")],
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("PATCH /instance")
    );
    let log = requests(&sb).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["operation"], "UnknownOperation");
    assert_eq!(log[0]["status"], 404);
}

#[tokio::test]
async fn service_routes_require_an_authorization_header() {
    let sb = sandbox(quiet_config()).await;
    let (status, body, _) = http(&sb.connect_url, "GET", "/instance", None, &[]).await;
    assert_eq!(status, 403);
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    let (status, _, _) = http(
        &sb.connect_url,
        "GET",
        "/instance",
        None,
        &[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=A/20250101/us-east-1/connect/aws4_request",
        )],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn admin_health_state_reset_and_env() {
    let sb = sandbox(quiet_config()).await;
    let (s, v) = admin(&sb, "GET", "health", None).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("ok")));
    // the admin API answers on the Lex ports too
    let (s, v, _) = http(&sb.lexv2_url, "GET", "/__sandbox/health", None, &[]).await;
    assert_eq!((s, v["service"].as_str()), (200, Some("lexv2")));
    seed(&sb).await;
    let (_, state) = admin(&sb, "GET", "state", None).await;
    assert_eq!(state["connect"]["instances"].as_object().unwrap().len(), 1);
    let (s, _) = admin(&sb, "POST", "reset", None).await;
    assert_eq!(s, 200);
    let (_, state) = admin(&sb, "GET", "state", None).await;
    assert_eq!(state["connect"]["instances"], json!({}));
    let env = sb.env_vars();
    assert!(
        env.iter()
            .any(|(k, v)| k == "AWS_ENDPOINT_URL_CONNECT" && v == &sb.connect_url)
    );
    assert_eq!(env.len(), 3);
    let (s, v) = admin(&sb, "GET", "nope", None).await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (404, Some("UnknownOperationException"))
    );
}

#[tokio::test]
async fn binary_writes_ports_file_and_seeds() {
    let dir = std::env::temp_dir().join(format!("sandbox-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ports = dir.join("ports.json");
    let _ = std::fs::remove_file(&ports);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_connect-returns-sandbox"))
        .args([
            "--seed",
            "--no-quota",
            "--account-id",
            "210987654321",
            "--ports-file",
        ])
        .arg(&ports)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn sandbox binary");
    let mut urls = None;
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(&ports) {
            urls =
                Some(serde_json::from_str::<serde_json::Value>(&text).expect("ports file is json"));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let urls = urls.expect("ports file written");
    // the seed line on stdout masks the phone number
    let mut out = child.stdout.take().unwrap();
    let mut first = Vec::new();
    loop {
        let mut b = [0u8; 1];
        if tokio::io::AsyncReadExt::read(&mut out, &mut b)
            .await
            .unwrap()
            == 0
            || b[0] == b'\n'
        {
            break;
        }
        first.push(b[0]);
    }
    let seeded: serde_json::Value = serde_json::from_slice(&first).expect("seed line is json");
    assert_eq!(seeded["seeded"]["phone_number"]["number"], "+1206*******");
    let connect = urls["connect"].as_str().unwrap();
    assert_eq!(urls["env"]["AWS_ENDPOINT_URL_CONNECT"], connect);
    assert!(
        urls["env"]["AWS_ENDPOINT_URL_LEX_MODELS_V2"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let (s, v, _) = http(connect, "GET", "/__sandbox/health", None, &[]).await;
    assert_eq!((s, v["account_id"].as_str()), (200, Some("210987654321")));
    let client = aws_sdk_connect::Client::new(&sdk_config(connect, false).await);
    let list = client
        .list_instances()
        .send()
        .await
        .expect("seeded at start");
    let arn = list.instance_summary_list()[0].arn().unwrap();
    assert!(
        arn.starts_with("arn:aws:connect:us-east-1:210987654321:instance/"),
        "{arn}"
    );
    child.kill().await.expect("stop the sandbox we started");
    let _ = std::fs::remove_dir_all(&dir);
}
