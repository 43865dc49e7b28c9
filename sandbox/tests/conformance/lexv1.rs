//! Lex V1 conformance through the real aws-sdk-lexmodelbuilding client: zip import → intent
//! versions → PutBot BUILD (NOT_BUILT → BUILDING → READY/FAILED) → CreateBotVersion → alias, the
//! delete order with ResourceInUseException details, checksum 412s, import failures, pagination.
// The Lex V1 client marks every operation deprecated (V1 reached end of support); the
// sandbox still emulates it because the tool supports V1 bots.
#![allow(deprecated)]

use std::io::Write;
use std::time::Duration;

use crate::common::*;
use aws_sdk_lexmodelbuilding::Client;
use aws_sdk_lexmodelbuilding::primitives::Blob;
use aws_sdk_lexmodelbuilding::types::{
    ContentType, ImportStatus, Intent, Locale, MergeStrategy, Message, ProcessBehavior,
    ReferenceType, ResourceType, Status,
};
use connect_returns_sandbox::{Config, Running};
use serde_json::{Value, json};

async fn lex(sb: &Running) -> Client {
    Client::new(&sdk_config(&sb.lexv1_url, false).await)
}

fn config(build: Duration) -> Config {
    Config {
        lex_build_duration: build,
        ..quiet_config()
    }
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

fn intent_json(name: &str, utterances: &[&str]) -> Value {
    json!({
        "name": name, "version": "3", "description": format!("{name} intent"),
        "fulfillmentActivity": { "type": "ReturnIntent" },
        "sampleUtterances": utterances, "slots": [],
    })
}

/// A Lex V1 export-format document for a yes/no bot; `CallerMaybe` uses the custom slot type `AnswerKind`.
fn bot_doc(name: &str) -> Value {
    let mut maybe = intent_json("CallerMaybe", &["maybe {answer}"]);
    maybe["slots"] = json!([{
        "name": "answer", "slotConstraint": "Optional", "slotType": "AnswerKind", "slotTypeVersion": "4",
        "valueElicitationPrompt": { "messages": [{ "contentType": "PlainText", "content": "which?" }], "maxAttempts": 2 },
        "priority": 1, "sampleUtterances": [],
    }]);
    json!({
        "metadata": { "schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON" },
        "resource": {
            "name": name, "version": "7",
            "intents": [intent_json("CallerYes", &["yes", "yes please"]), intent_json("CallerNo", &["no", "no thanks"]), maybe],
            "slotTypes": [{ "name": "AnswerKind", "version": "4", "enumerationValues": [{ "value": "later", "synonyms": ["soon"] }], "valueSelectionStrategy": "ORIGINAL_VALUE" }],
            "voiceId": "Joanna", "childDirected": false, "locale": "en-US", "idleSessionTTLInSeconds": 300,
            "description": "asks returning callers", "detectSentiment": false, "enableModelImprovements": true,
            "clarificationPrompt": { "messages": [{ "contentType": "PlainText", "content": "Sorry?" }], "maxAttempts": 2 },
            "abortStatement": { "messages": [{ "contentType": "PlainText", "content": "Goodbye" }] },
        }
    })
}

async fn import(
    c: &Client,
    zip: Vec<u8>,
    kind: ResourceType,
    merge: MergeStrategy,
) -> aws_sdk_lexmodelbuilding::operation::get_import::GetImportOutput {
    let started = c
        .start_import()
        .payload(Blob::new(zip))
        .resource_type(kind)
        .merge_strategy(merge)
        .send()
        .await
        .expect("start import");
    assert_eq!(started.import_status(), Some(&ImportStatus::InProgress));
    c.get_import()
        .import_id(started.import_id().expect("import id"))
        .send()
        .await
        .expect("get import")
}

fn msg(text: &str) -> Message {
    Message::builder()
        .content_type(ContentType::PlainText)
        .content(text)
        .build()
        .expect("message")
}

fn intent_ref(name: &str, version: &str) -> Intent {
    Intent::builder()
        .intent_name(name)
        .intent_version(version)
        .build()
        .expect("intent ref")
}

async fn publish_intent(c: &Client, name: &str) -> String {
    let cs = c
        .get_intent()
        .name(name)
        .version("$LATEST")
        .send()
        .await
        .expect("get intent")
        .checksum()
        .expect("checksum")
        .to_string();
    c.create_intent_version()
        .name(name)
        .checksum(cs)
        .send()
        .await
        .expect("intent version")
        .version()
        .expect("version")
        .to_string()
}

async fn put_bot_build(
    c: &Client,
    name: &str,
    intents: Vec<Intent>,
    checksum: Option<String>,
) -> Status {
    c.put_bot()
        .name(name)
        .locale(Locale::EnUs)
        .child_directed(false)
        .voice_id("Joanna")
        .set_intents(Some(intents))
        .abort_statement(
            aws_sdk_lexmodelbuilding::types::Statement::builder()
                .messages(msg("Goodbye"))
                .build()
                .expect("statement"),
        )
        .clarification_prompt(
            aws_sdk_lexmodelbuilding::types::Prompt::builder()
                .messages(msg("Sorry?"))
                .max_attempts(2)
                .build()
                .expect("prompt"),
        )
        .process_behavior(ProcessBehavior::Build)
        .set_checksum(checksum)
        .send()
        .await
        .expect("put bot")
        .status()
        .cloned()
        .expect("status")
}

async fn bot_status(c: &Client, name: &str) -> (Status, Option<String>, String) {
    let b = c
        .get_bot()
        .name(name)
        .version_or_alias("$LATEST")
        .send()
        .await
        .expect("get bot");
    (
        b.status().cloned().expect("status"),
        b.failure_reason().map(str::to_string),
        b.checksum().expect("checksum").to_string(),
    )
}

#[tokio::test]
async fn import_build_publish_alias_and_delete_in_order() {
    let sb = sandbox(config(Duration::from_millis(300))).await;
    let c = lex(&sb).await;
    let doc = serde_json::to_vec(&bot_doc("returnCallerConcierge")).unwrap();
    let done = import(
        &c,
        zip_of(&[("returnCallerConcierge.json", &doc)]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(
        done.import_status(),
        Some(&ImportStatus::Complete),
        "{:?}",
        done.failure_reason()
    );
    assert_eq!(done.name(), Some("returnCallerConcierge"));

    let latest = c
        .get_bot()
        .name("returnCallerConcierge")
        .version_or_alias("$LATEST")
        .send()
        .await
        .expect("get bot");
    assert_eq!(latest.status(), Some(&Status::NotBuilt));
    assert_eq!(latest.voice_id(), Some("Joanna"));
    let refs: Vec<(&str, &str)> = latest
        .intents()
        .iter()
        .map(|i| (i.intent_name(), i.intent_version()))
        .collect();
    assert_eq!(
        refs,
        [
            ("CallerYes", "$LATEST"),
            ("CallerNo", "$LATEST"),
            ("CallerMaybe", "$LATEST")
        ]
    );
    let maybe = c
        .get_intent()
        .name("CallerMaybe")
        .version("$LATEST")
        .send()
        .await
        .expect("intent");
    assert_eq!(
        maybe.slots()[0].slot_type_version(),
        Some("$LATEST"),
        "imported references point at $LATEST"
    );
    let st = c
        .get_slot_type()
        .name("AnswerKind")
        .version("$LATEST")
        .send()
        .await
        .expect("slot type");
    assert_eq!(st.enumeration_values()[0].value(), "later");

    assert_eq!(
        refused(
            c.create_bot_version()
                .name("returnCallerConcierge")
                .send()
                .await
        )
        .0,
        "BadRequestException",
        "only a READY bot publishes"
    );

    // Publish intents, point the bot at them, build.
    c.create_slot_type_version()
        .name("AnswerKind")
        .send()
        .await
        .expect("slot type version");
    let mut intents = Vec::new();
    for n in ["CallerYes", "CallerNo", "CallerMaybe"] {
        let v = publish_intent(&c, n).await;
        assert_eq!(v, "1");
        intents.push(intent_ref(n, &v));
    }
    // Publishing an unchanged $LATEST again returns the same version.
    assert_eq!(publish_intent(&c, "CallerYes").await, "1");
    let (_, _, cs) = bot_status(&c, "returnCallerConcierge").await;
    assert_eq!(
        put_bot_build(&c, "returnCallerConcierge", intents, Some(cs)).await,
        Status::Building
    );
    assert_eq!(
        bot_status(&c, "returnCallerConcierge").await.0,
        Status::Building
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, reason, cs) = bot_status(&c, "returnCallerConcierge").await;
    assert_eq!((status, reason), (Status::Ready, None));

    let v = c
        .create_bot_version()
        .name("returnCallerConcierge")
        .checksum(&cs)
        .send()
        .await
        .expect("bot version");
    assert_eq!((v.version(), v.status()), (Some("1"), Some(&Status::Ready)));
    let again = c
        .create_bot_version()
        .name("returnCallerConcierge")
        .checksum(&cs)
        .send()
        .await
        .expect("unchanged");
    assert_eq!(
        again.version(),
        Some("1"),
        "an unchanged $LATEST publishes nothing new"
    );

    assert_eq!(
        refused(
            c.get_bot_alias()
                .bot_name("returnCallerConcierge")
                .name("prod")
                .send()
                .await
        )
        .0,
        "NotFoundException"
    );
    let a = c
        .put_bot_alias()
        .bot_name("returnCallerConcierge")
        .name("prod")
        .bot_version("1")
        .send()
        .await
        .expect("alias");
    let alias_cs = a.checksum().expect("alias checksum").to_string();
    let via_alias = c
        .get_bot()
        .name("returnCallerConcierge")
        .version_or_alias("prod")
        .send()
        .await
        .expect("bot via alias");
    assert_eq!(
        (via_alias.version(), via_alias.status()),
        (Some("1"), Some(&Status::Ready))
    );
    let e = c
        .put_bot_alias()
        .bot_name("returnCallerConcierge")
        .name("prod")
        .bot_version("1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(412));
    assert!(
        e.into_service_error().is_precondition_failed_exception(),
        "update without checksum"
    );
    c.put_bot_alias()
        .bot_name("returnCallerConcierge")
        .name("prod")
        .bot_version("1")
        .checksum(alias_cs)
        .send()
        .await
        .expect("alias update");
    let aliases = c
        .get_bot_aliases()
        .bot_name("returnCallerConcierge")
        .send()
        .await
        .expect("aliases");
    assert_eq!(aliases.bot_aliases().len(), 1);
    let versions = c
        .get_bot_versions()
        .name("returnCallerConcierge")
        .send()
        .await
        .expect("versions");
    let vs: Vec<&str> = versions.bots().iter().filter_map(|b| b.version()).collect();
    assert_eq!(vs, ["$LATEST", "1"]);
    {
        let w = sb.shared().world();
        assert!(w.lexv1.bot_exists("returnCallerConcierge"));
        assert!(w.lexv1.alias_exists("returnCallerConcierge", "prod"));
    }

    // Delete order: every step refused while something still refers to it.
    let e = c
        .delete_slot_type()
        .name("AnswerKind")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_lexmodelbuilding::operation::delete_slot_type::DeleteSlotTypeError::ResourceInUseException(x) = e else { panic!("{e:?}") };
    assert_eq!(x.reference_type(), Some(&ReferenceType::Intent));
    assert_eq!(
        x.example_reference().and_then(|r| r.name()),
        Some("CallerMaybe")
    );
    let e = c
        .delete_intent()
        .name("CallerYes")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_lexmodelbuilding::operation::delete_intent::DeleteIntentError::ResourceInUseException(x) = e else { panic!("{e:?}") };
    assert_eq!(x.reference_type(), Some(&ReferenceType::Bot));
    assert_eq!(
        x.example_reference().and_then(|r| r.name()),
        Some("returnCallerConcierge")
    );
    let e = c
        .delete_bot()
        .name("returnCallerConcierge")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_lexmodelbuilding::operation::delete_bot::DeleteBotError::ResourceInUseException(x) =
        e
    else {
        panic!("{e:?}")
    };
    assert_eq!(x.reference_type(), Some(&ReferenceType::Botalias));
    assert_eq!(x.example_reference().and_then(|r| r.name()), Some("prod"));
    assert_eq!(
        refused(
            c.delete_bot_version()
                .name("returnCallerConcierge")
                .version("1")
                .send()
                .await
        )
        .0,
        "ResourceInUseException"
    );

    c.delete_bot_alias()
        .bot_name("returnCallerConcierge")
        .name("prod")
        .send()
        .await
        .expect("delete alias");
    c.delete_bot_version()
        .name("returnCallerConcierge")
        .version("1")
        .send()
        .await
        .expect("delete version");
    assert_eq!(
        refused(
            c.delete_bot_version()
                .name("returnCallerConcierge")
                .version("1")
                .send()
                .await
        )
        .0,
        "NotFoundException"
    );
    c.delete_bot()
        .name("returnCallerConcierge")
        .send()
        .await
        .expect("delete bot");
    assert_eq!(
        refused(
            c.get_bot()
                .name("returnCallerConcierge")
                .version_or_alias("$LATEST")
                .send()
                .await
        )
        .0,
        "NotFoundException"
    );
    assert!(
        !sb.shared()
            .world()
            .lexv1
            .bot_exists("returnCallerConcierge")
    );
    // Bot removal is asynchronous: its intents stay in use for a moment.
    assert_eq!(
        refused(c.delete_intent().name("CallerYes").send().await).0,
        "ResourceInUseException"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    for n in ["CallerYes", "CallerNo", "CallerMaybe"] {
        c.delete_intent()
            .name(n)
            .send()
            .await
            .expect("delete intent");
    }
    c.delete_slot_type()
        .name("AnswerKind")
        .send()
        .await
        .expect("delete slot type");
    assert_eq!(
        refused(c.delete_slot_type().name("AnswerKind").send().await).0,
        "NotFoundException"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn checksums_guard_every_latest_revision() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    assert_eq!(
        refused(
            c.put_intent()
                .name("CallerYes")
                .checksum("made-up")
                .sample_utterances("yes")
                .send()
                .await
        )
        .0,
        "BadRequestException",
        "a checksum on create"
    );
    let first = c
        .put_intent()
        .name("CallerYes")
        .sample_utterances("yes")
        .send()
        .await
        .expect("create intent");
    let c1 = first.checksum().expect("checksum").to_string();
    assert_eq!(first.version(), Some("$LATEST"));
    // Each case changes the checksum of an update of CallerYes.
    type Intent = aws_sdk_lexmodelbuilding::operation::put_intent::builders::PutIntentFluentBuilder;
    let valid = || c.put_intent().name("CallerYes").sample_utterances("yes");
    let cases: &[Refusal<Intent>] = &[
        (
            "an update without the checksum is refused",
            |b| b,
            "PreconditionFailedException",
        ),
        (
            "an update with a stale checksum is refused",
            |b| b.checksum("stale"),
            "PreconditionFailedException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    let second = c
        .put_intent()
        .name("CallerYes")
        .checksum(&c1)
        .sample_utterances("yes")
        .sample_utterances("yep")
        .send()
        .await
        .expect("update");
    let c2 = second.checksum().expect("checksum").to_string();
    assert_ne!(c1, c2, "every $LATEST change gets a new checksum");
    assert_eq!(
        refused(
            c.create_intent_version()
                .name("CallerYes")
                .checksum(&c1)
                .send()
                .await
        )
        .0,
        "PreconditionFailedException",
        "stale checksum on CreateIntentVersion"
    );
    let v = c
        .put_intent()
        .name("CallerNo")
        .sample_utterances("no")
        .create_version(true)
        .send()
        .await
        .expect("create with version");
    assert_eq!(v.version(), Some("1"));

    let base = || {
        c.put_bot()
            .name("Checked")
            .locale(Locale::EnUs)
            .child_directed(false)
            .process_behavior(ProcessBehavior::Save)
    };
    assert_eq!(
        refused(base().checksum("x").send().await).0,
        "BadRequestException"
    );
    let saved = base()
        .intents(intent_ref("CallerYes", "$LATEST"))
        .send()
        .await
        .expect("create bot");
    assert_eq!(saved.status(), Some(&Status::NotBuilt));
    let b1 = saved.checksum().expect("checksum").to_string();
    assert_eq!(
        refused(base().send().await).0,
        "PreconditionFailedException",
        "missing checksum on bot update"
    );
    assert_eq!(
        refused(base().checksum("stale").send().await).0,
        "PreconditionFailedException",
        "stale checksum on bot update"
    );
    let b2 = base()
        .checksum(&b1)
        .description("saved again")
        .send()
        .await
        .expect("update bot")
        .checksum()
        .unwrap()
        .to_string();
    assert_ne!(b1, b2);
    assert_eq!(
        refused(
            c.create_bot_version()
                .name("Checked")
                .checksum(&b1)
                .send()
                .await
        )
        .0,
        "PreconditionFailedException",
        "stale checksum on CreateBotVersion"
    );
    // PutBot replaces $LATEST: the intents not resent are gone.
    let now = c
        .get_bot()
        .name("Checked")
        .version_or_alias("$LATEST")
        .send()
        .await
        .expect("get");
    assert!(now.intents().is_empty());
    assert_eq!(now.description(), Some("saved again"));
    sb.shutdown().await;
}

#[tokio::test]
async fn builds_fail_with_reasons_and_publishing_is_strict() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    assert_eq!(
        put_bot_build(&c, "Empty", vec![], None).await,
        Status::Building
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, reason, _) = bot_status(&c, "Empty").await;
    assert_eq!(status, Status::Failed);
    assert!(reason.unwrap().contains("no intents"));
    assert_eq!(
        refused(c.create_bot_version().name("Empty").send().await).0,
        "BadRequestException",
        "a FAILED bot does not publish"
    );

    c.put_intent()
        .name("Mute")
        .send()
        .await
        .expect("intent without utterances");
    c.put_intent()
        .name("Talk")
        .sample_utterances("hello")
        .send()
        .await
        .expect("intent");
    put_bot_build(
        &c,
        "Partly",
        vec![intent_ref("Mute", "$LATEST"), intent_ref("Talk", "$LATEST")],
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, reason, _) = bot_status(&c, "Partly").await;
    assert_eq!(
        (status, reason.as_deref()),
        (Status::Failed, Some("intent Mute has no sample utterances"))
    );

    put_bot_build(&c, "Latest", vec![intent_ref("Talk", "$LATEST")], None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _, _) = bot_status(&c, "Latest").await;
    assert_eq!(status, Status::Ready);
    assert_eq!(
        refused(c.create_bot_version().name("Latest").send().await).0,
        "BadRequestException",
        "intents must be numbered versions to publish"
    );
    // A change to an intent's $LATEST makes the bots using it unbuilt.
    let cs = c
        .get_intent()
        .name("Talk")
        .version("$LATEST")
        .send()
        .await
        .unwrap()
        .checksum()
        .unwrap()
        .to_string();
    c.put_intent()
        .name("Talk")
        .checksum(cs)
        .sample_utterances("hi")
        .send()
        .await
        .expect("change intent");
    assert_eq!(bot_status(&c, "Latest").await.0, Status::NotBuilt);

    // Each case changes one member of a valid PutBot.
    type Bot = aws_sdk_lexmodelbuilding::operation::put_bot::builders::PutBotFluentBuilder;
    let valid = || c.put_bot().locale(Locale::EnUs).child_directed(false);
    let cases: &[Refusal<Bot>] = &[
        (
            "a bot using an unknown intent is refused",
            |b| b.name("Dangling").intents(intent_ref("Nope", "$LATEST")),
            "BadRequestException",
        ),
        (
            "a bot without a locale is refused (locale is required)",
            |b| b.name("NoLocale").set_locale(None),
            "BadRequestException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    assert_eq!(
        refused(
            c.put_bot_alias()
                .bot_name("Latest")
                .name("prod")
                .bot_version("9")
                .send()
                .await
        )
        .0,
        "BadRequestException",
        "unknown bot version"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn import_failures_are_reported_and_merge_strategies_apply() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    let bad_zip = import(
        &c,
        b"definitely not a zip".to_vec(),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(bad_zip.import_status(), Some(&ImportStatus::Failed));
    assert!(bad_zip.failure_reason()[0].contains("not a valid zip"));

    let doc = serde_json::to_vec(&bot_doc("Twice")).unwrap();
    let two = import(
        &c,
        zip_of(&[("a.json", &doc), ("b.json", &doc)]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(two.import_status(), Some(&ImportStatus::Failed));
    assert!(two.failure_reason()[0].contains("exactly one file"));

    let not_json = import(
        &c,
        zip_of(&[("bot.json", b"{ nope")]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(not_json.import_status(), Some(&ImportStatus::Failed));
    assert!(not_json.failure_reason()[0].contains("not valid json"));

    let bad_name = serde_json::to_vec(&bot_doc("bad-name")).unwrap();
    let named = import(
        &c,
        zip_of(&[("bot.json", &bad_name)]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(named.import_status(), Some(&ImportStatus::Failed));
    assert!(named.failure_reason()[0].contains("bad-name"));

    let mut wrong_meta = bot_doc("Meta");
    wrong_meta["metadata"]["importType"] = json!("ALEXA");
    let meta = import(
        &c,
        zip_of(&[("bot.json", &serde_json::to_vec(&wrong_meta).unwrap())]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(meta.import_status(), Some(&ImportStatus::Failed));
    assert_eq!(
        refused(
            c.get_bot()
                .name("Meta")
                .version_or_alias("$LATEST")
                .send()
                .await
        )
        .0,
        "NotFoundException",
        "a failed import creates no bot"
    );

    let ok = import(
        &c,
        zip_of(&[("bot.json", &doc)]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(ok.import_status(), Some(&ImportStatus::Complete));
    let before = c
        .get_intent()
        .name("CallerYes")
        .version("$LATEST")
        .send()
        .await
        .unwrap()
        .checksum()
        .unwrap()
        .to_string();
    let clash = import(
        &c,
        zip_of(&[("bot.json", &doc)]),
        ResourceType::Bot,
        MergeStrategy::FailOnConflict,
    )
    .await;
    assert_eq!(clash.import_status(), Some(&ImportStatus::Failed));
    assert!(
        clash.failure_reason()[0].contains("AnswerKind"),
        "{:?}",
        clash.failure_reason()
    );
    let again = import(
        &c,
        zip_of(&[("bot.json", &doc)]),
        ResourceType::Bot,
        MergeStrategy::OverwriteLatest,
    )
    .await;
    assert_eq!(again.import_status(), Some(&ImportStatus::Complete));
    let after = c
        .get_intent()
        .name("CallerYes")
        .version("$LATEST")
        .send()
        .await
        .unwrap()
        .checksum()
        .unwrap()
        .to_string();
    assert_ne!(before, after, "OVERWRITE_LATEST rewrites $LATEST");

    // An intent document on its own.
    let intent_doc = json!({ "metadata": { "schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON" }, "resource": intent_json("Solo", &["solo"]) });
    let solo = import(
        &c,
        zip_of(&[("i.json", &serde_json::to_vec(&intent_doc).unwrap())]),
        ResourceType::Intent,
        MergeStrategy::FailOnConflict,
    )
    .await;
    assert_eq!(
        (solo.import_status(), solo.name()),
        (Some(&ImportStatus::Complete), Some("Solo"))
    );

    assert_eq!(
        refused(
            c.start_import()
                .payload(Blob::new(zip_of(&[("i.json", b"{}")])))
                .resource_type(ResourceType::Intent)
                .merge_strategy(MergeStrategy::FailOnConflict)
                .tags(
                    aws_sdk_lexmodelbuilding::types::Tag::builder()
                        .key("k")
                        .value("v")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
        )
        .0,
        "BadRequestException",
        "tags only on bot imports"
    );
    assert_eq!(
        refused(c.get_import().import_id("nope").send().await).0,
        "NotFoundException"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn names_lists_and_pages() {
    let sb = sandbox(config(Duration::from_millis(100))).await;
    let c = lex(&sb).await;
    for bad in ["Yes1", "Yes-No", "_Yes", "a__b"] {
        assert_eq!(
            refused(c.put_intent().name(bad).send().await).0,
            "BadRequestException",
            "{bad} is not a valid name"
        );
    }
    let e = c
        .put_bot()
        .name("B")
        .locale(Locale::EnUs)
        .child_directed(false)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error().is_bad_request_exception(),
        "bot names have at least 2 characters"
    );
    for i in 0..12 {
        let name = format!(
            "Pager_{}",
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"][i]
        );
        c.put_bot()
            .name(name)
            .locale(Locale::EnUs)
            .child_directed(false)
            .process_behavior(ProcessBehavior::Save)
            .send()
            .await
            .expect("bot");
    }
    c.put_bot()
        .name("Other")
        .locale(Locale::EnUs)
        .child_directed(false)
        .process_behavior(ProcessBehavior::Save)
        .send()
        .await
        .expect("bot");
    let first = c.get_bots().max_results(5).send().await.expect("page");
    assert_eq!(first.bots().len(), 5);
    let all: Vec<String> = c
        .get_bots()
        .max_results(5)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate")
        .iter()
        .flat_map(|p| p.bots().iter().filter_map(|b| b.name().map(str::to_string)))
        .collect();
    assert_eq!(all.len(), 13);
    let pagers = c
        .get_bots()
        .name_contains("pager")
        .max_results(50)
        .send()
        .await
        .expect("contains");
    assert_eq!(pagers.bots().len(), 12);
    assert_eq!(
        refused(c.get_bots().max_results(51).send().await).0,
        "BadRequestException"
    );
    // GetBot of what does not exist.
    let cases = [
        ("an unknown bot is not found", "Nobody", "$LATEST"),
        ("an unknown alias is not found", "Other", "prod"),
    ];
    for (case, name, version) in cases {
        let answer = c
            .get_bot()
            .name(name)
            .version_or_alias(version)
            .send()
            .await;
        let (got, message) = refused(answer);
        assert_eq!(got, "NotFoundException", "{case}: {message}");
    }
    c.put_slot_type()
        .name("Colour")
        .enumeration_values(
            aws_sdk_lexmodelbuilding::types::EnumerationValue::builder()
                .value("red")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("slot type");
    assert_eq!(
        refused(c.put_slot_type().name("Empty").send().await).0,
        "BadRequestException",
        "a custom slot type needs values"
    );
    let types = c.get_slot_types().send().await.expect("slot types");
    assert_eq!(types.slot_types().len(), 1);
    c.put_intent()
        .name("Ask")
        .sample_utterances("ask")
        .send()
        .await
        .expect("intent");
    c.create_intent_version()
        .name("Ask")
        .send()
        .await
        .expect("v1");
    let iv = c
        .get_intent_versions()
        .name("Ask")
        .send()
        .await
        .expect("intent versions");
    let vs: Vec<&str> = iv.intents().iter().filter_map(|i| i.version()).collect();
    assert_eq!(vs, ["$LATEST", "1"]);
    let intents = c.get_intents().send().await.expect("intents");
    assert_eq!(intents.intents().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn limit_exceeded_is_retried_by_the_sdk() {
    use connect_returns_sandbox::{FaultConfig, FaultRule, Service};
    let sb = sandbox(config(Duration::from_millis(100))).await;
    sb.shared().set_faults(FaultConfig {
        seed: 11,
        rules: vec![FaultRule {
            service: "lexv1".into(),
            operation: "*".into(),
            latency_ms: 0,
            throttle_probability: 0.3,
            error_probability: 0.1,
        }],
    });
    let c = Client::new(&sdk_config(&sb.lexv1_url, true).await);
    for n in ["RetryOne", "RetryTwo", "RetryThree", "RetryFour"] {
        c.put_intent()
            .name(n)
            .sample_utterances("hello")
            .send()
            .await
            .expect("put intent");
        assert_eq!(publish_intent(&c, n).await, "1");
    }
    let log = sb.shared().requests();
    let throttled = log
        .iter()
        .filter(|e| {
            e.service == Service::LexV1 && e.error.as_deref() == Some("LimitExceededException")
        })
        .count();
    assert!(
        throttled > 0,
        "some calls were throttled with LimitExceededException"
    );
    assert_eq!(
        c.get_intents()
            .send()
            .await
            .expect("intents")
            .intents()
            .len(),
        4
    );
    sb.shutdown().await;
}
