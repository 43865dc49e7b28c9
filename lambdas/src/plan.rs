//! The pure layer of the Connect-invoked handlers: event parsing and input validation.
//!
//! [`plan`] turns a raw event into either a finished reply (bad input, or a handler that needs no
//! I/O) or the validated action the I/O layer carries out. It never panics and does no I/O, which is
//! what the property tests hammer.

use crate::contract::{self, Function, error};
use crate::phone::{self, Phone, PhoneError};
use crate::{CallbackStatus, Reply, clock};
use aws_lambda_events::event::connect::ConnectEvent;
use serde::Deserialize;

/// What a handler will do once its input is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The reply is known without I/O.
    Done(Reply),
    /// searchCustomerCalls: look up the caller.
    Search {
        /// The caller.
        phone: Phone,
    },
    /// addCustomerCalls: store caller → queue → agent.
    Add {
        /// The caller.
        phone: Phone,
        /// Queue name.
        queue_name: String,
        /// Queue ARN.
        queue_arn: String,
        /// Agent user name.
        agent_name: String,
        /// Agent ARN.
        agent_arn: String,
        /// The contact id.
        contact_id: String,
    },
    /// writeCallback: create the PENDING record unless one is live.
    Write {
        /// The callback number.
        phone: Phone,
        /// The queue the callback waits in.
        queue_name: String,
        /// Its ARN (empty when Connect did not send it).
        queue_arn: String,
        /// The contact that requested the callback (its CTR carries the callback's id).
        contact_id: String,
    },
    /// readCallback.
    Read {
        /// The callback number.
        phone: Phone,
        /// The queue.
        queue_name: String,
    },
    /// updateCallback.
    Update {
        /// The callback number.
        phone: Phone,
        /// The queue.
        queue_name: String,
        /// The requested status.
        to: CallbackStatus,
    },
    /// stopContact.
    Stop {
        /// The queued callback contact.
        contact_id: String,
    },
}

/// Builds a reply from contract keys. Keys outside the function's contract are a bug (debug builds
/// and tests catch it).
pub fn reply(function: Function, pairs: &[(&'static str, &str)]) -> Reply {
    let mut out = Reply::new();
    for (k, v) in pairs {
        debug_assert!(
            function.returns().contains(k),
            "{function} returns {k} outside its contract"
        );
        out.insert((*k).to_string(), (*v).to_string());
    }
    out
}

/// The safe values of a function's main keys, present in its error replies too.
fn safe_defaults(function: Function) -> &'static [(&'static str, &'static str)] {
    match function {
        Function::SearchCustomerCalls => &[(contract::FOUND, contract::FALSE)],
        Function::AddCustomerCalls => &[(contract::STORED, contract::FALSE)],
        Function::Get10DigitPhone => &[(contract::IS_VALID, contract::FALSE)],
        Function::WriteCallback => &[
            (contract::CREATED, contract::FALSE),
            (contract::ALREADY_PENDING, contract::FALSE),
        ],
        Function::UpdateCallback => &[(contract::UPDATED, contract::FALSE)],
        Function::StopContact => &[(contract::STOPPED, contract::FALSE)],
        Function::GetCurrentTime | Function::ReadCallback | Function::ProcessCtr => &[],
    }
}

/// A defined error reply: the function's safe defaults plus `error` and `errorDetail`.
pub fn error_reply(function: Function, code: &'static str, detail: &str) -> Reply {
    if !function.invoked_by_connect() {
        // processCtr has no Connect contract; callers of invoke_connect get the bare error keys.
        let mut out = Reply::new();
        out.insert(contract::ERROR.to_string(), code.to_string());
        out.insert(contract::ERROR_DETAIL.to_string(), detail.to_string());
        return out;
    }
    let mut pairs: Vec<(&'static str, &str)> = safe_defaults(function).to_vec();
    pairs.push((contract::ERROR, code));
    pairs.push((contract::ERROR_DETAIL, detail));
    reply(function, &pairs)
}

/// The parts of a Connect event the handlers use.
struct Input {
    event: ConnectEvent,
}

impl Input {
    fn parse(raw: &serde_json::Value) -> Option<Self> {
        // Connect sends `null` for an endpoint a contact does not have (a chat's customer, the
        // system number of a test case started without one): read it as an empty endpoint.
        let mut raw = raw.clone();
        if let Some(data) = raw
            .pointer_mut("/Details/ContactData")
            .and_then(serde_json::Value::as_object_mut)
        {
            for key in ["CustomerEndpoint", "SystemEndpoint"] {
                if data.get(key).is_none_or(serde_json::Value::is_null) {
                    data.insert(key.to_string(), serde_json::json!({}));
                }
            }
        }
        ConnectEvent::deserialize(&raw)
            .ok()
            .map(|event| Input { event })
    }

    fn param(&self, name: &str) -> Option<&str> {
        non_empty(self.event.details.parameters.get(name).map(String::as_str))
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        non_empty(
            self.event
                .details
                .contact_data
                .attributes
                .get(name)
                .map(String::as_str),
        )
    }

    fn customer_address(&self) -> Option<&str> {
        non_empty(
            self.event
                .details
                .contact_data
                .customer_endpoint
                .address
                .as_deref(),
        )
    }

    fn contact_id(&self) -> Option<&str> {
        non_empty(self.event.details.contact_data.contact_id.as_deref())
    }

    fn queue(&self) -> (Option<&str>, Option<&str>) {
        match &self.event.details.contact_data.queue {
            Some(q) => (non_empty(q.name.as_deref()), non_empty(q.arn.as_deref())),
            None => (None, None),
        }
    }
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Longest value accepted for names, ARNs and ids (Connect's own limits are far below this).
const MAX_VALUE_LEN: usize = 1024;

/// Validates the event for `function` at time `now` (epoch seconds).
pub fn plan(function: Function, raw: &serde_json::Value, now: i64) -> Plan {
    if function == Function::GetCurrentTime {
        // Needs nothing from the event: it answers even to a malformed one.
        let r = clock::render(now);
        let epoch = now.to_string();
        return Plan::Done(reply(
            function,
            &[
                (contract::DATE_TIME, &r.date_time),
                (contract::DATE, &r.date),
                (contract::TIME, &r.time),
                (contract::EPOCH_SECONDS, &epoch),
            ],
        ));
    }
    if !function.invoked_by_connect() {
        return Plan::Done(error_reply(
            function,
            error::WRONG_FUNCTION,
            "processCtr is invoked by kinesis, not by a contact flow",
        ));
    }
    let Some(input) = Input::parse(raw) else {
        return Plan::Done(error_reply(
            function,
            error::MALFORMED_EVENT,
            "event is not an amazon connect contact flow event",
        ));
    };
    match plan_with(function, &input) {
        Ok(plan) => plan,
        Err(reply) => Plan::Done(reply),
    }
}

fn missing_param(function: Function, name: &str) -> Reply {
    error_reply(
        function,
        error::MISSING_PARAMETER,
        &format!("missing parameter {name}"),
    )
}

fn missing_attribute(function: Function, name: &str) -> Reply {
    error_reply(
        function,
        error::MISSING_ATTRIBUTE,
        &format!("missing contact attribute {name}"),
    )
}

fn too_long(function: Function, name: &str) -> Reply {
    error_reply(
        function,
        error::INVALID_VALUE,
        &format!("{name} is longer than {MAX_VALUE_LEN} characters"),
    )
}

fn phone_error(function: Function, what: &str, e: PhoneError) -> Reply {
    error_reply(
        function,
        error::INVALID_PHONE_NUMBER,
        &format!("{what}: {e}"),
    )
}

fn required_param<'a>(function: Function, input: &'a Input, name: &str) -> Result<&'a str, Reply> {
    let v = input
        .param(name)
        .ok_or_else(|| missing_param(function, name))?;
    if v.len() > MAX_VALUE_LEN {
        return Err(too_long(function, name));
    }
    Ok(v)
}

fn callback_phone(function: Function, input: &Input) -> Result<Phone, Reply> {
    let raw = input
        .attribute(contract::CALLBACK_NUMBER)
        .ok_or_else(|| missing_attribute(function, contract::CALLBACK_NUMBER))?;
    phone::normalize(raw, phone::HOME_REGION)
        .map_err(|e| phone_error(function, contract::CALLBACK_NUMBER, e))
}

fn callback_queue(function: Function, input: &Input) -> Result<(String, String), Reply> {
    let (name, arn) = input.queue();
    let name = name.ok_or_else(|| {
        error_reply(
            function,
            error::MALFORMED_EVENT,
            "contact data has no queue name",
        )
    })?;
    if name.len() > MAX_VALUE_LEN {
        return Err(too_long(function, "Queue.Name"));
    }
    let arn = arn.filter(|a| a.len() <= MAX_VALUE_LEN).unwrap_or_default();
    Ok((name.to_string(), arn.to_string()))
}

fn plan_with(function: Function, input: &Input) -> Result<Plan, Reply> {
    match function {
        Function::SearchCustomerCalls => {
            let raw = input.customer_address().unwrap_or_default();
            match phone::normalize(raw, phone::HOME_REGION) {
                Ok(phone) => Ok(Plan::Search { phone }),
                // Withheld, empty or invalid caller id: a new caller, not an error.
                Err(e) => {
                    tracing::info!(function = %function, reason = %e, "caller id not usable; treating as new caller");
                    Ok(Plan::Done(reply(
                        function,
                        &[(contract::FOUND, contract::FALSE)],
                    )))
                }
            }
        }
        Function::AddCustomerCalls => {
            let raw = input.customer_address().unwrap_or_default();
            let phone = phone::normalize(raw, phone::HOME_REGION)
                .map_err(|e| phone_error(function, "CustomerEndpoint.Address", e))?;
            let queue_name = required_param(function, input, contract::CUSTOMER_QUEUE_NAME)?;
            let queue_arn = required_param(function, input, contract::CUSTOMER_QUEUE_ARN)?;
            let agent_name = required_param(function, input, contract::AGENT_NAME)?;
            let agent_arn = required_param(function, input, contract::AGENT_ARN)?;
            let contact_id = input
                .contact_id()
                .filter(|c| c.len() <= MAX_VALUE_LEN)
                .unwrap_or_default();
            Ok(Plan::Add {
                phone,
                queue_name: queue_name.to_string(),
                queue_arn: queue_arn.to_string(),
                agent_name: agent_name.to_string(),
                agent_arn: agent_arn.to_string(),
                contact_id: contact_id.to_string(),
            })
        }
        Function::Get10DigitPhone => {
            let Some(raw) = input.param(contract::ENTERED_PHONE_NUMBER) else {
                return Ok(Plan::Done(reply(
                    function,
                    &[
                        (contract::IS_EMPTY, contract::YES),
                        (contract::IS_VALID, contract::FALSE),
                    ],
                )));
            };
            let region = match input.param(contract::COUNTRY_CODE) {
                None => phone::HOME_REGION,
                Some(code) => phone::region(code).ok_or_else(|| {
                    error_reply(
                        function,
                        error::INVALID_VALUE,
                        "countryCode is not an iso 3166 region",
                    )
                })?,
            };
            match phone::normalize(raw, region) {
                Ok(p) => Ok(Plan::Done(reply(
                    function,
                    &[
                        (contract::IS_EMPTY, contract::NO),
                        (contract::IS_VALID, contract::TRUE),
                        (contract::TEN_DIGIT_PHONE_NUMBER, p.national()),
                        (contract::E164_PHONE_NUMBER, p.e164()),
                    ],
                ))),
                Err(PhoneError::Empty) => Ok(Plan::Done(reply(
                    function,
                    &[
                        (contract::IS_EMPTY, contract::YES),
                        (contract::IS_VALID, contract::FALSE),
                    ],
                ))),
                Err(e) => {
                    let mut r = phone_error(function, contract::ENTERED_PHONE_NUMBER, e);
                    r.insert(contract::IS_EMPTY.to_string(), contract::NO.to_string());
                    Err(r)
                }
            }
        }
        Function::WriteCallback => {
            let phone = callback_phone(function, input)?;
            let (queue_name, queue_arn) = callback_queue(function, input)?;
            let contact_id = input
                .contact_id()
                .filter(|c| c.len() <= MAX_VALUE_LEN)
                .ok_or_else(|| {
                    error_reply(
                        function,
                        error::MALFORMED_EVENT,
                        "contact data has no contact id",
                    )
                })?;
            Ok(Plan::Write {
                phone,
                queue_name,
                queue_arn,
                contact_id: contact_id.to_string(),
            })
        }
        Function::ReadCallback => {
            let phone = callback_phone(function, input)?;
            let (queue_name, _) = callback_queue(function, input)?;
            Ok(Plan::Read { phone, queue_name })
        }
        Function::UpdateCallback => {
            let phone = callback_phone(function, input)?;
            let (queue_name, _) = callback_queue(function, input)?;
            let raw = input
                .attribute(contract::CALLBACK_STATUS)
                .ok_or_else(|| missing_attribute(function, contract::CALLBACK_STATUS))?;
            let to = CallbackStatus::parse(raw)
                .filter(|s| !s.allowed_from().is_empty())
                .ok_or_else(|| {
                    error_reply(
                        function,
                        error::INVALID_VALUE,
                        "CallBackStatus is not a status updateCallback can set",
                    )
                })?;
            Ok(Plan::Update {
                phone,
                queue_name,
                to,
            })
        }
        Function::StopContact => {
            let id = input
                .attribute(contract::NEXT_CONTACT_ID)
                .filter(|id| !id.eq_ignore_ascii_case("inprogress"));
            let Some(id) = id else {
                return Ok(Plan::Done(reply(
                    function,
                    &[
                        (contract::STOPPED, contract::FALSE),
                        (contract::REASON, contract::reason::NO_CONTACT_ID),
                    ],
                )));
            };
            let valid =
                id.len() <= 256 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                return Err(error_reply(
                    function,
                    error::INVALID_VALUE,
                    "NextContactId is not a contact id",
                ));
            }
            Ok(Plan::Stop {
                contact_id: id.to_string(),
            })
        }
        Function::GetCurrentTime | Function::ProcessCtr => Err(error_reply(
            function,
            error::WRONG_FUNCTION,
            "not planned from a connect event",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::Input;

    #[test]
    fn an_event_without_a_system_endpoint_is_a_contact_flow_event() {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/connect_inbound.json")).unwrap();
        event["Details"]["ContactData"]["SystemEndpoint"] = serde_json::Value::Null;
        let input = Input::parse(&event).expect("parsed");
        assert_eq!(input.customer_address(), Some("+14155552671"));
        event["Details"]["ContactData"]
            .as_object_mut()
            .unwrap()
            .remove("SystemEndpoint");
        assert!(Input::parse(&event).is_some());
        event["Details"]["ContactData"]["CustomerEndpoint"] = serde_json::Value::Null;
        assert_eq!(Input::parse(&event).unwrap().customer_address(), None);
        assert!(Input::parse(&serde_json::json!("malformed")).is_none());
    }
}
