//! Tests of the Lex V2 module: pure fingerprint/marker/diff, and the full cycle against the sandbox.

use std::time::Duration;

use aws_sdk_lexmodelsv2::Client;
use aws_sdk_lexmodelsv2::types::{BotLocaleStatus, DataPrivacy};
use connect_returns_sandbox::{Config, QuotaConfig, Running, Service};

use super::apply::{create_version, upsert_draft, wait_locale};
use super::*;
use crate::error::UserError;
use crate::resources::lex::spec::{IntentSpec, owner_of, ownership_marker};
use crate::resources::sdk::testing;

const ROLE: &str = "arn:aws:iam::123456789012:role/returnCaller-lex-role";

pub(crate) fn spec() -> BotSpec {
    BotSpec {
        name: "returnCallerConcierge".into(),
        description: "Asks returning callers whether they call about the same matter".into(),
        locale: "en_US".into(),
        voice_id: "Joanna".into(),
        nlu_confidence_threshold: 0.4,
        idle_session_ttl_seconds: 300,
        intents: vec![
            IntentSpec {
                name: "Yes".into(),
                description: "caller agrees".into(),
                utterances: vec!["yes".into(), "yes please".into()],
            },
            IntentSpec {
                name: "No".into(),
                description: "caller declines".into(),
                utterances: vec!["no".into(), "no thanks".into()],
            },
        ],
        clarification_prompt: "Sorry, please say yes or no.".into(),
        abort_statement: "Sorry, I could not understand.".into(),
    }
}

fn desired(deployment: &str) -> Desired {
    Desired {
        spec: spec(),
        deployment: deployment.into(),
        role_arn: ROLE.into(),
    }
}

#[test]
fn fingerprint_is_stable_and_covers_the_definition() {
    let base = spec();
    assert_eq!(base.fingerprint_v2(), spec().fingerprint_v2());
    assert_eq!(base.fingerprint_v2().len(), 64);
    let mut changed = spec();
    changed.intents[0].utterances.push("sure".into());
    assert_ne!(changed.fingerprint_v2(), base.fingerprint_v2());
    let mut voice = spec();
    voice.voice_id = "Matthew".into();
    assert_ne!(voice.fingerprint_v2(), base.fingerprint_v2());
    // V1-only prompts do not force a new V2 version.
    let mut v1_only = spec();
    v1_only.abort_statement = "Goodbye.".into();
    assert_eq!(v1_only.fingerprint_v2(), base.fingerprint_v2());
}

#[test]
fn the_shipped_definition_converts_to_a_spec() {
    let shipped = crate::assets::bot();
    let spec = BotSpec::from_definition(&shipped);
    assert_eq!(spec.name, shipped.name);
    assert_eq!(spec.voice_id, shipped.voice);
    let names: Vec<&str> = spec.intents.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, shipped.intent_names());
    assert_eq!(spec.fingerprint_v2().len(), 64);
}

#[test]
fn markers_round_trip() {
    let description = format!("Concierge bot ({})", ownership_marker("returnCaller"));
    assert_eq!(owner_of(&description), Some("returnCaller"));
    assert_eq!(owner_of("someone else's bot"), None);
    assert_eq!(
        fingerprint_of(&version_description("abc123")),
        Some("abc123")
    );
    assert_eq!(fingerprint_of("first"), None);
    assert_eq!(
        alias_arn("us-east-1", "123456789012", "BOTID", "ALIASID"),
        "arn:aws:lex:us-east-1:123456789012:bot-alias/BOTID/ALIASID"
    );
}

fn steady(d: &Desired) -> Current {
    Current {
        bot_id: "B".into(),
        bot_status: "Available".into(),
        deployment: Some(d.deployment.clone()),
        latest_version: Some("1".into()),
        alias: Some(AliasState {
            alias_id: "A".into(),
            version: Some("1".into()),
            status: "Available".into(),
        }),
        alias_fingerprint: Some(d.fingerprint()),
        latest_fingerprint: None,
    }
}

#[test]
fn diff_cases() {
    let d = desired("dep");
    assert_eq!(diff(&d, None), Change::Create);
    assert_eq!(diff(&d, Some(&steady(&d))), Change::NoOp);

    let mut no_alias = steady(&d);
    no_alias.alias = None;
    no_alias.alias_fingerprint = None;
    assert!(
        matches!(diff(&d, Some(&no_alias)), Change::Update { fields, .. } if fields[0].field == "alias prod")
    );

    let mut old = steady(&d);
    old.alias_fingerprint = Some("0".repeat(64));
    let Change::Update { fields, .. } = diff(&d, Some(&old)) else {
        panic!()
    };
    assert_eq!(fields[0].field, "definition");
    assert_eq!(fields[0].from, "version 1 (000000000000)");

    let mut foreign = steady(&d);
    foreign.deployment = None;
    assert!(matches!(diff(&d, Some(&foreign)), Change::Conflict { .. }));
    foreign.deployment = Some("other".into());
    assert!(
        matches!(diff(&d, Some(&foreign)), Change::Conflict { reason, .. } if reason.contains("\"other\""))
    );
}

pub(crate) async fn sandbox() -> Running {
    sandbox_with(connect_returns_sandbox::FaultConfig::default()).await
}

/// A sandbox whose Lex ports answer 20 % of requests with a throttle or a server error.
pub(crate) async fn faulty_sandbox(seed: u64) -> Running {
    let rule = connect_returns_sandbox::FaultRule {
        service: "*".into(),
        operation: "*".into(),
        latency_ms: 0,
        throttle_probability: 0.1,
        error_probability: 0.1,
    };
    sandbox_with(connect_returns_sandbox::FaultConfig {
        seed,
        rules: vec![rule],
    })
    .await
}

async fn sandbox_with(faults: connect_returns_sandbox::FaultConfig) -> Running {
    connect_returns_sandbox::start(Config {
        quota: QuotaConfig {
            enabled: false,
            ..QuotaConfig::default()
        },
        lex_build_duration: Duration::from_millis(150),
        faults,
        ..Config::default()
    })
    .await
    .expect("sandbox starts")
}

fn mutating(sb: &Running, service: Service) -> Vec<String> {
    sb.shared()
        .requests()
        .into_iter()
        .filter(|r| r.service == service && r.mutating)
        .map(|r| r.operation)
        .collect()
}

#[tokio::test]
async fn full_cycle_against_the_sandbox() {
    let sb = sandbox().await;
    let lex = Client::new(&testing::config_for(&sb.lexv2_url).await);
    let d = desired("returnCaller");
    let (lines, progress) = testing::collector();

    assert!(read(&lex, &d.spec.name).await.unwrap().is_none());
    let created = apply(&lex, "us-east-1", "123456789012", &d, None, &progress)
        .await
        .unwrap();
    assert!(created.changed);
    assert_eq!(created.version, "1");
    assert_eq!(
        created.alias_arn,
        format!(
            "arn:aws:lex:us-east-1:123456789012:bot-alias/{}/{}",
            created.bot_id, created.alias_id
        )
    );
    assert!(sb.shared().world().lexv2.alias_exists(&created.alias_arn));
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("lex: waiting for locale en_US")),
        "{:?}",
        lines.lock().unwrap()
    );

    // The alias serves a built version holding both intents.
    let version_locale = lex
        .describe_bot_locale()
        .bot_id(&created.bot_id)
        .bot_version("1")
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    assert_eq!(
        version_locale.bot_locale_status(),
        Some(&BotLocaleStatus::Built)
    );
    assert_eq!(
        version_locale.intents_count(),
        Some(3),
        "Yes, No and FallbackIntent"
    );

    // Unchanged: read costs three calls and nothing mutates.
    sb.shared().clear_requests();
    let current = read(&lex, &d.spec.name).await.unwrap().expect("bot exists");
    assert_eq!(diff(&d, Some(&current)), Change::NoOp);
    let again = apply(
        &lex,
        "us-east-1",
        "123456789012",
        &d,
        Some(&current),
        &progress,
    )
    .await
    .unwrap();
    assert!(!again.changed);
    assert_eq!(again.alias_arn, created.alias_arn);
    let requests = sb.shared().requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(mutating(&sb, Service::LexV2).is_empty());

    // A changed definition: new version 2, alias moved, same alias id.
    let mut d2 = d.clone();
    d2.role_arn = "arn:aws:iam::123456789012:role/returnCaller-lex-role-2".into();
    d2.spec.intents[0].utterances.push("sure".into());
    d2.spec.intents.push(IntentSpec {
        name: "Maybe".into(),
        description: "unsure".into(),
        utterances: vec!["maybe".into()],
    });
    assert!(matches!(diff(&d2, Some(&current)), Change::Update { .. }));
    let updated = apply(
        &lex,
        "us-east-1",
        "123456789012",
        &d2,
        Some(&current),
        &progress,
    )
    .await
    .unwrap();
    assert_eq!(
        (updated.version.as_str(), updated.alias_id.as_str()),
        ("2", created.alias_id.as_str())
    );
    let bot = lex
        .describe_bot()
        .bot_id(&updated.bot_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bot.role_arn(),
        Some(d2.role_arn.as_str()),
        "the new role is in place"
    );
    let alias = lex
        .describe_bot_alias()
        .bot_id(&updated.bot_id)
        .bot_alias_id(&updated.alias_id)
        .send()
        .await
        .unwrap();
    assert_eq!(alias.bot_version(), Some("2"));
    let v2 = lex
        .describe_bot_locale()
        .bot_id(&updated.bot_id)
        .bot_version("2")
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    assert_eq!(v2.intents_count(), Some(4));

    // Removing the intent again deletes it from DRAFT; version 3 has three intents.
    let reverted = apply(
        &lex,
        "us-east-1",
        "123456789012",
        &d,
        read(&lex, &d.spec.name).await.unwrap().as_ref(),
        &progress,
    )
    .await
    .unwrap();
    assert_eq!(reverted.version, "3");
    let v3 = lex
        .describe_bot_locale()
        .bot_id(&updated.bot_id)
        .bot_version("3")
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    assert_eq!(v3.intents_count(), Some(3));

    // Delete: alias, versions, bot; then a second delete is a no-op.
    assert_eq!(
        delete(&lex, &d.spec.name, "other", &progress)
            .await
            .unwrap(),
        Deleted::NotOurs {
            owner: Some("returnCaller".into())
        }
    );
    assert_eq!(
        delete(&lex, &d.spec.name, "returnCaller", &progress)
            .await
            .unwrap(),
        Deleted::Removed
    );
    assert!(read(&lex, &d.spec.name).await.unwrap().is_none());
    assert!(!sb.shared().world().lexv2.alias_exists(&created.alias_arn));
    assert_eq!(
        delete(&lex, &d.spec.name, "returnCaller", &progress)
            .await
            .unwrap(),
        Deleted::Absent
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn an_interrupted_deploy_reuses_the_version_it_made() {
    let sb = sandbox().await;
    let lex = Client::new(&testing::config_for(&sb.lexv2_url).await);
    let d = desired("dep");
    let noop = |_: String| {};
    let first = apply(&lex, "us-east-1", "123456789012", &d, None, &noop)
        .await
        .unwrap();
    // Simulate a deploy killed between CreateBotVersion and UpdateBotAlias: version 2 holds the
    // new definition, the alias still serves version 1.
    let mut d2 = d.clone();
    d2.spec.intents[1].utterances.push("nah".into());
    upsert_draft(&lex, &first.bot_id, &d2.spec, &noop)
        .await
        .unwrap();
    lex.build_bot_locale()
        .bot_id(&first.bot_id)
        .bot_version(DRAFT)
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    wait_locale(
        &lex,
        &first.bot_id,
        &d2.spec,
        &[BotLocaleStatus::Built],
        &noop,
    )
    .await
    .unwrap();
    create_version(&lex, &first.bot_id, &d2, &noop)
        .await
        .unwrap();

    let current = read(&lex, &d.spec.name).await.unwrap().unwrap();
    assert_eq!(current.latest_version.as_deref(), Some("2"));
    assert_eq!(
        current.latest_fingerprint.as_deref(),
        Some(d2.fingerprint().as_str())
    );
    sb.shared().clear_requests();
    let resumed = apply(
        &lex,
        "us-east-1",
        "123456789012",
        &d2,
        Some(&current),
        &noop,
    )
    .await
    .unwrap();
    assert_eq!(resumed.version, "2");
    assert_eq!(
        mutating(&sb, Service::LexV2),
        vec!["UpdateBotAlias".to_string()],
        "no rebuild, no new version"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_bot_not_made_by_us_is_a_conflict_and_survives_delete() {
    let sb = sandbox().await;
    let lex = Client::new(&testing::config_for(&sb.lexv2_url).await);
    lex.create_bot()
        .bot_name("returnCallerConcierge")
        .role_arn(ROLE)
        .data_privacy(DataPrivacy::builder().child_directed(false).build())
        .idle_session_ttl_in_seconds(300)
        .send()
        .await
        .unwrap();
    let current = read(&lex, "returnCallerConcierge").await.unwrap().unwrap();
    assert_eq!(current.deployment, None);
    let d = desired("dep");
    assert!(matches!(diff(&d, Some(&current)), Change::Conflict { .. }));
    let noop = |_: String| {};
    let err = apply(&lex, "us-east-1", "123456789012", &d, Some(&current), &noop)
        .await
        .unwrap_err();
    assert!(err.downcast_ref::<UserError>().is_some());
    assert_eq!(
        delete(&lex, "returnCallerConcierge", "dep", &noop)
            .await
            .unwrap(),
        Deleted::NotOurs { owner: None }
    );
    assert!(read(&lex, "returnCallerConcierge").await.unwrap().is_some());
    sb.shutdown().await;
}

#[tokio::test]
async fn deploy_and_delete_converge_with_twenty_percent_faults() {
    let sb = faulty_sandbox(7).await;
    let lex = Client::new(&testing::config_retrying(&sb.lexv2_url).await);
    let d = desired("dep");
    let noop = |_: String| {};
    let current = read(&lex, &d.spec.name).await.unwrap();
    let applied = apply(
        &lex,
        "us-east-1",
        "123456789012",
        &d,
        current.as_ref(),
        &noop,
    )
    .await
    .unwrap();
    let faults = sb
        .shared()
        .requests()
        .iter()
        .filter(|r| r.status >= 429)
        .count();
    assert!(faults > 0, "faults were injected");
    assert!(sb.shared().world().lexv2.alias_exists(&applied.alias_arn));
    // Exactly one bot: no retry created a duplicate.
    let bots = lex.list_bots().send().await.unwrap();
    assert_eq!(bots.bot_summaries().len(), 1);
    assert_eq!(
        diff(&d, read(&lex, &d.spec.name).await.unwrap().as_ref()),
        Change::NoOp
    );
    assert_eq!(
        delete(&lex, &d.spec.name, "dep", &noop).await.unwrap(),
        Deleted::Removed
    );
    assert!(read(&lex, &d.spec.name).await.unwrap().is_none());
    sb.shutdown().await;
}
