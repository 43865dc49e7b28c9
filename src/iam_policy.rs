//! The deployer's least-privilege IAM policy: what `deploy`, `status`, `destroy` and `verify`
//! need.
//!
//! Pure: the settings of a deployment (solutions, Lex version, instance, name) in, one IAM policy
//! document out. Every statement names the resource ARNs the Service Authorization Reference lets
//! an action be scoped to; a statement on `*` is used only for actions that support no resource
//! type, and its `Sid` starts with [`ANY_RESOURCE_SID`] so a reader (and the tests) can see each one.
//!
//! Four groups of actions:
//! - the calls the CLI itself sends (CloudFormation, S3, STS, Kinesis, Connect, Lex);
//! - the dependent actions AWS checks on the caller during some of them (e.g.
//!   `connect:AssociateLambdaFunction` also needs `lambda:AddPermission` on the function);
//! - what CloudFormation does with the caller's credentials for the stacks' resources (IAM roles,
//!   Lambda functions, permissions and event source mappings, log groups, DynamoDB tables, the
//!   Kinesis stream), restricted to the names CloudFormation gives them (`<stack>-…`);
//! - `iam:PassRole` for the stacks' roles only, to the services that assume them;
//! - `verify`'s test cases and test records ([`verify`]).

use serde::Serialize;

use crate::assets::Solution;
use crate::deploy::model::{LexVersion, SolutionChoice};
use crate::resources::stack;

mod lex;
mod stacks;
mod verify;

use lex::lex_statements;
pub use stacks::cfn_service_role_policy;
use stacks::{pass_stack_roles, stack_resource_statements};

/// Sid prefix of a statement whose actions support no resource-level permission.
pub const ANY_RESOURCE_SID: &str = "NoResourceLevelPermissions";

/// What the policy is for.
#[derive(Debug, Clone)]
pub struct PolicyRequest {
    pub solution: SolutionChoice,
    pub lex: LexVersion,
    /// The instance ARN; `None` scopes Connect to every instance of the account.
    pub instance_arn: Option<String>,
    /// The deployment name (`--name`).
    pub name: String,
    /// The Lex bot's name (Lex V1 ARNs use it).
    pub bot_name: String,
    /// The bot's intent names (Lex V1 ARNs use them).
    pub intents: Vec<String>,
    /// The role CloudFormation assumes for the stacks (`deploy --cfn-service-role`): the deployer
    /// passes it and needs no rights on the stacks' resources.
    pub cfn_service_role: Option<String>,
}

/// An IAM policy document.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Policy {
    #[serde(rename = "Version")]
    pub version: &'static str,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

/// One statement (always `Allow`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Statement {
    #[serde(rename = "Sid")]
    pub sid: String,
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    #[serde(rename = "Action")]
    pub actions: Vec<String>,
    #[serde(rename = "Resource")]
    pub resources: Vec<String>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<serde_json::Value>,
}

#[cfg(test)]
impl Policy {
    /// Every action of the policy, sorted, without duplicates.
    pub fn actions(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .statements
            .iter()
            .flat_map(|s| s.actions.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Where the ARNs point: partition, Region, account and instance id (`*` when not known).
struct Scope {
    partition: String,
    region: String,
    account: String,
    instance: String,
}

impl Scope {
    fn of(instance_arn: Option<&str>) -> Scope {
        // arn:<partition>:connect:<region>:<account>:instance/<id>
        let parts: Vec<&str> = instance_arn
            .map(|a| a.split(':').collect())
            .unwrap_or_default();
        match parts[..] {
            ["arn", partition, "connect", region, account, resource] => Scope {
                partition: partition.into(),
                region: region.into(),
                account: account.into(),
                instance: resource.trim_start_matches("instance/").into(),
            },
            _ => Scope {
                partition: "aws".into(),
                region: "*".into(),
                account: "*".into(),
                instance: "*".into(),
            },
        }
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account
        )
    }

    /// IAM and S3 ARNs carry no Region.
    fn global_arn(&self, service: &str, account: bool, resource: &str) -> String {
        let account = if account { self.account.as_str() } else { "" };
        format!("arn:{}:{service}::{account}:{resource}", self.partition)
    }

    fn instance(&self) -> String {
        self.arn("connect", &format!("instance/{}", self.instance))
    }

    fn in_instance(&self, kind: &str) -> String {
        format!("{}/{kind}/*", self.instance())
    }
}

fn statement(sid: &str, actions: &[&str], resources: Vec<String>) -> Statement {
    let mut actions: Vec<String> = actions.iter().map(|a| a.to_string()).collect();
    actions.sort();
    Statement {
        sid: sid.into(),
        effect: "Allow",
        actions,
        resources,
        condition: None,
    }
}

/// The policy for `request`.
pub fn policy(request: &PolicyRequest) -> Policy {
    let scope = Scope::of(request.instance_arn.as_deref());
    let solutions = chosen_solutions(request);
    let stacks = stack_names(request, &solutions);
    let per_stack = |f: &dyn Fn(&str) -> String| stacks.iter().map(|s| f(s)).collect::<Vec<_>>();
    let bucket = artifact_bucket(&scope);
    let returning = solutions.contains(&Solution::ReturningCallers);
    let mut statements = vec![
        statement(
            &format!("{ANY_RESOURCE_SID}StsCallerIdentity"),
            &["sts:GetCallerIdentity"],
            vec!["*".into()],
        ),
        statement(
            "CloudFormationDeploymentStacks",
            &[
                "cloudformation:CreateChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackEvents",
                "cloudformation:GetTemplate",
                "cloudformation:CreateStack",
                "cloudformation:DeleteStack",
            ],
            per_stack(&|s| scope.arn("cloudformation", &format!("stack/{s}/*"))),
        ),
        statement(
            "ArtifactBucket",
            &[
                "s3:CreateBucket",
                "s3:ListBucket",
                "s3:PutEncryptionConfiguration",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketPolicy",
                "s3:GetBucketPolicy",
                "s3:PutBucketTagging",
                "s3:GetBucketTagging",
                "s3:DeleteBucket",
            ],
            vec![scope.global_arn("s3", false, &bucket)],
        ),
        statement(
            "ArtifactBucketDeploymentObjects",
            &["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            vec![
                scope.global_arn("s3", false, &format!("{bucket}/{}/*", request.name)),
                scope.global_arn(
                    "s3",
                    false,
                    &format!("{bucket}/records/{}.json", request.name),
                ),
                scope.global_arn(
                    "s3",
                    false,
                    &format!("{bucket}/locks/{}.lock", request.name),
                ),
                scope.global_arn(
                    "s3",
                    false,
                    &format!("{bucket}/locks/{}.last-run", request.name),
                ),
            ],
        ),
        statement(
            "CtrStreamRead",
            &["kinesis:DescribeStreamSummary", "kinesis:DescribeStream"],
            vec![scope.arn("kinesis", "stream/*")],
        ),
        statement(
            "ConnectInstance",
            &[
                "connect:DescribeInstance",
                "connect:ListHoursOfOperations",
                "connect:SearchContactFlows",
                "connect:SearchQueues",
                "connect:SearchRoutingProfiles",
                "connect:ListLambdaFunctions",
                "connect:AssociateLambdaFunction",
                "connect:DisassociateLambdaFunction",
                "connect:ListInstanceStorageConfigs",
                "connect:AssociateInstanceStorageConfig",
                "connect:DisassociateInstanceStorageConfig",
                "connect:ListFlowAssociations",
            ],
            vec![scope.instance()],
        ),
        statement(
            "ConnectQueues",
            &[
                "connect:CreateQueue",
                "connect:DescribeQueue",
                "connect:UpdateQueueOutboundCallerConfig",
                "connect:UpdateQueueName",
                "connect:UpdateQueueHoursOfOperation",
                "connect:DeleteQueue",
            ],
            vec![
                scope.in_instance("queue"),
                scope.in_instance("operating-hours"),
                scope.in_instance("contact-flow"),
            ],
        ),
        statement(
            "ConnectRoutingProfiles",
            &[
                "connect:CreateRoutingProfile",
                "connect:DescribeRoutingProfile",
                "connect:DisassociateRoutingProfileQueues",
                "connect:ListRoutingProfileQueues",
                "connect:DeleteRoutingProfile",
            ],
            vec![
                scope.in_instance("routing-profile"),
                scope.in_instance("queue"),
            ],
        ),
        statement(
            "ConnectFlows",
            &[
                "connect:CreateContactFlow",
                "connect:UpdateContactFlowContent",
                "connect:DeleteContactFlow",
            ],
            vec![scope.in_instance("contact-flow")],
        ),
        statement(
            "ConnectPhoneNumbers",
            &[
                "connect:ListPhoneNumbersV2",
                "connect:AssociatePhoneNumberContactFlow",
                "connect:DisassociatePhoneNumberContactFlow",
            ],
            vec![
                scope.arn("connect", "phone-number/*"),
                scope.in_instance("contact-flow"),
            ],
        ),
        statement(
            "ConnectTags",
            &["connect:TagResource", "connect:UntagResource"],
            vec![
                // The instance carries the previous CTR storage setting while we change it.
                scope.instance(),
                scope.in_instance("queue"),
                scope.in_instance("routing-profile"),
                scope.in_instance("contact-flow"),
                scope.arn("connect", "phone-number/*"),
            ],
        ),
        // connect:AssociateLambdaFunction / DisassociateLambdaFunction add and remove the
        // function's resource policy with the caller's credentials.
        statement(
            "ConnectLambdaAssociationDependents",
            &["lambda:AddPermission", "lambda:RemovePermission"],
            per_stack(&|s| scope.arn("lambda", &format!("function:{s}-*"))),
        ),
        // connect:AssociateInstanceStorageConfig reads the stream and extends Connect's
        // service-linked role with the caller's credentials.
        statement(
            "ConnectStorageConfigDependents",
            &[
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
                "iam:CreateServiceLinkedRole",
            ],
            vec![scope.global_arn("iam", true, "role/aws-service-role/connect.amazonaws.com/*")],
        ),
    ];
    let lex_v2 = returning && request.lex == LexVersion::V2;
    let stack_roles = per_stack(&|s| scope.global_arn("iam", true, &format!("role/{s}-*")));
    match &request.cfn_service_role {
        None => {
            statements.extend(stack_resource_statements(
                &scope, &stacks, &solutions, request,
            ));
            statements.push(pass_stack_roles(stack_roles, lex_v2, true));
        }
        Some(role) => {
            let mut pass = statement(
                "PassCloudFormationServiceRole",
                &["iam:PassRole"],
                vec![role.clone()],
            );
            pass.condition = Some(serde_json::json!({
                "StringEquals": { "iam:PassedToService": "cloudformation.amazonaws.com" }
            }));
            statements.push(pass);
            // CreateBot (Lex V2) passes the stack's Lex role: the deployer's call, not CloudFormation's.
            if lex_v2 {
                statements.push(pass_stack_roles(stack_roles, true, false));
            }
        }
    }
    if returning {
        statements.extend(lex_statements(request, &scope));
    }
    statements.extend(verify::statements(&scope, &stacks));
    Policy {
        version: "2012-10-17",
        statements,
    }
}

/// The solutions the policy is for.
fn chosen_solutions(request: &PolicyRequest) -> Vec<Solution> {
    Solution::ALL
        .into_iter()
        .filter(|solution| match request.solution {
            SolutionChoice::All => true,
            SolutionChoice::ReturningCallers => *solution == Solution::ReturningCallers,
            SolutionChoice::Callbacks => *solution == Solution::Callbacks,
        })
        .collect()
}

/// The deployment's stack names (a trailing `*` in the name kept).
fn stack_names(request: &PolicyRequest, solutions: &[Solution]) -> Vec<String> {
    solutions
        .iter()
        .map(|solution| {
            stack::stack_name(&request.name, solution.id())
                .unwrap_or_else(|_| format!("{}-{}", request.name, solution.id()))
        })
        .collect()
}

/// The artifact bucket of the scope's account and Region.
fn artifact_bucket(scope: &Scope) -> String {
    format!(
        "connect-returns-{}-{}",
        scope.account.to_ascii_lowercase(),
        scope.region.to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lex: LexVersion, instance: Option<&str>) -> PolicyRequest {
        PolicyRequest {
            solution: SolutionChoice::All,
            lex,
            instance_arn: instance.map(str::to_string),
            name: "returnCaller".into(),
            bot_name: "returnCallerConcierge".into(),
            intents: vec!["Yes".into(), "No".into()],
            cfn_service_role: None,
        }
    }

    #[test]
    fn wildcards_are_marked_and_everything_else_is_scoped_to_the_deployment() {
        let arn = "arn:aws:connect:eu-west-2:111122223333:instance/1a2b";
        for lex in [LexVersion::V2, LexVersion::V1] {
            let policy = policy(&request(lex, Some(arn)));
            for statement in &policy.statements {
                let star = statement.resources.iter().any(|r| r == "*");
                assert_eq!(
                    star,
                    statement.sid.starts_with(ANY_RESOURCE_SID),
                    "{statement:?}"
                );
                for resource in statement.resources.iter().filter(|r| *r != "*") {
                    assert!(
                        resource.contains("111122223333")
                            || resource
                                .starts_with("arn:aws:s3:::connect-returns-111122223333-eu-west-2"),
                        "{resource}"
                    );
                }
            }
            let text = serde_json::to_string(&policy).unwrap();
            assert!(
                text.contains("stack/returnCaller-returning-callers/*"),
                "{text}"
            );
            assert!(text.contains("instance/1a2b"), "{text}");
        }
    }

    #[test]
    fn the_solution_and_lex_version_narrow_the_policy() {
        let mut callbacks = request(LexVersion::V2, None);
        callbacks.solution = SolutionChoice::Callbacks;
        let actions = policy(&callbacks).actions();
        assert!(
            !actions.iter().any(|a| a.starts_with("lex:")),
            "{actions:?}"
        );
        assert!(actions.contains(&"kinesis:CreateStream".to_string()));
        let v1 = policy(&request(LexVersion::V1, None)).actions();
        assert!(v1.contains(&"connect:AssociateLexBot".to_string()));
        assert!(!v1.contains(&"connect:AssociateBot".to_string()));
    }

    #[test]
    fn a_cfn_service_role_takes_the_stack_resource_rights_from_the_deployer() {
        let role = "arn:aws:iam::123456789012:role/cfn-deployer";
        let mut with_role = request(LexVersion::V2, None);
        with_role.cfn_service_role = Some(role.into());
        let deployer = policy(&with_role);
        let service = cfn_service_role_policy(&with_role);
        let alone = policy(&request(LexVersion::V2, None));
        let deployer_actions = deployer.actions();
        for moved in [
            "iam:CreateRole",
            "lambda:CreateFunction",
            "dynamodb:CreateTable",
            "kinesis:CreateStream",
        ] {
            assert!(!deployer_actions.contains(&moved.to_string()), "{moved}");
            assert!(service.actions().contains(&moved.to_string()), "{moved}");
        }
        let pass = deployer
            .statements
            .iter()
            .find(|s| s.sid == "PassCloudFormationServiceRole")
            .expect("the deployer passes the service role");
        assert_eq!(pass.resources, vec![role.to_string()]);
        // Together they hold what the deployer alone held, and the deployer keeps passing the
        // Lex role (its own CreateBot call).
        let mut together = deployer_actions.clone();
        together.extend(service.actions());
        for action in alone.actions() {
            assert!(together.contains(&action), "{action}");
        }
        let lex_pass = deployer
            .statements
            .iter()
            .find(|s| s.sid == "PassStackRoles")
            .unwrap();
        assert_eq!(
            lex_pass.condition.as_ref().unwrap()["StringEquals"]["iam:PassedToService"],
            serde_json::json!(["lexv2.amazonaws.com"])
        );
    }
}
