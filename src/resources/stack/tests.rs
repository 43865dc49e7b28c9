//! Tests of the stack module: the pure diff and template transform, and full cycles against moto.

use super::*;
use crate::resources::sdk::testing;

const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  TableName:
    Type: String
Resources:
  Calls:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Ref TableName
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
Outputs:
  TableArn:
    Value: !GetAtt Calls.Arn
";

fn template_with_extra() -> String {
    TEMPLATE.replace(
        "Outputs:\n",
        "  Extra:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub '${TableName}-extra'
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
Outputs:
  ExtraName:
    Value: !Ref Extra
",
    )
}

fn desired(deployment: &str, table: &str, template: &str) -> Desired {
    let params = BTreeMap::from([("TableName".to_string(), table.to_string())]);
    Desired::new(deployment, "returning-callers", template, params).unwrap()
}

fn current_from_desired(d: &Desired, status: &str) -> Current {
    Current {
        stack_id: format!(
            "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/1",
            d.stack_name
        ),
        stack_name: d.stack_name.clone(),
        status: status.into(),
        status_reason: None,
        parameters: d.parameters.clone(),
        tags: d.all_tags(),
        outputs: BTreeMap::new(),
        template_body: d.template_body.clone(),
    }
}

#[test]
fn stack_names_are_validated() {
    assert_eq!(
        stack_name("returnCaller", "callbacks").unwrap(),
        "returnCaller-callbacks"
    );
    for bad in ["", "1abc", "has space", "under_score", &"a".repeat(120)] {
        let err = stack_name(bad, "returning-callers").unwrap_err();
        assert!(
            err.message.contains("cannot be used in a stack name"),
            "{bad}: {}",
            err.message
        );
        assert!(!err.hints.is_empty());
    }
}

#[test]
fn diff_absent_is_create_and_identical_is_noop() {
    let d = desired("dep", "t1", TEMPLATE);
    assert_eq!(diff(&d, None), Change::Create);
    assert_eq!(
        diff(&d, Some(&current_from_desired(&d, "UPDATE_COMPLETE"))),
        Change::NoOp
    );
    // A rolled-back update still holds the old resources: identical desired state is a no-op.
    assert_eq!(
        diff(
            &d,
            Some(&current_from_desired(&d, "UPDATE_ROLLBACK_COMPLETE"))
        ),
        Change::NoOp
    );
    assert_eq!(
        diff(&d, Some(&current_from_desired(&d, "REVIEW_IN_PROGRESS"))),
        Change::Create
    );
}

#[test]
fn diff_lists_template_parameter_and_tag_changes() {
    let d = desired("dep", "t1", TEMPLATE);
    let mut current = current_from_desired(&d, "CREATE_COMPLETE");
    current.template_body = TEMPLATE.replace("PAY_PER_REQUEST", "PROVISIONED");
    current.parameters.insert("TableName".into(), "t0".into());
    current.tags.insert("team".into(), "x".into());
    let mut d2 = d.clone();
    d2.tags.insert("team".into(), "y".into());
    let Change::Update { fields, .. } = diff(&d2, Some(&current)) else {
        panic!("expected an update")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, vec!["template", "parameter TableName", "tag team"]);
    assert!(fields[0].to.contains("+1 -1 lines"), "{}", fields[0].to);
    assert_eq!(
        (fields[1].from.as_str(), fields[1].to.as_str()),
        ("t0", "t1")
    );
}

#[test]
fn diff_refuses_foreign_busy_and_stuck_stacks() {
    let d = desired("dep", "t1", TEMPLATE);
    let mut foreign = current_from_desired(&d, "CREATE_COMPLETE");
    foreign.tags.clear();
    assert!(
        matches!(diff(&d, Some(&foreign)), Change::Conflict { reason, .. } if reason.contains("not created by connect-returns"))
    );
    let mut other = current_from_desired(&d, "CREATE_COMPLETE");
    other.tags.insert(DEPLOYMENT_TAG.into(), "other".into());
    assert!(
        matches!(diff(&d, Some(&other)), Change::Conflict { reason, .. } if reason.contains("\"other\""))
    );
    let busy = current_from_desired(&d, "UPDATE_IN_PROGRESS");
    assert!(
        matches!(diff(&d, Some(&busy)), Change::Conflict { reason, .. } if reason.contains("busy: UPDATE_IN_PROGRESS"))
    );
    let stuck = current_from_desired(&d, "UPDATE_ROLLBACK_FAILED");
    assert!(
        matches!(diff(&d, Some(&stuck)), Change::Conflict { hint: Some(hint), .. } if hint.contains("continue-update-rollback"))
    );
}

#[test]
fn diff_recreates_a_rolled_back_first_create() {
    let d = desired("dep", "t1", TEMPLATE);
    let Change::Update { fields, .. } =
        diff(&d, Some(&current_from_desired(&d, "ROLLBACK_COMPLETE")))
    else {
        panic!()
    };
    assert_eq!(
        fields,
        vec![FieldDiff::new(
            "status",
            "ROLLBACK_COMPLETE",
            "deleted and created again"
        )]
    );
}

#[test]
fn retain_tables_inserts_or_replaces_the_policy_in_yaml() {
    let out = retain_tables(TEMPLATE);
    assert!(
        out.contains("    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    Properties:"),
        "{out}"
    );
    assert_eq!(retain_tables(&out), out, "idempotent");

    let with_delete = TEMPLATE.replace(
        "    Type: AWS::DynamoDB::Table\n",
        "    DeletionPolicy: Delete\n    Type: \"AWS::DynamoDB::Table\"\n",
    );
    let out = retain_tables(&with_delete);
    assert!(
        out.contains("    DeletionPolicy: Retain\n    Type: \"AWS::DynamoDB::Table\""),
        "{out}"
    );
    assert!(!out.contains("Delete\n"));

    let two = retain_tables(&template_with_extra());
    assert_eq!(two.matches("DeletionPolicy: Retain").count(), 2, "{two}");

    let function = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {}\n";
    assert_eq!(retain_tables(function), function);
}

#[test]
fn retain_tables_handles_json_templates() {
    let json = r#"{"Resources":{"T":{"Type":"AWS::DynamoDB::Table","Properties":{}},"F":{"Type":"AWS::Lambda::Function"}}}"#;
    let out: serde_json::Value = serde_json::from_str(&retain_tables(json)).unwrap();
    assert_eq!(out["Resources"]["T"]["DeletionPolicy"], "Retain");
    assert!(out["Resources"]["F"].get("DeletionPolicy").is_none());
}

async fn clients() -> (Client, aws_sdk_dynamodb::Client) {
    let conf = testing::moto().await;
    (Client::new(&conf), aws_sdk_dynamodb::Client::new(&conf))
}

async fn table_exists(ddb: &aws_sdk_dynamodb::Client, name: &str) -> bool {
    ddb.describe_table().table_name(name).send().await.is_ok()
}

#[tokio::test]
async fn create_noop_update_and_delete_against_moto() {
    let (cfn, ddb) = clients().await;
    let deployment = testkit::unique("stk").replace('-', "x");
    let table = testkit::unique("calls");
    let d = desired(&deployment, &table, TEMPLATE);
    let (lines, progress) = testing::collector();

    assert!(read(&cfn, &d.stack_name).await.unwrap().is_none());
    let created = apply(&cfn, &d, None, &progress, &ignore_resources)
        .await
        .unwrap();
    assert!(created.changed);
    assert!(
        created.outputs["TableArn"].ends_with(&format!("table/{table}")),
        "{:?}",
        created.outputs
    );
    assert!(table_exists(&ddb, &table).await);
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("CREATE_COMPLETE")),
        "{:?}",
        lines.lock().unwrap()
    );

    let current = read(&cfn, &d.stack_name)
        .await
        .unwrap()
        .expect("stack exists");
    assert_eq!(current.deployment(), Some(deployment.as_str()));
    assert_eq!(current.status, "CREATE_COMPLETE");
    assert_eq!(diff(&d, Some(&current)), Change::NoOp);

    // A no-op makes no call at all: a client pointed at a closed port still succeeds.
    let dead = Client::new(&testing::config_for("http://127.0.0.1:9").await);
    let noop = apply(&dead, &d, Some(&current), &progress, &ignore_resources)
        .await
        .unwrap();
    assert!(!noop.changed);
    assert_eq!(noop.outputs, created.outputs);

    // Update through a change set: a second table appears. (moto does not recompute outputs when
    // it executes a change set, so only the resource is checked here.)
    let d2 = desired(&deployment, &table, &template_with_extra());
    assert!(matches!(diff(&d2, Some(&current)), Change::Update { .. }));
    let updated = apply(&cfn, &d2, Some(&current), &progress, &ignore_resources)
        .await
        .unwrap();
    assert!(updated.changed);
    assert!(updated.outputs.contains_key("TableArn"));
    assert!(table_exists(&ddb, &format!("{table}-extra")).await);
    let after = read(&cfn, &d.stack_name).await.unwrap().unwrap();
    assert_eq!(after.status, "UPDATE_COMPLETE");
    assert_eq!(diff(&d2, Some(&after)), Change::NoOp);

    let deleted = delete(&cfn, &d.stack_name, &deployment, false, &progress)
        .await
        .unwrap();
    assert!(deleted.existed && deleted.retained.is_empty());
    assert!(read(&cfn, &d.stack_name).await.unwrap().is_none());
    assert!(!table_exists(&ddb, &table).await);
    let again = delete(&cfn, &d.stack_name, &deployment, false, &progress)
        .await
        .unwrap();
    assert!(!again.existed, "a second delete is a no-op success");
}

#[tokio::test]
async fn an_empty_change_set_is_success_without_execution() {
    let (cfn, _) = clients().await;
    let deployment = testkit::unique("empty").replace('-', "x");
    let d = desired(&deployment, &testkit::unique("calls"), TEMPLATE);
    let noop = |_: String| {};
    apply(&cfn, &d, None, &noop, &ignore_resources)
        .await
        .unwrap();
    // Pretend the deployed template differs so the diff says update; CloudFormation finds nothing to do.
    let mut stale = read(&cfn, &d.stack_name).await.unwrap().unwrap();
    stale.template_body.push_str("# edited\n");
    let (lines, progress) = testing::collector();
    let applied = apply(&cfn, &d, Some(&stale), &progress, &ignore_resources)
        .await
        .unwrap();
    assert!(!applied.changed);
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.ends_with("no changes")),
        "{:?}",
        lines.lock().unwrap()
    );
    assert_eq!(
        read(&cfn, &d.stack_name).await.unwrap().unwrap().status,
        "CREATE_COMPLETE"
    );
    delete(&cfn, &d.stack_name, &deployment, false, &noop)
        .await
        .unwrap();
}

#[tokio::test]
async fn keep_data_retains_tables_and_says_which() {
    let (cfn, ddb) = clients().await;
    let deployment = testkit::unique("keep").replace('-', "x");
    let table = testkit::unique("kept");
    let d = desired(&deployment, &table, TEMPLATE);
    let noop = |_: String| {};
    apply(&cfn, &d, None, &noop, &ignore_resources)
        .await
        .unwrap();
    let deleted = delete(&cfn, &d.stack_name, &deployment, true, &noop)
        .await
        .unwrap();
    assert!(deleted.existed);
    assert_eq!(deleted.retained.len(), 1, "{:?}", deleted.retained);
    assert_eq!(deleted.retained[0].physical_id, table);
    assert!(
        read(&cfn, &d.stack_name).await.unwrap().is_none(),
        "the stack is gone"
    );
    assert!(table_exists(&ddb, &table).await, "the table is kept");
    ddb.delete_table().table_name(&table).send().await.unwrap();
}

#[tokio::test]
async fn a_stack_not_created_by_us_is_refused_and_never_deleted() {
    let (cfn, _) = clients().await;
    let deployment = testkit::unique("own").replace('-', "x");
    let d = desired(&deployment, &testkit::unique("calls"), TEMPLATE);
    cfn.create_stack()
        .stack_name(&d.stack_name)
        .template_body(TEMPLATE)
        .parameters(
            Parameter::builder()
                .parameter_key("TableName")
                .parameter_value(d.parameters["TableName"].clone())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let current = read(&cfn, &d.stack_name).await.unwrap().unwrap();
    assert!(matches!(diff(&d, Some(&current)), Change::Conflict { .. }));
    let noop = |_: String| {};
    let err = apply(&cfn, &d, Some(&current), &noop, &ignore_resources)
        .await
        .unwrap_err();
    assert!(err.downcast_ref::<UserError>().is_some(), "{err}");
    let err = delete(&cfn, &d.stack_name, &deployment, false, &noop)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not tagged"), "{err}");
    assert!(
        read(&cfn, &d.stack_name).await.unwrap().is_some(),
        "still there"
    );
    cfn.delete_stack()
        .stack_name(&d.stack_name)
        .send()
        .await
        .unwrap();
}

fn shipped(
    solution: crate::assets::Solution,
    suffix: &str,
    deployment: &str,
    uploaded: &crate::resources::artifacts::Uploaded,
) -> Desired {
    let params = BTreeMap::from([
        (
            "ConnectInstanceARN".to_string(),
            "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
                .to_string(),
        ),
        ("ArtifactBucket".to_string(), uploaded.bucket.clone()),
        ("ArtifactKey".to_string(), uploaded.keys["handlers"].clone()),
    ]);
    Desired::new(
        deployment,
        suffix,
        crate::assets::template(solution),
        params,
    )
    .unwrap()
}

#[tokio::test]
async fn the_shipped_templates_deploy_no_op_and_keep_their_tables() {
    let (cfn, ddb) = clients().await;
    let deployment = testkit::unique("ship").replace('-', "x");
    let noop = |_: String| {};
    // The artifact step feeds the stack step: bucket and content-hash key of the Lambda zip.
    let conf = testing::moto().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("handlers.zip");
    std::fs::write(&zip, b"zip bytes").unwrap();
    let artifact = crate::resources::artifacts::LocalArtifact {
        name: "handlers".into(),
        path: zip,
        sha256: crate::resources::artifacts::sha256_hex(b"zip bytes"),
        embedded: None,
    };
    let account = format!("{:012}", std::process::id() as u64 * 1000 + 3);
    let bucket = crate::resources::artifacts::Desired::new(
        &account,
        "us-east-1",
        &deployment,
        vec![artifact],
    );
    let uploaded = crate::resources::artifacts::apply(&s3, &bucket, None, &noop)
        .await
        .unwrap();
    for (solution, suffix) in [
        (
            crate::assets::Solution::ReturningCallers,
            "returning-callers",
        ),
        (crate::assets::Solution::Callbacks, "callbacks"),
    ] {
        let d = shipped(solution, suffix, &deployment, &uploaded);
        let created = apply(&cfn, &d, None, &noop, &ignore_resources)
            .await
            .unwrap();
        // Every output the engine reads is there (moto resolves them on CreateStack).
        for output in crate::assets::template_outputs(solution) {
            assert!(
                created.outputs.contains_key(*output),
                "{suffix}: output {output} missing from {:?}",
                created.outputs
            );
        }
        let current = read(&cfn, &d.stack_name).await.unwrap().unwrap();
        assert_eq!(
            diff(&d, Some(&current)),
            Change::NoOp,
            "{suffix}: an unchanged re-deploy is a no-op"
        );
        let mut changed = d.clone();
        changed
            .parameters
            .insert("LogRetentionDays".into(), "7".into());
        assert!(
            matches!(diff(&changed, Some(&current)), Change::Update { fields, .. } if fields[0].field == "parameter LogRetentionDays")
        );

        // The YAML switch retains exactly the tables, and the stack goes.
        let tables_before = retained_tables(&cfn, &current.stack_id).await.unwrap();
        assert!(!tables_before.is_empty(), "{suffix} has tables");
        let deleted = delete(&cfn, &d.stack_name, &deployment, true, &noop)
            .await
            .unwrap();
        assert_eq!(deleted.retained, tables_before);
        assert!(read(&cfn, &d.stack_name).await.unwrap().is_none());
        for table in &deleted.retained {
            assert!(
                table_exists(&ddb, &table.physical_id).await,
                "{suffix}: kept {}",
                table.physical_id
            );
            ddb.delete_table()
                .table_name(&table.physical_id)
                .send()
                .await
                .unwrap();
        }
    }
}

#[test]
fn failures_name_the_failing_resource_and_say_what_to_do() {
    let events = vec![
        "ReturnCallsTable (AWS::DynamoDB::Table) CREATE_FAILED: Table already exists: calls"
            .to_string(),
    ];
    let failure = failure_of(
        "dep-returning-callers",
        "ROLLBACK_COMPLETE",
        Some("The following resource(s) failed to create"),
        &events,
    );
    assert_eq!(
        failure.cause,
        "stack dep-returning-callers ended in ROLLBACK_COMPLETE: ReturnCallsTable (AWS::DynamoDB::Table) CREATE_FAILED: Table already exists: calls"
    );
    assert!(
        failure
            .hint
            .contains("next deploy deletes the failed stack")
    );
    let rolled_back = failure_of(
        "s",
        "UPDATE_ROLLBACK_COMPLETE",
        Some("reason from the stack"),
        &[],
    );
    assert_eq!(
        rolled_back.cause,
        "stack s ended in UPDATE_ROLLBACK_COMPLETE: reason from the stack"
    );
    assert!(
        rolled_back
            .hint
            .contains("rolled back to its previous state")
    );
    assert!(
        failure_of("s", "UPDATE_ROLLBACK_FAILED", None, &[])
            .hint
            .contains("continue-update-rollback --stack-name s")
    );
    assert_eq!(
        failure.to_string().lines().nth(1).unwrap(),
        format!("hint: {}", failure.hint)
    );
}

#[test]
fn deleting_is_planned_from_ownership_and_state() {
    let d = desired("dep", "t1", TEMPLATE);
    assert_eq!(delete_change(None, "dep"), Change::NoOp);
    assert_eq!(
        delete_change(Some(&current_from_desired(&d, "UPDATE_COMPLETE")), "dep"),
        Change::Delete
    );
    assert!(matches!(
        delete_change(Some(&current_from_desired(&d, "UPDATE_COMPLETE")), "other"),
        Change::Conflict { .. }
    ));
    assert!(matches!(
        delete_change(Some(&current_from_desired(&d, "UPDATE_IN_PROGRESS")), "dep"),
        Change::Conflict { .. }
    ));
    assert_eq!(
        delete_change(Some(&current_from_desired(&d, "DELETE_IN_PROGRESS")), "dep"),
        Change::Delete
    );
}

#[test]
fn empty_defaults_are_found_in_yaml_and_json() {
    let callbacks = crate::assets::template(crate::assets::Solution::Callbacks);
    assert!(has_empty_default(callbacks, "ExistingCtrStreamArn"));
    assert!(!has_empty_default(callbacks, "LogRetentionDays"));
    assert!(!has_empty_default(callbacks, "NoSuchParameter"));
    assert!(!has_empty_default(TEMPLATE, "TableName"));
    assert!(has_empty_default(
        r#"{"Parameters":{"A":{"Type":"String","Default":""}}}"#,
        "A"
    ));
}
