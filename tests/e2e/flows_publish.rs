//! The six shipped flows, with their placeholders replaced by the ARNs of real (sandbox) resources,
//! publish in the Connect sandbox, which validates flow language and every reference the way
//! CreateContactFlow with Status PUBLISHED does. The bot is built in the sandbox's Lex V2 from the
//! shipped definition, so the Lex block refers to a real alias.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_connect::types::{ContactFlowType, LexV2Bot};
use aws_sdk_lexmodelsv2::types::{
    BotVersionLocaleDetails, DataPrivacy, SampleUtterance, VoiceSettings,
};
use connect_returns_sandbox::{Config, QuotaConfig, start};
use serde_json::Value;

/// Shipped flows in creation order with their types.
const FLOWS: [(&str, ContactFlowType); 6] = [
    ("newCallerAgentWhisper", ContactFlowType::AgentWhisper),
    ("returningCallerAgentWhisper", ContactFlowType::AgentWhisper),
    ("repeatCallerFlow", ContactFlowType::ContactFlow),
    ("cfAgentCallBackWhisperflow", ContactFlowType::AgentWhisper),
    ("cfOutboundWhisperflow", ContactFlowType::OutboundWhisper),
    ("cfSetCallBackflow", ContactFlowType::ContactFlow),
];

const FUNCTIONS: [&str; 8] = [
    "searchCustomerCalls",
    "addCustomerCalls",
    "get10DigitPhone",
    "getCurrentTime",
    "writeCallback",
    "readCallback",
    "updateCallback",
    "stopContact",
];

/// Replaces every `${kind:name}` with `lookup(kind:name)`; panics on an unknown one.
fn substitute(text: &str, lookup: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("terminated placeholder") + i;
        let key = &rest[i + 2..end];
        out.push_str(
            lookup
                .get(key)
                .unwrap_or_else(|| panic!("no value for ${{{key}}}")),
        );
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rendered_flows_publish_in_the_connect_sandbox() {
    let config = Config {
        quota: QuotaConfig {
            enabled: false,
            ..QuotaConfig::default()
        },
        lex_build_duration: Duration::from_millis(50),
        ..Config::default()
    };
    let sb = start(config).await.expect("sandbox starts");
    let port = testkit::port_of(&sb.connect_url);
    let seed = tokio::task::spawn_blocking(move || {
        testkit::http_request(port, "POST", "/__sandbox/seed", None)
    })
    .await
    .unwrap()
    .expect("seed answers");
    assert_eq!(seed.0, 200, "{}", seed.1);
    let seed: Value = serde_json::from_str(&seed.1).unwrap();
    let instance = seed["instance"]["id"].as_str().unwrap().to_string();
    let instance_arn = seed["instance"]["arn"].as_str().unwrap().to_string();
    let account = instance_arn.split(':').nth(4).unwrap().to_string();
    let hours = seed["hours_of_operation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let basic_queue = seed["queue"]["arn"].as_str().unwrap().to_string();

    // The bot, from the shipped definition.
    let bot_def: Value = serde_json::from_str(
        &std::fs::read_to_string(
            crate::harness::root().join("assets/lex/returnCallerConcierge.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let lex = aws_sdk_lexmodelsv2::Client::new(
        &crate::harness::sdk_config(&sb.lexv2_url, "us-east-1").await,
    );
    let bot = lex
        .create_bot()
        .bot_name(bot_def["name"].as_str().unwrap())
        .role_arn(format!("arn:aws:iam::{account}:role/lexbot"))
        .data_privacy(DataPrivacy::builder().child_directed(false).build())
        .idle_session_ttl_in_seconds(bot_def["idleSessionTtlSeconds"].as_i64().unwrap() as i32)
        .send()
        .await
        .expect("create bot");
    let bot_id = bot.bot_id().unwrap().to_string();
    lex.create_bot_locale()
        .bot_id(&bot_id)
        .bot_version("DRAFT")
        .locale_id(bot_def["locale"].as_str().unwrap())
        .nlu_intent_confidence_threshold(bot_def["confidenceThreshold"].as_f64().unwrap())
        .voice_settings(
            VoiceSettings::builder()
                .voice_id(bot_def["voice"].as_str().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create locale");
    for intent in bot_def["intents"].as_array().unwrap() {
        let utterances: Vec<SampleUtterance> = intent["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                SampleUtterance::builder()
                    .utterance(u.as_str().unwrap())
                    .build()
                    .unwrap()
            })
            .collect();
        lex.create_intent()
            .bot_id(&bot_id)
            .bot_version("DRAFT")
            .locale_id("en_US")
            .intent_name(intent["name"].as_str().unwrap())
            .set_sample_utterances(Some(utterances))
            .send()
            .await
            .expect("create intent");
    }
    lex.build_bot_locale()
        .bot_id(&bot_id)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .expect("build");
    let mut built = false;
    for _ in 0..100 {
        let d = lex
            .describe_bot_locale()
            .bot_id(&bot_id)
            .bot_version("DRAFT")
            .locale_id("en_US")
            .send()
            .await
            .unwrap();
        if d.bot_locale_status().map(|s| s.as_str()) == Some("Built") {
            built = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(built, "the bot locale did not build");
    let version = lex
        .create_bot_version()
        .bot_id(&bot_id)
        .bot_version_locale_specification(
            "en_US",
            BotVersionLocaleDetails::builder()
                .source_bot_version("DRAFT")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("version");
    let alias = lex
        .create_bot_alias()
        .bot_id(&bot_id)
        .bot_alias_name("prod")
        .bot_version(version.bot_version().unwrap())
        .send()
        .await
        .expect("alias");
    let alias_arn = format!(
        "arn:aws:lex:us-east-1:{account}:bot-alias/{bot_id}/{}",
        alias.bot_alias_id().unwrap()
    );

    // Connect: bot and Lambda associations, the five queues, then the flows in order.
    let connect = aws_sdk_connect::Client::new(
        &crate::harness::sdk_config(&sb.connect_url, "us-east-1").await,
    );
    connect
        .associate_bot()
        .instance_id(&instance)
        .lex_v2_bot(LexV2Bot::builder().alias_arn(&alias_arn).build())
        .send()
        .await
        .expect("associate bot");
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    values.insert("lex:returnCallerConcierge".into(), alias_arn);
    values.insert("callbackQueue".into(), basic_queue);
    for f in FUNCTIONS {
        let arn = format!("arn:aws:lambda:us-east-1:{account}:function:returnCaller-{f}");
        connect
            .associate_lambda_function()
            .instance_id(&instance)
            .function_arn(&arn)
            .send()
            .await
            .expect("associate lambda");
        values.insert(format!("lambda:{f}"), arn);
    }
    for q in [
        "Sales",
        "Service",
        "Repairs",
        "Installations",
        "Spare_Parts",
    ] {
        let out = connect
            .create_queue()
            .instance_id(&instance)
            .name(q)
            .hours_of_operation_id(&hours)
            .send()
            .await
            .expect("create queue");
        values.insert(format!("queue:{q}"), out.queue_arn().unwrap().to_string());
    }
    for (name, ty) in FLOWS {
        let source = std::fs::read_to_string(
            crate::harness::root().join(format!("assets/flows/{name}.json")),
        )
        .unwrap();
        let content = substitute(&source, &values);
        let created = connect
            .create_contact_flow()
            .instance_id(&instance)
            .name(name)
            .r#type(ty)
            .content(&content)
            .send()
            .await;
        match created {
            Ok(out) => {
                values.insert(
                    format!("flow:{name}"),
                    out.contact_flow_arn().unwrap().to_string(),
                );
            }
            Err(e) => {
                let problems: Vec<String> = e
                    .as_service_error()
                    .and_then(|se| match se {
                        aws_sdk_connect::operation::create_contact_flow::CreateContactFlowError::InvalidContactFlowException(i) => {
                            Some(i.problems().iter().filter_map(|p| p.message().map(str::to_string)).collect())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                panic!(
                    "{name} does not publish: {}\n{problems:#?}",
                    aws_sdk_connect::error::DisplayErrorContext(&e)
                );
            }
        }
    }
    // The sandbox really validates references here: an unassociated Lambda is refused.
    let mut wrong = values.clone();
    wrong.insert(
        "lambda:addCustomerCalls".into(),
        format!("arn:aws:lambda:us-east-1:{account}:function:not-associated"),
    );
    let source = std::fs::read_to_string(
        crate::harness::root().join("assets/flows/newCallerAgentWhisper.json"),
    )
    .unwrap();
    let refused = connect
        .create_contact_flow()
        .instance_id(&instance)
        .name("newCallerAgentWhisper-wrong")
        .r#type(ContactFlowType::AgentWhisper)
        .content(substitute(&source, &wrong))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a flow naming an unassociated lambda was accepted"
    );
    let listed = connect
        .list_contact_flows()
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .contact_flow_summary_list()
        .iter()
        .filter_map(|f| f.name())
        .collect();
    for (name, _) in FLOWS {
        assert!(names.contains(&name), "{name} not listed: {names:?}");
    }
}
