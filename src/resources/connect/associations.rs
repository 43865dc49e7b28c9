//! Instance associations: the deployment's Lambda functions and its Lex bot (V2 by alias ARN,
//! V1 by name and Region). Associations cannot carry tags: ours are the ones naming our
//! functions and our bot, which carry the deployment name.
//!
//! Read: one ListLambdaFunctions and one ListBots (for the Lex version in use).

use std::collections::BTreeSet;

use anyhow::Context as _;
use aws_sdk_connect::types::{LexBot, LexV2Bot, LexVersion};

use super::{Connect, is_conflict, is_not_found};
use crate::resources::Change;

/// Every Lambda ARN associated with the instance.
pub async fn read_lambdas(connect: &Connect) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut pages = connect
        .client
        .list_lambda_functions()
        .instance_id(&connect.instance_id)
        .max_results(25)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to list the instance's Lambda functions")?;
        out.extend(page.lambda_functions().iter().cloned());
    }
    Ok(out)
}

/// A bot association: a V2 alias ARN, or a V1 bot name and Region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bot {
    V2 { alias_arn: String },
    V1 { name: String, region: String },
}

impl Bot {
    pub fn label(&self) -> String {
        match self {
            Bot::V2 { alias_arn } => alias_arn.clone(),
            Bot::V1 { name, region } => format!("{name} ({region}, Lex V1)"),
        }
    }
}

/// Every bot of one Lex version associated with the instance.
pub async fn read_bots(connect: &Connect, v1: bool) -> anyhow::Result<BTreeSet<Bot>> {
    let version = if v1 { LexVersion::V1 } else { LexVersion::V2 };
    let mut out = BTreeSet::new();
    let mut pages = connect
        .client
        .list_bots()
        .instance_id(&connect.instance_id)
        .lex_version(version)
        .max_results(25)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to list the instance's bots")?;
        for config in page.lex_bots() {
            if let Some(bot) = config.lex_v2_bot().and_then(|bot| bot.alias_arn()) {
                out.insert(Bot::V2 {
                    alias_arn: bot.to_string(),
                });
            }
            if let Some(bot) = config.lex_bot() {
                out.insert(Bot::V1 {
                    name: bot.name().to_string(),
                    region: bot.lex_region().to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Association change for one item (pure): present → no-op, absent → create.
pub fn diff(present: bool) -> Change {
    if present {
        Change::NoOp
    } else {
        Change::Create
    }
}

/// Associates a Lambda function; "already associated" is success.
pub async fn associate_lambda(connect: &Connect, arn: &str) -> anyhow::Result<()> {
    match connect
        .client
        .associate_lambda_function()
        .instance_id(&connect.instance_id)
        .function_arn(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if is_conflict(&err) => Ok(()),
        Err(err) => Err(err).with_context(|| {
            format!("failed to associate Lambda function {arn} with the instance")
        }),
    }
}

/// Removes a Lambda association; "not associated" is success.
pub async fn disassociate_lambda(connect: &Connect, arn: &str) -> anyhow::Result<()> {
    match connect
        .client
        .disassociate_lambda_function()
        .instance_id(&connect.instance_id)
        .function_arn(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if is_not_found(&err) => Ok(()),
        Err(err) => Err(err)
            .with_context(|| format!("failed to remove Lambda function {arn} from the instance")),
    }
}

/// Associates a bot; "already associated" is success.
pub async fn associate_bot(connect: &Connect, bot: &Bot) -> anyhow::Result<()> {
    let result = match bot {
        Bot::V2 { alias_arn } => connect
            .client
            .associate_bot()
            .instance_id(&connect.instance_id)
            .lex_v2_bot(LexV2Bot::builder().alias_arn(alias_arn).build())
            .send()
            .await
            .map(|_| ()),
        Bot::V1 { name, region } => {
            let lex_bot = LexBot::builder().name(name).lex_region(region).build()?;
            match connect
                .client
                .associate_lex_bot()
                .instance_id(&connect.instance_id)
                .lex_bot(lex_bot)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(err) if is_conflict(&err) => Ok(()),
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("failed to associate bot {} with the instance", bot.label())
                    });
                }
            }
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(err) if is_conflict(&err) => Ok(()),
        Err(err) => Err(err)
            .with_context(|| format!("failed to associate bot {} with the instance", bot.label())),
    }
}

/// Removes a bot association; "not associated" is success.
pub async fn disassociate_bot(connect: &Connect, bot: &Bot) -> anyhow::Result<()> {
    let result = match bot {
        Bot::V2 { alias_arn } => connect
            .client
            .disassociate_bot()
            .instance_id(&connect.instance_id)
            .lex_v2_bot(LexV2Bot::builder().alias_arn(alias_arn).build())
            .send()
            .await
            .map(|_| ()),
        Bot::V1 { name, region } => {
            match connect
                .client
                .disassociate_lex_bot()
                .instance_id(&connect.instance_id)
                .bot_name(name)
                .lex_region(region)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(err) if is_not_found(&err) => Ok(()),
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("failed to remove bot {} from the instance", bot.label())
                    });
                }
            }
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(err) if is_not_found(&err) => Ok(()),
        Err(err) => Err(err)
            .with_context(|| format!("failed to remove bot {} from the instance", bot.label())),
    }
}
