//! Tests of the Lex V1 module: the import document, markers and diff, and the full cycle against the sandbox.
#![allow(deprecated)]

use connect_returns_sandbox::Service;

use aws_sdk_lexmodelbuilding::Client;
use aws_sdk_lexmodelbuilding::types::Status;

use super::import::{import_document, import_zip};
use super::*;
use crate::error::UserError;
use crate::resources::lex::spec::owner_of;
use crate::resources::lex::v2::tests::{faulty_sandbox, sandbox, spec};
use crate::resources::sdk::testing;

fn desired(deployment: &str) -> Desired {
    Desired {
        spec: spec(),
        deployment: deployment.into(),
    }
}

#[test]
fn descriptions_fit_and_carry_both_markers() {
    let fp = "a".repeat(64);
    let long = "x".repeat(500);
    let d = description(&long, "returnCaller", Some(&fp));
    assert!(d.len() <= 200, "{}", d.len());
    assert_eq!(owner_of(&d), Some("returnCaller"));
    assert_eq!(fingerprint_in(&d), Some(fp.as_str()));
    assert_eq!(fingerprint_in(&description("intent", "dep", None)), None);
}

#[test]
fn import_document_has_the_lex_schema_and_every_intent() {
    let doc = import_document(&spec(), "dep");
    assert_eq!(
        doc["metadata"],
        serde_json::json!({"schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON"})
    );
    let resource = &doc["resource"];
    assert_eq!(resource["locale"], "en-US");
    assert_eq!(resource["childDirected"], false);
    let names: Vec<&str> = resource["intents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Yes", "No"]);
    assert_eq!(
        resource["intents"][0]["fulfillmentActivity"]["type"],
        "ReturnIntent"
    );
    // The zip holds exactly that one document, and is reproducible.
    let zip_bytes = import_zip(&spec(), "dep").unwrap();
    assert_eq!(zip_bytes, import_zip(&spec(), "dep").unwrap());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    assert_eq!(archive.len(), 1);
    let inner: serde_json::Value = serde_json::from_reader(archive.by_index(0).unwrap()).unwrap();
    assert_eq!(inner, doc);
}

#[test]
fn diff_cases() {
    let d = desired("dep");
    assert_eq!(diff(&d, None), Change::Create);
    let steady = Current {
        deployment: Some("dep".into()),
        latest_status: "READY".into(),
        alias_version: Some("1".into()),
        alias_fingerprint: Some(d.fingerprint()),
        foreign_intents: vec![],
    };
    assert_eq!(diff(&d, Some(&steady)), Change::NoOp);
    let mut changed = d.clone();
    changed.spec.clarification_prompt = "Pardon?".into();
    assert!(
        matches!(diff(&changed, Some(&steady)), Change::Update { fields, .. } if fields[0].field == "definition")
    );
    let foreign = Current {
        deployment: None,
        foreign_intents: vec!["Yes".into()],
        ..steady.clone()
    };
    assert!(
        matches!(diff(&d, Some(&foreign)), Change::Conflict { reason, .. } if reason.contains("Yes"))
    );
    let other = Current {
        deployment: Some("other".into()),
        ..steady
    };
    assert!(matches!(diff(&d, Some(&other)), Change::Conflict { .. }));
}

fn mutating(sb: &connect_returns_sandbox::Running) -> Vec<String> {
    sb.shared()
        .requests()
        .into_iter()
        .filter(|r| r.service == Service::LexV1 && r.mutating)
        .map(|r| r.operation)
        .collect()
}

#[tokio::test]
async fn full_cycle_against_the_sandbox() {
    let sb = sandbox().await;
    let lex = Client::new(&testing::config_for(&sb.lexv1_url).await);
    let d = desired("returnCaller");
    let (lines, progress) = testing::collector();

    assert!(read(&lex, &d.spec).await.unwrap().is_none());
    let created = apply(&lex, "us-east-1", &d, None, &progress).await.unwrap();
    assert_eq!(
        created,
        Applied {
            bot_name: d.spec.name.clone(),
            region: "us-east-1".into(),
            alias: "prod".into(),
            version: "1".into(),
            changed: true
        }
    );
    assert_eq!(lines.lock().unwrap()[0], END_OF_SUPPORT_WARNING);
    let alias = lex
        .get_bot_alias()
        .name("prod")
        .bot_name(&d.spec.name)
        .send()
        .await
        .unwrap();
    assert_eq!(alias.bot_version(), Some("1"));
    let v1 = lex
        .get_bot()
        .name(&d.spec.name)
        .version_or_alias("1")
        .send()
        .await
        .unwrap();
    assert_eq!(v1.status(), Some(&Status::Ready));
    let mut intents: Vec<&str> = v1.intents().iter().map(|i| i.intent_name()).collect();
    intents.sort();
    assert_eq!(intents, ["No", "Yes"]);

    // Unchanged: three reads, no mutation.
    sb.shared().clear_requests();
    let current = read(&lex, &d.spec).await.unwrap().unwrap();
    assert_eq!(diff(&d, Some(&current)), Change::NoOp);
    assert!(
        !apply(&lex, "us-east-1", &d, Some(&current), &progress)
            .await
            .unwrap()
            .changed
    );
    assert_eq!(
        sb.shared().requests().len(),
        3,
        "{:?}",
        sb.shared().requests()
    );
    assert!(mutating(&sb).is_empty());

    // A changed utterance: new bot version 2, alias moved.
    let mut d2 = d.clone();
    d2.spec.intents[0].utterances.push("sure".into());
    let updated = apply(&lex, "us-east-1", &d2, Some(&current), &progress)
        .await
        .unwrap();
    assert_eq!(updated.version, "2");
    assert_eq!(
        lex.get_bot_alias()
            .name("prod")
            .bot_name(&d.spec.name)
            .send()
            .await
            .unwrap()
            .bot_version(),
        Some("2")
    );
    assert_eq!(
        diff(&d2, read(&lex, &d2.spec).await.unwrap().as_ref()),
        Change::NoOp
    );

    // Delete: alias, bot, intents; then nothing left and a second delete is a no-op.
    assert!(matches!(
        delete(&lex, &d.spec, "other", &progress).await.unwrap(),
        Deleted::NotOurs { .. }
    ));
    let deleted = delete(&lex, &d.spec, "returnCaller", &progress)
        .await
        .unwrap();
    assert_eq!(
        deleted,
        Deleted::Removed {
            intents: vec!["Yes".into(), "No".into()],
            slot_types: vec![]
        }
    );
    assert!(read(&lex, &d.spec).await.unwrap().is_none());
    assert!(
        lex.get_intent()
            .name("Yes")
            .version("$LATEST")
            .send()
            .await
            .is_err()
    );
    assert_eq!(
        delete(&lex, &d.spec, "returnCaller", &progress)
            .await
            .unwrap(),
        Deleted::Absent
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_foreign_intent_of_the_same_name_is_a_conflict() {
    let sb = sandbox().await;
    let lex = Client::new(&testing::config_for(&sb.lexv1_url).await);
    lex.put_intent()
        .name("Yes")
        .sample_utterances("yep")
        .fulfillment_activity(
            aws_sdk_lexmodelbuilding::types::FulfillmentActivity::builder()
                .r#type(aws_sdk_lexmodelbuilding::types::FulfillmentActivityType::ReturnIntent)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let d = desired("dep");
    let current = read(&lex, &d.spec)
        .await
        .unwrap()
        .expect("a foreign intent is reported");
    assert_eq!(current.foreign_intents, vec!["Yes".to_string()]);
    sb.shared().clear_requests();
    let noop = |_: String| {};
    let err = apply(&lex, "us-east-1", &d, Some(&current), &noop)
        .await
        .unwrap_err();
    assert!(err.downcast_ref::<UserError>().is_some(), "{err}");
    assert!(mutating(&sb).is_empty(), "refused before any change");
    // Destroy leaves the foreign intent alone.
    delete(&lex, &d.spec, "dep", &noop).await.unwrap();
    assert!(
        lex.get_intent()
            .name("Yes")
            .version("$LATEST")
            .send()
            .await
            .is_ok()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn deploy_and_delete_converge_with_twenty_percent_faults() {
    let sb = faulty_sandbox(11).await;
    let lex = Client::new(&testing::config_retrying(&sb.lexv1_url).await);
    let d = desired("dep");
    let noop = |_: String| {};
    let current = read(&lex, &d.spec).await.unwrap();
    let applied = apply(&lex, "us-east-1", &d, current.as_ref(), &noop)
        .await
        .unwrap();
    assert!(
        sb.shared().requests().iter().any(|r| r.status >= 429),
        "faults were injected"
    );
    assert_eq!(applied.version, "1");
    assert_eq!(
        diff(&d, read(&lex, &d.spec).await.unwrap().as_ref()),
        Change::NoOp
    );
    assert!(matches!(
        delete(&lex, &d.spec, "dep", &noop).await.unwrap(),
        Deleted::Removed { .. }
    ));
    assert!(read(&lex, &d.spec).await.unwrap().is_none());
    sb.shutdown().await;
}
