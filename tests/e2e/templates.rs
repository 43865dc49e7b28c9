//! The CloudFormation templates: cfn-lint (pinned) finds no errors, checkov finds no failed check
//! and every skip carries a justification, and both stacks create, update through a change set and
//! delete cleanly on moto.

use std::process::Command;
use std::time::Duration;

use crate::harness::root;
use aws_sdk_cloudformation::client::Waiters as _;
use aws_sdk_cloudformation::types::{ChangeSetType, Parameter};

const TEMPLATES: [&str; 2] = [
    "templates/returning-callers.yaml",
    "templates/callbacks.yaml",
];

#[test]
fn cfn_lint_reports_no_errors() {
    let out = Command::new(testkit::venv_bin("cfn-lint"))
        .args(TEMPLATES)
        .current_dir(root())
        .output()
        .expect("cfn-lint runs (cargo xtask setup installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    // cfn-lint exit code bits: 2 = error, 4 = warning, 8 = informational.
    let code = out.status.code().unwrap_or(-1);
    assert!(code >= 0 && code & 2 == 0, "cfn-lint errors:\n{text}");
    assert!(!text.contains(" E"), "{text}");
}

#[test]
fn checkov_has_no_failed_check_and_every_skip_is_justified() {
    let checkov = root().join(".venv-checkov/bin/checkov");
    assert!(
        checkov.exists(),
        "{} is missing: run cargo xtask setup",
        checkov.display()
    );
    let mut cmd = Command::new(&checkov);
    for t in TEMPLATES {
        cmd.args(["-f", t]);
    }
    let out = cmd
        .args([
            "--framework",
            "cloudformation",
            "--compact",
            "--skip-download",
            "--output",
            "json",
        ])
        .current_dir(root())
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .expect("checkov runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find(['{', '[']).unwrap_or(0);
    let doc: serde_json::Value = serde_json::from_str(&text[start..])
        .unwrap_or_else(|e| panic!("checkov json: {e}\n{text}"));
    let reports = match doc {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    let mut passed = 0;
    for r in &reports {
        let failed = r["summary"]["failed"].as_u64().unwrap_or(u64::MAX);
        assert_eq!(
            failed,
            0,
            "checkov failed checks:\n{}",
            serde_json::to_string_pretty(&r["results"]["failed_checks"]).unwrap()
        );
        passed += r["summary"]["passed"].as_u64().unwrap_or(0);
        for skipped in r["results"]["skipped_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let why = skipped["check_result"]["suppress_comment"]
                .as_str()
                .unwrap_or_default();
            assert!(why.len() > 20, "skip without a justification: {skipped}");
        }
    }
    assert!(passed > 50, "checkov ran almost no checks: {passed}");
}

async fn clients() -> (aws_sdk_cloudformation::Client, aws_sdk_s3::Client) {
    let conf = crate::harness::sdk_config(testkit::moto_url(), "us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    (aws_sdk_cloudformation::Client::new(&conf), s3)
}

fn param(k: &str, v: &str) -> Parameter {
    Parameter::builder()
        .parameter_key(k)
        .parameter_value(v)
        .build()
}

async fn lifecycle(solution: &str, template: &str, extra: Vec<Parameter>, outputs: &[&str]) {
    let (cfn, s3) = clients().await;
    let bucket = testkit::unique("artifacts").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    for key in ["v1.zip", "v2.zip"] {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(key.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let stack = testkit::unique(solution);
    let instance =
        "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-4333-8444-555555555555";
    let mut params = vec![
        param("ConnectInstanceARN", instance),
        param("ArtifactBucket", &bucket),
        param("ArtifactKey", "v1.zip"),
    ];
    params.extend(extra);
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(template)
        .set_parameters(Some(params.clone()))
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    let created = cfn
        .wait_until_stack_create_complete()
        .stack_name(&stack)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    let described = created.into_result().unwrap();
    let s = &described.stacks()[0];
    let have: Vec<&str> = s.outputs().iter().filter_map(|o| o.output_key()).collect();
    for o in outputs {
        assert!(
            have.contains(o),
            "{solution}: output {o} missing from {have:?}"
        );
    }
    // Update through a change set: a new artifact key.
    let params: Vec<Parameter> = params
        .into_iter()
        .map(|p| {
            if p.parameter_key() == Some("ArtifactKey") {
                param("ArtifactKey", "v2.zip")
            } else {
                p
            }
        })
        .collect();
    let change_set = format!("{stack}-update");
    cfn.create_change_set()
        .stack_name(&stack)
        .change_set_name(&change_set)
        .change_set_type(ChangeSetType::Update)
        .template_body(template)
        .set_parameters(Some(params))
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    cfn.wait_until_change_set_create_complete()
        .stack_name(&stack)
        .change_set_name(&change_set)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    cfn.execute_change_set()
        .stack_name(&stack)
        .change_set_name(&change_set)
        .send()
        .await
        .unwrap();
    cfn.wait_until_stack_update_complete()
        .stack_name(&stack)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    let after = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let key = after.stacks()[0]
        .parameters()
        .iter()
        .find(|p| p.parameter_key() == Some("ArtifactKey"))
        .and_then(|p| p.parameter_value())
        .map(str::to_string);
    assert_eq!(key.as_deref(), Some("v2.zip"));
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
    cfn.wait_until_stack_delete_complete()
        .stack_name(&stack)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    let gone = cfn.describe_stacks().stack_name(&stack).send().await;
    let listed = gone.ok().map(|d| {
        d.stacks()
            .iter()
            .any(|s| s.stack_status().map(|st| st.as_str()) != Some("DELETE_COMPLETE"))
    });
    assert_ne!(
        listed,
        Some(true),
        "{solution}: stack still there after delete"
    );
}

#[tokio::test]
async fn returning_callers_stack_creates_updates_and_deletes_on_moto() {
    let template = std::fs::read_to_string(root().join(TEMPLATES[0])).unwrap();
    lifecycle(
        "returning-callers",
        &template,
        vec![param("RecordTTL", "60")],
        &[
            "LambdaSearchCustomerDetailsARN",
            "LambdaAddCustomerDetailsARN",
            "ReturnCallsTableName",
            "LexBotRoleARN",
        ],
    )
    .await;
}

#[tokio::test]
async fn callbacks_stack_creates_updates_and_deletes_on_moto() {
    let template = std::fs::read_to_string(root().join(TEMPLATES[1])).unwrap();
    lifecycle(
        "callbacks",
        &template,
        vec![],
        &[
            "LambdaWriteCallbackARN",
            "LambdaStopContactARN",
            "LambdaProcessCtrARN",
            "CallbacksTableName",
            "CtrStreamARN",
        ],
    )
    .await;
}
