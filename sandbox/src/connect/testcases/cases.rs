//! Test case operations: CreateTestCase, DescribeTestCase, UpdateTestCase, DeleteTestCase,
//! ListTestCases, SearchTestCases.
use serde_json::{Value, json};

use super::*;
use crate::connect::{
    INVALID, Instance, Tags, epoch, instance, instance_mut, invalid_param, invalid_request,
    not_found, search_max, search_page, sub_arn, tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, opt_str, req_str};

pub(in crate::connect) fn create_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
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

pub(super) fn test_case<'a>(inst: &'a Instance, id: &str) -> Result<&'a TestCase, ApiError> {
    check_id_len("TestCaseId", id)?;
    inst.test_cases
        .get(id)
        .ok_or_else(|| not_found(format!("test case not found: {id}")))
}

pub(super) fn test_case_json(t: &TestCase, v: &TestCaseVersion, status: &str) -> Value {
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

pub(in crate::connect) fn describe_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    check_instance_id_or_arn(req.param("InstanceId"))?;
    let inst = instance(w, req.param("InstanceId"))?;
    let t = test_case(inst, req.param("TestCaseId"))?;
    let (v, status) = version_of(t, req.query("status"))?;
    Ok(Resp::ok(
        json!({ "TestCase": test_case_json(t, v, status) }),
    ))
}

pub(in crate::connect) fn update_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
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

pub(super) fn unfinished(e: &Execution) -> bool {
    e.status == "INITIATED" || e.status == "IN_PROGRESS"
}

pub(in crate::connect) fn delete_test_case(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
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

pub(in crate::connect) fn list_test_cases(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
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
    crate::connect::criteria_hold(c, false, &field, &status)
}

pub(in crate::connect) fn search_test_cases(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    check_region(w)?;
    let body = req.json()?;
    let iid = req_str(INVALID, &body, "InstanceId", 1, 250)?;
    check_instance_id_or_arn(iid)?;
    let inst = instance(w, iid)?;
    let max = search_max(&body)?;
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
    search_page("TestCases", items, token, max, &scope)
}
