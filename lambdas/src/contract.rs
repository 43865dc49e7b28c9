//! The handler contract: the single source of truth for every name a Lambda handler reads or returns.
//!
//! Flows (`assets/flows/`), `validate`, the offline simulator, the CloudFormation templates and the
//! handlers themselves all take attribute, parameter, environment-variable and table names from
//! here. Handlers build their result maps only from these constants, so "the flow reads one name and
//! the handler returns another" (the public callback sample's `$.External.DateTime` bug) cannot
//! happen without `validate` noticing.

use std::fmt;

/// Which of the two solutions a function belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Solution {
    /// Last agent / last queue routing (`returning-callers`).
    ReturningCallers,
    /// Cancelled callback management (`callbacks`).
    Callbacks,
}

impl Solution {
    /// The solution id used on the command line (`--solution`).
    pub fn id(&self) -> &'static str {
        match self {
            Solution::ReturningCallers => "returning-callers",
            Solution::Callbacks => "callbacks",
        }
    }
}

/// One Lambda function of either solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    /// Looks up the caller's last queue and agent (returning callers, inbound flow).
    SearchCustomerCalls,
    /// Records caller → queue → agent with an expiry (returning callers, agent whispers).
    AddCustomerCalls,
    /// Normalises an entered phone number (callbacks).
    Get10DigitPhone,
    /// Current UTC date and time (callbacks).
    GetCurrentTime,
    /// Creates the PENDING callback record, race-free (callbacks).
    WriteCallback,
    /// Reads the callback record (callbacks).
    ReadCallback,
    /// Moves the callback status along the allowed transitions (callbacks).
    UpdateCallback,
    /// Stops the queued callback contact through Connect StopContact (callbacks).
    StopContact,
    /// Kinesis-triggered: records the callback contact id from contact trace records (callbacks).
    ProcessCtr,
}

/// A name a function reads from `Details.Parameters` (the flow's `LambdaInvocationAttributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The parameter name.
    pub name: &'static str,
    /// Whether the handler returns a defined error when it is absent or empty.
    pub required: bool,
}

// ---------------------------------------------------------------------------------------------
// Keys handlers return (flows read them as `$.External.<key>`) and names they read.
// ---------------------------------------------------------------------------------------------

/// Present in every error result: a short machine code (see [`error`]).
pub const ERROR: &str = "error";
/// Present in every error result: a human-readable detail (never contains a phone number).
pub const ERROR_DETAIL: &str = "errorDetail";

/// searchCustomerCalls: `"true"` when a live record for the caller exists, else `"false"`.
pub const FOUND: &str = "found";
/// searchCustomerCalls returns / addCustomerCalls reads: the previous queue's name.
pub const CUSTOMER_QUEUE_NAME: &str = "customerQueueName";
/// searchCustomerCalls returns / addCustomerCalls reads: the previous queue's ARN.
pub const CUSTOMER_QUEUE_ARN: &str = "customerQueueARN";
/// searchCustomerCalls returns / addCustomerCalls reads: the previous agent's user name.
pub const AGENT_NAME: &str = "agentName";
/// searchCustomerCalls returns / addCustomerCalls reads: the previous agent's ARN.
pub const AGENT_ARN: &str = "agentARN";
/// addCustomerCalls: `"true"` when the record was written.
pub const STORED: &str = "stored";

/// get10DigitPhone reads: the number the caller entered (e.g. `$.StoredCustomerInput`).
pub const ENTERED_PHONE_NUMBER: &str = "enteredPhoneNumber";
/// get10DigitPhone reads (optional): ISO 3166 region used for numbers without a `+` prefix; default `US`.
pub const COUNTRY_CODE: &str = "countryCode";
/// get10DigitPhone: `"Yes"` when nothing was entered, else `"No"`.
pub const IS_EMPTY: &str = "IsEmpty";
/// get10DigitPhone: `"true"` when the entered number is a valid phone number.
pub const IS_VALID: &str = "IsValid";
/// get10DigitPhone: the national significant number (10 digits for NANP numbers).
pub const TEN_DIGIT_PHONE_NUMBER: &str = "TenDigitPhoneNumber";
/// get10DigitPhone: the number in E.164.
pub const E164_PHONE_NUMBER: &str = "E164PhoneNumber";

/// getCurrentTime: RFC 3339 UTC timestamp, e.g. `2026-11-21T00:45:00Z`.
pub const DATE_TIME: &str = "DateTime";
/// getCurrentTime (now) / readCallback (when the callback was requested): `YYYY-MM-DD`, UTC.
pub const DATE: &str = "Date";
/// getCurrentTime (now) / readCallback (when the callback was requested): `HH:MM:SS`, UTC.
pub const TIME: &str = "Time";
/// getCurrentTime: seconds since the Unix epoch.
pub const EPOCH_SECONDS: &str = "EpochSeconds";

/// Contact attribute the callback flows set (`$.StoredCustomerInput` / `$.CallbackNumber`): the callback number.
pub const CALLBACK_NUMBER: &str = "CallbackNumber";
/// Callback status: returned by write/read/update-callback; updateCallback reads the target status
/// from the contact attribute of the same name.
pub const CALLBACK_STATUS: &str = "CallBackStatus";
/// readCallback returns / stopContact reads (contact attribute): the queued callback contact id, a plain string.
pub const NEXT_CONTACT_ID: &str = "NextContactId";
/// Contact attribute the callback flow sets to `$.Queue.Name`; processCtr reads it from the CTR.
pub const QUEUE_NAME: &str = "QueueName";
/// writeCallback: `"true"` when this call created the PENDING record.
pub const CREATED: &str = "created";
/// writeCallback: `"true"` when a PENDING callback already existed (nothing was written).
pub const ALREADY_PENDING: &str = "alreadyPending";
/// updateCallback: `"true"` when the status was changed.
pub const UPDATED: &str = "updated";
/// updateCallback / stopContact: why nothing was changed (see [`reason`]).
pub const REASON: &str = "reason";
/// stopContact: `"true"` when Connect stopped the queued callback.
pub const STOPPED: &str = "stopped";

/// Values of [`ERROR`].
pub mod error {
    /// The event is not a Connect contact-flow event (or not JSON of the expected shape).
    pub const MALFORMED_EVENT: &str = "malformedEvent";
    /// A required `Details.Parameters` entry is absent or empty.
    pub const MISSING_PARAMETER: &str = "missingParameter";
    /// A required contact attribute is absent or empty.
    pub const MISSING_ATTRIBUTE: &str = "missingAttribute";
    /// The phone number is withheld, empty or not a valid number.
    pub const INVALID_PHONE_NUMBER: &str = "invalidPhoneNumber";
    /// A value is outside what the handler accepts (e.g. an unknown callback status).
    pub const INVALID_VALUE: &str = "invalidValue";
    /// An environment variable the function needs is not set.
    pub const CONFIG_MISSING: &str = "configMissing";
    /// DynamoDB failed (throttling, missing table, network).
    pub const STORE_ERROR: &str = "storeError";
    /// Amazon Connect failed with something other than "contact not found".
    pub const CONNECT_ERROR: &str = "connectError";
    /// The function is not invoked by Connect (processCtr) or the handler id is unknown.
    pub const WRONG_FUNCTION: &str = "wrongFunction";
}

/// Values of [`REASON`].
pub mod reason {
    /// updateCallback: no live callback record exists.
    pub const NOT_FOUND: &str = "notFound";
    /// updateCallback: the current status does not allow the requested transition.
    pub const TRANSITION_REFUSED: &str = "transitionRefused";
    /// stopContact: Connect reports the contact does not exist (already connected or gone).
    pub const CONTACT_NOT_FOUND: &str = "contactNotFound";
    /// stopContact: the callback contact id is not known yet (the CTR has not arrived).
    pub const NO_CONTACT_ID: &str = "noContactId";
    /// stopContact: the call to Connect failed.
    pub const FAILED: &str = "failed";
}

/// Boolean values as Connect flows compare them.
pub const TRUE: &str = "true";
/// Boolean values as Connect flows compare them.
pub const FALSE: &str = "false";
/// get10DigitPhone's [`IS_EMPTY`] values.
pub const YES: &str = "Yes";
/// get10DigitPhone's [`IS_EMPTY`] values.
pub const NO: &str = "No";

// ---------------------------------------------------------------------------------------------
// Callback statuses and transitions.
// ---------------------------------------------------------------------------------------------

/// A callback was requested and is queued.
pub const PENDING: &str = "PENDING";
/// The caller called again and cancelled it.
pub const CANCELLED: &str = "CANCELLED";
/// An agent handled it (or it was closed after a cancellation).
pub const COMPLETED: &str = "COMPLETED";
/// A cancelled callback still reached an agent, who was told to hang up.
pub const CANCELLED_OFFERED: &str = "CANCELLED_OFFERED";
/// readCallback / updateCallback: no live record.
pub const NOT_FOUND: &str = "NotFound";

/// The status stored on a callback record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallbackStatus {
    /// [`PENDING`]
    Pending,
    /// [`CANCELLED`]
    Cancelled,
    /// [`COMPLETED`]
    Completed,
    /// [`CANCELLED_OFFERED`]
    CancelledOffered,
}

impl CallbackStatus {
    /// Every stored status.
    pub const ALL: [CallbackStatus; 4] = [
        CallbackStatus::Pending,
        CallbackStatus::Cancelled,
        CallbackStatus::Completed,
        CallbackStatus::CancelledOffered,
    ];

    /// The string stored in DynamoDB and returned to flows.
    pub fn as_str(&self) -> &'static str {
        match self {
            CallbackStatus::Pending => PENDING,
            CallbackStatus::Cancelled => CANCELLED,
            CallbackStatus::Completed => COMPLETED,
            CallbackStatus::CancelledOffered => CANCELLED_OFFERED,
        }
    }

    /// Parses a stored status (exact, case-sensitive as the flows compare it).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The statuses from which `self` may be reached through updateCallback.
    pub fn allowed_from(&self) -> Vec<CallbackStatus> {
        TRANSITIONS
            .iter()
            .filter(|(_, to)| to == self)
            .map(|(from, _)| *from)
            .collect()
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Allowed updateCallback transitions (from, to). PENDING is only ever created by writeCallback.
pub const TRANSITIONS: [(CallbackStatus, CallbackStatus); 4] = [
    (CallbackStatus::Pending, CallbackStatus::Cancelled),
    (CallbackStatus::Pending, CallbackStatus::Completed),
    (CallbackStatus::Cancelled, CallbackStatus::CancelledOffered),
    (CallbackStatus::Cancelled, CallbackStatus::Completed),
];

/// Whether updateCallback may move a record from `from` to `to`.
pub fn transition_allowed(from: CallbackStatus, to: CallbackStatus) -> bool {
    TRANSITIONS.contains(&(from, to))
}

// ---------------------------------------------------------------------------------------------
// Environment and tables (the CloudFormation templates use these exact strings).
// ---------------------------------------------------------------------------------------------

/// Environment variable names set by the stacks. Values are always strings in the template
/// (`!Sub '${RecordTTL}'`), see reference/testinfra.md §1.
pub mod env {
    /// Name of the returning-callers table.
    pub const RETURN_CALLS_TABLE: &str = "RETURN_CALLS_TABLE";
    /// Minutes a returning-caller record stays live (default [`super::DEFAULT_RECORD_TTL_MINUTES`]).
    pub const RECORD_TTL_MINUTES: &str = "RECORD_TTL_MINUTES";
    /// Name of the callbacks table.
    pub const CALLBACKS_TABLE: &str = "CALLBACKS_TABLE";
    /// Hours a callback record stays live (default [`super::DEFAULT_CALLBACK_TTL_HOURS`]).
    pub const CALLBACK_TTL_HOURS: &str = "CALLBACK_TTL_HOURS";
    /// The Connect instance id (not ARN) stopContact stops contacts on.
    pub const CONNECT_INSTANCE_ID: &str = "CONNECT_INSTANCE_ID";
    /// Set by provided.al2023 from the function's Handler property: the function id.
    pub const HANDLER: &str = "_HANDLER";
}

/// A numeric setting's default and inclusive range. One definition serves the CLI's check, the
/// handler's parser and the template's `Default`/`MinValue`/`MaxValue` (compared by `validate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The value when none is given.
    pub default: u32,
    /// Smallest accepted value.
    pub min: u32,
    /// Largest accepted value.
    pub max: u32,
}

impl Bounds {
    /// Whether `value` is accepted.
    pub fn contains(&self, value: u32) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

/// [`env::RECORD_TTL_MINUTES`]: the blog's 180 minutes, at most one week (template `RecordTTL`).
pub const RECORD_TTL_MINUTES: Bounds = Bounds {
    default: 180,
    min: 1,
    max: 10_080,
};
/// [`env::CALLBACK_TTL_HOURS`]: the blog's 24 hours, at most 30 days (template `CallbackTTLHours`).
pub const CALLBACK_TTL_HOURS: Bounds = Bounds {
    default: 24,
    min: 1,
    max: 720,
};
/// Default for [`env::RECORD_TTL_MINUTES`].
pub const DEFAULT_RECORD_TTL_MINUTES: u32 = RECORD_TTL_MINUTES.default;
/// Default for [`env::CALLBACK_TTL_HOURS`].
pub const DEFAULT_CALLBACK_TTL_HOURS: u32 = CALLBACK_TTL_HOURS.default;

/// DynamoDB key and TTL attribute names (the templates declare the same).
pub mod table {
    /// returnCalls table: partition key (S), the caller's number in E.164.
    pub const RETURN_CALLS_KEY: &str = "phoneNumber";
    /// callbacks table: partition key (S), the callback number in E.164.
    pub const CALLBACKS_PARTITION_KEY: &str = "PhoneNumber";
    /// callbacks table: sort key (S), the queue name.
    pub const CALLBACKS_SORT_KEY: &str = "QueueName";
    /// Both tables: the TTL attribute (N, epoch seconds). Handlers also check it on read,
    /// because DynamoDB deletes expired items late (up to ~48 h).
    pub const TTL_ATTRIBUTE: &str = "expiryTime";
}

// ---------------------------------------------------------------------------------------------
// Per-function contract.
// ---------------------------------------------------------------------------------------------

struct Spec {
    id: &'static str,
    solution: Solution,
    parameters: &'static [Param],
    contact_attributes: &'static [&'static str],
    returns: &'static [&'static str],
    env: &'static [&'static str],
    invoked_by_connect: bool,
}

const fn spec(function: Function) -> Spec {
    match function {
        Function::SearchCustomerCalls => Spec {
            id: "searchCustomerCalls",
            solution: Solution::ReturningCallers,
            parameters: &[],
            contact_attributes: &[],
            returns: &[
                FOUND,
                CUSTOMER_QUEUE_NAME,
                CUSTOMER_QUEUE_ARN,
                AGENT_NAME,
                AGENT_ARN,
                ERROR,
                ERROR_DETAIL,
            ],
            env: &[env::RETURN_CALLS_TABLE],
            invoked_by_connect: true,
        },
        Function::AddCustomerCalls => Spec {
            id: "addCustomerCalls",
            solution: Solution::ReturningCallers,
            parameters: &[
                Param {
                    name: CUSTOMER_QUEUE_NAME,
                    required: true,
                },
                Param {
                    name: CUSTOMER_QUEUE_ARN,
                    required: true,
                },
                Param {
                    name: AGENT_NAME,
                    required: true,
                },
                Param {
                    name: AGENT_ARN,
                    required: true,
                },
            ],
            contact_attributes: &[],
            returns: &[STORED, ERROR, ERROR_DETAIL],
            env: &[env::RETURN_CALLS_TABLE, env::RECORD_TTL_MINUTES],
            invoked_by_connect: true,
        },
        Function::Get10DigitPhone => Spec {
            id: "get10DigitPhone",
            solution: Solution::Callbacks,
            parameters: &[
                Param {
                    name: ENTERED_PHONE_NUMBER,
                    required: false,
                },
                Param {
                    name: COUNTRY_CODE,
                    required: false,
                },
            ],
            contact_attributes: &[],
            returns: &[
                IS_EMPTY,
                IS_VALID,
                TEN_DIGIT_PHONE_NUMBER,
                E164_PHONE_NUMBER,
                ERROR,
                ERROR_DETAIL,
            ],
            env: &[],
            invoked_by_connect: true,
        },
        Function::GetCurrentTime => Spec {
            id: "getCurrentTime",
            solution: Solution::Callbacks,
            parameters: &[],
            contact_attributes: &[],
            returns: &[DATE_TIME, DATE, TIME, EPOCH_SECONDS],
            env: &[],
            invoked_by_connect: true,
        },
        Function::WriteCallback => Spec {
            id: "writeCallback",
            solution: Solution::Callbacks,
            parameters: &[],
            contact_attributes: &[CALLBACK_NUMBER],
            returns: &[
                CALLBACK_STATUS,
                CREATED,
                ALREADY_PENDING,
                ERROR,
                ERROR_DETAIL,
            ],
            env: &[env::CALLBACKS_TABLE, env::CALLBACK_TTL_HOURS],
            invoked_by_connect: true,
        },
        Function::ReadCallback => Spec {
            id: "readCallback",
            solution: Solution::Callbacks,
            parameters: &[],
            contact_attributes: &[CALLBACK_NUMBER],
            returns: &[
                CALLBACK_STATUS,
                NEXT_CONTACT_ID,
                DATE,
                TIME,
                ERROR,
                ERROR_DETAIL,
            ],
            env: &[env::CALLBACKS_TABLE],
            invoked_by_connect: true,
        },
        Function::UpdateCallback => Spec {
            id: "updateCallback",
            solution: Solution::Callbacks,
            parameters: &[],
            contact_attributes: &[CALLBACK_NUMBER, CALLBACK_STATUS],
            returns: &[CALLBACK_STATUS, UPDATED, REASON, ERROR, ERROR_DETAIL],
            env: &[env::CALLBACKS_TABLE],
            invoked_by_connect: true,
        },
        Function::StopContact => Spec {
            id: "stopContact",
            solution: Solution::Callbacks,
            parameters: &[],
            contact_attributes: &[NEXT_CONTACT_ID],
            returns: &[STOPPED, REASON, ERROR, ERROR_DETAIL],
            env: &[env::CONNECT_INSTANCE_ID],
            invoked_by_connect: true,
        },
        Function::ProcessCtr => Spec {
            id: "processCtr",
            solution: Solution::Callbacks,
            parameters: &[],
            contact_attributes: &[CALLBACK_NUMBER, QUEUE_NAME],
            returns: &[],
            env: &[env::CALLBACKS_TABLE],
            invoked_by_connect: false,
        },
    }
}

impl Function {
    /// Every function of both solutions.
    pub const ALL: [Function; 9] = [
        Function::SearchCustomerCalls,
        Function::AddCustomerCalls,
        Function::Get10DigitPhone,
        Function::GetCurrentTime,
        Function::WriteCallback,
        Function::ReadCallback,
        Function::UpdateCallback,
        Function::StopContact,
        Function::ProcessCtr,
    ];

    /// The function id: used in flow placeholders `${lambda:<id>}`, as the CloudFormation logical-name
    /// stem, as the Lambda Handler property (→ `_HANDLER`) and as the manifest key.
    pub fn id(&self) -> &'static str {
        spec(*self).id
    }

    /// The function whose id is `id` (exact match).
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The solution the function belongs to.
    pub fn solution(&self) -> Solution {
        spec(*self).solution
    }

    /// Names it reads from `Details.Parameters` (the flow's `LambdaInvocationAttributes`).
    pub fn parameters(&self) -> &'static [Param] {
        spec(*self).parameters
    }

    /// Names it reads from `Details.ContactData.Attributes` (for processCtr: from the CTR's `Attributes`).
    pub fn contact_attributes(&self) -> &'static [&'static str] {
        spec(*self).contact_attributes
    }

    /// Every key it can return; flows read them as `$.External.<key>`. Empty for processCtr.
    pub fn returns(&self) -> &'static [&'static str] {
        spec(*self).returns
    }

    /// Environment variables it needs, set by the CloudFormation template.
    pub fn env(&self) -> &'static [&'static str] {
        spec(*self).env
    }

    /// False for processCtr (triggered by Kinesis, not by a flow).
    pub fn invoked_by_connect(&self) -> bool {
        spec(*self).invoked_by_connect
    }

    /// The Lambda Handler property value (provided.al2023 passes it as `_HANDLER`).
    pub fn handler(&self) -> &'static str {
        self.id()
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_round_trip_and_are_unique() {
        let ids: BTreeSet<_> = Function::ALL.iter().map(|f| f.id()).collect();
        assert_eq!(ids.len(), Function::ALL.len());
        for f in Function::ALL {
            assert_eq!(Function::from_id(f.id()), Some(f));
            // Legal in `${lambda:<id>}` and as a CloudFormation logical-name stem.
            assert!(f.id().chars().all(|c| c.is_ascii_alphanumeric()), "{f}");
        }
        assert_eq!(Function::from_id("searchcustomercalls"), None);
    }

    #[test]
    fn the_artifact_crate_knows_the_same_function_ids() {
        let ids: Vec<&str> = Function::ALL.iter().map(|f| f.id()).collect();
        assert_eq!(ids, returns_artifact::FUNCTION_IDS.to_vec());
    }

    #[test]
    fn the_blog_names_are_the_contract_names() {
        let search = Function::SearchCustomerCalls.returns();
        for name in [
            "customerQueueName",
            "customerQueueARN",
            "agentName",
            "agentARN",
        ] {
            assert!(search.contains(&name), "{name}");
        }
        assert!(Function::GetCurrentTime.returns().contains(&"DateTime"));
    }

    #[test]
    fn transitions_only_along_the_table() {
        use CallbackStatus::*;
        assert!(transition_allowed(Pending, Cancelled));
        assert!(transition_allowed(Pending, Completed));
        assert!(transition_allowed(Cancelled, CancelledOffered));
        assert!(!transition_allowed(Completed, Pending));
        assert!(!transition_allowed(Pending, Pending));
        assert!(!transition_allowed(CancelledOffered, Cancelled));
        assert_eq!(Pending.allowed_from(), Vec::<CallbackStatus>::new());
        assert_eq!(Completed.allowed_from(), vec![Pending, Cancelled]);
        for s in CallbackStatus::ALL {
            assert_eq!(CallbackStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CallbackStatus::parse(NOT_FOUND), None);
    }

    #[test]
    fn only_process_ctr_is_not_invoked_by_connect() {
        for f in Function::ALL {
            assert_eq!(f.invoked_by_connect(), f != Function::ProcessCtr);
            assert_eq!(f.returns().is_empty(), f == Function::ProcessCtr);
        }
    }
}
