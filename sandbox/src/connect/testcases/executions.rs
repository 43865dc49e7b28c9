//! Test case executions: StartTestCaseExecution, StopTestCaseExecution,
//! GetTestCaseExecutionSummary, ListTestCaseExecutions, ListTestCaseExecutionRecords.
use serde_json::json;

use super::*;
use crate::connect::testlang::{self};
use crate::connect::{
    INVALID, Instance, epoch, instance, instance_mut, invalid_param, invalid_request, not_found,
    tags_json,
};
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{list_query, opt_str};

pub(super) fn running_and_queued(w: &World) -> (usize, usize) {
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

pub(in crate::connect) fn start_test_case_execution(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
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

/// The execution the request path names (`InstanceId`, `TestCaseId`, `TestCaseExecutionId`),
/// read after the region check and after the clock has settled what has run.
fn requested_execution<'a>(w: &'a mut World, req: &Req) -> Result<&'a Execution, ApiError> {
    check_region(w)?;
    settle(w);
    let inst = instance(w, req.param("InstanceId"))?;
    execution(
        inst,
        req.param("TestCaseId"),
        req.param("TestCaseExecutionId"),
    )
}

pub(in crate::connect) fn stop_test_case_execution(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
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

pub(in crate::connect) fn get_test_case_execution_summary(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let e = requested_execution(w, req)?;
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

pub(in crate::connect) fn list_test_case_executions(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
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

pub(in crate::connect) fn list_test_case_execution_records(
    w: &mut World,
    req: &Req,
) -> Result<Resp, ApiError> {
    let e = requested_execution(w, req)?;
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
