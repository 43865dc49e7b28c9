//! Connect test cases (flow testing without a phone): Create/Describe/Update/Delete/List/Search
//! TestCase, Start/Stop TestCaseExecution, GetTestCaseExecutionSummary, ListTestCaseExecutions,
//! ListTestCaseExecutionRecords. URIs, members and constraints are those of aws-sdk-connect
//! 1.220.0 (and the same model in botocore); validation of `Content` is in `testlang.rs`, the
//! executor in `walk.rs`. Strictness choices are listed in `sandbox/TESTCASES.md`.
//!
//! Executions are scheduled by [`drive`], a background task of the running sandbox: at most
//! [`MAX_RUNNING`] IN_PROGRESS per account and Region, the rest INITIATED (queued) up to
//! [`MAX_QUEUED`] in all; the walk runs outside the World lock and its outcome is landed back.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::testlang::{self, Content, Event, Strategy};
use super::walk::{self, End, ObsStatus, Outcome};
use super::{
    Contact, INVALID, Instance, Tags, duplicate, epoch, instance, instance_key, instance_mut,
    invalid_param, invalid_request, not_found, sub_arn, tags_json,
};
use crate::core::{ApiError, Req, Resp, Shared, World};
use crate::input::{list_query, max_results_text, opt_str, page, req_str};

/// Executions IN_PROGRESS at once, per account and Region (documented: 5 concurrent tests).
pub const MAX_RUNNING: usize = 5;
/// Executions accepted at once, running ones included (documented: 100 in the queue).
pub const MAX_QUEUED: usize = 100;
/// The Regions where Amazon Connect test cases exist.
pub const TEST_CASE_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "af-south-1",
];
const MAX_CONTENT: usize = 256_000;

/// One version of a test case (the published one, or the saved draft).
#[derive(Debug, Clone, Serialize)]
pub struct TestCaseVersion {
    pub content: String,
    pub entry_point: Option<Value>,
    pub initialization_data: Option<String>,
}

/// A test case: metadata plus a published version and/or a saved draft.
#[derive(Debug, Clone, Serialize)]
pub struct TestCase {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub published: Option<TestCaseVersion>,
    pub saved: Option<TestCaseVersion>,
    pub last_modified: f64,
    pub last_modified_region: String,
    pub tags: Tags,
}

/// One record of an execution: an observation's result.
#[derive(Debug, Clone, Serialize)]
pub struct ExecutionRecord {
    pub observation_id: String,
    pub status: String,
    pub timestamp: f64,
    pub record: Value,
}

/// One execution of a published test case.
#[derive(Debug, Clone, Serialize)]
pub struct Execution {
    pub id: String,
    pub test_case_id: String,
    pub test_case_name: String,
    /// INITIATED | IN_PROGRESS | PASSED | FAILED | STOPPED.
    pub status: String,
    pub start_time: f64,
    pub end_time: Option<f64>,
    /// When it went IN_PROGRESS.
    pub running_since: Option<f64>,
    pub client_token: Option<String>,
    pub tags: Tags,
    pub total_observations: usize,
    pub records: Vec<ExecutionRecord>,
    /// The status it takes, and when (set once the walk landed).
    pub verdict: Option<(String, f64)>,
    /// What the walk saw, in order.
    pub path: Vec<String>,
    /// The simulated contact.
    pub contact_id: String,
    /// The published version that runs (copied at start: later edits do not change it).
    #[serde(skip)]
    pub version: Option<TestCaseVersion>,
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn invalid_test_case(problems: Vec<String>) -> ApiError {
    let list: Vec<Value> = problems
        .into_iter()
        .map(|m| json!({ "message": m }))
        .collect();
    ApiError::new(
        400,
        "InvalidTestCaseException",
        "the test case is not valid",
    )
    .field("Problems", Value::Array(list))
}

/// Test cases exist in 11 Regions: elsewhere the operations do not exist (the sandbox answers
/// as for any unknown operation; UNCONFIRMED how AWS answers).
fn check_region(w: &World) -> Result<(), ApiError> {
    if TEST_CASE_REGIONS.contains(&w.region()) {
        return Ok(());
    }
    Err(ApiError::new(
        404,
        "UnknownOperationException",
        format!(
            "Amazon Connect test cases are not available in {}; they are available in {}",
            w.region(),
            TEST_CASE_REGIONS.join(", ")
        ),
    ))
}

/// `InstanceIdOrArn`: an instance id (UUID) or an instance ARN, 1–250 characters.
fn check_instance_id_or_arn(s: &str) -> Result<(), ApiError> {
    let id = instance_key(s);
    let uuid = id.len() == 36
        && id.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        });
    if s.is_empty() || s.chars().count() > 250 || !uuid {
        return Err(invalid_param(format!(
            "InstanceId must be an instance id or an instance ARN, got {s:?}"
        )));
    }
    Ok(())
}

fn check_id_len(key: &str, s: &str) -> Result<(), ApiError> {
    if s.is_empty() || s.chars().count() > 500 {
        return Err(invalid_param(format!("{key} must be 1-500 characters")));
    }
    Ok(())
}

/// `Tags` of a test case: the TagMap is 1–50 entries when given; keys 1–128 of letters, digits,
/// spaces and `_.:/=+-@`, not starting `aws:`; values ≤256.
fn test_case_tags(v: Option<&Value>) -> Result<Tags, ApiError> {
    let given = v.is_some_and(|v| !v.is_null());
    let tags = super::parse_tags(v)?;
    if given && tags.is_empty() {
        return Err(invalid_param("Tags must hold 1-50 tags when given"));
    }
    for k in tags.keys() {
        if !k
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
        {
            return Err(invalid_param(format!(
                "tag key {k:?} has characters tags do not allow"
            )));
        }
    }
    Ok(tags)
}

/// `EntryPoint` checked against the instance. Returns the flow id it enters.
///
/// The model makes every member optional; the sandbox (stricter) requires, for a PUBLISHED
/// version, `Type: VOICE_CALL` with a `FlowId` (or a `DestinationPhoneNumber` claimed by the
/// instance with a flow associated) naming a published CONTACT_FLOW of this instance. CHAT entry
/// points are modelled but not emulated: refused.
fn check_entry_point(
    w: &World,
    inst: &Instance,
    ep: Option<&Value>,
    publish: bool,
) -> Result<Option<String>, ApiError> {
    let Some(ep) = ep.filter(|v| !v.is_null()) else {
        if publish {
            return Err(invalid_param(
                "EntryPoint is required to publish a test case (a VOICE_CALL with a FlowId)",
            ));
        }
        return Ok(None);
    };
    let m = ep
        .as_object()
        .ok_or_else(|| invalid_param("EntryPoint must be an object"))?;
    for k in m.keys() {
        if ![
            "Type",
            "VoiceCallEntryPointParameters",
            "ChatEntryPointParameters",
        ]
        .contains(&k.as_str())
        {
            return Err(invalid_param(format!(
                "EntryPoint has an unknown member {k:?}"
            )));
        }
    }
    match m.get("Type").and_then(Value::as_str) {
        Some("VOICE_CALL") => {}
        Some("CHAT") => {
            return Err(invalid_param(
                "CHAT entry points are not emulated by the sandbox (VOICE_CALL only)",
            ));
        }
        Some(t) => {
            return Err(invalid_param(format!(
                "EntryPoint.Type must be VOICE_CALL or CHAT, got {t:?}"
            )));
        }
        None => return Err(invalid_param("EntryPoint.Type is required")),
    }
    if m.contains_key("ChatEntryPointParameters") {
        return Err(invalid_param(
            "a VOICE_CALL entry point takes VoiceCallEntryPointParameters, not ChatEntryPointParameters",
        ));
    }
    let empty = json!({});
    let p = m.get("VoiceCallEntryPointParameters").unwrap_or(&empty);
    let p = p
        .as_object()
        .ok_or_else(|| invalid_param("VoiceCallEntryPointParameters must be an object"))?;
    let phone = |key: &str| -> Result<Option<String>, ApiError> {
        match p.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let ok = s.strip_prefix('+').is_some_and(|d| {
                    (2..=15).contains(&d.len())
                        && d.chars().all(|c| c.is_ascii_digit())
                        && !d.starts_with('0')
                });
                if ok {
                    Ok(Some(s.clone()))
                } else {
                    Err(invalid_param(format!(
                        "VoiceCallEntryPointParameters.{key} must be an E.164 number, got {s:?}"
                    )))
                }
            }
            Some(_) => Err(invalid_param(format!(
                "VoiceCallEntryPointParameters.{key} must be a string"
            ))),
        }
    };
    phone("SourcePhoneNumber")?;
    let dest = phone("DestinationPhoneNumber")?;
    let mut flow = match p.get("FlowId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 500 => Some(s.clone()),
        Some(_) => {
            return Err(invalid_param(
                "VoiceCallEntryPointParameters.FlowId must be 1-500 characters",
            ));
        }
    };
    if let Some(d) = &dest {
        let number = w
            .connect
            .phone_numbers
            .values()
            .find(|n| &n.number == d && n.instance_id.as_deref() == Some(inst.id.as_str()))
            .ok_or_else(|| {
                invalid_param(format!(
                    "DestinationPhoneNumber {d} is not a number claimed by this instance"
                ))
            })?;
        if flow.is_none() {
            flow = number.flow_id.clone();
        }
    }
    let Some(flow) = flow else {
        if publish {
            return Err(invalid_param(
                "VoiceCallEntryPointParameters needs a FlowId (or a DestinationPhoneNumber with a flow)",
            ));
        }
        return Ok(None);
    };
    let fid = super::last_segment(&flow).to_string();
    let f = inst
        .flows
        .get(&fid)
        .filter(|f| !flow.starts_with("arn:") || f.arn == flow);
    let f = match f {
        Some(f) => f,
        None if publish => {
            return Err(invalid_param(format!(
                "FlowId {flow} is not a flow of this instance"
            )));
        }
        None => return Ok(None),
    };
    if publish && (f.published.is_none() || f.flow_type != "CONTACT_FLOW") {
        return Err(invalid_param(format!(
            "FlowId {flow} must name a published inbound flow (CONTACT_FLOW), not a {} {} flow",
            f.status(),
            f.flow_type
        )));
    }
    Ok(Some(f.id.clone()))
}

/// `InitializationData`: a JSON object of string values (the initial contact attributes; the
/// model only says "a valid JSON string", the sandbox reads it as attributes, UNCONFIRMED).
fn parse_init_data(s: Option<&str>) -> Result<BTreeMap<String, String>, ApiError> {
    let Some(s) = s else {
        return Ok(BTreeMap::new());
    };
    let v: Value = serde_json::from_str(s)
        .map_err(|e| invalid_param(format!("InitializationData is not valid JSON: {e}")))?;
    let m = v
        .as_object()
        .ok_or_else(|| invalid_param("InitializationData must be a JSON object"))?;
    let mut out = BTreeMap::new();
    for (k, v) in m {
        let s = v.as_str().ok_or_else(|| {
            invalid_param(format!(
                "InitializationData.{k} must be a string (contact attributes are strings)"
            ))
        })?;
        out.insert(k.clone(), s.to_string());
    }
    Ok(out)
}

/// The references a published content makes (override substitutes) resolve in this instance.
fn check_references(w: &World, inst: &Instance, c: &Content) -> Vec<String> {
    let mut problems = Vec::new();
    for o in &c.observations {
        if let Event::FlowActionStarted {
            action_type,
            resource,
            ..
        } = &o.event
            && resource.is_empty()
        {
            problems.push(format!(
                "observation {:?}: {action_type} needs a resource",
                o.id
            ));
        }
        for a in &o.actions {
            let testlang::ActionKind::Override(ov) = &a.kind else {
                continue;
            };
            let Strategy::Substitute(arn) = &ov.strategy else {
                continue;
            };
            let ok = match ov.action_type.as_str() {
                "InvokeLambdaFunction" => inst.lambdas.iter().any(|l| l == arn),
                "ConnectParticipantWithLexBot" => {
                    w.lexv2.alias_exists_in(w.region(), w.account_id(), arn)
                        && inst.lex_v2_aliases.iter().any(|l| l == arn)
                }
                "CheckHoursOfOperation" => inst.hours.values().any(|h| &h.arn == arn),
                _ => inst.queues.values().any(|q| &q.arn == arn),
            };
            if !ok {
                problems.push(format!(
                    "action {:?}: SubstituteArn {arn} is not a {} of this instance{}",
                    a.id,
                    match ov.action_type.as_str() {
                        "InvokeLambdaFunction" => "Lambda function associated with",
                        "ConnectParticipantWithLexBot" => "Lex V2 bot alias associated with",
                        "CheckHoursOfOperation" => "hours of operation ARN",
                        _ => "queue ARN",
                    },
                    ""
                ));
            }
        }
    }
    problems
}

/// Validation of the content of a version about to be stored. SAVED: a JSON object; PUBLISHED:
/// the testing language's structure and references.
fn check_content(w: &World, inst: &Instance, content: &str, publish: bool) -> Result<(), ApiError> {
    if content.is_empty() || content.chars().count() > MAX_CONTENT {
        return Err(invalid_param(format!(
            "Content must be 1-{MAX_CONTENT} characters"
        )));
    }
    if !publish {
        // stricter: even a SAVED test case must be a JSON object
        return match serde_json::from_str::<Value>(content) {
            Ok(Value::Object(_)) => Ok(()),
            Ok(_) => Err(invalid_test_case(vec![
                "content must be a json object".into(),
            ])),
            Err(e) => Err(invalid_test_case(vec![format!(
                "content is not valid json: {e}"
            )])),
        };
    }
    let parsed = testlang::parse(content).map_err(invalid_test_case)?;
    let problems = check_references(w, inst, &parsed);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid_test_case(problems))
    }
}

fn status_param(body: &Value) -> Result<bool, ApiError> {
    match opt_str(INVALID, body, "Status", 1, 16)? {
        None | Some("PUBLISHED") => Ok(true),
        Some("SAVED") => Ok(false),
        Some(s) => Err(invalid_param(format!(
            "Status must be PUBLISHED or SAVED, got {s:?}"
        ))),
    }
}

fn check_name_free(inst: &Instance, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if inst
        .test_cases
        .values()
        .any(|t| t.name == name && Some(t.id.as_str()) != except)
    {
        return Err(duplicate(format!(
            "a test case named {name:?} already exists in this instance"
        )));
    }
    Ok(())
}

fn opt_string_member(body: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_param(format!("{key} must be a string"))),
    }
}

pub(super) fn create_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    check_instance_id_or_arn(req.param("InstanceId"))?;
    let body = req.json()?;
    // stricter: the model bounds names only below; the sandbox takes the flow-name bound
    let name = req_str(INVALID, &body, "Name", 1, 127)?.to_string();
    let description = opt_str(INVALID, &body, "Description", 0, 500)?.map(str::to_string);
    let content = req_str(INVALID, &body, "Content", 1, MAX_CONTENT)?.to_string();
    let publish = status_param(&body)?;
    let tags = test_case_tags(body.get("Tags"))?;
    let init = opt_string_member(&body, "InitializationData")?;
    parse_init_data(init.as_deref())?;
    if crate::core::header_str(&req.headers, "x-amz-resource-id").is_some() {
        return Err(invalid_request(
            "TestCaseId (x-amz-resource-id) is for Global Resiliency replicas, which the sandbox does not emulate",
        ));
    }
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    {
        let inst = instance(w, &iid)?;
        check_name_free(inst, &name, None)?;
        check_entry_point(w, inst, body.get("EntryPoint"), publish)?;
        check_content(w, inst, &content, publish)?;
    }
    let id = w.next_id();
    let arn = sub_arn(w, &iid, "test-case", &id);
    let ts = epoch(w);
    let region = w.region().to_string();
    let version = TestCaseVersion {
        content,
        entry_point: body.get("EntryPoint").filter(|v| !v.is_null()).cloned(),
        initialization_data: init,
    };
    let (published, saved) = if publish {
        (Some(version), None)
    } else {
        (None, Some(version))
    };
    instance_mut(w, &iid)?.test_cases.insert(
        id.clone(),
        TestCase {
            id: id.clone(),
            arn: arn.clone(),
            name,
            description,
            published,
            saved,
            last_modified: ts,
            last_modified_region: region,
            tags,
        },
    );
    Ok(Resp::ok(json!({ "TestCaseId": id, "TestCaseArn": arn })))
}

fn test_case<'a>(inst: &'a Instance, id: &str) -> Result<&'a TestCase, ApiError> {
    check_id_len("TestCaseId", id)?;
    inst.test_cases
        .get(id)
        .ok_or_else(|| not_found(format!("test case not found: {id}")))
}

fn test_case_json(t: &TestCase, v: &TestCaseVersion, status: &str) -> Value {
    let mut out = json!({
        "Arn": t.arn,
        "Id": t.id,
        "Name": t.name,
        "Content": v.content,
        "Status": status,
        "LastModifiedTime": t.last_modified,
        "LastModifiedRegion": t.last_modified_region,
        "TestCaseSha256": sha256(&v.content),
    });
    if let Some(d) = &t.description {
        out["Description"] = json!(d);
    }
    if let Some(e) = &v.entry_point {
        out["EntryPoint"] = e.clone();
    }
    if let Some(i) = &v.initialization_data {
        out["InitializationData"] = json!(i);
    }
    if !t.tags.is_empty() {
        out["Tags"] = tags_json(&t.tags);
    }
    out
}

/// The version `status` asks for: PUBLISHED, SAVED, or (none) the published one if any.
fn version_of<'a>(
    t: &'a TestCase,
    status: Option<&str>,
) -> Result<(&'a TestCaseVersion, &'static str), ApiError> {
    let missing = |what: &str| not_found(format!("test case {} has no {what} version", t.id));
    match status {
        None => match (&t.published, &t.saved) {
            (Some(p), _) => Ok((p, "PUBLISHED")),
            (None, Some(s)) => Ok((s, "SAVED")),
            (None, None) => Err(missing("")),
        },
        Some("PUBLISHED") => t
            .published
            .as_ref()
            .map(|p| (p, "PUBLISHED"))
            .ok_or_else(|| missing("PUBLISHED")),
        Some("SAVED") => t
            .saved
            .as_ref()
            .map(|s| (s, "SAVED"))
            .ok_or_else(|| missing("SAVED")),
        Some(other) => Err(invalid_param(format!(
            "status must be PUBLISHED or SAVED, got {other:?}"
        ))),
    }
}

pub(super) fn describe_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    check_instance_id_or_arn(req.param("InstanceId"))?;
    let inst = instance(w, req.param("InstanceId"))?;
    let t = test_case(inst, req.param("TestCaseId"))?;
    let (v, status) = version_of(t, req.query("status"))?;
    Ok(Resp::ok(
        json!({ "TestCase": test_case_json(t, v, status) }),
    ))
}

pub(super) fn update_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    check_instance_id_or_arn(req.param("InstanceId"))?;
    let body = req.json()?;
    if body.get("Tags").is_some() {
        // "This API doesn't allow customers to update the tags of the test case resource"
        return Err(invalid_param(
            "UpdateTestCase does not change tags: use TagResource / UntagResource",
        ));
    }
    let name = opt_str(INVALID, &body, "Name", 1, 127)?.map(str::to_string);
    let description = opt_str(INVALID, &body, "Description", 0, 500)?.map(str::to_string);
    let content = opt_str(INVALID, &body, "Content", 1, MAX_CONTENT)?.map(str::to_string);
    let init = opt_string_member(&body, "InitializationData")?;
    parse_init_data(init.as_deref())?;
    // stricter, as for flows: Status omitted means PUBLISHED (the update is validated)
    let publish = status_param(&body)?;
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let tid = req.param("TestCaseId").to_string();
    let next = {
        let inst = instance(w, &iid)?;
        let t = test_case(inst, &tid)?;
        if let Some(n) = &name {
            check_name_free(inst, n, Some(&tid))?;
        }
        // the new version starts from the draft if any, else the published version
        let base = t
            .saved
            .clone()
            .or_else(|| t.published.clone())
            .ok_or_else(|| invalid_request("the test case has no version"))?;
        let next = TestCaseVersion {
            content: content.unwrap_or(base.content),
            entry_point: match body.get("EntryPoint") {
                Some(Value::Null) | None => base.entry_point,
                Some(e) => Some(e.clone()),
            },
            initialization_data: init.or(base.initialization_data),
        };
        check_entry_point(w, inst, next.entry_point.as_ref(), publish)?;
        check_content(w, inst, &next.content, publish)?;
        next
    };
    let ts = epoch(w);
    let region = w.region().to_string();
    let inst = instance_mut(w, &iid)?;
    let t = inst
        .test_cases
        .get_mut(&tid)
        .ok_or_else(|| not_found(format!("test case not found: {tid}")))?;
    if let Some(n) = name {
        t.name = n;
    }
    if let Some(d) = description {
        t.description = Some(d);
    }
    if publish {
        t.published = Some(next);
        t.saved = None;
    } else {
        t.saved = Some(next);
    }
    t.last_modified = ts;
    t.last_modified_region = region;
    Ok(Resp::empty())
}

fn unfinished(e: &Execution) -> bool {
    e.status == "INITIATED" || e.status == "IN_PROGRESS"
}

pub(super) fn delete_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    check_instance_id_or_arn(req.param("InstanceId"))?;
    settle(w);
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let tid = req.param("TestCaseId").to_string();
    let inst = instance(w, &iid)?;
    test_case(inst, &tid)?;
    if let Some(e) = inst
        .test_executions
        .values()
        .find(|e| e.test_case_id == tid && unfinished(e))
    {
        // stricter: a test case with a running or queued execution is not deleted under it
        return Err(invalid_request(format!(
            "test case {tid} has execution {} {}: stop it first (StopTestCaseExecution)",
            e.id, e.status
        )));
    }
    let inst = instance_mut(w, &iid)?;
    inst.test_cases.remove(&tid);
    // its executions and their records go with it
    inst.test_executions.retain(|_, e| e.test_case_id != tid);
    Ok(Resp::empty())
}

fn summary_json(t: &TestCase) -> Value {
    json!({
        "Id": t.id,
        "Arn": t.arn,
        "Name": t.name,
        "Status": if t.published.is_some() { "PUBLISHED" } else { "SAVED" },
        "LastModifiedTime": t.last_modified,
        "LastModifiedRegion": t.last_modified_region,
    })
}

fn sorted_cases(inst: &Instance) -> Vec<&TestCase> {
    let mut v: Vec<&TestCase> = inst.test_cases.values().collect();
    v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    v
}

pub(super) fn list_test_cases(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    let inst = instance(w, req.param("InstanceId"))?;
    let items = sorted_cases(inst).into_iter().map(summary_json).collect();
    let scope = format!("test-cases:{}", inst.id);
    list_query(
        INVALID,
        req,
        "TestCaseSummaryList",
        items,
        1000,
        100,
        &scope,
    )
}

/// `ControlPlaneTagFilter`: `OrConditions` (a list of AND lists), `AndConditions`, or one
/// `TagCondition`; a condition without `TagValue` holds for any value of the key.
fn tag_filter_holds(f: &Value, tags: &Tags) -> Result<bool, ApiError> {
    let cond = |c: &Value| -> Result<bool, ApiError> {
        let key = c
            .get("TagKey")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_param("a TagCondition needs a TagKey"))?;
        Ok(match c.get("TagValue").and_then(Value::as_str) {
            Some(v) => tags.get(key).is_some_and(|x| x == v),
            None => tags.contains_key(key),
        })
    };
    let all = |list: &Value| -> Result<bool, ApiError> {
        let list = list
            .as_array()
            .ok_or_else(|| invalid_param("AndConditions must be a list of TagConditions"))?;
        for c in list {
            if !cond(c)? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    let given = ["OrConditions", "AndConditions", "TagCondition"]
        .iter()
        .filter(|k| f.get(**k).is_some())
        .count();
    if given != 1 {
        return Err(invalid_param(
            "TagFilter takes exactly one of OrConditions, AndConditions or TagCondition",
        ));
    }
    if let Some(ors) = f.get("OrConditions") {
        let ors = ors
            .as_array()
            .ok_or_else(|| invalid_param("OrConditions must be a list of AND lists"))?;
        for and in ors {
            if all(and)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(ands) = f.get("AndConditions") {
        return all(ands);
    }
    cond(&f["TagCondition"])
}

fn criteria_match(t: &TestCase, c: &Value) -> Result<bool, ApiError> {
    let field = |name: &str| match name {
        "name" => Some(t.name.clone()),
        "description" => Some(t.description.clone().unwrap_or_default()),
        "resourceId" | "id" => Some(t.id.clone()),
        _ => None,
    };
    let status = |c: &Value| {
        let st = if t.published.is_some() {
            "PUBLISHED"
        } else {
            "SAVED"
        };
        Ok(c.get("StatusCondition")
            .and_then(Value::as_str)
            .is_none_or(|want| want == st))
    };
    super::criteria_hold(c, false, &field, &status)
}

pub(super) fn search_test_cases(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    let body = req.json()?;
    let iid = req_str(INVALID, &body, "InstanceId", 1, 250)?;
    check_instance_id_or_arn(iid)?;
    let inst = instance(w, iid)?;
    let max = max_results_text(
        INVALID,
        body.get("MaxResults").map(|v| v.to_string()).as_deref(),
        100,
        100,
    )?;
    let token = opt_str(INVALID, &body, "NextToken", 1, 2500)?;
    let criteria = body.get("SearchCriteria").cloned().unwrap_or(json!({}));
    let filter = body.pointer("/SearchFilter/TagFilter").cloned();
    if let Some(sf) = body.get("SearchFilter")
        && sf
            .as_object()
            .is_some_and(|m| m.keys().any(|k| k != "TagFilter"))
    {
        return Err(invalid_param("SearchFilter takes TagFilter only"));
    }
    let mut found = Vec::new();
    for t in sorted_cases(inst) {
        if !criteria_match(t, &criteria)? {
            continue;
        }
        if let Some(f) = &filter
            && !tag_filter_holds(f, &t.tags)?
        {
            continue;
        }
        found.push(t);
    }
    let total = found.len();
    let items: Vec<Value> = found
        .into_iter()
        .filter_map(|t| {
            let (v, st) = version_of(t, None).ok()?;
            Some(test_case_json(t, v, st))
        })
        .collect();
    let scope = format!(
        "search-test-cases:{}:{}:{}",
        inst.id,
        criteria,
        filter.clone().unwrap_or_default()
    );
    let (items, next) = page(INVALID, items, token, max, &scope)?;
    let mut out = json!({ "TestCases": items, "ApproximateTotalCount": total });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(Resp::ok(out))
}

// ---------- executions ----------

fn running_and_queued(w: &World) -> (usize, usize) {
    let mut running = 0;
    let mut queued = 0;
    for inst in w.connect.instances.values() {
        for e in inst.test_executions.values() {
            match e.status.as_str() {
                "IN_PROGRESS" => running += 1,
                "INITIATED" => queued += 1,
                _ => {}
            }
        }
    }
    (running, queued)
}

pub(super) fn start_test_case_execution(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    let body = req.json()?;
    let token = opt_str(INVALID, &body, "ClientToken", 1, 500)?.map(str::to_string);
    settle(w);
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let tid = req.param("TestCaseId").to_string();
    let inst = instance(w, &iid)?;
    let t = test_case(inst, &tid)?;
    if let Some(tok) = &token
        && let Some(e) = inst
            .test_executions
            .values()
            .find(|e| e.client_token.as_deref() == Some(tok))
    {
        if e.test_case_id != tid {
            return Err(invalid_request(format!(
                "ClientToken {tok} was used to start an execution of another test case"
            )));
        }
        return Ok(Resp::ok(json!({
            "TestCaseExecutionId": e.id, "TestCaseId": e.test_case_id, "Status": e.status,
        })));
    }
    let version = t.published.clone().ok_or_else(|| {
        invalid_request(format!(
            "test case {tid} is not published: only PUBLISHED test cases run"
        ))
    })?;
    // the entry flow may have changed since the test case was published
    check_entry_point(w, inst, version.entry_point.as_ref(), true)
        .map_err(|e| invalid_request(e.message))?;
    let (running, queued) = running_and_queued(w);
    if running + queued >= MAX_QUEUED {
        return Err(ApiError::new(
            402,
            "ServiceQuotaExceededException",
            format!(
                "{MAX_QUEUED} test case executions are running or queued in this account and Region: start more when some have ended"
            ),
        ));
    }
    let (name, tags, total) = (
        t.name.clone(),
        t.tags.clone(),
        testlang::parse(&version.content)
            .map(|c| c.observations.len())
            .unwrap_or(0),
    );
    let id = w.next_id();
    let contact_id = w.next_id();
    let ts = epoch(w);
    instance_mut(w, &iid)?.test_executions.insert(
        id.clone(),
        Execution {
            id: id.clone(),
            test_case_id: tid.clone(),
            test_case_name: name,
            status: "INITIATED".into(),
            start_time: ts,
            end_time: None,
            running_since: None,
            client_token: token,
            tags,
            total_observations: total,
            records: Vec::new(),
            verdict: None,
            path: Vec::new(),
            contact_id,
            version: Some(version),
        },
    );
    Ok(Resp::ok(json!({
        "TestCaseExecutionId": id, "TestCaseId": tid, "Status": "INITIATED",
    })))
}

fn execution<'a>(inst: &'a Instance, tid: &str, eid: &str) -> Result<&'a Execution, ApiError> {
    check_id_len("TestCaseId", tid)?;
    check_id_len("TestCaseExecutionId", eid)?;
    inst.test_executions
        .get(eid)
        .filter(|e| e.test_case_id == tid)
        .ok_or_else(|| not_found(format!("test case execution not found: {eid} of {tid}")))
}

pub(super) fn stop_test_case_execution(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    let body = req.json()?;
    opt_str(INVALID, &body, "ClientToken", 1, 500)?;
    settle(w);
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let (tid, eid) = (
        req.param("TestCaseId").to_string(),
        req.param("TestCaseExecutionId").to_string(),
    );
    let e = execution(instance(w, &iid)?, &tid, &eid)?;
    if !unfinished(e) {
        // stricter: stopping an execution that has ended is refused, not ignored
        return Err(invalid_request(format!(
            "execution {eid} has ended ({}); only INITIATED or IN_PROGRESS executions stop",
            e.status
        )));
    }
    let ts = epoch(w);
    let inst = instance_mut(w, &iid)?;
    if let Some(e) = inst.test_executions.get_mut(&eid) {
        e.status = "STOPPED".into();
        e.end_time = Some(ts);
        e.verdict = None;
        for r in &mut e.records {
            if r.status == "IN_PROGRESS" {
                r.status = "STOPPED".into();
                r.timestamp = ts;
                r.record["Status"] = json!("STOPPED");
            }
        }
    }
    Ok(Resp::empty())
}

pub(super) fn get_test_case_execution_summary(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    settle(w);
    let inst = instance(w, req.param("InstanceId"))?;
    let e = execution(
        inst,
        req.param("TestCaseId"),
        req.param("TestCaseExecutionId"),
    )?;
    let count = |s: &str| e.records.iter().filter(|r| r.status == s).count();
    let mut out = json!({
        "StartTime": e.start_time,
        "Status": e.status,
        "ObservationSummary": {
            "TotalObservations": e.total_observations,
            "ObservationsPassed": count("PASSED"),
            "ObservationsFailed": count("FAILED"),
        },
    });
    if let Some(t) = e.end_time {
        out["EndTime"] = json!(t);
    }
    Ok(Resp::ok(out))
}

const EXECUTION_STATUSES: &[&str] = &["INITIATED", "PASSED", "FAILED", "IN_PROGRESS", "STOPPED"];

fn status_query(req: &Req) -> Result<Option<&str>, ApiError> {
    match req.query("status") {
        None => Ok(None),
        Some(s) if EXECUTION_STATUSES.contains(&s) => Ok(Some(s)),
        Some(s) => Err(invalid_param(format!(
            "status must be one of {}, got {s:?}",
            EXECUTION_STATUSES.join(", ")
        ))),
    }
}

fn millis_query(req: &Req, key: &str) -> Result<Option<f64>, ApiError> {
    match req.query(key) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| Some(n as f64 / 1000.0))
            .ok_or_else(|| invalid_param(format!("{key} must be epoch milliseconds (≥ 0)"))),
    }
}

pub(super) fn list_test_case_executions(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    settle(w);
    let inst = instance(w, req.param("InstanceId"))?;
    let status = status_query(req)?;
    let by_id = req.query("testCaseId");
    if let Some(t) = by_id {
        check_id_len("testCaseId", t)?;
    }
    let by_name = req.query("testCaseName");
    if by_name.is_some_and(str::is_empty) {
        return Err(invalid_param("testCaseName must not be empty"));
    }
    let after = millis_query(req, "startTime")?;
    let before = millis_query(req, "endTime")?;
    let mut list: Vec<&Execution> = inst
        .test_executions
        .values()
        .filter(|e| status.is_none_or(|s| e.status == s))
        .filter(|e| by_id.is_none_or(|t| e.test_case_id == t))
        .filter(|e| by_name.is_none_or(|n| e.test_case_name == n))
        .filter(|e| after.is_none_or(|a| e.start_time >= a))
        .filter(|e| before.is_none_or(|b| e.start_time <= b))
        .collect();
    list.sort_by(|a, b| a.start_time.total_cmp(&b.start_time).then(a.id.cmp(&b.id)));
    let items = list
        .into_iter()
        .map(|e| {
            let mut v = json!({
                "StartTime": e.start_time,
                "TestCaseExecutionId": e.id,
                "TestCaseId": e.test_case_id,
                "TestCaseExecutionStatus": e.status,
            });
            if let Some(t) = e.end_time {
                v["EndTime"] = json!(t);
            }
            if !e.tags.is_empty() {
                v["Tags"] = tags_json(&e.tags);
            }
            v
        })
        .collect();
    let scope = format!("executions:{}:{}", inst.id, req.query.len());
    list_query(INVALID, req, "TestCaseExecutions", items, 100, 100, &scope)
}

pub(super) fn list_test_case_execution_records(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    settle(w);
    let inst = instance(w, req.param("InstanceId"))?;
    let e = execution(
        inst,
        req.param("TestCaseId"),
        req.param("TestCaseExecutionId"),
    )?;
    let status = status_query(req)?;
    let items = e
        .records
        .iter()
        .filter(|r| status.is_none_or(|s| r.status == s))
        .map(|r| {
            json!({
                "ObservationId": r.observation_id,
                "Status": r.status,
                "Timestamp": r.timestamp,
                "Record": r.record.to_string(),
            })
        })
        .collect();
    let scope = format!("records:{}:{}", e.id, status.unwrap_or(""));
    list_query(INVALID, req, "ExecutionRecords", items, 100, 100, &scope)
}

// ---------- scheduling ----------

fn secs(t: OffsetDateTime) -> f64 {
    t.unix_timestamp() as f64 + f64::from(t.millisecond()) / 1000.0
}

/// Moves time-driven execution states forward: verdicts that are due, timeouts.
pub(crate) fn settle(w: &mut World) {
    let now = epoch(w);
    let limit = w.config.test_case_time_limit.as_secs_f64();
    for inst in w.connect.instances.values_mut() {
        for e in inst.test_executions.values_mut() {
            if e.status != "IN_PROGRESS" {
                continue;
            }
            let since = e.running_since.unwrap_or(e.start_time);
            if let Some((status, at)) = e.verdict.clone()
                && now >= at
            {
                finish(e, &status, at, None);
            } else if now >= since + limit {
                finish(
                    e,
                    "FAILED",
                    since + limit,
                    Some(format!(
                        "timed out: the execution ran for the limit of {} s",
                        limit as u64
                    )),
                );
            }
        }
    }
}

fn finish(e: &mut Execution, status: &str, at: f64, timeout: Option<String>) {
    e.status = status.to_string();
    e.end_time = Some(at);
    e.verdict = None;
    for r in &mut e.records {
        if r.status == "IN_PROGRESS" {
            r.status = "FAILED".into();
            r.timestamp = at;
            r.record["Status"] = json!("FAILED");
            let why = timeout
                .clone()
                .unwrap_or_else(|| "the execution ended before its event was observed".into());
            r.record["Message"] = json!(format!("{why}; the event was never observed"));
        }
    }
}

/// Promotes queued executions while fewer than [`MAX_RUNNING`] are IN_PROGRESS (oldest first,
/// each after at least one pace of INITIATED) and returns the walks to run.
fn promote(w: &mut World) -> Vec<(String, String, walk::Job)> {
    settle(w);
    let now = epoch(w);
    let pace = w.config.test_case_pace.as_secs_f64();
    let (mut running, _) = running_and_queued(w);
    let mut queued: Vec<(f64, String, String)> = w
        .connect
        .instances
        .values()
        .flat_map(|i| {
            i.test_executions
                .values()
                .filter(|e| e.status == "INITIATED")
                .map(|e| (e.start_time, i.id.clone(), e.id.clone()))
        })
        .collect();
    queued.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut jobs = Vec::new();
    for (start, iid, eid) in queued {
        if running >= MAX_RUNNING || now < start + pace {
            break;
        }
        running += 1;
        let job = {
            let Some(inst) = w.connect.instances.get_mut(&iid) else {
                continue;
            };
            let Some(e) = inst.test_executions.get_mut(&eid) else {
                continue;
            };
            e.status = "IN_PROGRESS".into();
            e.running_since = Some(now);
            let version = e.version.clone();
            let contact_id = e.contact_id.clone();
            (version, contact_id)
        };
        if let (Some(version), contact_id) = job
            && let Some(j) = build_job(w, &iid, &version, contact_id)
        {
            jobs.push((iid, eid, j));
        }
    }
    jobs
}

fn build_job(
    w: &mut World,
    iid: &str,
    v: &TestCaseVersion,
    contact_id: String,
) -> Option<walk::Job> {
    let content = testlang::parse(&v.content).ok()?;
    let inst = w.connect.instances.get(iid)?.clone();
    let ep = v.entry_point.clone().unwrap_or_default();
    let p = &ep["VoiceCallEntryPointParameters"];
    let source = p
        .get("SourcePhoneNumber")
        .and_then(Value::as_str)
        .map(str::to_string);
    let dest = p
        .get("DestinationPhoneNumber")
        .and_then(Value::as_str)
        .map(str::to_string);
    let flow_id = check_entry_point(w, &inst, Some(&ep), true).ok()??;
    // every Lex V2 alias the instance's flows or the test case name
    let mut aliases: Vec<String> = inst.lex_v2_aliases.clone();
    for o in &content.observations {
        for a in &o.actions {
            if let testlang::ActionKind::Override(ov) = &a.kind
                && let Strategy::Substitute(arn) = &ov.strategy
                && ov.action_type == "ConnectParticipantWithLexBot"
            {
                aliases.push(arn.clone());
            }
        }
    }
    let now = w.now();
    let build = w.config.lex_build_duration;
    let (region, account) = (w.region().to_string(), w.account_id().to_string());
    let lex = aliases
        .into_iter()
        .map(|a| {
            let m = w.lexv2.alias_model(now, build, &region, &account, &a);
            (a, m)
        })
        .collect();
    Some(walk::Job {
        instance: inst,
        lex,
        content,
        flow_id,
        source_number: source,
        destination_number: dest,
        attributes: parse_init_data(v.initialization_data.as_deref()).unwrap_or_default(),
        contact_id,
        runner: w.config.lambda_runner.clone(),
    })
}

/// Lands a walk's outcome: records, callback contacts, and the verdict with its time.
fn land(w: &mut World, iid: &str, eid: &str, out: Outcome) {
    let now = epoch(w);
    let pace = w.config.test_case_pace.as_secs_f64();
    let limit = w.config.test_case_time_limit.as_secs_f64();
    let arn_base = super::instance_arn(w, iid);
    let mut ids: Vec<String> = out.callbacks.iter().map(|_| String::new()).collect();
    for id in &mut ids {
        *id = w.next_id();
    }
    let Some(inst) = w.connect.instances.get_mut(iid) else {
        return;
    };
    let Some(e) = inst.test_executions.get_mut(eid) else {
        return;
    };
    if e.status != "IN_PROGRESS" {
        return; // stopped or timed out meanwhile
    }
    let since = e.running_since.unwrap_or(e.start_time);
    e.path = out.path.clone();
    e.records = out
        .observations
        .iter()
        .map(|o| ExecutionRecord {
            observation_id: o.id.clone(),
            status: match o.status {
                ObsStatus::Passed => "PASSED",
                ObsStatus::Failed => "FAILED",
                ObsStatus::Waiting => "IN_PROGRESS",
            }
            .into(),
            timestamp: o.at.map(secs).unwrap_or(now),
            record: o.record.clone(),
        })
        .collect();
    let any_failed = out
        .observations
        .iter()
        .any(|o| o.status != ObsStatus::Passed);
    let (status, at) = match &out.end {
        End::ByTest => (
            if any_failed { "FAILED" } else { "PASSED" },
            now.max(since + pace),
        ),
        End::Aborted(why) => {
            for r in &mut e.records {
                r.record["Execution"] = json!(why);
            }
            ("FAILED", now.max(since + pace))
        }
        // nothing ended the test: it runs into the duration limit
        End::Exhausted(why) => {
            for r in &mut e.records {
                if r.status == "IN_PROGRESS" {
                    r.record["ContactEnded"] = json!(why);
                }
            }
            (if any_failed { "FAILED" } else { "PASSED" }, since + limit)
        }
    };
    e.verdict = Some((status.to_string(), at));
    for (c, id) in out.callbacks.iter().zip(ids) {
        inst.contacts.insert(
            id.clone(),
            Contact {
                arn: format!("{arn_base}/contact/{id}"),
                id,
                channel: "VOICE".into(),
                initiation_method: "CALLBACK".into(),
                queue_id: Some(c.queue_id.clone()),
                state: "QUEUED".into(),
                disconnect_reason: None,
            },
        );
    }
    settle(w);
}

/// The scheduler of test-case executions, one per running sandbox: promotes queued
/// executions, runs their walks off the World lock, lands the outcomes, settles timeouts.
pub async fn drive(shared: Arc<Shared>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        for region in shared.region_names() {
            let jobs = shared.in_region(&region, promote);
            for (iid, eid, job) in jobs {
                let shared = shared.clone();
                let region = region.clone();
                tokio::spawn(async move {
                    let out = tokio::task::spawn_blocking(move || walk::run(job)).await;
                    if let Ok(out) = out {
                        shared.in_region(&region, |w| land(w, &iid, &eid, out));
                    }
                });
            }
            shared.in_region(&region, settle);
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
            _ = stop.wait_for(|v| *v) => return,
        }
    }
}
