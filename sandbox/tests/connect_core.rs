//! Core conformance tests through the Connect port: SDK round trip, unknown operations, missing
//! auth, the request log and the admin API basics.
mod common;

use common::*;
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
    let d = c.describe_instance().instance_id(id).send().await.expect("describe");
    let inst = d.instance().unwrap();
    assert_eq!(inst.arn(), Some(format!("arn:aws:connect:us-east-1:123456789012:instance/{id}").as_str()));
    assert_eq!(inst.instance_alias(), seeded["instance"]["alias"].as_str());
    // an ARN works as the instance id too
    let by_arn = c.describe_instance().instance_id(inst.arn().unwrap()).send().await.expect("describe by arn");
    assert_eq!(by_arn.instance().unwrap().id(), Some(id));
    let err = c.describe_instance().instance_id("00000000-0000-0000-0000-000000000000").send().await.unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_operation_is_a_clear_404_and_logged() {
    let sb = sandbox(quiet_config()).await;
    let (status, body, _) = http(&sb.connect_url, "GET", "/no/such/thing", None, &[("authorization", "x")]).await;
    assert_eq!(status, 404);
    assert_eq!(body["__type"], "UnknownOperationException");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("GET /no/such/thing"), "{msg}");
    let log = requests(&sb).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["operation"], "UnknownOperation");
    assert_eq!(log[0]["status"], 404);
}

#[tokio::test]
async fn service_routes_require_an_authorization_header() {
    let sb = sandbox(quiet_config()).await;
    let (status, body, _) = http(&sb.connect_url, "GET", "/instance", None, &[]).await;
    assert_eq!(status, 403);
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    let (status, _, _) = http(&sb.connect_url, "GET", "/instance", None, &[("authorization", "AWS4-HMAC-SHA256 Credential=A/20250101/us-east-1/connect/aws4_request")]).await;
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
    assert!(env.iter().any(|(k, v)| k == "AWS_ENDPOINT_URL_CONNECT" && v == &sb.connect_url));
    assert_eq!(env.len(), 3);
    let (s, v) = admin(&sb, "GET", "nope", None).await;
    assert_eq!((s, v["__type"].as_str()), (404, Some("UnknownOperationException")));
}
