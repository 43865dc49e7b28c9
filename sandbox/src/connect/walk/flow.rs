//! The flow walk: from the entry flow, action by action, through prompts, errors, branches and
//! transfers to another flow or a queue.
use serde_json::{Value, json};

use super::*;
use crate::connect::testlang::{Strategy, strip_tags};

impl Exec {
    /// Walks the entry flow; returns how the contact ended.
    pub(super) fn walk(&mut self) -> String {
        let mut flow_id = self.job.flow_id.clone();
        let mut doc = match self.flow_doc(&flow_id) {
            Ok(d) => d,
            Err(e) => {
                self.aborted = Some(e);
                return String::new();
            }
        };
        let mut current = doc
            .get("StartAction")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for _ in 0..MAX_STEPS {
            let Some(action) = doc
                .get("Actions")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .find(|x| x.get("Identifier").and_then(Value::as_str) == Some(&current))
                })
                .cloned()
            else {
                self.aborted = Some(format!(
                    "flow {flow_id}: no action {current:?} (the flow changed during the test?)"
                ));
                return String::new();
            };
            let step = self.step(&action);
            if self.aborted.is_some() {
                return String::new();
            }
            if self.hangup {
                return "the customer disconnected".into();
            }
            if self.end_test {
                return "the test ended".into();
            }
            match step {
                Step::Next(n) => current = n,
                Step::Flow(f) => {
                    flow_id = f;
                    doc = match self.flow_doc(&flow_id) {
                        Ok(d) => d,
                        Err(e) => {
                            self.aborted = Some(e);
                            return String::new();
                        }
                    };
                    current = doc
                        .get("StartAction")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                }
                Step::End(why) => return why,
            }
        }
        self.aborted = Some(format!(
            "the flow ran more than {MAX_STEPS} actions without ending"
        ));
        String::new()
    }

    fn flow_doc(&self, id: &str) -> Result<Value, String> {
        let f = self
            .job
            .instance
            .flows
            .get(id)
            .ok_or_else(|| format!("flow {id} does not exist"))?;
        let content = f
            .published
            .as_deref()
            .ok_or_else(|| format!("flow {id} is not published"))?;
        serde_json::from_str(content).map_err(|e| format!("flow {id}: {e}"))
    }

    fn step(&mut self, a: &Value) -> Step {
        let id = a
            .get("Identifier")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = a
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let p = a.get("Parameters").cloned().unwrap_or(json!({}));
        let t = a.get("Transitions").cloned().unwrap_or(json!({}));
        // the resource the action names, for FlowActionStarted and overrides
        let ids: Vec<String> = match kind.as_str() {
            "InvokeLambdaFunction" => vec![self.dynamic(&p["LambdaFunctionARN"])],
            "ConnectParticipantWithLexBot" => match p.pointer("/LexV2Bot/AliasArn") {
                Some(v) => vec![self.value(v)],
                None => Vec::new(),
            },
            "CheckHoursOfOperation" => {
                let v = self.value(&p["HoursOfOperationId"]);
                match self.hours_names(&v) {
                    Some(n) => n,
                    None => vec![v],
                }
            }
            "TransferContactToQueue" => self
                .target_queue
                .as_ref()
                .map(|q| vec![q.id.clone(), q.arn.clone()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        self.emit(Seen::Action {
            action_type: kind.clone(),
            identifier: id.clone(),
            ids: ids.clone(),
        });
        if self.stopped() {
            return Step::End(String::new());
        }
        let next = || {
            t.get("NextAction")
                .and_then(Value::as_str)
                .map(|s| Step::Next(s.to_string()))
                .unwrap_or_else(|| Step::End(format!("action {id:?} has no next action")))
        };
        match kind.as_str() {
            "UpdateFlowLoggingBehavior"
            | "UpdateContactTextToSpeechVoice"
            | "UpdateContactRoutingBehavior"
            | "UpdateContactEventHooks" => next(),
            "MessageParticipant" => {
                self.play(&p);
                next()
            }
            "UpdateContactAttributes" => {
                if let Some(m) = p.get("Attributes").and_then(Value::as_object) {
                    for (k, v) in m {
                        let v = self.dynamic(v);
                        self.attributes.insert(k.clone(), v);
                    }
                }
                next()
            }
            "Compare" => {
                let v = self.value(&p["ComparisonValue"]);
                self.branch(&id, &t, &v)
            }
            "Loop" => {
                let max: u32 = self.value(&p["LoopCount"]).trim().parse().unwrap_or(0);
                let c = self.loops.entry(id.clone()).or_insert(0);
                let outcome = if *c < max {
                    *c += 1;
                    "ContinueLooping"
                } else {
                    *c = 0;
                    "DoneLooping"
                };
                self.branch(&id, &t, outcome)
            }
            "UpdateContactTargetQueue" => {
                if p.get("AgentId").is_some() {
                    return self.error(&id, &t, "NoMatchingError");
                }
                let v = self.value(&p["QueueId"]);
                match self.find_queue(&v) {
                    Some(q) => {
                        self.target_queue = Some(q);
                        next()
                    }
                    None => self.error(&id, &t, "NoMatchingError"),
                }
            }
            "TransferContactToQueue" => self.transfer(&id, &t, &ids),
            "GetParticipantInput" => self.get_input(&id, &p, &t),
            "ConnectParticipantWithLexBot" => self.lex(&id, &p, &t, &ids),
            "InvokeLambdaFunction" => self.invoke(&id, &p, &t, &ids),
            "CheckHoursOfOperation" => self.hours(&id, &p, &t, &ids),
            "UpdateContactCallbackNumber" => {
                let v = self.value(&p["CallbackNumber"]);
                if e164(&v) {
                    self.callback_number = Some(v);
                    next()
                } else {
                    self.error(&id, &t, "InvalidCallbackNumber")
                }
            }
            "CreateCallbackContact" => {
                let queue = match p.get("QueueId") {
                    Some(q) => self.find_queue(&self.value(q)),
                    None => self.target_queue.clone(),
                };
                match queue {
                    Some(q) => {
                        let number = self
                            .callback_number
                            .clone()
                            .or_else(|| self.job.source_number.clone())
                            .unwrap_or_default();
                        self.path
                            .push(format!("callback to {number} queued in {}", q.name));
                        self.callbacks.push(Callback { queue_id: q.id });
                        next()
                    }
                    None => self.error(&id, &t, "NoMatchingError"),
                }
            }
            "TransferToFlow" => {
                let v = self.value(&p["ContactFlowId"]);
                let fid = v.rsplit('/').next().unwrap_or(&v).to_string();
                match self.job.instance.flows.get(&fid) {
                    Some(f) if f.published.is_some() => Step::Flow(fid),
                    _ => self.error(&id, &t, "NoMatchingError"),
                }
            }
            "DisconnectParticipant" => Step::End("the flow disconnected the contact".into()),
            "EndFlowExecution" => Step::End("the flow ended".into()),
            other => {
                self.aborted = Some(format!(
                    "action {id:?}: the sandbox's executor does not emulate {other}"
                ));
                Step::End(String::new())
            }
        }
    }

    pub(super) fn play(&mut self, p: &Value) {
        let (text, prompt) = if let Some(t) = p.get("Text") {
            (self.dynamic(t), None)
        } else if let Some(s) = p.get("SSML") {
            (strip_tags(&self.dynamic(s)), None)
        } else if let Some(id) = p.get("PromptId") {
            (String::new(), Some(self.value(id)))
        } else {
            return;
        };
        self.emit(Seen::Message { text, prompt });
    }

    /// The error branch `e`, else the `NoMatchingError` branch.
    pub(super) fn error(&mut self, id: &str, t: &Value, e: &str) -> Step {
        let errors = t
            .get("Errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let find = |want: &str| {
            errors.iter().find_map(|x| {
                (x.get("ErrorType").and_then(Value::as_str) == Some(want))
                    .then(|| x.get("NextAction").and_then(Value::as_str))
                    .flatten()
                    .map(str::to_string)
            })
        };
        match find(e).or_else(|| find("NoMatchingError")) {
            Some(n) => {
                self.path.push(format!("action {id:?} took the {e} branch"));
                Step::Next(n)
            }
            None => Step::End(format!(
                "action {id:?} failed with {e} and has no branch for it"
            )),
        }
    }

    /// The first condition that holds for `value`, else the `NoMatchingCondition` branch, else
    /// the default next action.
    pub(super) fn branch(&mut self, id: &str, t: &Value, value: &str) -> Step {
        if let Some(conds) = t.get("Conditions").and_then(Value::as_array) {
            for c in conds {
                let op = c
                    .pointer("/Condition/Operator")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let operand = c
                    .pointer("/Condition/Operands/0")
                    .map(|v| self.value(v))
                    .unwrap_or_default();
                if condition_holds(op, value, &operand)
                    && let Some(n) = c.get("NextAction").and_then(Value::as_str)
                {
                    return Step::Next(n.to_string());
                }
            }
            let has = t.get("Errors").and_then(Value::as_array).is_some_and(|e| {
                e.iter().any(|x| {
                    x.get("ErrorType").and_then(Value::as_str) == Some("NoMatchingCondition")
                })
            });
            if has {
                return self.error(id, t, "NoMatchingCondition");
            }
        }
        match t.get("NextAction").and_then(Value::as_str) {
            Some(n) => Step::Next(n.to_string()),
            None => Step::End(format!("action {id:?}: no condition holds for {value:?}")),
        }
    }

    fn transfer(&mut self, id: &str, t: &Value, ids: &[String]) -> Step {
        let Some(mut q) = self.target_queue.clone() else {
            return self.error(id, t, "NoMatchingError");
        };
        match self.override_for("TransferContactToQueue", ids) {
            Some(Strategy::Error(e)) => return self.error(id, t, &e),
            Some(Strategy::Substitute(arn)) => match self.find_queue(&arn) {
                Some(sub) => {
                    self.path
                        .push(format!("queue {} substituted by {}", q.name, sub.name));
                    q = sub;
                }
                None => return self.error(id, t, "NoMatchingError"),
            },
            _ => {}
        }
        let inst = &self.job.instance;
        if let Some(max) = inst.queues.get(&q.id).and_then(|x| x.max_contacts) {
            let queued = inst
                .contacts
                .values()
                .filter(|c| c.state == "QUEUED" && c.queue_id.as_deref() == Some(q.id.as_str()))
                .count() as i64;
            if queued >= max {
                return self.error(id, t, "QueueAtCapacity");
            }
        }
        Step::End(format!("the contact was queued in {}", q.name))
    }
}
