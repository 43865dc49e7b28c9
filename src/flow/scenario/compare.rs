//! Pure: a step's outcome against what the scenario expects of it, as one mismatch message per
//! expectation that does not hold.

use std::collections::BTreeMap;

use super::report::mask;
use super::{Expect, StepOutcome};
use crate::flow::sim::End;

pub(super) fn compare(
    expect: &Expect,
    step: &StepOutcome,
    record: Option<&BTreeMap<String, String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{what}: expected {want}, got {got}"));
        }
    };
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_string());
    if let Some(e) = &expect.ends {
        check("ends", e.clone(), show(&step.ends));
    }
    if let Some(q) = &expect.queue {
        let transferred = step.ends.as_deref() == Some("queue");
        check(
            "queue",
            q.clone(),
            if transferred {
                show(&step.queue)
            } else {
                "not transferred".to_string()
            },
        );
    }
    if let Some(p) = expect.priority {
        check(
            "priority",
            p.to_string(),
            step.priority
                .map(|p| p.to_string())
                .unwrap_or_else(|| "none".into()),
        );
    }
    if let Some(w) = &expect.whisper {
        check("whisper", w.clone(), show(&step.whisper));
    }
    if let Some(c) = expect.callback_created {
        check(
            "callback created",
            c.to_string(),
            step.callback_created.to_string(),
        );
    }
    if let Some(c) = expect.callback_stopped {
        check(
            "callback stopped",
            c.to_string(),
            step.callback_stopped.to_string(),
        );
    }
    if let Some(o) = expect.offered {
        check(
            "offered",
            o.to_string(),
            step.offered
                .map(|o| o.to_string())
                .unwrap_or_else(|| "none".into()),
        );
    }
    if let Some(d) = expect.dialled {
        check(
            "dialled",
            d.to_string(),
            step.dialled
                .map(|o| o.to_string())
                .unwrap_or_else(|| "none".into()),
        );
    }
    for (k, v) in &expect.attributes {
        check(
            &format!("attribute {k}"),
            mask(k, v),
            step.attributes
                .get(k)
                .cloned()
                .unwrap_or_else(|| "<absent>".into()),
        );
    }
    let path: Vec<&str> = step
        .runs
        .iter()
        .flat_map(|r| r.path.iter().map(String::as_str))
        .collect();
    for p in &expect.path_includes {
        if !path.contains(&p.as_str()) {
            out.push(format!("path does not include {p:?}"));
        }
    }
    for p in &expect.path_excludes {
        if path.contains(&p.as_str()) {
            out.push(format!("path includes {p:?}"));
        }
    }
    let prompts: Vec<&str> = step
        .runs
        .iter()
        .flat_map(|r| r.prompts.iter().map(String::as_str))
        .collect();
    for t in &expect.prompts_include {
        if !prompts.iter().any(|p| p.contains(t.as_str())) {
            out.push(format!("no prompt contains {t:?}"));
        }
    }
    let called: Vec<&str> = step
        .runs
        .iter()
        .flat_map(|r| r.lambdas.iter().map(|l| l.function.as_str()))
        .collect();
    for l in &expect.lambdas_called {
        if !called.contains(&l.as_str()) {
            out.push(format!("{l} was not invoked"));
        }
    }
    for l in &expect.lambdas_not_called {
        if called.contains(&l.as_str()) {
            out.push(format!("{l} was invoked"));
        }
    }
    if let Some(e) = expect.record_exists
        && e != record.is_some()
    {
        out.push(format!(
            "record exists: expected {e}, got {}",
            record.is_some()
        ));
    }
    for (k, v) in &expect.record {
        let got = record
            .and_then(|r| r.get(k))
            .cloned()
            .unwrap_or_else(|| "<absent>".into());
        if got != *v {
            out.push(format!(
                "record {k}: expected {}, got {}",
                mask(k, v),
                mask(k, &got)
            ));
        }
    }
    for run in &step.runs {
        if let End::Stuck(why) = &run.end {
            out.push(format!("{} got stuck: {why}", run.flow));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::sim::{LambdaCall, Run};

    /// A returning caller sent to Sales at priority 1, the agent whisper run after it.
    fn outcome() -> StepOutcome {
        let run = |flow: &str, path: &[&str], prompts: &[&str], lambdas: &[&str], end| Run {
            flow: flow.to_string(),
            path: path.iter().map(|s| s.to_string()).collect(),
            prompts: prompts.iter().map(|s| s.to_string()).collect(),
            lambdas: lambdas
                .iter()
                .map(|function| LambdaCall {
                    function: function.to_string(),
                    result: BTreeMap::new(),
                    failed: false,
                })
                .collect(),
            end,
            callback: None,
        };
        StepOutcome {
            step: 1,
            kind: "call".to_string(),
            label: None,
            runs: vec![
                run(
                    "repeatCallerFlow",
                    &["Start", "Menu", "Transfer"],
                    &["Welcome back. Press 1 for the same matter."],
                    &["searchCaller"],
                    End::Queue,
                ),
                run("agentWhisper", &["Whisper"], &[], &[], End::Finished),
            ],
            ends: Some("queue".to_string()),
            queue: Some("Sales".to_string()),
            priority: Some(1),
            whisper: Some("agentWhisper".to_string()),
            callback_created: false,
            callback_stopped: false,
            offered: None,
            dialled: None,
            attributes: BTreeMap::from([
                ("CallerType".to_string(), "returning".to_string()),
                (
                    "PhoneNumber".to_string(),
                    mask("PhoneNumber", "+15551234567"),
                ),
            ]),
            record: None,
            notes: Vec::new(),
            mismatches: Vec::new(),
        }
    }

    fn record() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("attempts".to_string(), "2".to_string()),
            ("phoneNumber".to_string(), "+15551234567".to_string()),
        ])
    }

    /// The mismatches of the step against an expectation written as in a scenario file.
    fn mismatches(expect_toml: &str, record: Option<&BTreeMap<String, String>>) -> Vec<String> {
        let expect: Expect = toml::from_str(expect_toml)
            .unwrap_or_else(|e| panic!("{expect_toml:?} is no expectation: {e}"));
        compare(&expect, &outcome(), record)
    }

    #[test]
    fn an_outcome_that_meets_every_expectation_has_no_mismatch() {
        let expect = r#"
            ends = "queue"
            queue = "Sales"
            priority = 1
            whisper = "agentWhisper"
            callback_created = false
            callback_stopped = false
            attributes = { CallerType = "returning", PhoneNumber = "+15551234567" }
            path_includes = ["Menu", "Whisper"]
            path_excludes = ["Disconnect"]
            prompts_include = ["same matter"]
            lambdas_called = ["searchCaller"]
            lambdas_not_called = ["createCallback"]
            record_exists = true
            record = { attempts = "2", missing = "<absent>" }
        "#;
        assert_eq!(mismatches(expect, Some(&record())), Vec::<String>::new());
        assert_eq!(
            mismatches("", None),
            Vec::<String>::new(),
            "nothing expected"
        );
    }

    #[test]
    fn each_expectation_that_does_not_hold_is_one_mismatch_saying_what_and_why() {
        let cases: &[(&str, &str)] = &[
            (
                r#"ends = "disconnect""#,
                "ends: expected disconnect, got queue",
            ),
            (r#"queue = "Service""#, "queue: expected Service, got Sales"),
            ("priority = 5", "priority: expected 5, got 1"),
            (
                r#"whisper = "other""#,
                "whisper: expected other, got agentWhisper",
            ),
            (
                "callback_created = true",
                "callback created: expected true, got false",
            ),
            (
                "callback_stopped = true",
                "callback stopped: expected true, got false",
            ),
            ("offered = true", "offered: expected true, got none"),
            ("dialled = false", "dialled: expected false, got none"),
            (
                r#"attributes = { CallerType = "new" }"#,
                "attribute CallerType: expected new, got returning",
            ),
            (
                r#"attributes = { Missing = "x" }"#,
                "attribute Missing: expected x, got <absent>",
            ),
            (
                r#"path_includes = ["Nowhere"]"#,
                r#"path does not include "Nowhere""#,
            ),
            (
                r#"path_excludes = ["Whisper"]"#,
                r#"path includes "Whisper""#,
            ),
            (
                r#"prompts_include = ["Goodbye"]"#,
                r#"no prompt contains "Goodbye""#,
            ),
            (
                r#"lambdas_called = ["createCallback"]"#,
                "createCallback was not invoked",
            ),
            (
                r#"lambdas_not_called = ["searchCaller"]"#,
                "searchCaller was invoked",
            ),
            (
                "record_exists = false",
                "record exists: expected false, got true",
            ),
            (
                r#"record = { attempts = "3" }"#,
                "record attempts: expected 3, got 2",
            ),
            (
                r#"record = { missing = "1" }"#,
                "record missing: expected 1, got <absent>",
            ),
        ];
        for (expect, mismatch) in cases {
            assert_eq!(
                mismatches(expect, Some(&record())),
                vec![mismatch.to_string()],
                "{expect}"
            );
        }
    }

    #[test]
    fn a_queue_is_only_reached_by_a_transfer() {
        let expect: Expect = toml::from_str(r#"queue = "Sales""#).unwrap();
        let mut step = outcome();
        step.ends = Some("disconnect".to_string());
        assert_eq!(
            compare(&expect, &step, None),
            vec!["queue: expected Sales, got not transferred".to_string()]
        );
    }

    #[test]
    fn a_missing_record_fails_record_exists_and_every_value_but_absent() {
        assert_eq!(
            mismatches("record_exists = true", None),
            vec!["record exists: expected true, got false".to_string()]
        );
        assert_eq!(
            mismatches(r#"record = { attempts = "<absent>" }"#, None),
            Vec::<String>::new()
        );
        assert_eq!(
            mismatches(r#"record = { attempts = "2" }"#, None),
            vec!["record attempts: expected 2, got <absent>".to_string()]
        );
    }

    #[test]
    fn phone_numbers_are_compared_whole_and_reported_masked() {
        assert_eq!(
            mismatches(r#"attributes = { PhoneNumber = "+15559999999" }"#, None),
            vec!["attribute PhoneNumber: expected +*******9999, got +*******4567".to_string()]
        );
        assert_eq!(
            mismatches(
                r#"record = { phoneNumber = "+15550000000" }"#,
                Some(&record())
            ),
            vec!["record phoneNumber: expected +*******0000, got +*******4567".to_string()]
        );
        assert_eq!(
            mismatches(
                r#"record = { phoneNumber = "+15551234567" }"#,
                Some(&record())
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_run_that_got_stuck_is_a_mismatch_even_when_nothing_else_is_expected() {
        let mut step = outcome();
        step.runs[1].end = End::Stuck("no branch for NoMatchingCondition".to_string());
        assert_eq!(
            compare(&Expect::default(), &step, None),
            vec!["agentWhisper got stuck: no branch for NoMatchingCondition".to_string()]
        );
    }
}
