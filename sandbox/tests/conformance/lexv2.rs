//! Lex V2 conformance through the real aws-sdk-lexmodelsv2 client: the bot → locale → intents →
//! build → version → alias path with the generated waiters, async build states (Building, Built,
//! Failed with reasons), typed validation errors, in-use deletes and pagination.
use std::time::Duration;

use crate::common::*;
use aws_sdk_lexmodelsv2::Client;
use aws_sdk_lexmodelsv2::client::Waiters;
use aws_sdk_lexmodelsv2::types::{
    BotAliasLocaleSettings, BotFilter, BotFilterName, BotFilterOperator, BotLocaleStatus,
    BotSortAttribute, BotSortBy, BotStatus, BotVersionLocaleDetails, DataPrivacy, SampleUtterance,
    SortOrder,
};
use connect_returns_sandbox::{Config, Running};

const ROLE: &str = "arn:aws:iam::123456789012:role/aws-service-role/lexv2.amazonaws.com/AWSServiceRoleForLexV2Bots_t";

async fn lex(sb: &Running) -> Client {
    Client::new(&sdk_config(&sb.lexv2_url, false).await)
}

fn config(build: Duration) -> Config {
    Config {
        lex_build_duration: build,
        ..quiet_config()
    }
}

async fn create_bot(c: &Client, name: &str) -> String {
    let out = c
        .create_bot()
        .bot_name(name)
        .role_arn(ROLE)
        .data_privacy(DataPrivacy::builder().child_directed(false).build())
        .idle_session_ttl_in_seconds(300)
        .send()
        .await
        .expect("create bot");
    assert_eq!(out.bot_status(), Some(&BotStatus::Creating));
    out.bot_id().expect("bot id").to_string()
}

async fn create_locale(c: &Client, bot: &str) {
    c.create_bot_locale()
        .bot_id(bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .nlu_intent_confidence_threshold(0.4)
        .send()
        .await
        .expect("create locale");
}

fn utterances(words: &[&str]) -> Vec<SampleUtterance> {
    words
        .iter()
        .map(|w| {
            SampleUtterance::builder()
                .utterance(*w)
                .build()
                .expect("utterance")
        })
        .collect()
}

async fn create_intent(c: &Client, bot: &str, name: &str, words: &[&str]) -> String {
    let out = c
        .create_intent()
        .bot_id(bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_name(name)
        .set_sample_utterances(Some(utterances(words)))
        .send()
        .await
        .expect("create intent");
    out.intent_id().expect("intent id").to_string()
}

async fn locale_status(c: &Client, bot: &str) -> (BotLocaleStatus, Vec<String>) {
    let d = c
        .describe_bot_locale()
        .bot_id(bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("describe locale");
    (
        d.bot_locale_status().cloned().expect("status"),
        d.failure_reasons().to_vec(),
    )
}

fn en_us_draft() -> BotVersionLocaleDetails {
    BotVersionLocaleDetails::builder()
        .source_bot_version("DRAFT")
        .build()
        .expect("details")
}

/// A bot with a Built en_US locale (Yes/No intents) and version 1.
async fn built_bot_with_version(c: &Client, name: &str) -> String {
    let bot = create_bot(c, name).await;
    create_locale(c, &bot).await;
    create_intent(c, &bot, "Yes", &["yes", "yeah"]).await;
    create_intent(c, &bot, "No", &["no", "nope"]).await;
    c.build_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("build");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(locale_status(c, &bot).await.0, BotLocaleStatus::Built);
    let v = c
        .create_bot_version()
        .bot_id(&bot)
        .bot_version_locale_specification("en_US", en_us_draft())
        .send()
        .await
        .expect("create version");
    assert_eq!(v.bot_version(), Some("1"));
    bot
}

#[tokio::test]
async fn bot_locale_intents_build_version_alias_end_to_end() {
    let sb = sandbox(config(Duration::from_millis(1500))).await;
    let c = lex(&sb).await;
    let bot = create_bot(&c, "returnCallerConcierge").await;
    c.wait_until_bot_available()
        .bot_id(&bot)
        .wait(Duration::from_secs(30))
        .await
        .expect("bot available");
    let d = c
        .describe_bot()
        .bot_id(&bot)
        .send()
        .await
        .expect("describe bot");
    assert_eq!(d.bot_name(), Some("returnCallerConcierge"));
    assert_eq!(d.role_arn(), Some(ROLE));
    assert_eq!(d.idle_session_ttl_in_seconds(), Some(300));

    // CreateBot made the test alias on DRAFT.
    let aliases = c
        .list_bot_aliases()
        .bot_id(&bot)
        .send()
        .await
        .expect("list aliases");
    let test_alias = &aliases.bot_alias_summaries()[0];
    assert_eq!(
        (
            test_alias.bot_alias_id(),
            test_alias.bot_alias_name(),
            test_alias.bot_version()
        ),
        (Some("TSTALIASID"), Some("TestBotAlias"), Some("DRAFT"))
    );

    create_locale(&c, &bot).await;
    c.wait_until_bot_locale_created()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .wait(Duration::from_secs(30))
        .await
        .expect("locale created");
    assert_eq!(locale_status(&c, &bot).await.0, BotLocaleStatus::NotBuilt);
    let intents = c
        .list_intents()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("list intents");
    let fallback = &intents.intent_summaries()[0];
    assert_eq!(
        (fallback.intent_name(), fallback.parent_intent_signature()),
        (Some("FallbackIntent"), Some("AMAZON.FallbackIntent"))
    );

    let yes = create_intent(&c, &bot, "Yes", &["yes", "yes please"]).await;
    create_intent(&c, &bot, "No", &["no", "no thanks"]).await;
    let di = c
        .describe_intent()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_id(&yes)
        .send()
        .await
        .expect("describe intent");
    let said: Vec<&str> = di
        .sample_utterances()
        .iter()
        .map(|u| u.utterance())
        .collect();
    assert_eq!(said, ["yes", "yes please"]);

    let b = c
        .build_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("build");
    assert_eq!(b.bot_locale_status(), Some(&BotLocaleStatus::Building));
    assert_eq!(locale_status(&c, &bot).await.0, BotLocaleStatus::Building);
    // The waiter polls through Building until Built.
    c.wait_until_bot_locale_built()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .wait(Duration::from_secs(60))
        .await
        .expect("locale built");
    assert_eq!(locale_status(&c, &bot).await.0, BotLocaleStatus::Built);

    let v = c
        .create_bot_version()
        .bot_id(&bot)
        .description("first")
        .bot_version_locale_specification("en_US", en_us_draft())
        .send()
        .await
        .expect("create version");
    assert_eq!(v.bot_version(), Some("1"));
    c.wait_until_bot_version_available()
        .bot_id(&bot)
        .bot_version("1")
        .wait(Duration::from_secs(30))
        .await
        .expect("version available");
    let dv = c
        .describe_bot_version()
        .bot_id(&bot)
        .bot_version("1")
        .send()
        .await
        .expect("describe version");
    assert_eq!(
        (dv.bot_name(), dv.description()),
        (Some("returnCallerConcierge"), Some("first"))
    );
    // The version keeps its own copy of the locale.
    let vl = c
        .describe_bot_locale()
        .bot_id(&bot)
        .bot_version("1")
        .locale_id("en_US")
        .send()
        .await
        .expect("version locale");
    assert_eq!(
        (vl.bot_locale_status(), vl.intents_count()),
        (Some(&BotLocaleStatus::Built), Some(3))
    );

    let alias = c
        .create_bot_alias()
        .bot_id(&bot)
        .bot_alias_name("prod")
        .bot_version("1")
        .bot_alias_locale_settings(
            "en_US",
            BotAliasLocaleSettings::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("create alias");
    let alias_id = alias.bot_alias_id().expect("alias id").to_string();
    c.wait_until_bot_alias_available()
        .bot_id(&bot)
        .bot_alias_id(&alias_id)
        .wait(Duration::from_secs(30))
        .await
        .expect("alias available");
    let da = c
        .describe_bot_alias()
        .bot_id(&bot)
        .bot_alias_id(&alias_id)
        .send()
        .await
        .expect("describe alias");
    assert_eq!(
        (da.bot_alias_name(), da.bot_version()),
        (Some("prod"), Some("1"))
    );
    assert_eq!(da.bot_alias_history_events()[0].bot_version(), Some("1"));
    let arn = format!("arn:aws:lex:us-east-1:123456789012:bot-alias/{bot}/{alias_id}");
    assert!(sb.shared().world().lexv2.alias_exists(&arn));
    assert!(!sb.shared().world().lexv2.alias_exists(&format!(
        "arn:aws:lex:us-east-1:123456789012:bot-alias/{bot}/NOSUCHALIA"
    )));

    // Changing content after a build puts the locale back to NotBuilt; version 1 is unaffected.
    c.update_intent()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_id(&yes)
        .intent_name("Yes")
        .set_sample_utterances(Some(utterances(&["yes", "sure"])))
        .send()
        .await
        .expect("update intent");
    assert_eq!(locale_status(&c, &bot).await.0, BotLocaleStatus::NotBuilt);
    let vi = c
        .describe_intent()
        .bot_id(&bot)
        .bot_version("1")
        .locale_id("en_US")
        .intent_id(&yes)
        .send()
        .await
        .expect("version intent");
    assert_eq!(vi.sample_utterances()[1].utterance(), "yes please");

    // Rebuild, version 2, point the alias at it.
    c.build_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("rebuild");
    tokio::time::sleep(Duration::from_millis(1700)).await;
    c.create_bot_version()
        .bot_id(&bot)
        .bot_version_locale_specification("en_US", en_us_draft())
        .send()
        .await
        .expect("version 2");
    let ua = c
        .update_bot_alias()
        .bot_id(&bot)
        .bot_alias_id(&alias_id)
        .bot_alias_name("prod")
        .bot_version("2")
        .send()
        .await
        .expect("update alias");
    assert_eq!(ua.bot_version(), Some("2"));
    let versions = c
        .list_bot_versions()
        .bot_id(&bot)
        .send()
        .await
        .expect("list versions");
    let listed: Vec<&str> = versions
        .bot_version_summaries()
        .iter()
        .filter_map(|v| v.bot_version())
        .collect();
    assert_eq!(listed, ["DRAFT", "1", "2"]);
    let bots = c.list_bots().send().await.expect("list bots");
    assert_eq!(bots.bot_summaries()[0].latest_bot_version(), Some("2"));
    sb.shutdown().await;
}

#[tokio::test]
async fn failed_builds_report_reasons_and_the_waiter_stops() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    let bot = create_bot(&c, "OnlyFallback").await;
    create_locale(&c, &bot).await;
    c.build_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("build");
    assert_eq!(locale_status(&c, &bot).await.0, BotLocaleStatus::Building);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, reasons) = locale_status(&c, &bot).await;
    assert_eq!(status, BotLocaleStatus::Failed);
    assert!(
        reasons[0].contains("at least one intent other than the fallback intent"),
        "{reasons:?}"
    );
    let waited = c
        .wait_until_bot_locale_built()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .wait(Duration::from_secs(30))
        .await;
    assert!(waited.is_err(), "the waiter must stop on Failed");

    // An intent without utterances also fails the build, named in the reasons.
    create_intent(&c, &bot, "Yes", &["yes"]).await;
    create_intent(&c, &bot, "Silent", &[]).await;
    assert_eq!(locale_status(&c, &bot).await.0, BotLocaleStatus::NotBuilt);
    c.build_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("build");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, reasons) = locale_status(&c, &bot).await;
    assert_eq!(status, BotLocaleStatus::Failed);
    assert_eq!(
        reasons,
        ["Intent Silent must have at least one sample utterance"]
    );
    // A failed locale cannot be versioned.
    assert_eq!(
        refused(
            c.create_bot_version()
                .bot_id(&bot)
                .bot_version_locale_specification("en_US", en_us_draft())
                .send()
                .await
        )
        .0,
        "PreconditionFailedException"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn changes_during_a_build_conflict() {
    let sb = sandbox(config(Duration::from_secs(5))).await;
    let c = lex(&sb).await;
    let bot = create_bot(&c, "Busy").await;
    create_locale(&c, &bot).await;
    create_intent(&c, &bot, "Yes", &["yes"]).await;
    c.build_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("build");
    assert_eq!(
        refused(
            c.create_intent()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_US")
                .intent_name("No")
                .send()
                .await
        )
        .0,
        "ConflictException"
    );
    assert_eq!(
        refused(
            c.build_bot_locale()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_US")
                .send()
                .await
        )
        .0,
        "ConflictException"
    );
    assert_eq!(
        refused(
            c.create_bot_version()
                .bot_id(&bot)
                .bot_version_locale_specification("en_US", en_us_draft())
                .send()
                .await
        )
        .0,
        "PreconditionFailedException",
        "a Building locale is not versionable"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_typed() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    let privacy = || DataPrivacy::builder().child_directed(false).build();

    // Each case changes one member of a valid CreateBot.
    type Bot = aws_sdk_lexmodelsv2::operation::create_bot::builders::CreateBotFluentBuilder;
    let valid = || {
        c.create_bot()
            .role_arn(ROLE)
            .data_privacy(privacy())
            .idle_session_ttl_in_seconds(300)
    };
    let cases: &[Refusal<Bot>] = &[
        (
            "a bot without roleArn is refused (roleArn is required)",
            |b| b.bot_name("NoRole").set_role_arn(None),
            "ValidationException",
        ),
        (
            "a bot name outside the name pattern is refused",
            |b| b.bot_name("bad name!"),
            "ValidationException",
        ),
        (
            "an idle session TTL under its bounds is refused",
            |b| b.bot_name("ShortTtl").idle_session_ttl_in_seconds(10),
            "ValidationException",
        ),
        (
            "a role ARN outside the role ARN pattern is refused",
            |b| {
                b.bot_name("BadRole")
                    .role_arn("arn:aws:iam::1:role/x-y-z-padding-padding")
            },
            "ValidationException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;

    let bot = create_bot(&c, "Dup").await;
    assert_eq!(
        refused(
            c.create_bot()
                .bot_name("Dup")
                .role_arn(ROLE)
                .data_privacy(privacy())
                .idle_session_ttl_in_seconds(300)
                .send()
                .await
        )
        .0,
        "ConflictException",
        "duplicate bot name"
    );

    assert_eq!(
        refused(c.describe_bot().bot_id("ABCDEFGHIJ").send().await).0,
        "ResourceNotFoundException"
    );
    assert_eq!(
        refused(
            c.update_bot()
                .bot_id("ABCDEFGHIJ")
                .bot_name("X")
                .role_arn(ROLE)
                .data_privacy(privacy())
                .idle_session_ttl_in_seconds(300)
                .send()
                .await
        )
        .0,
        "PreconditionFailedException",
        "changes to unknown bots"
    );

    // Each case changes one member of a valid CreateBotLocale.
    type Locale =
        aws_sdk_lexmodelsv2::operation::create_bot_locale::builders::CreateBotLocaleFluentBuilder;
    let valid = || {
        c.create_bot_locale()
            .bot_id(&bot)
            .bot_version("DRAFT")
            .locale_id("en_US")
            .nlu_intent_confidence_threshold(0.4)
    };
    let cases: &[Refusal<Locale>] = &[
        (
            "a locale without nluIntentConfidenceThreshold is refused (it is required)",
            |b| b.set_nlu_intent_confidence_threshold(None),
            "ValidationException",
        ),
        (
            "an unknown locale id is refused",
            |b| b.locale_id("xx_YY"),
            "ValidationException",
        ),
        (
            "a locale on a numbered version is refused (locales are created on DRAFT only)",
            |b| b.bot_version("1"),
            "ValidationException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    create_locale(&c, &bot).await;
    assert_eq!(
        refused(
            c.create_bot_locale()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_US")
                .nlu_intent_confidence_threshold(0.4)
                .send()
                .await
        )
        .0,
        "ConflictException",
        "duplicate locale"
    );
    assert_eq!(
        refused(
            c.describe_bot_locale()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_GB")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );

    create_intent(&c, &bot, "Yes", &["yes"]).await;
    // Each case changes the name of a valid CreateIntent.
    type Intent =
        aws_sdk_lexmodelsv2::operation::create_intent::builders::CreateIntentFluentBuilder;
    let valid = || {
        c.create_intent()
            .bot_id(&bot)
            .bot_version("DRAFT")
            .locale_id("en_US")
    };
    let cases: &[Refusal<Intent>] = &[
        (
            "an intent with the name of an existing intent conflicts",
            |b| b.intent_name("Yes"),
            "ConflictException",
        ),
        (
            "an intent name outside the name pattern is refused",
            |b| b.intent_name("has space"),
            "ValidationException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    assert_eq!(
        refused(
            c.delete_intent()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_US")
                .intent_id("FALLBCKINT")
                .send()
                .await
        )
        .0,
        "ValidationException",
        "the fallback intent stays"
    );
    assert_eq!(
        refused(
            c.describe_intent()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_US")
                .intent_id("ZZZZZZZZZZ")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );

    assert_eq!(
        refused(
            c.create_bot_version()
                .bot_id(&bot)
                .bot_version_locale_specification("en_US", en_us_draft())
                .send()
                .await
        )
        .0,
        "PreconditionFailedException",
        "an unbuilt locale cannot be versioned"
    );
    // Each case names another version for a valid CreateBotAlias.
    type Alias =
        aws_sdk_lexmodelsv2::operation::create_bot_alias::builders::CreateBotAliasFluentBuilder;
    let valid = || c.create_bot_alias().bot_id(&bot).bot_alias_name("prod");
    let cases: &[Refusal<Alias>] = &[
        (
            "an alias of DRAFT is refused (aliases take numbered versions)",
            |b| b.bot_version("DRAFT"),
            "ValidationException",
        ),
        (
            "an alias of a version that does not exist is refused",
            |b| b.bot_version("7"),
            "PreconditionFailedException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    assert_eq!(
        refused(
            c.describe_bot_version()
                .bot_id(&bot)
                .bot_version("7")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );
    assert_eq!(
        refused(
            c.delete_bot_alias()
                .bot_id(&bot)
                .bot_alias_id("TSTALIASID")
                .send()
                .await
        )
        .0,
        "ValidationException",
        "the test alias goes with its bot"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn deletes_respect_aliases_unless_skipped_and_bot_deletion_is_async() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    let bot = built_bot_with_version(&c, "Deletable").await;
    let alias = c
        .create_bot_alias()
        .bot_id(&bot)
        .bot_alias_name("prod")
        .bot_version("1")
        .send()
        .await
        .expect("alias");
    let alias_id = alias.bot_alias_id().unwrap().to_string();
    assert_eq!(
        refused(
            c.create_bot_alias()
                .bot_id(&bot)
                .bot_alias_name("prod")
                .bot_version("1")
                .send()
                .await
        )
        .0,
        "ConflictException",
        "duplicate alias name"
    );

    assert_eq!(
        refused(
            c.delete_bot_version()
                .bot_id(&bot)
                .bot_version("1")
                .send()
                .await
        )
        .0,
        "PreconditionFailedException",
        "version in use by prod"
    );
    assert_eq!(
        refused(c.delete_bot().bot_id(&bot).send().await).0,
        "PreconditionFailedException",
        "bot in use by prod"
    );

    let d = c
        .delete_bot_alias()
        .bot_id(&bot)
        .bot_alias_id(&alias_id)
        .send()
        .await
        .expect("delete alias");
    assert_eq!(d.bot_alias_status().map(|s| s.as_str()), Some("Deleting"));
    assert_eq!(
        refused(
            c.describe_bot_alias()
                .bot_id(&bot)
                .bot_alias_id(&alias_id)
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );
    c.delete_bot_version()
        .bot_id(&bot)
        .bot_version("1")
        .send()
        .await
        .expect("delete version");
    assert_eq!(
        refused(
            c.describe_bot_version()
                .bot_id(&bot)
                .bot_version("1")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );

    let d = c
        .delete_bot()
        .bot_id(&bot)
        .send()
        .await
        .expect("delete bot");
    assert_eq!(d.bot_status(), Some(&BotStatus::Deleting));
    assert_eq!(
        c.describe_bot()
            .bot_id(&bot)
            .send()
            .await
            .expect("still there")
            .bot_status(),
        Some(&BotStatus::Deleting)
    );
    assert_eq!(
        refused(
            c.create_bot_locale()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_GB")
                .nlu_intent_confidence_threshold(0.4)
                .send()
                .await
        )
        .0,
        "ConflictException",
        "a deleting bot takes no changes"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        refused(c.describe_bot().bot_id(&bot).send().await).0,
        "ResourceNotFoundException",
        "gone after the deletion delay"
    );

    // skipResourceInUseCheck deletes a bot whose alias still exists.
    let bot2 = built_bot_with_version(&c, "Skipper").await;
    c.create_bot_alias()
        .bot_id(&bot2)
        .bot_alias_name("prod")
        .bot_version("1")
        .send()
        .await
        .expect("alias");
    c.delete_bot()
        .bot_id(&bot2)
        .skip_resource_in_use_check(true)
        .send()
        .await
        .expect("skip check");
    sb.shutdown().await;
}

#[tokio::test]
async fn list_bots_paginates_filters_and_sorts() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    for i in 0..12 {
        create_bot(&c, &format!("pager{i:02}")).await;
    }
    create_bot(&c, "other").await;
    let first = c.list_bots().max_results(5).send().await.expect("page 1");
    assert_eq!(first.bot_summaries().len(), 5);
    let token = first.next_token().expect("more pages").to_string();
    let second = c
        .list_bots()
        .max_results(5)
        .next_token(token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(
        second.bot_summaries()[0].bot_name(),
        Some("pager04"),
        "sorted by name: other, pager00, …"
    );

    let all: Vec<String> = c
        .list_bots()
        .max_results(4)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate")
        .iter()
        .flat_map(|p| {
            p.bot_summaries()
                .iter()
                .filter_map(|s| s.bot_name().map(str::to_string))
        })
        .collect();
    assert_eq!(all.len(), 13);

    let filter = |op: BotFilterOperator, v: &str| {
        BotFilter::builder()
            .name(BotFilterName::BotName)
            .operator(op)
            .values(v)
            .build()
            .expect("filter")
    };
    let co = c
        .list_bots()
        .filters(filter(BotFilterOperator::Contains, "PAGER"))
        .max_results(100)
        .send()
        .await
        .expect("contains");
    assert_eq!(co.bot_summaries().len(), 12);
    let eq = c
        .list_bots()
        .filters(filter(BotFilterOperator::Equals, "other"))
        .send()
        .await
        .expect("equals");
    assert_eq!(eq.bot_summaries().len(), 1);
    let ne = c
        .list_bots()
        .filters(filter(BotFilterOperator::NotEquals, "other"))
        .max_results(100)
        .send()
        .await
        .expect("not equals");
    assert_eq!(ne.bot_summaries().len(), 12);
    let desc = c
        .list_bots()
        .sort_by(
            BotSortBy::builder()
                .attribute(BotSortAttribute::BotName)
                .order(SortOrder::Descending)
                .build()
                .expect("sort"),
        )
        .send()
        .await
        .expect("sorted");
    assert_eq!(desc.bot_summaries()[0].bot_name(), Some("pager11"));
    type List = aws_sdk_lexmodelsv2::operation::list_bots::builders::ListBotsFluentBuilder;
    let cases: &[Refusal<List>] = &[
        (
            "a nextToken the sandbox did not issue is refused",
            |b| b.next_token("not-a-token"),
            "ValidationException",
        ),
        (
            "maxResults above 1000 is refused",
            |b| b.max_results(5000),
            "ValidationException",
        ),
    ];
    check_refusals(|| c.list_bots(), cases, |b| b.send()).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn locales_and_intents_update_list_and_delete() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    let bot = create_bot(&c, "Editable").await;
    create_locale(&c, &bot).await;
    c.create_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_GB")
        .nlu_intent_confidence_threshold(0.5)
        .send()
        .await
        .expect("en_GB");
    let locales = c
        .list_bot_locales()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .send()
        .await
        .expect("list locales");
    let ids: Vec<&str> = locales
        .bot_locale_summaries()
        .iter()
        .filter_map(|l| l.locale_id())
        .collect();
    assert_eq!(ids, ["en_GB", "en_US"]);
    let u = c
        .update_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_GB")
        .nlu_intent_confidence_threshold(0.7)
        .description("british")
        .send()
        .await
        .expect("update locale");
    assert_eq!(
        (u.nlu_intent_confidence_threshold(), u.description()),
        (Some(0.7), Some("british"))
    );
    c.delete_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_GB")
        .send()
        .await
        .expect("delete locale");
    assert_eq!(
        refused(
            c.describe_bot_locale()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_GB")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );

    for n in ["Alpha", "Beta", "Gamma"] {
        create_intent(&c, &bot, n, &["x"]).await;
    }
    let page = c
        .list_intents()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .max_results(2)
        .send()
        .await
        .expect("page");
    assert_eq!(page.intent_summaries().len(), 2);
    assert!(page.next_token().is_some());
    let beta = c
        .list_intents()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .filters(
            aws_sdk_lexmodelsv2::types::IntentFilter::builder()
                .name(aws_sdk_lexmodelsv2::types::IntentFilterName::IntentName)
                .operator(aws_sdk_lexmodelsv2::types::IntentFilterOperator::Equals)
                .values("Beta")
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("filtered");
    let beta_id = beta.intent_summaries()[0]
        .intent_id()
        .expect("id")
        .to_string();
    c.delete_intent()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_id(&beta_id)
        .send()
        .await
        .expect("delete intent");
    assert_eq!(
        refused(
            c.delete_intent()
                .bot_id(&bot)
                .bot_version("DRAFT")
                .locale_id("en_US")
                .intent_id(&beta_id)
                .send()
                .await
        )
        .0,
        "PreconditionFailedException"
    );
    let ub = c
        .update_bot()
        .bot_id(&bot)
        .bot_name("EditableRenamed")
        .role_arn(ROLE)
        .data_privacy(DataPrivacy::builder().child_directed(true).build())
        .idle_session_ttl_in_seconds(600)
        .send()
        .await
        .expect("update bot");
    assert_eq!(
        (ub.bot_name(), ub.idle_session_ttl_in_seconds()),
        (Some("EditableRenamed"), Some(600))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn injected_throttles_and_errors_are_retried_by_the_sdk() {
    use connect_returns_sandbox::{FaultConfig, FaultRule, Service};
    let sb = sandbox(config(Duration::from_millis(100))).await;
    sb.shared().set_faults(FaultConfig {
        seed: 7,
        rules: vec![FaultRule {
            service: "lexv2".into(),
            operation: "*".into(),
            latency_ms: 0,
            throttle_probability: 0.2,
            error_probability: 0.2,
        }],
    });
    let c = Client::new(&sdk_config(&sb.lexv2_url, true).await);
    let bot = built_bot_with_version(&c, "Flaky").await;
    let alias = c
        .create_bot_alias()
        .bot_id(&bot)
        .bot_alias_name("prod")
        .bot_version("1")
        .send()
        .await
        .expect("alias");
    let da = c
        .describe_bot_alias()
        .bot_id(&bot)
        .bot_alias_id(alias.bot_alias_id().unwrap())
        .send()
        .await
        .expect("describe");
    assert_eq!(da.bot_version(), Some("1"));
    let log = sb.shared().requests();
    let failed = |code: &str| {
        log.iter()
            .filter(|e| e.service == Service::LexV2 && e.error.as_deref() == Some(code))
            .count()
    };
    assert!(
        failed("ThrottlingException") > 0,
        "some calls were throttled"
    );
    assert!(failed("InternalServerException") > 0, "some calls failed");
    // Every operation that failed was retried to a success.
    let bots = c.list_bots().send().await.expect("list");
    assert_eq!(
        bots.bot_summaries().len(),
        1,
        "retries created no duplicate bot"
    );
    sb.shutdown().await;
}

/// Every answer of a bot's whole path (create → locale → intents → build → version → alias, and the
/// describes and lists along it) has only members of its output shape in the service model.
#[tokio::test]
async fn answers_match_the_model_output_shapes() {
    let shapes = shapes::Shapes::of_service("lexv2");
    // the model read from the SDK crate knows the shapes the sandbox must keep to
    let describe = shapes.output("DescribeBotVersion").expect("an operation");
    assert!(describe.members().contains("botVersion"));
    assert!(!describe.members().contains("botVersionLocaleSpecification"));
    let create = shapes.output("CreateBotVersion").expect("an operation");
    assert!(create.members().contains("botVersionLocaleSpecification"));
    let mut problems = Vec::new();
    shapes::Shapes::deviations(
        &describe,
        &serde_json::json!({"botId": "B", "botVersionLocaleSpecification": {}}),
        "",
        &mut problems,
    );
    assert_eq!(problems, [".botVersionLocaleSpecification"]);

    let sb = sandbox(config(Duration::from_millis(100))).await;
    sb.shared().keep_answers(true);
    let c = lex(&sb).await;
    let bot = built_bot_with_version(&c, "ShapesBot").await;
    c.describe_bot()
        .bot_id(&bot)
        .send()
        .await
        .expect("describe bot");
    c.describe_bot_version()
        .bot_id(&bot)
        .bot_version("1")
        .send()
        .await
        .expect("describe version");
    c.list_bot_versions()
        .bot_id(&bot)
        .send()
        .await
        .expect("list versions");
    c.list_bots().send().await.expect("list bots");
    c.list_bot_locales()
        .bot_id(&bot)
        .bot_version("1")
        .send()
        .await
        .expect("list locales");
    c.list_intents()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("list intents");
    let alias = c
        .create_bot_alias()
        .bot_id(&bot)
        .bot_alias_name("live")
        .bot_version("1")
        .bot_alias_locale_settings(
            "en_US",
            BotAliasLocaleSettings::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("create alias");
    c.describe_bot_alias()
        .bot_id(&bot)
        .bot_alias_id(alias.bot_alias_id().unwrap())
        .send()
        .await
        .expect("describe alias");
    c.list_bot_aliases()
        .bot_id(&bot)
        .send()
        .await
        .expect("list aliases");
    let answers: Vec<(String, String, serde_json::Value)> = sb
        .shared()
        .answers()
        .into_iter()
        .map(|a| (a.service.name().to_string(), a.operation, a.body))
        .collect();
    let (problems, checked) = shapes::check_answers(&answers);
    assert!(
        problems.is_empty(),
        "answers outside the model:\n{}",
        problems.join("\n")
    );
    for op in [
        "DescribeBotVersion",
        "CreateBotVersion",
        "DescribeBotAlias",
        "DescribeBotLocale",
    ] {
        assert!(
            checked.contains(&format!("lexv2 {op}")),
            "{op} was checked: {checked:?}"
        );
    }
}

/// Every operation the sandbox serves, on every port, is an operation of that service's model.
#[test]
fn every_served_operation_is_in_the_model() {
    let mut unknown = Vec::new();
    let mut served = 0;
    for service in connect_returns_sandbox::Service::ALL {
        let shapes = shapes::Shapes::of_service(service.name());
        assert!(shapes.output("NoSuchOperation").is_none());
        for route in service.routes() {
            served += 1;
            if shapes.output(route.operation).is_none() {
                unknown.push(format!("{} {}", service.name(), route.operation));
            }
        }
    }
    assert!(served > 60, "{served} routes");
    assert!(unknown.is_empty(), "not in the models: {unknown:?}");
}

/// A Connect test case's utterance reaches the deployed bot: it matches an intent by its sample
/// utterances (case and punctuation aside), anything else is FallbackIntent, and an alias that does
/// not enable the locale does not answer (the flow's error branch).
#[tokio::test]
async fn test_case_utterances_match_the_alias_intents() {
    use aws_sdk_connect::types::{
        ContactFlowType, TestCaseEntryPoint, TestCaseEntryPointType, TestCaseExecutionStatus,
        VoiceCallEntryPointParameters,
    };
    use serde_json::json;
    let mut config = config(Duration::from_millis(100));
    config.test_case_pace = Duration::from_millis(20);
    config.test_case_time_limit = Duration::from_secs(2);
    let sb = sandbox(config).await;
    let s = seeded(&sb).await;
    let lex = lex(&sb).await;
    let connect = connect_client(&sb).await;
    let bot = built_bot_with_version(&lex, "MatchBot").await;
    let alias = |name: &'static str, enabled: bool| {
        let lex = lex.clone();
        let bot = bot.clone();
        async move {
            let out = lex
                .create_bot_alias()
                .bot_id(&bot)
                .bot_alias_name(name)
                .bot_version("1")
                .bot_alias_locale_settings(
                    "en_US",
                    BotAliasLocaleSettings::builder().enabled(enabled).build(),
                )
                .send()
                .await
                .expect("alias");
            format!(
                "arn:aws:lex:us-east-1:123456789012:bot-alias/{bot}/{}",
                out.bot_alias_id().unwrap()
            )
        }
    };
    let live = alias("live", true).await;
    let off = alias("off", false).await;
    let flow_for = |alias_arn: &str| {
        flow_content(
            "Ask",
            json!([
                {"Identifier": "Ask", "Type": "ConnectParticipantWithLexBot",
                 "Parameters": {"Text": "Same matter?", "LexV2Bot": {"AliasArn": alias_arn}, "LexSessionAttributes": {}},
                 "Transitions": {"NextAction": "Fallback", "Conditions": [
                    {"NextAction": "Agreed", "Condition": {"Operator": "Equals", "Operands": ["Yes"]}},
                    {"NextAction": "Declined", "Condition": {"Operator": "Equals", "Operands": ["No"]}}],
                  "Errors": [{"NextAction": "Broken", "ErrorType": "NoMatchingError"},
                             {"NextAction": "Fallback", "ErrorType": "NoMatchingCondition"},
                             {"NextAction": "Broken", "ErrorType": "InputTimeLimitExceeded"}]}},
                {"Identifier": "Agreed", "Type": "MessageParticipant", "Parameters": {"Text": "heard yes"},
                 "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "Declined", "Type": "MessageParticipant", "Parameters": {"Text": "heard no"},
                 "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "Fallback", "Type": "MessageParticipant", "Parameters": {"Text": "heard something else"},
                 "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "Broken", "Type": "MessageParticipant", "Parameters": {"Text": "the bot did not answer"},
                 "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
                {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
            ]),
        )
    };
    let mut flows = std::collections::HashMap::new();
    for (name, arn) in [("live", &live), ("off", &off)] {
        connect
            .associate_bot()
            .instance_id(&s.instance_id)
            .lex_v2_bot(
                aws_sdk_connect::types::LexV2Bot::builder()
                    .alias_arn(arn)
                    .build(),
            )
            .send()
            .await
            .expect("associate the alias");
        let flow = connect
            .create_contact_flow()
            .instance_id(&s.instance_id)
            .name(format!("ask-{name}"))
            .r#type(ContactFlowType::ContactFlow)
            .content(flow_for(arn))
            .send()
            .await
            .expect("flow");
        flows.insert(name, flow.contact_flow_id().unwrap().to_string());
    }
    let cases = [
        (
            "a sample utterance matches its intent",
            "live",
            "yes",
            "heard yes",
        ),
        (
            "case and punctuation do not matter",
            "live",
            "Yeah!",
            "heard yes",
        ),
        (
            "the other intent's utterance matches it",
            "live",
            "nope",
            "heard no",
        ),
        (
            "an utterance of no intent is FallbackIntent",
            "live",
            "maybe later",
            "heard something else",
        ),
        (
            "an alias that does not enable the locale does not answer",
            "off",
            "yes",
            "the bot did not answer",
        ),
    ];
    for (n, (expectation, alias_name, said, heard)) in cases.into_iter().enumerate() {
        let content = json!({"Version": "2025-06-21", "Observations": [
            {"Identifier": "asked", "Event": {"Identifier": "e1", "Type": "MessageReceived", "Actor": "System",
                "Properties": {"Text": "Same matter?"}},
             "Actions": [{"Identifier": "say", "Type": "SendInstruction", "Parameters": {"ActionType": "SendInstruction",
                "Actor": "Customer", "Instruction": {"Type": "TextUtterance", "Properties": {"Text": said, "LanguageCode": "en-US"}}}}],
             "Transitions": {"NextObservations": ["answered"]}},
            {"Identifier": "answered", "Event": {"Identifier": "e2", "Type": "MessageReceived", "Actor": "System",
                "Properties": {"Text": heard}},
             "Actions": [{"Identifier": "end", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}}]}
        ]});
        let entry = TestCaseEntryPoint::builder()
            .r#type(TestCaseEntryPointType::VoiceCall)
            .voice_call_entry_point_parameters(
                VoiceCallEntryPointParameters::builder()
                    .flow_id(&flows[alias_name])
                    .build(),
            )
            .build();
        let tc = connect
            .create_test_case()
            .instance_id(&s.instance_id)
            .name(format!("utterance {n}"))
            .content(content.to_string())
            .entry_point(entry)
            .send()
            .await
            .expect("create");
        let tid = tc.test_case_id().unwrap();
        let ex = connect
            .start_test_case_execution()
            .instance_id(&s.instance_id)
            .test_case_id(tid)
            .send()
            .await
            .expect("start");
        let eid = ex.test_case_execution_id().unwrap();
        let mut status = TestCaseExecutionStatus::Initiated;
        for _ in 0..300 {
            status = connect
                .get_test_case_execution_summary()
                .instance_id(&s.instance_id)
                .test_case_id(tid)
                .test_case_execution_id(eid)
                .send()
                .await
                .expect("summary")
                .status()
                .unwrap()
                .clone();
            if !matches!(
                status,
                TestCaseExecutionStatus::Initiated | TestCaseExecutionStatus::InProgress
            ) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(status, TestCaseExecutionStatus::Passed, "{expectation}");
    }
}
