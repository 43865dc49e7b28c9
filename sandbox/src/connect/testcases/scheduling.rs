//! Scheduling executions: [`drive`], the background task that promotes queued executions, walks
//! them outside the World lock and lands their outcomes, and [`settle`], which finishes what is
//! due under the lock.
use std::sync::Arc;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::*;
use crate::connect::testlang::{self, Strategy};
use crate::connect::walk::{self, End, ObsStatus, Outcome};
use crate::connect::{Contact, epoch};
use crate::core::{Shared, World};

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
    let arn_base = crate::connect::instance_arn(w, iid);
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
