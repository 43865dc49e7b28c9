//! The stacks' side: what CloudFormation does for the stacks' resources (with the deployer's
//! credentials, or the service role's), and `iam:PassRole` for the stacks' roles.

use super::*;

/// What CloudFormation does for the stacks' resources with the credentials it runs with (the
/// caller's, or the service role's): IAM roles, Lambda functions, log groups, DynamoDB tables,
/// the Kinesis stream and event source mapping, all restricted to the names CloudFormation gives
/// them (`<stack>-…`).
pub(super) fn stack_resource_statements(
    scope: &Scope,
    stacks: &[String],
    solutions: &[Solution],
    request: &PolicyRequest,
) -> Vec<Statement> {
    let per_stack = |f: &dyn Fn(&str) -> String| stacks.iter().map(|s| f(s)).collect::<Vec<_>>();
    let stack_roles = per_stack(&|s| scope.global_arn("iam", true, &format!("role/{s}-*")));
    let mut statements = Vec::new();
    statements.push(statement(
        "StackRoles",
        &[
            "iam:CreateRole",
            "iam:GetRole",
            "iam:DeleteRole",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:PutRolePolicy",
            "iam:GetRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
        ],
        stack_roles.clone(),
    ));
    statements.push(statement(
        "StackFunctions",
        &[
            "lambda:CreateFunction",
            "lambda:GetFunction",
            "lambda:DeleteFunction",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:ListTags",
            "lambda:GetPolicy",
        ],
        per_stack(&|s| scope.arn("lambda", &format!("function:{s}-*"))),
    ));
    statements.push(statement(
        "StackLogGroups",
        &[
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:PutRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
            "logs:ListTagsForResource",
        ],
        per_stack(&|s| scope.arn("logs", &format!("log-group:/aws/lambda/{s}-*"))),
    ));
    statements.push(statement(
        &format!("{ANY_RESOURCE_SID}LogsDescribe"),
        &["logs:DescribeLogGroups"],
        vec!["*".into()],
    ));
    statements.push(statement(
        "StackTables",
        &[
            "dynamodb:CreateTable",
            "dynamodb:DescribeTable",
            "dynamodb:DeleteTable",
            "dynamodb:UpdateTable",
            "dynamodb:DescribeTimeToLive",
            "dynamodb:UpdateTimeToLive",
            "dynamodb:DescribeContinuousBackups",
            "dynamodb:TagResource",
            "dynamodb:UntagResource",
            "dynamodb:ListTagsOfResource",
        ],
        per_stack(&|s| scope.arn("dynamodb", &format!("table/{s}-*"))),
    ));
    if solutions.contains(&Solution::Callbacks) {
        let callbacks = stack::stack_name(&request.name, Solution::Callbacks.id())
            .unwrap_or_else(|_| format!("{}-callbacks", request.name));
        statements.push(statement(
            "StackCtrStream",
            &[
                "kinesis:CreateStream",
                "kinesis:DeleteStream",
                "kinesis:AddTagsToStream",
                "kinesis:RemoveTagsFromStream",
                "kinesis:ListTagsForStream",
                "kinesis:IncreaseStreamRetentionPeriod",
                "kinesis:StartStreamEncryption",
            ],
            vec![
                scope.arn("kinesis", &format!("stream/{callbacks}-*")),
                // StreamEncryption with the AWS managed key alias/aws/kinesis, whose key id is not
                // known in advance.
                scope.arn("kms", "key/*"),
            ],
        ));
        statements.push(statement(
            "StackEventSourceMapping",
            &[
                "lambda:GetEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
            ],
            vec![scope.arn("lambda", "event-source-mapping:*")],
        ));
        statements.push(statement(
            &format!("{ANY_RESOURCE_SID}LambdaCreateEventSourceMapping"),
            &["lambda:CreateEventSourceMapping"],
            vec!["*".into()],
        ));
    }
    statements
}

/// `iam:PassRole` on the stacks' roles, to Lambda (CloudFormation creating the functions) and/or
/// Lex V2 (CreateBot with the stack's Lex role).
pub(super) fn pass_stack_roles(stack_roles: Vec<String>, lex_v2: bool, lambda: bool) -> Statement {
    let mut pass = statement("PassStackRoles", &["iam:PassRole"], stack_roles);
    let mut services = Vec::new();
    if lambda {
        services.push("lambda.amazonaws.com");
    }
    if lex_v2 {
        services.push("lexv2.amazonaws.com");
    }
    pass.condition = Some(serde_json::json!({
        "StringEquals": { "iam:PassedToService": services }
    }));
    pass
}

/// The policy of the CloudFormation service role (`deploy --cfn-service-role`): what CloudFormation
/// does for the stacks' resources, plus reading the deployment's Lambda artifact.
pub fn cfn_service_role_policy(request: &PolicyRequest) -> Policy {
    let scope = Scope::of(request.instance_arn.as_deref());
    let solutions = chosen_solutions(request);
    let stacks = stack_names(request, &solutions);
    let stack_roles: Vec<String> = stacks
        .iter()
        .map(|s| scope.global_arn("iam", true, &format!("role/{s}-*")))
        .collect();
    let mut statements = vec![statement(
        "DeploymentLambdaArtifact",
        &["s3:GetObject"],
        vec![scope.global_arn(
            "s3",
            false,
            &format!("{}/{}/*", artifact_bucket(&scope), request.name),
        )],
    )];
    statements.extend(stack_resource_statements(
        &scope, &stacks, &solutions, request,
    ));
    statements.push(pass_stack_roles(stack_roles, false, true));
    Policy {
        version: "2012-10-17",
        statements,
    }
}
