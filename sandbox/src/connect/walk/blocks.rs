//! Flow blocks that wait on the contact or call out: GetParticipantInput, ConnectParticipantWithLexBot,
//! InvokeLambdaFunction (with its event) and CheckHoursOfOperation.
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;
use crate::connect::testlang::{Instruction, Strategy};

impl Exec {
    pub(super) fn get_input(&mut self, id: &str, p: &Value, t: &Value) -> Step {
        self.play(p);
        if self.stopped() {
            return Step::End(String::new());
        }
        let store = self.value(&p["StoreInput"]).eq_ignore_ascii_case("true");
        let digits = match self.pending.pop_front() {
            None => {
                self.path
                    .push(format!("action {id:?}: no DTMF input was sent"));
                return self.error(id, t, "InputTimeLimitExceeded");
            }
            Some(Instruction::Dtmf(d)) => d,
            Some(Instruction::Utterance { text, .. }) => {
                // GetParticipantInput reads DTMF only: speech is not input here
                self.path.push(format!(
                    "action {id:?}: the utterance {text:?} is not DTMF input"
                ));
                return self.error(id, t, "InputTimeLimitExceeded");
            }
            Some(Instruction::Disconnect) => {
                self.hangup = true;
                return Step::End(String::new());
            }
        };
        if !store {
            let first: String = digits.chars().take(1).collect();
            return self.branch(id, t, &first);
        }
        let terminator = p
            .pointer("/DTMFConfiguration/InputTerminationSequence")
            .and_then(Value::as_str)
            .unwrap_or("#");
        let entered = digits
            .strip_suffix(terminator)
            .unwrap_or(&digits)
            .to_string();
        match stored_input(&entered, p) {
            Ok(v) => {
                self.stored_input = Some(v);
                match t.get("NextAction").and_then(Value::as_str) {
                    Some(n) => Step::Next(n.to_string()),
                    None => Step::End(format!("action {id:?} has no next action")),
                }
            }
            Err(e) => self.error(id, t, e),
        }
    }

    pub(super) fn lex(&mut self, id: &str, p: &Value, t: &Value, ids: &[String]) -> Step {
        self.play(p);
        if self.stopped() {
            return Step::End(String::new());
        }
        let Some(mut alias) = ids.first().cloned() else {
            self.path.push(format!(
                "action {id:?}: Lex V1 bots are not emulated by the executor"
            ));
            return self.error(id, t, "NoMatchingError");
        };
        match self.override_for("ConnectParticipantWithLexBot", ids) {
            Some(Strategy::Error(e)) => {
                let e = if e == "TimeLimitExceeded" {
                    "InputTimeLimitExceeded".to_string()
                } else {
                    e
                };
                return self.error(id, t, &e);
            }
            Some(Strategy::Result { loaded_data, .. }) => {
                let intent = loaded_data
                    .as_ref()
                    .and_then(|d| d.get("IntentName"))
                    .and_then(Value::as_str)
                    .unwrap_or("FallbackIntent")
                    .to_string();
                self.lex_intent = Some(intent.clone());
                return self.branch(id, t, &intent);
            }
            Some(Strategy::Substitute(arn)) => alias = arn,
            None => {}
        }
        let (text, language) = match self.pending.pop_front() {
            None => {
                self.path
                    .push(format!("action {id:?}: no utterance was sent"));
                return self.error(id, t, "InputTimeLimitExceeded");
            }
            Some(Instruction::Disconnect) => {
                self.hangup = true;
                return Step::End(String::new());
            }
            Some(Instruction::Dtmf(d)) => (d, "en-US".to_string()),
            Some(Instruction::Utterance { text, language }) => (text, language),
        };
        let locale = language.replace('-', "_");
        let model = match self.job.lex.get(&alias) {
            Some(Ok(m)) => m.clone(),
            Some(Err(e)) => {
                self.path.push(format!("action {id:?}: {e}"));
                return self.error(id, t, "NoMatchingError");
            }
            None => {
                self.path
                    .push(format!("action {id:?}: no Lex V2 bot alias {alias}"));
                return self.error(id, t, "NoMatchingError");
            }
        };
        let Some(intents) = model.locales.get(&locale) else {
            self.path.push(format!(
                "action {id:?}: the bot alias serves no built, enabled locale {locale}"
            ));
            return self.error(id, t, "NoMatchingError");
        };
        let said = normalise(&text);
        let intent = intents
            .iter()
            .find(|(_, utterances)| {
                utterances
                    .iter()
                    .filter(|u| !u.contains('{'))
                    .any(|u| normalise(u) == said)
            })
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| "FallbackIntent".into());
        self.path
            .push(format!("Lex matched {text:?} to intent {intent}"));
        self.lex_intent = Some(intent.clone());
        self.branch(id, t, &intent)
    }

    pub(super) fn invoke(&mut self, id: &str, p: &Value, t: &Value, ids: &[String]) -> Step {
        let mut arn = ids.first().cloned().unwrap_or_default();
        let strict_map = p
            .pointer("/ResponseValidation/ResponseType")
            .and_then(Value::as_str)
            != Some("JSON");
        let response = match self.override_for("InvokeLambdaFunction", ids) {
            Some(Strategy::Error(e)) => return self.error(id, t, &e),
            Some(Strategy::Result { loaded_data, .. }) => {
                Ok(loaded_data.unwrap_or_else(|| json!({})))
            }
            other => {
                if let Some(Strategy::Substitute(s)) = other {
                    self.path.push(format!("Lambda {arn} substituted by {s}"));
                    arn = s;
                }
                let Some(runner) = self.job.runner.clone() else {
                    self.aborted = Some(format!(
                        "action {id:?} invokes {arn}: the sandbox has no Lambda runner \
                         ({LAMBDA_RUNNER_ENV} is not set) and the test case declares no \
                         OverrideSystemBehavior MockResponse for it"
                    ));
                    return Step::End(String::new());
                };
                let secs: u64 = self
                    .value(&p["InvocationTimeLimitSeconds"])
                    .trim()
                    .parse()
                    .unwrap_or(8);
                let event = self.lambda_event(p);
                run_lambda(&runner, &arn, &event, Duration::from_secs(secs.clamp(1, 8)))
            }
        };
        let response = match response {
            Ok(v) => v,
            Err(e) => {
                self.path.push(format!("Lambda {arn} failed: {e}"));
                return self.error(id, t, "NoMatchingError");
            }
        };
        let flat = response
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string));
        if !response.is_object() || (strict_map && !flat) {
            self.path.push(format!(
                "Lambda {arn} answered {response}, which is not a {}",
                if strict_map {
                    "flat map of strings (STRING_MAP)"
                } else {
                    "JSON object"
                }
            ));
            return self.error(id, t, "NoMatchingError");
        }
        self.external = response;
        match t.get("NextAction").and_then(Value::as_str) {
            Some(n) => Step::Next(n.to_string()),
            None => Step::End(format!("action {id:?} has no next action")),
        }
    }

    /// The event Connect sends a Lambda function from a flow.
    fn lambda_event(&self, p: &Value) -> Value {
        let mut params = Map::new();
        if let Some(m) = p
            .get("LambdaInvocationAttributes")
            .and_then(Value::as_object)
        {
            for (k, v) in m {
                params.insert(k.clone(), json!(self.dynamic(v)));
            }
        }
        let endpoint = |n: &Option<String>| match n {
            Some(a) => json!({"Address": a, "Type": "TELEPHONE_NUMBER"}),
            None => Value::Null,
        };
        json!({
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": self.attributes,
                    "Channel": "VOICE",
                    "ContactId": self.job.contact_id,
                    "InitialContactId": self.job.contact_id,
                    "PreviousContactId": self.job.contact_id,
                    "InitiationMethod": "INBOUND",
                    "InstanceARN": self.job.instance.arn,
                    "LanguageCode": "en-US",
                    "CustomerEndpoint": endpoint(&self.job.source_number),
                    "SystemEndpoint": endpoint(&self.job.destination_number),
                    "Queue": self.queue_json(),
                    "MediaStreams": {"Customer": {"Audio": null}},
                },
                "Parameters": params,
            }
        })
    }

    pub(super) fn hours_names(&self, id_or_arn: &str) -> Option<Vec<String>> {
        let id = id_or_arn.rsplit('/').next().unwrap_or(id_or_arn);
        let h = self.job.instance.hours.get(id)?;
        Some(vec![h.id.clone(), h.arn.clone()])
    }

    pub(super) fn hours(&mut self, id: &str, p: &Value, t: &Value, ids: &[String]) -> Step {
        let mut hours_id = self.value(&p["HoursOfOperationId"]);
        match self.override_for("CheckHoursOfOperation", ids) {
            Some(Strategy::Error(e)) => return self.error(id, t, &e),
            Some(Strategy::Result { value, .. }) => {
                let open = value.as_deref() == Some("InHours");
                return self.branch(id, t, if open { "True" } else { "False" });
            }
            Some(Strategy::Substitute(arn)) => hours_id = arn,
            None => {}
        }
        let key = hours_id.rsplit('/').next().unwrap_or(&hours_id).to_string();
        let Some(h) = self.job.instance.hours.get(&key) else {
            return self.error(id, t, "NoMatchingError");
        };
        if h.time_zone != "UTC" {
            self.path.push(format!(
                "action {id:?}: hours in time zone {} are not emulated (UTC only)",
                h.time_zone
            ));
            return self.error(id, t, "NoMatchingError");
        }
        let now = OffsetDateTime::now_utc();
        let day = now.weekday().to_string().to_uppercase();
        let minute = i64::from(now.hour()) * 60 + i64::from(now.minute());
        let open = h.config.as_array().is_some_and(|days| {
            days.iter().any(|d| {
                let at = |k: &str| {
                    d.pointer(&format!("/{k}/Hours"))
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                        * 60
                        + d.pointer(&format!("/{k}/Minutes"))
                            .and_then(Value::as_i64)
                            .unwrap_or(0)
                };
                let (start, end) = (at("StartTime"), at("EndTime"));
                d.get("Day").and_then(Value::as_str) == Some(day.as_str())
                    && (start == end || (start <= minute && minute < end))
            })
        });
        self.branch(id, t, if open { "True" } else { "False" })
    }
}
