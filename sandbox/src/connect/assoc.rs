//! Instance associations: Lambda functions, Lex bots (AssociateBot for V1/V2, AssociateLexBot for
//! V1), instance storage configs, and claimed phone numbers with their contact-flow associations.
use serde_json::{Value, json};

use super::{
    INVALID, Instance, LexV1Bot, PhoneNumber, StorageConfig, body_max_results, conflict, instance,
    instance_key, instance_mut, invalid_param, invalid_request, last_segment, not_found, tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{check_len, list_query, list_resp, opt_str, page, req_str};

/// True when `token` already performed exactly `what` (an idempotent retry).
fn replayed(inst: &Instance, token: Option<&str>, what: &str) -> bool {
    token.is_some_and(|t| inst.client_tokens.get(t).is_some_and(|w| w == what))
}

fn remember(inst: &mut Instance, token: Option<&str>, what: String) {
    if let Some(t) = token {
        inst.client_tokens.insert(t.to_string(), what);
    }
}

// ---------- Lambda ----------

pub(super) fn associate_lambda_function(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let arn = req_str(INVALID, &body, "FunctionArn", 1, 140)?.to_string();
    let token = opt_str(INVALID, &body, "ClientToken", 0, 500)?.map(str::to_string);
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7
        || parts[0] != "arn"
        || parts[2] != "lambda"
        || parts[5] != "function"
        || parts[6].is_empty()
    {
        return Err(invalid_param(format!(
            "FunctionArn {arn:?} is not a lambda function arn"
        )));
    }
    let inst = instance_mut(w, req.param("InstanceId"))?;
    let what = format!("lambda:{arn}");
    if replayed(inst, token.as_deref(), &what) {
        return Ok(Resp::empty());
    }
    if inst.lambdas.contains(&arn) {
        return Err(conflict(format!(
            "lambda function {arn} is already associated with this instance"
        )));
    }
    if inst.lambdas.len() >= 50 {
        return Err(ApiError::new(
            402,
            "ServiceQuotaExceededException",
            "at most 50 lambda functions per instance",
        ));
    }
    inst.lambdas.push(arn);
    remember(inst, token.as_deref(), what);
    Ok(Resp::empty())
}

pub(super) fn disassociate_lambda_function(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let arn = req
        .query("functionArn")
        .ok_or_else(|| invalid_param("functionArn is required"))?
        .to_string();
    check_len(INVALID, "functionArn", &arn, 1, 140)?;
    let inst = instance_mut(w, req.param("InstanceId"))?;
    let before = inst.lambdas.len();
    inst.lambdas.retain(|l| *l != arn);
    if inst.lambdas.len() == before {
        return Err(not_found(format!(
            "lambda function {arn} is not associated with this instance"
        )));
    }
    Ok(Resp::empty())
}

pub(super) fn list_lambda_functions(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let items = inst.lambdas.iter().map(|l| json!(l)).collect();
    list_query(
        INVALID,
        req,
        "LambdaFunctions",
        items,
        25,
        25,
        &format!("lambdas:{}", inst.id),
    )
}

// ---------- Lex bots ----------

enum BotRef {
    V1(LexV1Bot),
    V2(String),
}

fn v1_bot(v: &Value) -> Result<LexV1Bot, ApiError> {
    let name = req_str(INVALID, v, "Name", 1, 50)?;
    let region = req_str(INVALID, v, "LexRegion", 1, 60)?;
    Ok(LexV1Bot {
        name: name.into(),
        region: region.into(),
    })
}

fn bot_ref(body: &Value) -> Result<BotRef, ApiError> {
    match (
        body.get("LexBot").filter(|v| !v.is_null()),
        body.get("LexV2Bot").filter(|v| !v.is_null()),
    ) {
        (Some(_), Some(_)) => Err(invalid_request(
            "LexBot and LexV2Bot are mutually exclusive",
        )),
        (None, None) => Err(invalid_request("LexBot or LexV2Bot is required")),
        (Some(b), None) => Ok(BotRef::V1(v1_bot(b)?)),
        (None, Some(b)) => Ok(BotRef::V2(
            req_str(INVALID, b, "AliasArn", 1, 100)?.to_string(),
        )),
    }
}

/// Checks a V1 bot exists in the sandbox's Lex V1 state (and region).
fn check_v1_exists(w: &World, b: &LexV1Bot) -> Result<(), ApiError> {
    if b.region != w.region() || !w.lexv1.bot_exists(&b.name) {
        return Err(not_found(format!(
            "lex bot {} does not exist in {}",
            b.name, b.region
        )));
    }
    Ok(())
}

fn associate_v1(
    w: &mut World,
    iid: &str,
    b: LexV1Bot,
    token: Option<&str>,
) -> Result<Resp, ApiError> {
    check_v1_exists(w, &b)?;
    let inst = instance_mut(w, iid)?;
    let what = format!("lexv1:{}:{}", b.name, b.region);
    if replayed(inst, token, &what) {
        return Ok(Resp::empty());
    }
    if inst.lex_bots.contains(&b) {
        return Err(conflict(format!(
            "lex bot {} is already associated with this instance",
            b.name
        )));
    }
    inst.lex_bots.push(b);
    remember(inst, token, what);
    Ok(Resp::empty())
}

pub(super) fn associate_bot(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let token = opt_str(INVALID, &body, "ClientToken", 0, 500)?.map(str::to_string);
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    match bot_ref(&body)? {
        BotRef::V1(b) => associate_v1(w, &iid, b, token.as_deref()),
        BotRef::V2(arn) => {
            let (region, account) = (w.region().to_string(), w.account_id().to_string());
            if !w.lexv2.alias_exists_in(&region, &account, &arn) {
                return Err(not_found(format!("lex v2 bot alias {arn} does not exist")));
            }
            let inst = instance_mut(w, &iid)?;
            let what = format!("lexv2:{arn}");
            if replayed(inst, token.as_deref(), &what) {
                return Ok(Resp::empty());
            }
            if inst.lex_v2_aliases.contains(&arn) {
                return Err(conflict(format!(
                    "lex v2 bot alias {arn} is already associated with this instance"
                )));
            }
            inst.lex_v2_aliases.push(arn);
            remember(inst, token.as_deref(), what);
            Ok(Resp::empty())
        }
    }
}

fn remove_v1(inst: &mut Instance, b: &LexV1Bot) -> Result<(), ApiError> {
    let before = inst.lex_bots.len();
    inst.lex_bots.retain(|x| x != b);
    if inst.lex_bots.len() == before {
        return Err(not_found(format!(
            "lex bot {} is not associated with this instance",
            b.name
        )));
    }
    Ok(())
}

pub(super) fn disassociate_bot(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let r = bot_ref(&body)?;
    let inst = instance_mut(w, req.param("InstanceId"))?;
    match r {
        BotRef::V1(b) => remove_v1(inst, &b)?,
        BotRef::V2(arn) => {
            let before = inst.lex_v2_aliases.len();
            inst.lex_v2_aliases.retain(|x| *x != arn);
            if inst.lex_v2_aliases.len() == before {
                return Err(not_found(format!(
                    "lex v2 bot alias {arn} is not associated with this instance"
                )));
            }
        }
    }
    Ok(Resp::empty())
}

pub(super) fn list_bots(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let items: Vec<Value> = match req.query("lexVersion") {
        Some("V1") => inst
            .lex_bots
            .iter()
            .map(|b| json!({"LexBot": {"Name": b.name, "LexRegion": b.region}}))
            .collect(),
        Some("V2") => inst
            .lex_v2_aliases
            .iter()
            .map(|a| json!({"LexV2Bot": {"AliasArn": a}}))
            .collect(),
        Some(other) => {
            return Err(invalid_request(format!(
                "lexVersion must be V1 or V2, got {other:?}"
            )));
        }
        None => return Err(invalid_request("lexVersion is required")),
    };
    let scope = format!("bots:{}:{}", inst.id, req.query("lexVersion").unwrap_or(""));
    list_query(INVALID, req, "LexBots", items, 25, 25, &scope)
}

pub(super) fn associate_lex_bot(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let token = opt_str(INVALID, &body, "ClientToken", 0, 500)?.map(str::to_string);
    let b = v1_bot(
        body.get("LexBot")
            .ok_or_else(|| invalid_param("LexBot is required"))?,
    )?;
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    associate_v1(w, &iid, b, token.as_deref())
}

pub(super) fn disassociate_lex_bot(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let name = req
        .query("botName")
        .ok_or_else(|| invalid_param("botName is required"))?;
    let region = req
        .query("lexRegion")
        .ok_or_else(|| invalid_param("lexRegion is required"))?;
    let b = LexV1Bot {
        name: name.into(),
        region: region.into(),
    };
    remove_v1(instance_mut(w, req.param("InstanceId"))?, &b)?;
    Ok(Resp::empty())
}

pub(super) fn list_lex_bots(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let items = inst
        .lex_bots
        .iter()
        .map(|b| json!({"Name": b.name, "LexRegion": b.region}))
        .collect();
    list_query(
        INVALID,
        req,
        "LexBots",
        items,
        25,
        25,
        &format!("lexbots:{}", inst.id),
    )
}

// ---------- storage configs ----------

const STORAGE_RESOURCE_TYPES: &[&str] = &[
    "CHAT_TRANSCRIPTS",
    "CALL_RECORDINGS",
    "SCHEDULED_REPORTS",
    "MEDIA_STREAMS",
    "CONTACT_TRACE_RECORDS",
    "AGENT_EVENTS",
    "REAL_TIME_CONTACT_ANALYSIS_SEGMENTS",
    "ATTACHMENTS",
    "CONTACT_EVALUATIONS",
    "SCREEN_RECORDINGS",
    "REAL_TIME_CONTACT_ANALYSIS_CHAT_SEGMENTS",
    "REAL_TIME_CONTACT_ANALYSIS_VOICE_SEGMENTS",
    "EMAIL_MESSAGES",
];

/// Resource types that take one streaming destination only.
const STREAM_ONLY: &[&str] = &["CONTACT_TRACE_RECORDS", "AGENT_EVENTS"];

fn resource_type(raw: Option<&str>) -> Result<String, ApiError> {
    let rt = raw.ok_or_else(|| invalid_param("ResourceType is required"))?;
    if !STORAGE_RESOURCE_TYPES.contains(&rt) {
        return Err(invalid_param(format!(
            "ResourceType {rt:?} is not a storage resource type"
        )));
    }
    Ok(rt.to_string())
}

/// Validates a StorageConfig for `rt`; returns it without AssociationId.
fn storage_config(rt: &str, v: Option<&Value>) -> Result<Value, ApiError> {
    let v = v
        .filter(|v| v.is_object())
        .ok_or_else(|| invalid_param("StorageConfig is required"))?;
    let st = req_str(INVALID, v, "StorageType", 1, 32)?;
    let (member, arn_key, arn_prefix) = match st {
        "KINESIS_STREAM" => ("KinesisStreamConfig", "StreamArn", "arn:aws:kinesis:"),
        "KINESIS_FIREHOSE" => ("KinesisFirehoseConfig", "FirehoseArn", "arn:aws:firehose:"),
        "S3" => ("S3Config", "BucketName", ""),
        "KINESIS_VIDEO_STREAM" => ("KinesisVideoStreamConfig", "Prefix", ""),
        other => {
            return Err(invalid_param(format!(
                "StorageType {other:?} is not supported"
            )));
        }
    };
    if STREAM_ONLY.contains(&rt) && !matches!(st, "KINESIS_STREAM" | "KINESIS_FIREHOSE") {
        return Err(invalid_param(format!(
            "{rt} needs a KINESIS_STREAM or KINESIS_FIREHOSE storage type"
        )));
    }
    let cfg = v
        .get(member)
        .ok_or_else(|| invalid_param(format!("{member} is required for {st}")))?;
    let val = req_str(INVALID, cfg, arn_key, 1, 2048)?;
    if !arn_prefix.is_empty() && !val.starts_with(arn_prefix) {
        return Err(invalid_param(format!(
            "{member}.{arn_key} {val:?} is not a {arn_prefix}… arn"
        )));
    }
    Ok(json!({ "StorageType": st, member: cfg }))
}

fn storage_json(s: &StorageConfig) -> Value {
    let mut v = s.config.clone();
    v["AssociationId"] = json!(s.association_id);
    v
}

fn new_association_id(w: &mut World) -> String {
    let id = w.next_id().replace('-', "");
    format!("{id}{}", &id[..32.min(id.len())])
}

pub(super) fn associate_instance_storage_config(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let rt = resource_type(body.get("ResourceType").and_then(Value::as_str))?;
    let cfg = storage_config(&rt, body.get("StorageConfig"))?;
    let token = opt_str(INVALID, &body, "ClientToken", 0, 500)?.map(str::to_string);
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let aid = new_association_id(w);
    let inst = instance_mut(w, &iid)?;
    let what = format!("storage:{rt}:{cfg}");
    if let Some(t) = &token
        && inst.client_tokens.get(t) == Some(&what)
        && let Some(s) = inst
            .storage_configs
            .values()
            .find(|s| s.resource_type == rt && s.config == cfg)
    {
        return Ok(Resp::ok(json!({ "AssociationId": s.association_id })));
    }
    if let Some(s) = inst
        .storage_configs
        .values()
        .find(|s| s.resource_type == rt && (STREAM_ONLY.contains(&rt.as_str()) || s.config == cfg))
    {
        return Err(conflict(format!(
            "{rt} already has a storage config (association {}); use UpdateInstanceStorageConfig",
            s.association_id
        )));
    }
    inst.storage_configs.insert(
        aid.clone(),
        StorageConfig {
            association_id: aid.clone(),
            resource_type: rt,
            config: cfg,
        },
    );
    remember(inst, token.as_deref(), what);
    Ok(Resp::ok(json!({ "AssociationId": aid })))
}

fn storage_entry<'a>(inst: &'a mut Instance, req: &Req) -> Result<&'a mut StorageConfig, ApiError> {
    let rt = resource_type(req.query("resourceType"))?;
    let aid = req.param("AssociationId");
    inst.storage_configs
        .get_mut(aid)
        .filter(|s| s.resource_type == rt)
        .ok_or_else(|| not_found(format!("storage config {aid} for {rt} not found")))
}

pub(super) fn describe_instance_storage_config(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance_mut(w, req.param("InstanceId"))?;
    let s = storage_entry(inst, req)?;
    Ok(Resp::ok(json!({ "StorageConfig": storage_json(s) })))
}

pub(super) fn update_instance_storage_config(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let rt = resource_type(req.query("resourceType"))?;
    let cfg = storage_config(&rt, body.get("StorageConfig"))?;
    let inst = instance_mut(w, req.param("InstanceId"))?;
    storage_entry(inst, req)?.config = cfg;
    Ok(Resp::empty())
}

pub(super) fn disassociate_instance_storage_config(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let inst = instance_mut(w, req.param("InstanceId"))?;
    let aid = storage_entry(inst, req)?.association_id.clone();
    inst.storage_configs.remove(&aid);
    Ok(Resp::empty())
}

pub(super) fn list_instance_storage_configs(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let rt = resource_type(req.query("resourceType"))?;
    let inst = instance(w, req.param("InstanceId"))?;
    let items = inst
        .storage_configs
        .values()
        .filter(|s| s.resource_type == rt)
        .map(storage_json)
        .collect();
    list_query(
        INVALID,
        req,
        "StorageConfigs",
        items,
        10,
        10,
        &format!("storage:{}:{rt}", inst.id),
    )
}

// ---------- phone numbers ----------

fn phone_summary(w: &World, p: &PhoneNumber) -> Value {
    let mut v = json!({
        "PhoneNumberId": p.id, "PhoneNumberArn": p.arn, "PhoneNumber": p.number,
        "PhoneNumberCountryCode": p.country, "PhoneNumberType": p.number_type,
    });
    if let Some(i) = &p.instance_id {
        v["InstanceId"] = json!(i);
        v["TargetArn"] = json!(super::instance_arn(w, i));
    }
    v
}

pub(super) fn list_phone_numbers_v2(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let target = match (
        opt_str(INVALID, &body, "InstanceId", 1, 250)?,
        opt_str(INVALID, &body, "TargetArn", 1, 500)?,
    ) {
        (Some(_), Some(_)) => {
            return Err(invalid_param(
                "InstanceId and TargetArn are mutually exclusive",
            ));
        }
        (Some(i), None) | (None, Some(i)) => Some(instance(w, i)?.id.clone()),
        (None, None) => None,
    };
    let max = body_max_results(&body, 1000, 100)?;
    let strings = |k: &str| -> Vec<String> {
        body.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let countries = strings("PhoneNumberCountryCodes");
    let types = strings("PhoneNumberTypes");
    let prefix = opt_str(INVALID, &body, "PhoneNumberPrefix", 1, 30)?.unwrap_or("");
    let items: Vec<Value> = w
        .connect
        .phone_numbers
        .values()
        .filter(|p| {
            target
                .as_ref()
                .is_none_or(|t| p.instance_id.as_ref() == Some(t))
        })
        .filter(|p| countries.is_empty() || countries.contains(&p.country))
        .filter(|p| types.is_empty() || types.contains(&p.number_type))
        .filter(|p| {
            p.number.starts_with(prefix) || p.number.trim_start_matches('+').starts_with(prefix)
        })
        .map(|p| phone_summary(w, p))
        .collect();
    let scope = format!("phones:{target:?}:{countries:?}:{types:?}:{prefix}");
    let (items, next) = page(
        INVALID,
        items,
        body.get("NextToken").and_then(Value::as_str),
        max,
        &scope,
    )?;
    Ok(list_resp("ListPhoneNumbersSummaryList", items, next))
}

fn phone<'a>(w: &'a World, id: &str) -> Result<&'a PhoneNumber, ApiError> {
    let key = last_segment(id);
    w.connect
        .phone_numbers
        .get(key)
        .ok_or_else(|| not_found(format!("phone number not found: {id}")))
}

pub(super) fn describe_phone_number(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let p = phone(w, req.param("PhoneNumberId"))?;
    let mut v = phone_summary(w, p);
    v["Tags"] = tags_json(&p.tags);
    v["PhoneNumberStatus"] = json!({ "Status": "CLAIMED" });
    Ok(Resp::ok(json!({ "ClaimedPhoneNumberSummary": v })))
}

pub(super) fn associate_phone_number_contact_flow(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let iid_raw = req_str(INVALID, &body, "InstanceId", 1, 250)?;
    let fid = req_str(INVALID, &body, "ContactFlowId", 1, 500)?;
    let inst = instance(w, iid_raw)?;
    let p = phone(w, req.param("PhoneNumberId"))?;
    if p.instance_id.as_deref() != Some(inst.id.as_str()) {
        return Err(not_found(format!(
            "phone number {} is not claimed by instance {}",
            p.id, inst.id
        )));
    }
    let f = inst
        .flows
        .get(last_segment(fid))
        .filter(|f| !fid.starts_with("arn:") || f.arn == fid)
        .ok_or_else(|| {
            not_found(format!(
                "contact flow {fid} does not exist in this instance"
            ))
        })?;
    if f.flow_type != "CONTACT_FLOW" {
        return Err(invalid_param(format!(
            "a phone number can only start a CONTACT_FLOW flow, {} is {}",
            f.name, f.flow_type
        )));
    }
    if f.published.is_none() {
        return Err(invalid_param(format!(
            "contact flow {} is not published",
            f.name
        )));
    }
    let (pid, fid) = (p.id.clone(), f.id.clone());
    if let Some(p) = w.connect.phone_numbers.get_mut(&pid) {
        p.flow_id = Some(fid);
    }
    Ok(Resp::empty())
}

pub(super) fn disassociate_phone_number_contact_flow(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let iid = req
        .query("instanceId")
        .ok_or_else(|| invalid_param("instanceId is required"))?;
    let iid = instance(w, iid)?.id.clone();
    let p = phone(w, req.param("PhoneNumberId"))?;
    if p.instance_id.as_deref() != Some(iid.as_str()) {
        return Err(not_found(format!(
            "phone number {} is not claimed by instance {iid}",
            p.id
        )));
    }
    if p.flow_id.is_none() {
        return Err(not_found(format!(
            "phone number {} has no contact flow",
            p.id
        )));
    }
    let pid = p.id.clone();
    if let Some(p) = w.connect.phone_numbers.get_mut(&pid) {
        p.flow_id = None;
    }
    Ok(Resp::empty())
}

pub(super) fn list_flow_associations(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    match req.query("ResourceType") {
        None | Some("VOICE_PHONE_NUMBER") => {}
        Some(other) => {
            return Err(invalid_param(format!(
                "ResourceType {other:?} is not supported (VOICE_PHONE_NUMBER)"
            )));
        }
    }
    let items = w
        .connect
        .phone_numbers
        .values()
        .filter(|p| p.instance_id.as_deref() == Some(instance_key(&inst.id)))
        .filter_map(|p| {
            let f = inst.flows.get(p.flow_id.as_deref()?)?;
            Some(
                json!({"ResourceId": p.arn, "FlowId": f.arn, "ResourceType": "VOICE_PHONE_NUMBER"}),
            )
        })
        .collect();
    list_query(
        INVALID,
        req,
        "FlowAssociationSummaryList",
        items,
        1000,
        100,
        &format!("flowassoc:{}", inst.id),
    )
}
