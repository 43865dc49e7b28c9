//! Connect resource conformance through aws-sdk-connect: queues, hours, routing profiles and their
//! queue associations, Lambda / Lex / storage associations, phone numbers, tags and StopContact.
use crate::common::*;
use aws_sdk_connect::types::{
    Channel, InstanceStorageConfig, InstanceStorageResourceType, KinesisStreamConfig, LexBot,
    LexV2Bot, LexVersion, MediaConcurrency, OutboundCallerConfig, RoutingProfileQueueConfig,
    RoutingProfileQueueReference, StorageType,
};
use serde_json::json;

#[tokio::test]
async fn queues_and_hours() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let hours = c
        .list_hours_of_operations()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    let basic = &hours.hours_of_operation_summary_list()[0];
    assert_eq!(
        (basic.name(), basic.id()),
        (Some("Basic Hours"), Some(s.hours_id.as_str()))
    );
    let h = c
        .describe_hours_of_operation()
        .instance_id(&s.instance_id)
        .hours_of_operation_id(&s.hours_id)
        .send()
        .await
        .unwrap();
    assert_eq!(h.hours_of_operation().unwrap().config().len(), 7);
    let (outbound_flow, _) = s.flow("Default outbound");
    let q = c
        .create_queue()
        .instance_id(&s.instance_id)
        .name("ReturningCallers")
        .description("returning callers")
        .hours_of_operation_id(&s.hours_id)
        .outbound_caller_config(
            OutboundCallerConfig::builder()
                .outbound_caller_id_name("Returns")
                .outbound_flow_id(&outbound_flow)
                .build(),
        )
        .tags("app", "returns")
        .send()
        .await
        .expect("create queue");
    let qid = q.queue_id().unwrap().to_string();
    assert_eq!(
        q.queue_arn(),
        Some(format!("{}/queue/{qid}", s.instance_arn).as_str())
    );
    let d = c
        .describe_queue()
        .instance_id(&s.instance_id)
        .queue_id(&qid)
        .send()
        .await
        .unwrap();
    let dq = d.queue().unwrap();
    assert_eq!(dq.name(), Some("ReturningCallers"));
    assert_eq!(dq.hours_of_operation_id(), Some(s.hours_id.as_str()));
    assert_eq!(
        dq.outbound_caller_config().unwrap().outbound_flow_id(),
        Some(outbound_flow.as_str())
    );
    assert_eq!(
        dq.tags().unwrap().get("app").map(String::as_str),
        Some("returns")
    );
    // duplicate name, unknown hours, missing hours (raw). Each case changes one member of a
    // valid CreateQueue.
    type Queue = aws_sdk_connect::operation::create_queue::builders::CreateQueueFluentBuilder;
    let valid = || {
        c.create_queue()
            .instance_id(&s.instance_id)
            .hours_of_operation_id(&s.hours_id)
    };
    let cases: &[Refusal<Queue>] = &[
        (
            "a queue with the name of an existing queue is a duplicate",
            |b| b.name("BasicQueue"),
            "DuplicateResourceException",
        ),
        (
            "a queue on unknown hours of operation is not found",
            |b| b.name("Q2").hours_of_operation_id("nope"),
            "ResourceNotFoundException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    let (status, body, _) = http(
        &sb.connect_url,
        "PUT",
        &format!("/queues/{}", s.instance_id),
        Some(r#"{"Name":"Q3"}"#),
        &[("authorization", "t")],
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("InvalidParameterException"))
    );
    // outbound caller config: the phone number must be claimed by the instance; whisper flow type checked
    c.update_queue_outbound_caller_config()
        .instance_id(&s.instance_id)
        .queue_id(&qid)
        .outbound_caller_config(
            OutboundCallerConfig::builder()
                .outbound_caller_id_number_id(&s.phone_id)
                .build(),
        )
        .send()
        .await
        .expect("update outbound caller config");
    let d = c
        .describe_queue()
        .instance_id(&s.instance_id)
        .queue_id(&qid)
        .send()
        .await
        .unwrap();
    let occ = d.queue().unwrap().outbound_caller_config().unwrap();
    assert_eq!(
        occ.outbound_caller_id_number_id(),
        Some(s.phone_id.as_str())
    );
    assert_eq!(occ.outbound_flow_id(), None, "the whole config is replaced");
    let (whisper, _) = s.flow("Default agent whisper");
    let (code, message) = refused(
        c.update_queue_outbound_caller_config()
            .instance_id(&s.instance_id)
            .queue_id(&qid)
            .outbound_caller_config(
                OutboundCallerConfig::builder()
                    .outbound_flow_id(whisper)
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    // list with pagination
    for n in 0..3 {
        c.create_queue()
            .instance_id(&s.instance_id)
            .name(format!("extra-{n}"))
            .hours_of_operation_id(&s.hours_id)
            .send()
            .await
            .unwrap();
    }
    let pages: Vec<_> = c
        .list_queues()
        .instance_id(&s.instance_id)
        .max_results(2)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 3);
    let n: usize = pages
        .iter()
        .map(|p| p.as_ref().unwrap().queue_summary_list().len())
        .sum();
    assert_eq!(n, 5);
    c.delete_queue()
        .instance_id(&s.instance_id)
        .queue_id(&qid)
        .send()
        .await
        .expect("delete unused queue");
    assert_eq!(
        refused(
            c.describe_queue()
                .instance_id(&s.instance_id)
                .queue_id(&qid)
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );
}

fn qc(queue: &str, ch: Channel, prio: i32) -> RoutingProfileQueueConfig {
    RoutingProfileQueueConfig::builder()
        .queue_reference(
            RoutingProfileQueueReference::builder()
                .queue_id(queue)
                .channel(ch)
                .build()
                .unwrap(),
        )
        .priority(prio)
        .delay(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn routing_profiles_and_queue_associations() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let mut queues = Vec::new();
    for n in 0..12 {
        let q = c
            .create_queue()
            .instance_id(&s.instance_id)
            .name(format!("q{n}"))
            .hours_of_operation_id(&s.hours_id)
            .send()
            .await
            .unwrap();
        queues.push(q.queue_id().unwrap().to_string());
    }
    let voice = MediaConcurrency::builder()
        .channel(Channel::Voice)
        .concurrency(1)
        .build()
        .unwrap();
    let rp = c
        .create_routing_profile()
        .instance_id(&s.instance_id)
        .name("Returns agents")
        .description("agents for returning callers")
        .default_outbound_queue_id(&queues[0])
        .media_concurrencies(voice.clone())
        .queue_configs(qc(&queues[0], Channel::Voice, 1))
        .send()
        .await
        .expect("create routing profile");
    let rid = rp.routing_profile_id().unwrap().to_string();
    // more than 10 per call is refused
    let mut too_many = c
        .associate_routing_profile_queues()
        .instance_id(&s.instance_id)
        .routing_profile_id(&rid);
    for q in &queues[1..12] {
        too_many = too_many.queue_configs(qc(q, Channel::Voice, 2));
    }
    let (code, message) = refused(too_many.send().await);
    assert_eq!(code, "InvalidParameterException", "{message}");
    let mut ten = c
        .associate_routing_profile_queues()
        .instance_id(&s.instance_id)
        .routing_profile_id(&rid);
    for q in &queues[1..11] {
        ten = ten.queue_configs(qc(q, Channel::Voice, 2));
    }
    ten.send().await.expect("10 per call is fine");
    let (code, message) = refused(
        c.associate_routing_profile_queues()
            .instance_id(&s.instance_id)
            .routing_profile_id(&rid)
            .queue_configs(qc(&queues[1], Channel::Voice, 3))
            .send()
            .await,
    );
    assert_eq!(
        code, "InvalidParameterException",
        "already associated: {message}"
    );
    let listed: Vec<_> = c
        .list_routing_profile_queues()
        .instance_id(&s.instance_id)
        .routing_profile_id(&rid)
        .max_results(4)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(listed.len(), 11);
    assert!(
        listed
            .iter()
            .all(|x| x.as_ref().unwrap().queue_arn().contains("/queue/"))
    );
    let d = c
        .describe_routing_profile()
        .instance_id(&s.instance_id)
        .routing_profile_id(&rid)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.routing_profile().unwrap().number_of_associated_queues(),
        Some(11)
    );
    // a queue in a routing profile cannot be deleted
    let e = c
        .delete_queue()
        .instance_id(&s.instance_id)
        .queue_id(&queues[5])
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_connect::operation::delete_queue::DeleteQueueError::ResourceInUseException(inuse) =
        e
    else {
        panic!("{e:?}")
    };
    assert_eq!(inuse.resource_id(), Some(rid.as_str()));
    assert_eq!(
        inuse.resource_type().map(|t| t.as_str()),
        Some("ROUTING_PROFILE")
    );
    c.disassociate_routing_profile_queues()
        .instance_id(&s.instance_id)
        .routing_profile_id(&rid)
        .queue_references(
            RoutingProfileQueueReference::builder()
                .queue_id(&queues[5])
                .channel(Channel::Voice)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("disassociate");
    c.delete_queue()
        .instance_id(&s.instance_id)
        .queue_id(&queues[5])
        .send()
        .await
        .expect("now deletable");
    let (code, message) = refused(
        c.disassociate_routing_profile_queues()
            .instance_id(&s.instance_id)
            .routing_profile_id(&rid)
            .queue_references(
                RoutingProfileQueueReference::builder()
                    .queue_id(&queues[6])
                    .channel(Channel::Chat)
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    // validation: duplicate name, missing description (raw), VOICE concurrency must be 1. Each
    // case changes one member of a valid CreateRoutingProfile.
    type Profile =
        aws_sdk_connect::operation::create_routing_profile::builders::CreateRoutingProfileFluentBuilder;
    let valid = || {
        c.create_routing_profile()
            .instance_id(&s.instance_id)
            .description("d")
            .default_outbound_queue_id(&queues[0])
            .media_concurrencies(voice.clone())
    };
    let cases: &[Refusal<Profile>] = &[
        (
            "a routing profile with the name of an existing one is a duplicate",
            |b| b.name("Basic Routing Profile"),
            "DuplicateResourceException",
        ),
        (
            "a VOICE concurrency other than 1 is refused",
            |b| {
                b.name("two voice").set_media_concurrencies(Some(vec![
                    MediaConcurrency::builder()
                        .channel(Channel::Voice)
                        .concurrency(2)
                        .build()
                        .unwrap(),
                ]))
            },
            "InvalidParameterException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    let (status, body, _) = http(
        &sb.connect_url,
        "PUT",
        &format!("/routing-profiles/{}", s.instance_id),
        Some(&json!({"Name": "x", "DefaultOutboundQueueId": queues[0], "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}]}).to_string()),
        &[("authorization", "t")],
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("InvalidParameterException")),
        "{body}"
    );
    let names: Vec<_> = c
        .list_routing_profiles()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap()
        .routing_profile_summary_list()
        .iter()
        .filter_map(|r| r.name().map(str::to_string))
        .collect();
    assert_eq!(names, vec!["Basic Routing Profile", "Returns agents"]);
    c.delete_routing_profile()
        .instance_id(&s.instance_id)
        .routing_profile_id(&rid)
        .send()
        .await
        .unwrap();
    c.delete_queue()
        .instance_id(&s.instance_id)
        .queue_id(&queues[6])
        .send()
        .await
        .expect("free after profile deletion");
}

#[tokio::test]
async fn lambda_associations() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    for n in 0..30 {
        c.associate_lambda_function()
            .instance_id(&s.instance_id)
            .function_arn(format!(
                "arn:aws:lambda:us-east-1:123456789012:function:f{n:02}"
            ))
            .send()
            .await
            .unwrap();
    }
    let (code, message) = refused(
        c.associate_lambda_function()
            .instance_id(&s.instance_id)
            .function_arn("arn:aws:lambda:us-east-1:123456789012:function:f00")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException", "{message}");
    // the same ClientToken replays as success (an idempotent retry); a new token conflicts
    let g = "arn:aws:lambda:us-east-1:123456789012:function:guarded";
    for _ in 0..2 {
        c.associate_lambda_function()
            .instance_id(&s.instance_id)
            .function_arn(g)
            .client_token("token-1")
            .send()
            .await
            .expect("same token replays");
    }
    let (code, message) = refused(
        c.associate_lambda_function()
            .instance_id(&s.instance_id)
            .function_arn(g)
            .client_token("token-2")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException", "{message}");
    c.disassociate_lambda_function()
        .instance_id(&s.instance_id)
        .function_arn(g)
        .send()
        .await
        .unwrap();
    let (code, message) = refused(
        c.associate_lambda_function()
            .instance_id(&s.instance_id)
            .function_arn("not-an-arn")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    let all: Vec<String> = c
        .list_lambda_functions()
        .instance_id(&s.instance_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        all.len(),
        30,
        "default page size is 25, so this crossed pages"
    );
    let (code, message) = refused(
        c.list_lambda_functions()
            .instance_id(&s.instance_id)
            .max_results(26)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    c.disassociate_lambda_function()
        .instance_id(&s.instance_id)
        .function_arn(&all[0])
        .send()
        .await
        .unwrap();
    let (code, message) = refused(
        c.disassociate_lambda_function()
            .instance_id(&s.instance_id)
            .function_arn(&all[0])
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
}

async fn lex_v2_alias(sb: &connect_returns_sandbox::Running) -> String {
    let cfg = sdk_config(&sb.lexv2_url, false).await;
    let lex = aws_sdk_lexmodelsv2::Client::new(&cfg);
    let bot = lex
        .create_bot()
        .bot_name("ReturnsBot")
        .role_arn("arn:aws:iam::123456789012:role/lex")
        .data_privacy(
            aws_sdk_lexmodelsv2::types::DataPrivacy::builder()
                .child_directed(false)
                .build(),
        )
        .idle_session_ttl_in_seconds(300)
        .send()
        .await
        .expect("lex v2 create bot");
    let bot_id = bot.bot_id().unwrap().to_string();
    let aliases = lex
        .list_bot_aliases()
        .bot_id(&bot_id)
        .send()
        .await
        .expect("list aliases");
    let alias_id = aliases.bot_alias_summaries()[0]
        .bot_alias_id()
        .unwrap()
        .to_string();
    format!("arn:aws:lex:us-east-1:123456789012:bot-alias/{bot_id}/{alias_id}")
}

#[tokio::test]
#[allow(deprecated)] // Lex V1 is deprecated upstream; the product still supports it
async fn bot_associations_v2_and_v1() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let missing = "arn:aws:lex:us-east-1:123456789012:bot-alias/NOBOT/NOALIAS";
    let (code, message) = refused(
        c.associate_bot()
            .instance_id(&s.instance_id)
            .lex_v2_bot(LexV2Bot::builder().alias_arn(missing).build())
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    let alias = lex_v2_alias(&sb).await;
    let (_, state) = admin(&sb, "GET", "state", None).await;
    assert!(
        state["lexv2"].to_string().contains("ReturnsBot"),
        "state dump includes the Lex V2 bot: {}",
        state["lexv2"]
    );
    // a flow using the alias is refused until the bot is associated
    let content = flow_content(
        "L",
        json!([
        {"Identifier": "L", "Type": "ConnectParticipantWithLexBot", "Parameters": {"Text": "hi", "LexV2Bot": {"AliasArn": alias}},
         "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]),
    );
    let create = || {
        c.create_contact_flow()
            .instance_id(&s.instance_id)
            .name("lex flow")
            .r#type(aws_sdk_connect::types::ContactFlowType::ContactFlow)
            .content(content.clone())
            .send()
    };
    let (code, message) = refused(create().await);
    assert_eq!(code, "InvalidContactFlowException", "{message}");
    c.associate_bot()
        .instance_id(&s.instance_id)
        .lex_v2_bot(LexV2Bot::builder().alias_arn(&alias).build())
        .send()
        .await
        .expect("associate v2");
    create().await.expect("accepted after AssociateBot");
    let (code, message) = refused(
        c.associate_bot()
            .instance_id(&s.instance_id)
            .lex_v2_bot(LexV2Bot::builder().alias_arn(&alias).build())
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException", "{message}");
    let v2 = c
        .list_bots()
        .instance_id(&s.instance_id)
        .lex_version(LexVersion::V2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        v2.lex_bots()[0].lex_v2_bot().unwrap().alias_arn(),
        Some(alias.as_str())
    );
    let v1 = c
        .list_bots()
        .instance_id(&s.instance_id)
        .lex_version(LexVersion::V1)
        .send()
        .await
        .unwrap();
    assert!(v1.lex_bots().is_empty());
    c.disassociate_bot()
        .instance_id(&s.instance_id)
        .lex_v2_bot(LexV2Bot::builder().alias_arn(&alias).build())
        .send()
        .await
        .expect("disassociate");
    let (code, message) = refused(
        c.disassociate_bot()
            .instance_id(&s.instance_id)
            .lex_v2_bot(LexV2Bot::builder().alias_arn(&alias).build())
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    // V1: a bot created through the Lex V1 API can be associated both ways
    let cfg = sdk_config(&sb.lexv1_url, false).await;
    let lex1 = aws_sdk_lexmodelbuilding::Client::new(&cfg);
    lex1.put_bot()
        .name("CallbackBot")
        .locale(aws_sdk_lexmodelbuilding::types::Locale::EnUs)
        .child_directed(false)
        .send()
        .await
        .expect("lex v1 put bot");
    let bot = LexBot::builder()
        .name("CallbackBot")
        .lex_region("us-east-1")
        .build()
        .unwrap();
    c.associate_lex_bot()
        .instance_id(&s.instance_id)
        .lex_bot(bot.clone())
        .send()
        .await
        .expect("associate lex bot");
    let (code, message) = refused(
        c.associate_bot()
            .instance_id(&s.instance_id)
            .lex_bot(bot.clone())
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException", "{message}");
    let l = c
        .list_lex_bots()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(l.lex_bots()[0].name(), "CallbackBot");
    let v1 = c
        .list_bots()
        .instance_id(&s.instance_id)
        .lex_version(LexVersion::V1)
        .send()
        .await
        .unwrap();
    assert_eq!(v1.lex_bots()[0].lex_bot().unwrap().name(), "CallbackBot");
    let v1_flow = flow_content(
        "L",
        json!([
        {"Identifier": "L", "Type": "ConnectParticipantWithLexBot",
         "Parameters": {"Text": "hi", "LexBot": {"Name": "CallbackBot", "Region": "us-east-1", "Alias": "live"}},
         "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]),
    );
    c.create_contact_flow()
        .instance_id(&s.instance_id)
        .name("v1 flow")
        .r#type(aws_sdk_connect::types::ContactFlowType::ContactFlow)
        .content(v1_flow)
        .send()
        .await
        .expect("v1 bot flow accepted once associated");
    c.disassociate_lex_bot()
        .instance_id(&s.instance_id)
        .bot_name("CallbackBot")
        .lex_region("us-east-1")
        .send()
        .await
        .unwrap();
    assert!(
        c.list_lex_bots()
            .instance_id(&s.instance_id)
            .send()
            .await
            .unwrap()
            .lex_bots()
            .is_empty()
    );
}

#[tokio::test]
async fn storage_configs() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let cfg = |arn: &str| {
        InstanceStorageConfig::builder()
            .storage_type(StorageType::KinesisStream)
            .kinesis_stream_config(
                KinesisStreamConfig::builder()
                    .stream_arn(arn)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    };
    let arn1 = "arn:aws:kinesis:us-east-1:123456789012:stream/ctr";
    let a = c
        .associate_instance_storage_config()
        .instance_id(&s.instance_id)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .storage_config(cfg(arn1))
        .send()
        .await
        .expect("associate storage");
    let aid = a.association_id().unwrap().to_string();
    let (code, message) = refused(
        c.associate_instance_storage_config()
            .instance_id(&s.instance_id)
            .resource_type(InstanceStorageResourceType::ContactTraceRecords)
            .storage_config(cfg("arn:aws:kinesis:us-east-1:123456789012:stream/other"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException", "{message}");
    let (code, message) = refused(
        c.associate_instance_storage_config()
            .instance_id(&s.instance_id)
            .resource_type(InstanceStorageResourceType::AgentEvents)
            .storage_config(cfg("arn:aws:s3:::not-a-stream"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    let l = c
        .list_instance_storage_configs()
        .instance_id(&s.instance_id)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .send()
        .await
        .unwrap();
    assert_eq!(l.storage_configs().len(), 1);
    assert_eq!(l.storage_configs()[0].association_id(), Some(aid.as_str()));
    let arn2 = "arn:aws:kinesis:us-east-1:123456789012:stream/ctr2";
    c.update_instance_storage_config()
        .instance_id(&s.instance_id)
        .association_id(&aid)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .storage_config(cfg(arn2))
        .send()
        .await
        .expect("update storage");
    let d = c
        .describe_instance_storage_config()
        .instance_id(&s.instance_id)
        .association_id(&aid)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.storage_config()
            .unwrap()
            .kinesis_stream_config()
            .unwrap()
            .stream_arn(),
        arn2
    );
    let (code, message) = refused(
        c.describe_instance_storage_config()
            .instance_id(&s.instance_id)
            .association_id(&aid)
            .resource_type(InstanceStorageResourceType::AgentEvents)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    c.disassociate_instance_storage_config()
        .instance_id(&s.instance_id)
        .association_id(&aid)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .send()
        .await
        .unwrap();
    let l = c
        .list_instance_storage_configs()
        .instance_id(&s.instance_id)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .send()
        .await
        .unwrap();
    assert!(l.storage_configs().is_empty());
}

#[tokio::test]
async fn phone_numbers_and_flow_association() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let other = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let l = c
        .list_phone_numbers_v2()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(l.list_phone_numbers_summary_list().len(), 1);
    let pn = &l.list_phone_numbers_summary_list()[0];
    assert_eq!(pn.phone_number_id(), Some(s.phone_id.as_str()));
    assert!(pn.phone_number().unwrap().starts_with("+1206555"));
    let all = c
        .list_phone_numbers_v2()
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(all.len(), 2, "both instances' numbers, one per page");
    let d = c
        .describe_phone_number()
        .phone_number_id(&s.phone_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.claimed_phone_number_summary().unwrap().instance_id(),
        Some(s.instance_id.as_str())
    );
    let (inbound, inbound_arn) = s.flow("Sample inbound flow (first contact experience)");
    c.associate_phone_number_contact_flow()
        .phone_number_id(&s.phone_id)
        .instance_id(&s.instance_id)
        .contact_flow_id(&inbound)
        .send()
        .await
        .expect("associate number with flow");
    let fa = c
        .list_flow_associations()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        fa.flow_association_summary_list()[0].flow_id(),
        Some(inbound_arn.as_str())
    );
    // the flow is in use by the number: refused until disassociated (sandbox strictness)
    let (code, message) = refused(
        c.delete_contact_flow()
            .instance_id(&s.instance_id)
            .contact_flow_id(&inbound)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException", "{message}");
    // whisper flows cannot start a call; another instance's number is not ours
    let (whisper, _) = s.flow("Default agent whisper");
    let (code, message) = refused(
        c.associate_phone_number_contact_flow()
            .phone_number_id(&s.phone_id)
            .instance_id(&s.instance_id)
            .contact_flow_id(&whisper)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    let (code, message) = refused(
        c.associate_phone_number_contact_flow()
            .phone_number_id(&other.phone_id)
            .instance_id(&s.instance_id)
            .contact_flow_id(&inbound)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    c.disassociate_phone_number_contact_flow()
        .phone_number_id(&s.phone_id)
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    c.delete_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&inbound)
        .send()
        .await
        .expect("free now");
}

#[tokio::test]
async fn tags_on_resources() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    for arn in [
        s.instance_arn.clone(),
        s.queue_arn.clone(),
        s.flow("Default outbound").1,
    ] {
        c.tag_resource()
            .resource_arn(&arn)
            .tags("env", "test")
            .tags("team", "returns")
            .send()
            .await
            .expect("tag");
        c.untag_resource()
            .resource_arn(&arn)
            .tag_keys("team")
            .send()
            .await
            .expect("untag");
        let t = c
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
        let tags = t.tags().unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(tags.get("env").map(String::as_str), Some("test"));
    }
    let d = c
        .describe_queue()
        .instance_id(&s.instance_id)
        .queue_id(&s.queue_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.queue()
            .unwrap()
            .tags()
            .unwrap()
            .get("env")
            .map(String::as_str),
        Some("test")
    );
    let d = c
        .describe_instance()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.instance()
            .unwrap()
            .tags()
            .unwrap()
            .get("env")
            .map(String::as_str),
        Some("test")
    );
    let (code, message) = refused(
        c.tag_resource()
            .resource_arn(format!("{}/queue/nope", s.instance_arn))
            .tags("a", "b")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    let (code, message) = refused(
        c.tag_resource()
            .resource_arn(&s.queue_arn)
            .tags("aws:reserved", "b")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
}

#[tokio::test]
async fn stop_contact_for_queued_callbacks() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let (st, contact) = admin(
        &sb,
        "POST",
        "contacts",
        Some(json!({"instance_id": s.instance_id, "queue_id": s.queue_id})),
    )
    .await;
    assert_eq!(st, 200, "{contact}");
    let cid = contact["contact_id"].as_str().unwrap();
    c.stop_contact()
        .instance_id(&s.instance_id)
        .contact_id(cid)
        .send()
        .await
        .expect("stop queued callback");
    let (code, message) = refused(
        c.stop_contact()
            .instance_id(&s.instance_id)
            .contact_id(cid)
            .send()
            .await,
    );
    assert_eq!(
        code, "ContactNotFoundException",
        "stopping twice: {message}"
    );
    let e = c
        .stop_contact()
        .instance_id(&s.instance_id)
        .contact_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(410));
    assert!(e.into_service_error().is_contact_not_found_exception());
    let (_, state) = admin(&sb, "GET", "state", None).await;
    let stored = &state["connect"]["instances"][&s.instance_id]["contacts"][cid];
    assert_eq!(stored["state"], "DISCONNECTED");
    // a queue with a queued contact cannot be deleted... after stop it is only blocked by the routing profile
    let (_, c2) = admin(
        &sb,
        "POST",
        "contacts",
        Some(json!({"instance_id": s.instance_id, "initiation_method": "TRANSFER"})),
    )
    .await;
    let (code, message) = refused(
        c.stop_contact()
            .instance_id(&s.instance_id)
            .contact_id(c2["contact_id"].as_str().unwrap())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException", "{message}");
}

#[tokio::test]
async fn search_queues_and_routing_profiles_return_whole_objects() {
    use aws_sdk_connect::types::{
        QueueSearchCriteria, RoutingProfileSearchCriteria, SearchableQueueType,
        StringComparisonType, StringCondition,
    };
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let named = |name: &str, how: StringComparisonType| {
        StringCondition::builder()
            .field_name("name")
            .value(name)
            .comparison_type(how)
            .build()
    };
    let mut ids = Vec::new();
    for name in ["Sales", "Service", "Spare_Parts"] {
        let q = c
            .create_queue()
            .instance_id(&s.instance_id)
            .name(name)
            .description(format!("{name} queue"))
            .hours_of_operation_id(&s.hours_id)
            .tags("owner", name)
            .send()
            .await
            .unwrap();
        ids.push(q.queue_id().unwrap().to_string());
    }
    // OR of exact names: the named queues whole (tags, hours, description), and nothing else.
    let either = QueueSearchCriteria::builder()
        .or_conditions(
            QueueSearchCriteria::builder()
                .string_condition(named("Sales", StringComparisonType::Exact))
                .build(),
        )
        .or_conditions(
            QueueSearchCriteria::builder()
                .string_condition(named("Spare_Parts", StringComparisonType::Exact))
                .build(),
        )
        .build();
    let found = c
        .search_queues()
        .instance_id(&s.instance_id)
        .search_criteria(either.clone())
        .send()
        .await
        .unwrap();
    let names: Vec<_> = found.queues().iter().filter_map(|q| q.name()).collect();
    assert_eq!(names, ["Sales", "Spare_Parts"]);
    let sales = &found.queues()[0];
    assert_eq!(sales.queue_id(), Some(ids[0].as_str()));
    assert_eq!(sales.description(), Some("Sales queue"));
    assert_eq!(sales.hours_of_operation_id(), Some(s.hours_id.as_str()));
    assert_eq!(
        sales
            .tags()
            .and_then(|t| t.get("owner"))
            .map(String::as_str),
        Some("Sales")
    );
    assert_eq!(found.approximate_total_count(), Some(2));
    // Pages of one, in name order, with a NextToken bound to the criteria.
    let first = c
        .search_queues()
        .instance_id(&s.instance_id)
        .search_criteria(either.clone())
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.queues()[0].name(), Some("Sales"));
    let second = c
        .search_queues()
        .instance_id(&s.instance_id)
        .search_criteria(either)
        .max_results(1)
        .next_token(first.next_token().expect("a second page"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.queues()[0].name(), Some("Spare_Parts"));
    assert!(second.next_token().is_none());
    // STARTS_WITH with the queue type: every S queue, the seeded BasicQueue not among them.
    let s_queues = c
        .search_queues()
        .instance_id(&s.instance_id)
        .search_criteria(
            QueueSearchCriteria::builder()
                .and_conditions(
                    QueueSearchCriteria::builder()
                        .queue_type_condition(SearchableQueueType::Standard)
                        .build(),
                )
                .and_conditions(
                    QueueSearchCriteria::builder()
                        .string_condition(named("S", StringComparisonType::StartsWith))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(s_queues.queues().len(), 3);
    // A CONTAINS query on name outside 2 to 25 characters is refused, as are MaxResults > 100
    // and an unknown field.
    for criteria in [
        QueueSearchCriteria::builder()
            .string_condition(named("S", StringComparisonType::Contains))
            .build(),
        QueueSearchCriteria::builder()
            .string_condition(
                StringCondition::builder()
                    .field_name("hours")
                    .value("x")
                    .build(),
            )
            .build(),
    ] {
        let (code, message) = refused(
            c.search_queues()
                .instance_id(&s.instance_id)
                .search_criteria(criteria)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException", "{message}");
    }
    let (code, message) = refused(
        c.search_queues()
            .instance_id(&s.instance_id)
            .max_results(101)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    // SearchRoutingProfiles by exact name: the whole profile, tags and queue ids included.
    let voice = MediaConcurrency::builder()
        .channel(Channel::Voice)
        .concurrency(1)
        .build()
        .unwrap();
    c.create_routing_profile()
        .instance_id(&s.instance_id)
        .name("Returns agents")
        .description("agents for returning callers")
        .default_outbound_queue_id(&ids[0])
        .media_concurrencies(voice)
        .queue_configs(qc(&ids[1], Channel::Voice, 2))
        .tags("owner", "returns")
        .send()
        .await
        .unwrap();
    let profiles = c
        .search_routing_profiles()
        .instance_id(&s.instance_id)
        .search_criteria(
            RoutingProfileSearchCriteria::builder()
                .string_condition(named("Returns agents", StringComparisonType::Exact))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let [profile] = profiles.routing_profiles() else {
        panic!("{profiles:?}")
    };
    assert_eq!(profile.description(), Some("agents for returning callers"));
    assert_eq!(
        profile
            .tags()
            .and_then(|t| t.get("owner"))
            .map(String::as_str),
        Some("returns")
    );
    assert_eq!(profile.associated_queue_ids(), [ids[1].clone()]);
    assert_eq!(profile.number_of_associated_queues(), Some(1));
}

#[tokio::test]
async fn queue_names_and_hours_and_hours_names_are_updated_in_place() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let (status, night) = admin(
        &sb,
        "POST",
        "hours",
        Some(json!({"instance_id": s.instance_id, "name": "Night Shift"})),
    )
    .await;
    assert_eq!(status, 200, "{night}");
    let night_id = night["id"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for name in ["Sales", "Service"] {
        let q = c
            .create_queue()
            .instance_id(&s.instance_id)
            .name(name)
            .hours_of_operation_id(&s.hours_id)
            .send()
            .await
            .unwrap();
        ids.push(q.queue_id().unwrap().to_string());
    }
    let describe = |id: String| {
        let c = c.clone();
        let instance = s.instance_id.clone();
        async move {
            c.describe_queue()
                .instance_id(instance)
                .queue_id(id)
                .send()
                .await
                .unwrap()
                .queue
                .unwrap()
        }
    };

    c.update_queue_hours_of_operation()
        .instance_id(&s.instance_id)
        .queue_id(&ids[0])
        .hours_of_operation_id(&night_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(ids[0].clone()).await.hours_of_operation_id(),
        Some(night_id.as_str())
    );
    assert_eq!(
        refused(
            c.update_queue_hours_of_operation()
                .instance_id(&s.instance_id)
                .queue_id(&ids[0])
                .hours_of_operation_id("0000-no-such-hours")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );

    // Only the members sent change.
    c.update_queue_name()
        .instance_id(&s.instance_id)
        .queue_id(&ids[0])
        .description("the sales line")
        .send()
        .await
        .unwrap();
    let sales = describe(ids[0].clone()).await;
    assert_eq!(
        (sales.name(), sales.description()),
        (Some("Sales"), Some("the sales line"))
    );
    assert_eq!(
        refused(
            c.update_queue_name()
                .instance_id(&s.instance_id)
                .queue_id(&ids[0])
                .name("Service")
                .send()
                .await
        )
        .0,
        "DuplicateResourceException"
    );
    assert_eq!(describe(ids[0].clone()).await.name(), Some("Sales"));

    c.update_hours_of_operation()
        .instance_id(&s.instance_id)
        .hours_of_operation_id(&night_id)
        .name("Late Shift")
        .send()
        .await
        .unwrap();
    let listed = c
        .list_hours_of_operations()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .hours_of_operation_summary_list()
        .iter()
        .filter_map(|h| h.name())
        .collect();
    assert_eq!(names, ["Basic Hours", "Late Shift"]);
    assert_eq!(
        refused(
            c.update_hours_of_operation()
                .instance_id(&s.instance_id)
                .hours_of_operation_id(&night_id)
                .name("Basic Hours")
                .send()
                .await
        )
        .0,
        "DuplicateResourceException"
    );
}
