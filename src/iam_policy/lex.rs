//! The Lex bot's statements, for the version the deployment uses, and the Connect association
//! of the bot.

use super::*;

pub(super) fn lex_statements(request: &PolicyRequest, scope: &Scope) -> Vec<Statement> {
    let instance_bots = statement(
        "ConnectBotAssociation",
        match request.lex {
            LexVersion::V2 => &[
                "connect:ListBots",
                "connect:AssociateBot",
                "connect:DisassociateBot",
            ][..],
            // ListBots lists V1 bots too (LexVersion=V1); status and destroy look for both.
            LexVersion::V1 => &[
                "connect:ListBots",
                "connect:AssociateLexBot",
                "connect:DisassociateLexBot",
            ][..],
        },
        vec![scope.instance()],
    );
    match request.lex {
        LexVersion::V2 => vec![
            instance_bots,
            // Lex V2 bot ids are assigned by Lex, so the bot is scoped to the account and Region.
            statement(
                "LexV2Bot",
                &[
                    "lex:CreateBot",
                    "lex:DescribeBot",
                    "lex:CreateBotLocale",
                    "lex:DescribeBotLocale",
                    "lex:DeleteBotLocale",
                    "lex:BuildBotLocale",
                    "lex:ListIntents",
                    "lex:CreateIntent",
                    "lex:DescribeBotVersion",
                    "lex:ListBotVersions",
                    "lex:ListBotAliases",
                ],
                // CreateBot also authorises the draft alias it makes.
                vec![scope.arn("lex", "bot/*"), scope.arn("lex", "bot-alias/*/*")],
            ),
            // Action names Lex V1 and V2 share (one `lex` prefix), scoped to V2 bots only: a
            // Lex V2 deployment never reads or removes a V1 bot.
            statement(
                "LexBotDeletesAndVersions",
                &[
                    "lex:CreateBotVersion",
                    "lex:DeleteBot",
                    "lex:DeleteBotAlias",
                    "lex:DeleteBotVersion",
                    "lex:DeleteIntent",
                ],
                vec![scope.arn("lex", "bot/*"), scope.arn("lex", "bot-alias/*/*")],
            ),
            statement(
                "LexV2BotAlias",
                &[
                    "lex:CreateBotAlias",
                    "lex:DescribeBotAlias",
                    "lex:CreateResourcePolicy",
                    "lex:UpdateResourcePolicy",
                    "lex:DeleteResourcePolicy",
                ],
                vec![scope.arn("lex", "bot-alias/*/*")],
            ),
            statement(
                &format!("{ANY_RESOURCE_SID}LexV2ListBots"),
                &["lex:ListBots"],
                vec!["*".into()],
            ),
        ],
        LexVersion::V1 => {
            let bot = &request.bot_name;
            let mut intents: Vec<String> = request
                .intents
                .iter()
                .map(|i| scope.arn("lex", &format!("intent:{i}:*")))
                .collect();
            // The bot (and intents) an earlier release gave the deployment under the shipped
            // name: deploy and destroy read it, and remove it once its marker proves it ours.
            let shipped = crate::assets::bot();
            let mut bots = vec![
                scope.arn("lex", &format!("bot:{bot}")),
                scope.arn("lex", &format!("bot:{bot}:*")),
            ];
            if shipped.name != *bot {
                bots.push(scope.arn("lex", &format!("bot:{}", shipped.name)));
                bots.push(scope.arn("lex", &format!("bot:{}:*", shipped.name)));
                for intent in &shipped.intents {
                    intents.push(scope.arn("lex", &format!("intent:{}:*", intent.name)));
                }
            }
            intents.sort();
            intents.dedup();
            vec![
                instance_bots,
                statement(
                    "LexV1Bot",
                    &[
                        "lex:GetBot",
                        "lex:PutBot",
                        "lex:DeleteBot",
                        "lex:CreateBotVersion",
                        "lex:DeleteBotVersion",
                        "lex:GetBotAlias",
                        "lex:PutBotAlias",
                        "lex:DeleteBotAlias",
                    ],
                    bots,
                ),
                statement(
                    "LexV1Intents",
                    &[
                        "lex:GetIntent",
                        "lex:CreateIntentVersion",
                        "lex:DeleteIntent",
                    ],
                    intents,
                ),
                statement(
                    &format!("{ANY_RESOURCE_SID}LexV1Import"),
                    &["lex:StartImport", "lex:GetImport"],
                    vec!["*".into()],
                ),
                // status and destroy also look for a Lex V2 bot of the deployment.
                statement(
                    &format!("{ANY_RESOURCE_SID}LexV2ListBots"),
                    &["lex:ListBots"],
                    vec!["*".into()],
                ),
            ]
        }
    }
}
