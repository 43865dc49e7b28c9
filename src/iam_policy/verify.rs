//! What `verify` sends on top of what deploy, status and destroy need: the Connect test-case
//! operations on the deployment's instance, and the writes of its test records (seeded under the
//! reserved numbers and removed again) in the deployment's tables. Its reads (the record, the
//! flows, queues and stacks) and its lock are the ones deploy already has.

use super::{Scope, Statement, statement};

/// The Connect test-case operations `verify` sends: create, run, watch, read, stop (a running
/// execution at the end or after Ctrl-C), and the removal of what it made, found by tag.
pub const TEST_CASE_ACTIONS: [&str; 8] = [
    "connect:CreateTestCase",
    "connect:StartTestCaseExecution",
    "connect:GetTestCaseExecutionSummary",
    "connect:ListTestCaseExecutionRecords",
    "connect:ListTestCaseExecutions",
    "connect:StopTestCaseExecution",
    "connect:SearchTestCases",
    "connect:DeleteTestCase",
];

/// The item writes `verify` makes in the deployment's tables.
pub const RECORD_ACTIONS: [&str; 2] = ["dynamodb:PutItem", "dynamodb:DeleteItem"];

/// `verify`'s statements: test cases in the instance (the instance itself for the operations that
/// name no test case yet), and items of the stacks' tables whose partition key is one of the
/// reserved test numbers, nothing else.
pub(super) fn statements(scope: &Scope, stacks: &[String]) -> Vec<Statement> {
    let mut records = statement(
        "VerifyTestRecords",
        &RECORD_ACTIONS,
        stacks
            .iter()
            .map(|s| scope.arn("dynamodb", &format!("table/{s}-*")))
            .collect(),
    );
    records.condition = Some(serde_json::json!({
        "ForAllValues:StringLike": {
            "dynamodb:LeadingKeys": [format!(
                "{}01*",
                crate::verify::scenarios::RESERVED_NUMBER_PREFIX
            )]
        }
    }));
    vec![
        statement(
            "VerifyTestCases",
            &TEST_CASE_ACTIONS,
            vec![scope.instance(), scope.in_instance("test-case")],
        ),
        records,
    ]
}
