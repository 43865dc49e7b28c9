//! The events a walk produces and how they match what an observation waits for (prompt text
//! normalised, SSML tags stripped).
use crate::connect::testlang::{Event, Matching, strip_tags};

/// An event the walk produced.
#[derive(Debug, Clone)]
pub(super) enum Seen {
    Initiated,
    Completed,
    /// A prompt: what was played (text, or SSML without tags) and the prompt id if any.
    Message {
        text: String,
        prompt: Option<String>,
    },
    /// A flow action starting, with the resource it names (`ids`: every name of it: id, ARN).
    Action {
        action_type: String,
        identifier: String,
        ids: Vec<String>,
    },
}

impl Seen {
    pub(super) fn describe(&self) -> String {
        match self {
            Seen::Initiated => "TestInitiated".into(),
            Seen::Completed => "TestCompleted".into(),
            Seen::Message { text, prompt } => match prompt {
                Some(p) => format!("MessageReceived prompt {p}"),
                None => format!("MessageReceived {text:?}"),
            },
            Seen::Action {
                action_type,
                identifier,
                ids,
            } => match ids.last() {
                Some(r) => format!("FlowActionStarted {action_type} {r} (action {identifier:?})"),
                None => format!("FlowActionStarted {action_type} (action {identifier:?})"),
            },
        }
    }
}

pub(super) fn describe_expected(e: &Event) -> String {
    match e {
        Event::TestInitiated => "TestInitiated".into(),
        Event::TestCompleted => "TestCompleted".into(),
        Event::MessageReceived {
            text,
            ssml,
            prompt_id,
            matching,
        } => {
            let how = match matching {
                Matching::Inclusion => "containing",
                Matching::Similarity => "similar to",
            };
            match (text, ssml, prompt_id) {
                (Some(t), _, _) => format!("MessageReceived {how} {t:?}"),
                (_, Some(s), _) => format!("MessageReceived {how} {:?}", strip_tags(s)),
                (_, _, Some(p)) => format!("MessageReceived prompt {p}"),
                _ => "MessageReceived".into(),
            }
        }
        Event::FlowActionStarted {
            action_type,
            resource,
            agent_id,
        } => match agent_id {
            Some(a) => format!("FlowActionStarted {action_type} {resource} agent {a}"),
            None => format!("FlowActionStarted {action_type} {resource}"),
        },
    }
}

/// Lower case, punctuation dropped, spaces collapsed.
pub(super) fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn event_matches(e: &Event, seen: &Seen) -> bool {
    match (e, seen) {
        (Event::TestInitiated, Seen::Initiated) | (Event::TestCompleted, Seen::Completed) => true,
        (
            Event::MessageReceived {
                text,
                ssml,
                prompt_id,
                matching,
            },
            Seen::Message {
                text: played,
                prompt,
            },
        ) => {
            if let Some(p) = prompt_id {
                return prompt
                    .as_deref()
                    .is_some_and(|q| q == p || q.rsplit('/').next() == p.rsplit('/').next());
            }
            let want = match (text, ssml) {
                (Some(t), _) => t.clone(),
                (_, Some(s)) => strip_tags(s),
                _ => return false,
            };
            match matching {
                // the observed message contains the text (case-sensitive, the stricter reading)
                Matching::Inclusion => played.contains(&want),
                // semantic similarity cannot be emulated: equality after normalising
                Matching::Similarity => normalise(played) == normalise(&want),
            }
        }
        (
            Event::FlowActionStarted {
                action_type,
                resource,
                agent_id,
            },
            Seen::Action {
                action_type: seen_type,
                ids,
                ..
            },
        ) => action_type == seen_type && agent_id.is_none() && ids.iter().any(|i| i == resource),
        _ => false,
    }
}
