//! The checks CreateTestCase and UpdateTestCase make: Region, ids, tags, the entry point, initial
//! data, `Content` (through `testlang`) and the flows, prompts and bots it refers to.
use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::*;
use crate::connect::testlang::{self, Content, Event, Strategy};
use crate::connect::{INVALID, Instance, Tags, duplicate, instance_key, invalid_param};
use crate::core::{ApiError, World};
use crate::input::opt_str;

pub(super) fn sha256(s: &str) -> String {
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
pub(super) fn check_region(w: &World) -> Result<(), ApiError> {
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
pub(super) fn check_instance_id_or_arn(s: &str) -> Result<(), ApiError> {
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

pub(super) fn check_id_len(key: &str, s: &str) -> Result<(), ApiError> {
    if s.is_empty() || s.chars().count() > 500 {
        return Err(invalid_param(format!("{key} must be 1-500 characters")));
    }
    Ok(())
}

/// `Tags` of a test case: the TagMap is 1–50 entries when given; keys 1–128 of letters, digits,
/// spaces and `_.:/=+-@`, not starting `aws:`; values ≤256.
pub(super) fn test_case_tags(v: Option<&Value>) -> Result<Tags, ApiError> {
    let given = v.is_some_and(|v| !v.is_null());
    let tags = crate::connect::parse_tags(v)?;
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
pub(super) fn check_entry_point(
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
    let fid = crate::connect::last_segment(&flow).to_string();
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
pub(super) fn parse_init_data(s: Option<&str>) -> Result<BTreeMap<String, String>, ApiError> {
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
pub(super) fn check_content(
    w: &World,
    inst: &Instance,
    content: &str,
    publish: bool,
) -> Result<(), ApiError> {
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

pub(super) fn status_param(body: &Value) -> Result<bool, ApiError> {
    match opt_str(INVALID, body, "Status", 1, 16)? {
        None | Some("PUBLISHED") => Ok(true),
        Some("SAVED") => Ok(false),
        Some(s) => Err(invalid_param(format!(
            "Status must be PUBLISHED or SAVED, got {s:?}"
        ))),
    }
}

pub(super) fn check_name_free(
    inst: &Instance,
    name: &str,
    except: Option<&str>,
) -> Result<(), ApiError> {
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

pub(super) fn opt_string_member(body: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_param(format!("{key} must be a string"))),
    }
}
