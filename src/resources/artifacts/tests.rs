//! Tests of the artifacts module: preflight, diff, and bucket + upload-once + delete against moto.

use aws_sdk_s3::types::ServerSideEncryption;

use super::bucket::tls_only_statement;
use super::delete::prune;
use super::*;
use crate::error::UserError;
use crate::resources::sdk::testing;
use std::path::Path;

fn write_zip(dir: &Path, name: &str, content: &[u8]) -> LocalArtifact {
    let path = dir.join(format!("{name}.zip"));
    std::fs::write(&path, content).unwrap();
    LocalArtifact {
        name: name.into(),
        path,
        sha256: sha256_hex(content),
        embedded: None,
    }
}

fn accept(_: &LocalArtifact, _: &[u8]) -> Result<(), String> {
    Ok(())
}

#[test]
fn names_and_keys() {
    assert_eq!(
        bucket_name("123456789012", "eu-west-2"),
        "connect-returns-123456789012-eu-west-2"
    );
    let artifact = LocalArtifact {
        name: "f".into(),
        path: "f.zip".into(),
        sha256: "ab".repeat(32),
        embedded: None,
    };
    assert_eq!(
        artifact.key("returnCaller"),
        format!("returnCaller/lambdas/{}.zip", "ab".repeat(32))
    );
}

#[test]
fn preflight_refuses_missing_stale_and_rejected_zips() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_zip(dir.path(), "good", b"zip one");
    assert!(preflight(std::slice::from_ref(&good), &accept).is_ok());

    let mut stale = good.clone();
    stale.sha256 = sha256_hex(b"something else");
    assert!(
        preflight(&[stale], &accept)
            .unwrap_err()
            .message
            .contains("changed since the manifest was written")
    );

    let mut missing = good.clone();
    missing.path = dir.path().join("absent.zip");
    assert!(
        preflight(&[missing], &accept)
            .unwrap_err()
            .message
            .contains("is missing")
    );

    let glibc = |_: &LocalArtifact, _: &[u8]| Err("needs GLIBC_2.38, AL2023 has 2.34".to_string());
    let err = preflight(&[good], &glibc).unwrap_err();
    assert_eq!(
        err.message,
        "Lambda artifact good refused: needs GLIBC_2.38, AL2023 has 2.34"
    );
}

#[test]
fn diff_lists_missing_zips_and_refuses_foreign_buckets() {
    let artifact = LocalArtifact {
        name: "f".into(),
        path: "f.zip".into(),
        sha256: "cd".repeat(32),
        embedded: None,
    };
    let desired = Desired::new("123456789012", "us-east-1", "dep", vec![artifact.clone()]);
    assert_eq!(diff(&desired, None), Change::Create);
    let mut current = Current {
        bucket: desired.bucket.clone(),
        ownership: Ownership::Ours,
        keys: BTreeSet::new(),
        tls_only: true,
    };
    let Change::Update { fields, .. } = diff(&desired, Some(&current)) else {
        panic!()
    };
    assert_eq!(
        fields,
        vec![FieldDiff::new(
            "lambda zip f",
            "(not uploaded)",
            "sha256 cdcdcdcdcdcd"
        )]
    );
    current.keys.insert(artifact.key("dep"));
    assert_eq!(diff(&desired, Some(&current)), Change::NoOp);
    current.tls_only = false;
    let Change::Update { fields, .. } = diff(&desired, Some(&current)) else {
        panic!()
    };
    assert_eq!(
        fields,
        vec![FieldDiff::new(
            "bucket policy",
            "(allows requests without TLS)",
            "denies requests without TLS"
        )]
    );
    current.ownership = Ownership::Untagged;
    assert!(matches!(
        diff(&desired, Some(&current)),
        Change::Conflict { .. }
    ));
    current.ownership = Ownership::Foreign;
    assert!(
        matches!(diff(&desired, Some(&current)), Change::Conflict { reason, .. } if reason.contains("another AWS account"))
    );
}

#[tokio::test]
async fn bucket_upload_once_and_delete_against_moto() {
    let s3 = Client::from_conf(
        aws_sdk_s3::config::Builder::from(&testing::moto().await)
            .force_path_style(true)
            .build(),
    );
    let dir = tempfile::tempdir().unwrap();
    // A unique fake account keeps this test's bucket apart from other tests on the shared moto.
    let account = format!("{:012}", std::process::id() as u64 * 1000 + 1);
    let a = write_zip(dir.path(), "a", b"first zip");
    let b = write_zip(dir.path(), "b", b"second zip");
    let desired = Desired::new(&account, "us-east-1", "depone", vec![a.clone(), b.clone()]);
    let (lines, progress) = testing::collector();

    assert!(
        read(&s3, &desired.bucket, "depone")
            .await
            .unwrap()
            .is_none()
    );
    let uploaded = apply(&s3, &desired, None, &progress).await.unwrap();
    assert_eq!(uploaded.uploaded, 2);
    assert_eq!(uploaded.keys["a"], a.key("depone"));

    // The bucket is set up as promised.
    let enc = s3
        .get_bucket_encryption()
        .bucket(&desired.bucket)
        .send()
        .await
        .unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm(),
        &ServerSideEncryption::Aes256
    );
    let pab = s3
        .get_public_access_block()
        .bucket(&desired.bucket)
        .send()
        .await
        .unwrap();
    let pab = pab.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            pab.block_public_acls(),
            pab.ignore_public_acls(),
            pab.block_public_policy(),
            pab.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let object = s3
        .get_object()
        .bucket(&desired.bucket)
        .key(a.key("depone"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        object.body.collect().await.unwrap().into_bytes().as_ref(),
        b"first zip"
    );

    // Unchanged: nothing to do, and apply uploads nothing.
    let current = read(&s3, &desired.bucket, "depone").await.unwrap().unwrap();
    assert_eq!(current.ownership, Ownership::Ours);
    assert_eq!(diff(&desired, Some(&current)), Change::NoOp);
    assert_eq!(
        apply(&s3, &desired, Some(&current), &progress)
            .await
            .unwrap()
            .uploaded,
        0
    );

    // One zip changes: only that one is uploaded.
    let b2 = write_zip(dir.path(), "b", b"second zip, edited");
    let desired2 = Desired::new(&account, "us-east-1", "depone", vec![a.clone(), b2.clone()]);
    let Change::Update { fields, .. } = diff(&desired2, Some(&current)) else {
        panic!()
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(
        apply(&s3, &desired2, Some(&current), &progress)
            .await
            .unwrap()
            .uploaded,
        1
    );
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("artifacts: a unchanged"))
    );

    // Once the stacks use the new keys, the superseded zip goes; the current ones stay.
    let before_prune = read(&s3, &desired.bucket, "depone").await.unwrap().unwrap();
    assert_eq!(before_prune.keys.len(), 3);
    let keep = vec![a.key("depone"), b2.key("depone")];
    assert_eq!(
        prune(&s3, &before_prune, &keep, &progress).await.unwrap(),
        1
    );
    let after_prune = read(&s3, &desired.bucket, "depone").await.unwrap().unwrap();
    assert_eq!(after_prune.keys, keep.iter().cloned().collect());
    assert_eq!(prune(&s3, &after_prune, &keep, &progress).await.unwrap(), 0);

    // A second deployment shares the bucket; deleting the first keeps the bucket and the second's zip.
    let other = Desired::new(&account, "us-east-1", "deptwo", vec![a.clone()]);
    let current_other = read(&s3, &other.bucket, "deptwo").await.unwrap();
    apply(&s3, &other, current_other.as_ref(), &progress)
        .await
        .unwrap();
    let deleted = delete(&s3, &desired.bucket, "depone", &progress)
        .await
        .unwrap();
    assert_eq!(
        deleted,
        Deleted {
            objects: 2,
            bucket_deleted: false
        }
    );
    assert!(
        s3.head_object()
            .bucket(&desired.bucket)
            .key(a.key("deptwo"))
            .send()
            .await
            .is_ok()
    );
    assert!(
        s3.head_object()
            .bucket(&desired.bucket)
            .key(a.key("depone"))
            .send()
            .await
            .is_err()
    );

    // The last deployment out removes the bucket; a second delete is a no-op.
    let deleted = delete(&s3, &desired.bucket, "deptwo", &progress)
        .await
        .unwrap();
    assert_eq!(
        deleted,
        Deleted {
            objects: 1,
            bucket_deleted: true
        }
    );
    assert!(
        read(&s3, &desired.bucket, "deptwo")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        delete(&s3, &desired.bucket, "deptwo", &progress)
            .await
            .unwrap(),
        Deleted::default()
    );
}

#[tokio::test]
async fn an_untagged_bucket_of_that_name_is_a_conflict_and_kept() {
    let s3 = Client::from_conf(
        aws_sdk_s3::config::Builder::from(&testing::moto().await)
            .force_path_style(true)
            .build(),
    );
    let account = format!("{:012}", std::process::id() as u64 * 1000 + 2);
    let dir = tempfile::tempdir().unwrap();
    let desired = Desired::new(
        &account,
        "us-east-1",
        "dep",
        vec![write_zip(dir.path(), "a", b"zip")],
    );
    s3.create_bucket()
        .bucket(&desired.bucket)
        .send()
        .await
        .unwrap();
    let current = read(&s3, &desired.bucket, "dep").await.unwrap().unwrap();
    assert_eq!(current.ownership, Ownership::Untagged);
    let noop = |_: String| {};
    let err = apply(&s3, &desired, Some(&current), &noop)
        .await
        .unwrap_err();
    assert!(err.downcast_ref::<UserError>().is_some());
    assert_eq!(
        delete(&s3, &desired.bucket, "dep", &noop).await.unwrap(),
        Deleted::default()
    );
    assert!(
        s3.head_bucket()
            .bucket(&desired.bucket)
            .send()
            .await
            .is_ok(),
        "not ours: kept"
    );
    s3.delete_bucket()
        .bucket(&desired.bucket)
        .send()
        .await
        .unwrap();
}

#[test]
fn a_bucket_without_a_policy_gets_only_the_tls_only_statement() {
    let policy = with_tls_only(None, "b-1")
        .unwrap()
        .expect("a policy to put");
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    assert_eq!(
        policy["Statement"],
        serde_json::json!([tls_only_statement("b-1")])
    );
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(
        statement["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        statement["Resource"],
        serde_json::json!(["arn:aws:s3:::b-1", "arn:aws:s3:::b-1/*"])
    );
}

#[test]
fn statements_someone_else_added_are_kept_and_ours_is_added_once() {
    let theirs = serde_json::json!({"Sid": "Theirs", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b-1/*"});
    let single = serde_json::json!({"Version": "2012-10-17", "Statement": theirs}).to_string();
    let merged = with_tls_only(Some(&single), "b-1")
        .unwrap()
        .expect("ours is missing");
    let merged: serde_json::Value = serde_json::from_str(&merged).unwrap();
    assert_eq!(
        merged["Statement"],
        serde_json::json!([theirs, tls_only_statement("b-1")])
    );
    assert_eq!(
        with_tls_only(Some(&merged.to_string()), "b-1").unwrap(),
        None
    );
    // Our statement edited by hand (the condition loosened) is put back as we write it.
    let mut edited = merged.clone();
    edited["Statement"][1]["Condition"] = serde_json::json!({});
    let repaired = with_tls_only(Some(&edited.to_string()), "b-1")
        .unwrap()
        .expect("repaired");
    let repaired: serde_json::Value = serde_json::from_str(&repaired).unwrap();
    assert_eq!(repaired, merged);
}

#[test]
fn a_policy_that_is_not_json_is_refused_not_overwritten() {
    let err = with_tls_only(Some("{not json"), "b-1").unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
}
