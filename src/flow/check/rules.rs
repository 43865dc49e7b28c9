//! The checker's data: which identifiers the service refuses, and for every action type the flow
//! types it may appear in, whether it ends the flow, and the branches it must have; the event
//! hooks and the flow type each must name.

use crate::assets::flow_type;

/// Characters an identifier may not contain.
pub(super) const FORBIDDEN_ID_CHARS: &[char] = &[
    '%', ':', '(', '\\', '/', ')', '=', '$', ',', ';', '[', ']', '{', '}',
];
/// Identifiers the service reserves.
pub(super) const RESERVED_IDS: &[&str] = &[
    "__proto__",
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "prototype",
];

pub(super) const ALL_TYPES: &[&str] = &[
    flow_type::CONTACT_FLOW,
    flow_type::AGENT_WHISPER,
    flow_type::OUTBOUND_WHISPER,
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "CUSTOMER_WHISPER",
    "AGENT_HOLD",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
];
pub(super) const INBOUND: &[&str] = &[flow_type::CONTACT_FLOW, "AGENT_TRANSFER", "QUEUE_TRANSFER"];
pub(super) const WHISPERS: &[&str] = &[
    flow_type::AGENT_WHISPER,
    "CUSTOMER_WHISPER",
    flow_type::OUTBOUND_WHISPER,
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "AGENT_HOLD",
];
pub(super) const INTERACTIVE: &[&str] = &[
    flow_type::CONTACT_FLOW,
    "CUSTOMER_QUEUE",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
];

/// What the checker knows about an action type: where it may appear and which branches it needs.
pub(super) struct TypeRule {
    pub(super) allowed_in: &'static [&'static str],
    /// Ends the flow: no transitions at all.
    pub(super) terminal: bool,
    /// Needs `NextAction`.
    pub(super) next: bool,
    /// Error branches it must have.
    pub(super) errors: &'static [&'static str],
}

pub(super) fn rule(action_type: &str) -> Option<TypeRule> {
    let r = |allowed_in, terminal, next, errors| {
        Some(TypeRule {
            allowed_in,
            terminal,
            next,
            errors,
        })
    };
    match action_type {
        "InvokeLambdaFunction" => r(ALL_TYPES, false, true, &["NoMatchingError"]),
        "ConnectParticipantWithLexBot" => r(
            INTERACTIVE,
            false,
            false,
            &["NoMatchingCondition", "NoMatchingError"],
        ),
        "GetParticipantInput" => r(
            INTERACTIVE,
            false,
            false,
            &["InputTimeLimitExceeded", "NoMatchingError"],
        ),
        "Compare" => r(ALL_TYPES, false, false, &["NoMatchingCondition"]),
        "UpdateContactAttributes" => r(ALL_TYPES, false, true, &["NoMatchingError"]),
        "UpdateContactTargetQueue" => r(INBOUND, false, true, &["NoMatchingError"]),
        "UpdateContactRoutingBehavior" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
            ],
            false,
            true,
            &[],
        ),
        "UpdateContactEventHooks" => r(ALL_TYPES, false, true, &["NoMatchingError"]),
        "TransferContactToQueue" => r(
            INBOUND,
            false,
            false,
            &["QueueAtCapacity", "NoMatchingError"],
        ),
        "CreateCallbackContact" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
            ],
            false,
            true,
            &["NoMatchingError"],
        ),
        "UpdateContactCallbackNumber" => r(
            INTERACTIVE,
            false,
            true,
            &["InvalidCallbackNumber", "CallbackNumberNotDialable"],
        ),
        "MessageParticipant" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
                flow_type::AGENT_WHISPER,
                "CUSTOMER_WHISPER",
                flow_type::OUTBOUND_WHISPER,
            ],
            false,
            true,
            &["NoMatchingError"],
        ),
        "Loop" => r(ALL_TYPES, false, false, &[]),
        "UpdateFlowLoggingBehavior" | "UpdateContactTextToSpeechVoice" => {
            r(ALL_TYPES, false, true, &[])
        }
        "DisconnectParticipant" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
                "CUSTOMER_HOLD",
            ],
            true,
            false,
            &[],
        ),
        "EndFlowExecution" => r(WHISPERS, true, false, &[]),
        _ => None,
    }
}

/// Event hooks and the flow type the referenced flow must have.
pub(super) const EVENT_HOOKS: &[(&str, &str)] = &[
    ("AgentWhisper", flow_type::AGENT_WHISPER),
    ("CustomerWhisper", "CUSTOMER_WHISPER"),
    ("CustomerQueue", "CUSTOMER_QUEUE"),
    ("CustomerHold", "CUSTOMER_HOLD"),
    ("AgentHold", "AGENT_HOLD"),
];
