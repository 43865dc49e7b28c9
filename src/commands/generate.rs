//! `connect-returns generate`: shell completions and the man page, from the clap definition.

use clap::{CommandFactory, Subcommand};

use crate::cli::Cli;
use crate::error::Outcome;

#[derive(Debug, Clone, Subcommand)]
pub enum GenerateCommand {
    /// Print a completion script: connect-returns generate completions bash > /etc/bash_completion.d/connect-returns
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): connect-returns generate man > connect-returns.1
    Man,
    /// Print the least-privilege IAM policy for deploy, status, destroy and verify (JSON)
    ///
    /// Examples:
    ///   connect-returns generate iam-policy --instance ARN > deployer.json
    ///   connect-returns generate iam-policy --instance ARN --name 'pr-*'
    ///
    /// With a CloudFormation service role (deploy --cfn-service-role ROLE-ARN), print the two
    /// policies, the deployer's and the role's:
    ///   connect-returns generate iam-policy --instance ARN --cfn-service-role ROLE-ARN > deployer.json
    ///   connect-returns generate iam-policy --instance ARN --for cfn-service-role > cfn-role.json
    #[command(verbatim_doc_comment)]
    IamPolicy(super::generate_iam::IamPolicyArgs),
}

pub fn run(command: &GenerateCommand) -> anyhow::Result<Outcome> {
    let mut cli = Cli::command();
    let mut stdout = std::io::stdout().lock();
    match command {
        GenerateCommand::Completions { shell } => {
            clap_complete::generate(*shell, &mut cli, "connect-returns", &mut stdout);
        }
        GenerateCommand::Man => clap_mangen::Man::new(cli).render(&mut stdout)?,
        GenerateCommand::IamPolicy(args) => return super::generate_iam::run(args),
    }
    Ok(Outcome::Success)
}
