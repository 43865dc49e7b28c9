//! Unit tests of the core: route matching and percent-decoding, the quota's token buckets, and
//! the one world per Region.
use super::*;

fn h(_: &mut World, _: &Req) -> Result<Resp, ApiError> {
    Ok(Resp::empty())
}

#[test]
fn routes_match_segments_and_decode() {
    let routes = [
        Route {
            method: "GET",
            path: "/contact-flows/{InstanceId}/{ContactFlowId}",
            operation: "A",
            mutating: false,
            handler: h,
        },
        Route {
            method: "GET",
            path: "/bots/{botId}/",
            operation: "B",
            mutating: false,
            handler: h,
        },
        Route {
            method: "GET",
            path: "/bots/{botId}/versions/",
            operation: "C",
            mutating: false,
            handler: h,
        },
        Route {
            method: "GET",
            path: "/bots/{botId}/{x}/",
            operation: "D",
            mutating: false,
            handler: h,
        },
        Route {
            method: "POST",
            path: "/tags/{resourceArn+}",
            operation: "E",
            mutating: true,
            handler: h,
        },
    ];
    let (r, p) = find_route(&routes, "GET", "/contact-flows/i-1/f%3A%24SAVED", &[]).unwrap();
    assert_eq!(
        (r.operation, p["ContactFlowId"].as_str()),
        ("A", "f:$SAVED")
    );
    assert_eq!(
        find_route(&routes, "GET", "/bots/x/", &[])
            .unwrap()
            .0
            .operation,
        "B"
    );
    assert!(find_route(&routes, "GET", "/bots/x", &[]).is_none());
    assert_eq!(
        find_route(&routes, "GET", "/bots/x/versions/", &[])
            .unwrap()
            .0
            .operation,
        "C"
    );
    assert_eq!(
        find_route(&routes, "GET", "/bots/x/other/", &[])
            .unwrap()
            .0
            .operation,
        "D"
    );
    let (_, p) = find_route(&routes, "POST", "/tags/arn%3Aaws%3Aconnect/x", &[]).unwrap();
    assert_eq!(p["resourceArn"], "arn:aws:connect/x");
    assert!(find_route(&routes, "DELETE", "/bots/x/", &[]).is_none());
}

#[test]
fn query_and_percent_decoding() {
    assert_eq!(percent_decode("%24LATEST", false), "$LATEST");
    assert_eq!(percent_decode("a+b%2", false), "a+b%2");
    assert_eq!(
        parse_query("a=1&b=x+y&a=%2F"),
        vec![
            ("a".into(), "1".into()),
            ("b".into(), "x y".into()),
            ("a".into(), "/".into())
        ]
    );
}

#[test]
fn token_bucket_throttles_after_burst() {
    let s = Shared::new(Config::default());
    let taken = (0..10)
        .filter(|_| s.take_token("a", "r", "ListQueues"))
        .count();
    assert_eq!(taken, 5);
    s.set_quota(QuotaConfig {
        enabled: false,
        ..QuotaConfig::default()
    });
    assert!((0..10).all(|_| s.take_token("a", "r", "ListQueues")));
}

#[test]
fn resources_belong_to_the_region_their_request_was_signed_for() {
    let s = Shared::new(Config::default());
    let seeded = s
        .in_region("us-east-1", |w| crate::connect::seed(w, None))
        .unwrap();
    let home = s.snapshot();
    let instance = seeded["instance"]["id"].as_str().unwrap().to_string();
    assert!(home.to_string().contains(&instance));
    // Another Region does not find it, and its own resources carry its name.
    let elsewhere = s
        .in_region("eu-west-1", |w| crate::connect::seed(w, Some("eu")))
        .unwrap();
    assert!(
        elsewhere["instance"]["arn"]
            .as_str()
            .unwrap()
            .contains(":eu-west-1:")
    );
    s.in_region("eu-west-1", |w| {
        assert!(!w.snapshot().to_string().contains(&instance));
    });
    let dump = s.snapshot();
    assert_eq!(dump["connect"], home["connect"], "us-east-1 is as it was");
    assert!(
        dump["other_regions"]["eu-west-1"]
            .to_string()
            .contains("eu")
    );
}

#[test]
fn buckets_are_per_account_region_and_operation() {
    let s = Shared::new(Config::default());
    let burst = |account: &str, region: &str, op: &str| {
        (0..20)
            .filter(|_| s.take_token(account, region, op))
            .count()
    };
    assert_eq!(burst("a", "r", "ListQueues"), 5);
    assert_eq!(burst("a", "r", "DescribeQueue"), 5, "another operation");
    assert_eq!(burst("a", "r2", "ListQueues"), 5, "another Region");
    assert_eq!(burst("b", "r", "ListQueues"), 5, "another account");
    assert_eq!(burst("a", "r", "GetMetricData"), 8, "documented exception");
    assert_eq!(burst("a", "r", "ListQueues"), 0, "still drained");
}
