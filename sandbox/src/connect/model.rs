//! The Connect state model: instances and everything they own (flows with their drafts, queues,
//! hours, routing profiles, Lex V1 bot and Lambda associations, storage configs, contacts, phone
//! numbers), and the state dump.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::*;
use crate::core::Snapshot;

/// Tags on a resource.
pub type Tags = BTreeMap<String, String>;

/// In-memory Connect state.
#[derive(Default, Serialize)]
pub struct State {
    /// Instances by id.
    pub instances: BTreeMap<String, Instance>,
    /// Claimed phone numbers by id.
    pub phone_numbers: BTreeMap<String, PhoneNumber>,
}

impl Snapshot for State {
    fn snapshot(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// One Connect instance and everything it owns.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub id: String,
    pub arn: String,
    pub alias: String,
    pub created: i64,
    pub tags: Tags,
    pub flows: BTreeMap<String, Flow>,
    pub queues: BTreeMap<String, Queue>,
    pub hours: BTreeMap<String, Hours>,
    pub routing_profiles: BTreeMap<String, RoutingProfile>,
    /// Associated Lambda function ARNs, in association order.
    pub lambdas: Vec<String>,
    /// Associated Lex V1 bots.
    pub lex_bots: Vec<LexV1Bot>,
    /// Associated Lex V2 alias ARNs.
    pub lex_v2_aliases: Vec<String>,
    pub storage_configs: BTreeMap<String, StorageConfig>,
    pub contacts: BTreeMap<String, Contact>,
    /// Idempotency tokens of Associate* calls: token -> what it associated.
    pub client_tokens: BTreeMap<String, String>,
    /// Test cases by id.
    pub test_cases: BTreeMap<String, testcases::TestCase>,
    /// Test-case executions by id (with their records).
    pub test_executions: BTreeMap<String, testcases::Execution>,
}

/// A contact flow: published content and an optional saved draft.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub flow_type: String,
    pub state: String,
    pub description: Option<String>,
    pub published: Option<String>,
    pub saved: Option<String>,
    pub version: i64,
    pub last_modified: f64,
    pub tags: Tags,
}

impl Flow {
    /// `PUBLISHED` once published content exists, else `SAVED`.
    pub fn status(&self) -> &'static str {
        if self.published.is_some() {
            "PUBLISHED"
        } else {
            "SAVED"
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub queue_type: String,
    pub hours_id: String,
    pub outbound_caller_config: Value,
    pub max_contacts: Option<i64>,
    pub status: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hours {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub time_zone: String,
    pub config: Value,
    pub tags: Tags,
}

/// One queue–channel entry of a routing profile.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RpQueue {
    pub queue_id: String,
    pub channel: String,
    pub priority: i64,
    pub delay: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoutingProfile {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub default_outbound_queue_id: String,
    pub media_concurrencies: Value,
    pub queues: Vec<RpQueue>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LexV1Bot {
    pub name: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StorageConfig {
    pub association_id: String,
    pub resource_type: String,
    pub config: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: String,
    pub arn: String,
    pub channel: String,
    pub initiation_method: String,
    pub queue_id: Option<String>,
    pub state: String,
    pub disconnect_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhoneNumber {
    pub id: String,
    pub arn: String,
    pub number: String,
    pub country: String,
    pub number_type: String,
    pub instance_id: Option<String>,
    pub flow_id: Option<String>,
    pub tags: Tags,
}
