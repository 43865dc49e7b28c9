//! Contact flow operations: Create/Describe/List/Search/Delete ContactFlow, UpdateContactFlowContent,
//! UpdateContactFlowMetadata, with SAVED drafts (`:$SAVED` addressing) and PUBLISHED validation.
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    Flow, INVALID, Instance, duplicate, epoch, flow_check::validate_flow, instance, instance_mut,
    invalid_param, invalid_request, not_found, parse_tags, search_answer, search_max, sub_arn,
    tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, opt_str, req_str};

/// Flow types of the model.
pub const FLOW_TYPES: &[&str] = &[
    "CONTACT_FLOW",
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "CUSTOMER_WHISPER",
    "AGENT_HOLD",
    "AGENT_WHISPER",
    "OUTBOUND_WHISPER",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
    "CAMPAIGN",
];

const MAX_CONTENT: usize = 256_000;

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn invalid_flow(problems: Vec<String>) -> ApiError {
    let list: Vec<Value> = problems
        .into_iter()
        .map(|m| json!({ "message": m }))
        .collect();
    ApiError::new(400, "InvalidContactFlowException", "the flow is not valid")
        .field("problems", Value::Array(list))
}

/// `(flow id, wants the saved draft)` from a path id such as `abc:$SAVED`.
fn split_flow_id(raw: &str) -> Result<(&str, bool), ApiError> {
    match raw.split_once(':') {
        None => Ok((raw, false)),
        Some((id, "$SAVED")) => Ok((id, true)),
        Some((id, "$PUBLISHED")) => Ok((id, false)),
        Some((_, other)) => Err(invalid_param(format!(
            "unsupported flow qualifier {other:?} (use $SAVED)"
        ))),
    }
}

fn content_checks(content: &str) -> Result<(), ApiError> {
    if content.is_empty() || content.chars().count() > MAX_CONTENT {
        return Err(invalid_param(format!(
            "Content must be 1-{MAX_CONTENT} characters"
        )));
    }
    // stricter than AWS documents: even a SAVED draft must be a json object
    match serde_json::from_str::<Value>(content) {
        Ok(Value::Object(_)) => Ok(()),
        Ok(_) => Err(invalid_flow(vec!["content must be a json object".into()])),
        Err(e) => Err(invalid_flow(vec![format!(
            "content is not valid json: {e}"
        )])),
    }
}

fn publish_checks(content: &str, flow_type: &str, inst: &Instance) -> Result<(), ApiError> {
    let problems = validate_flow(content, flow_type, inst);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid_flow(problems))
    }
}

fn flow_json(f: &Flow, saved_view: bool) -> Value {
    let (content, status) = if saved_view {
        match &f.saved {
            Some(s) => (Some(s.as_str()), "SAVED"),
            None => (f.published.as_deref(), f.status()),
        }
    } else {
        (f.published.as_deref(), "PUBLISHED")
    };
    let content = content.unwrap_or("");
    let mut v = json!({
        "Arn": f.arn,
        "Id": f.id,
        "Name": f.name,
        "Type": f.flow_type,
        "State": f.state,
        "Status": status,
        "Content": content,
        "Tags": tags_json(&f.tags),
        "FlowContentSha256": sha256(content),
        "Version": f.version,
        "LastModifiedTime": f.last_modified,
    });
    if let Some(d) = &f.description {
        v["Description"] = json!(d);
    }
    v
}

fn check_name_free(inst: &Instance, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if inst
        .flows
        .values()
        .any(|f| f.name == name && Some(f.id.as_str()) != except)
    {
        return Err(duplicate(format!(
            "a flow named {name:?} already exists in this instance"
        )));
    }
    Ok(())
}

pub(super) fn create_contact_flow(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let name = req_str(INVALID, &body, "Name", 1, 127)?.to_string();
    let ftype = req_str(INVALID, &body, "Type", 1, 64)?.to_string();
    if !FLOW_TYPES.contains(&ftype.as_str()) {
        return Err(invalid_param(format!("Type {ftype:?} is not a flow type")));
    }
    let description = opt_str(INVALID, &body, "Description", 0, 500)?.map(str::to_string);
    let content = req_str(INVALID, &body, "Content", 1, MAX_CONTENT)?.to_string();
    let status = opt_str(INVALID, &body, "Status", 1, 16)?
        .unwrap_or("PUBLISHED")
        .to_string();
    if status != "PUBLISHED" && status != "SAVED" {
        return Err(invalid_param(format!(
            "Status must be PUBLISHED or SAVED, got {status:?}"
        )));
    }
    let tags = parse_tags(body.get("Tags"))?;
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let fid = w.next_id();
    let arn = sub_arn(w, &iid, "contact-flow", &fid);
    let ts = epoch(w);
    let inst = instance_mut(w, &iid)?;
    check_name_free(inst, &name, None)?;
    content_checks(&content)?;
    if status == "PUBLISHED" {
        publish_checks(&content, &ftype, inst)?;
    }
    let sha = sha256(&content);
    let (published, saved) = if status == "PUBLISHED" {
        (Some(content), None)
    } else {
        (None, Some(content))
    };
    inst.flows.insert(
        fid.clone(),
        Flow {
            id: fid.clone(),
            arn: arn.clone(),
            name,
            flow_type: ftype,
            state: "ACTIVE".into(),
            description,
            published,
            saved,
            version: 1,
            last_modified: ts,
            tags,
        },
    );
    Ok(Resp::ok(
        json!({ "ContactFlowId": fid, "ContactFlowArn": arn, "FlowContentSha256": sha }),
    ))
}

fn flow<'a>(inst: &'a Instance, id: &str) -> Result<&'a Flow, ApiError> {
    inst.flows
        .get(id)
        .ok_or_else(|| not_found(format!("contact flow not found: {id}")))
}

pub(super) fn describe_contact_flow(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let (id, saved) = split_flow_id(req.param("ContactFlowId"))?;
    let f = flow(inst, id)?;
    if !saved && f.published.is_none() {
        return Err(ApiError::new(
            404,
            "ContactFlowNotPublishedException",
            format!(
                "contact flow {id} is not published; describe {id}:$SAVED for the saved content"
            ),
        ));
    }
    Ok(Resp::ok(json!({ "ContactFlow": flow_json(f, saved) })))
}

fn summary(f: &Flow) -> Value {
    json!({
        "Id": f.id, "Arn": f.arn, "Name": f.name, "ContactFlowType": f.flow_type,
        "ContactFlowState": f.state, "ContactFlowStatus": f.status(),
    })
}

pub(super) fn list_contact_flows(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let inst = instance(w, req.param("InstanceId"))?;
    let types = req.query_all("contactFlowTypes");
    if types.len() > 10 {
        return Err(invalid_param("at most 10 contactFlowTypes are allowed"));
    }
    if let Some(t) = types.iter().find(|t| !FLOW_TYPES.contains(t)) {
        return Err(invalid_param(format!("{t:?} is not a flow type")));
    }
    let mut flows: Vec<&Flow> = inst
        .flows
        .values()
        .filter(|f| types.is_empty() || types.contains(&f.flow_type.as_str()))
        .collect();
    flows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = flows.into_iter().map(summary).collect();
    let scope = format!("flows:{}:{}", inst.id, types.join(","));
    list_query(
        INVALID,
        req,
        "ContactFlowSummaryList",
        items,
        1000,
        100,
        &scope,
    )
}

fn matches_criteria(f: &Flow, c: &Value) -> Result<bool, ApiError> {
    let field = |name: &str| match name {
        "name" => Some(f.name.clone()),
        "description" => Some(f.description.clone().unwrap_or_default()),
        "resourceId" | "id" => Some(f.id.clone()),
        _ => None,
    };
    let conditions = |c: &Value| {
        let differs = |key: &str, actual: &str| {
            c.get(key)
                .and_then(Value::as_str)
                .is_some_and(|wanted| wanted != actual)
        };
        Ok(!(differs("TypeCondition", &f.flow_type)
            || differs("StateCondition", &f.state)
            || differs("StatusCondition", f.status())))
    };
    super::criteria_hold(c, false, &field, &conditions)
}

pub(super) fn search_contact_flows(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let iid = req_str(INVALID, &body, "InstanceId", 1, 250)?;
    let inst = instance(w, iid)?;
    // MaxResults is checked before the criteria are read.
    search_max(&body)?;
    let criteria = body.get("SearchCriteria").cloned().unwrap_or(json!({}));
    let mut flows: Vec<&Flow> = Vec::new();
    for f in inst.flows.values() {
        if matches_criteria(f, &criteria)? {
            flows.push(f);
        }
    }
    flows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items: Vec<Value> = flows
        .into_iter()
        .map(|f| {
            let saved_view = f.published.is_none();
            flow_json(f, saved_view)
        })
        .collect();
    let scope = format!("search-flows:{}:{}", inst.id, criteria);
    search_answer(&body, "ContactFlows", items, &scope)
}

/// Where a flow is still used: phone numbers and other flows' published content.
fn flow_users(w: &World, inst: &Instance, f: &Flow) -> Option<(String, String)> {
    if let Some(pn) = w
        .connect
        .phone_numbers
        .values()
        .find(|p| p.flow_id.as_deref() == Some(f.id.as_str()))
    {
        return Some(("PHONE_NUMBER".into(), pn.id.clone()));
    }
    for q in inst.queues.values() {
        if q.outbound_caller_config
            .get("OutboundFlowId")
            .and_then(Value::as_str)
            .is_some_and(|x| x == f.id || x == f.arn)
        {
            return Some(("QUEUE".into(), q.id.clone()));
        }
    }
    None
}

pub(super) fn delete_contact_flow(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let (id, _) = split_flow_id(req.param("ContactFlowId"))?;
    let inst = instance(w, &iid)?;
    let f = flow(inst, id)?;
    if let Some((rt, rid)) = flow_users(w, inst, f) {
        // DeleteContactFlow models no ResourceInUseException; the sandbox refuses with InvalidRequestException
        return Err(invalid_request(format!(
            "contact flow {id} is still used by {rt} {rid}"
        )));
    }
    instance_mut(w, &iid)?.flows.remove(id);
    Ok(Resp::empty())
}

pub(super) fn update_contact_flow_content(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let content = req_str(INVALID, &body, "Content", 1, MAX_CONTENT)?.to_string();
    let (id, saved) = split_flow_id(req.param("ContactFlowId"))?;
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let ts = epoch(w);
    let inst = instance_mut(w, &iid)?;
    let ftype = flow(inst, id)?.flow_type.clone();
    content_checks(&content)?;
    if !saved {
        publish_checks(&content, &ftype, inst)?;
    }
    let f = inst
        .flows
        .get_mut(id)
        .ok_or_else(|| not_found(format!("contact flow not found: {id}")))?;
    if saved {
        f.saved = Some(content);
    } else {
        f.published = Some(content);
        f.saved = None;
    }
    f.version += 1;
    f.last_modified = ts;
    Ok(Resp::empty())
}

pub(super) fn update_contact_flow_metadata(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let body = req.json()?;
    let name = opt_str(INVALID, &body, "Name", 1, 127)?.map(str::to_string);
    let description = opt_str(INVALID, &body, "Description", 0, 500)?.map(str::to_string);
    let state = opt_str(INVALID, &body, "ContactFlowState", 1, 16)?.map(str::to_string);
    if let Some(s) = &state
        && s != "ACTIVE"
        && s != "ARCHIVED"
    {
        return Err(invalid_param(format!(
            "ContactFlowState must be ACTIVE or ARCHIVED, got {s:?}"
        )));
    }
    if body.get("Type").is_some() {
        return Err(invalid_param("the type of a flow cannot be changed"));
    }
    let (id, _) = split_flow_id(req.param("ContactFlowId"))?;
    let iid = instance(w, req.param("InstanceId"))?.id.clone();
    let ts = epoch(w);
    let inst = instance_mut(w, &iid)?;
    flow(inst, id)?;
    if let Some(n) = &name {
        check_name_free(inst, n, Some(id))?;
    }
    let f = inst
        .flows
        .get_mut(id)
        .ok_or_else(|| not_found(format!("contact flow not found: {id}")))?;
    if let Some(n) = name {
        f.name = n;
    }
    if let Some(d) = description {
        f.description = Some(d);
    }
    if let Some(s) = state {
        f.state = s;
    }
    f.last_modified = ts;
    Ok(Resp::empty())
}
