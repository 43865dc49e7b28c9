//! All emulated state behind one lock (`World`: one state per service and Region), and the
//! `Snapshot` each service's state implements for `GET /__sandbox/state`.
use serde_json::{Value, json};

use super::*;

/// Implemented by each service's state so `GET /__sandbox/state` can dump it.
pub trait Snapshot {
    /// Every resource as JSON.
    fn snapshot(&self) -> Value;
}

/// All emulated state, behind one lock.
pub struct World {
    /// The configuration the sandbox started with.
    pub config: Config,
    /// Amazon Connect state.
    pub connect: crate::connect::State,
    /// Lex V2 state.
    pub lexv2: crate::lexv2::State,
    /// Lex V1 state.
    pub lexv1: crate::lexv1::State,
    ids: u64,
}

impl World {
    /// Empty state for `config`.
    pub fn new(config: Config) -> Self {
        World {
            config,
            connect: Default::default(),
            lexv2: Default::default(),
            lexv1: Default::default(),
            ids: 0,
        }
    }

    /// Account id for ARNs.
    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    /// Region for ARNs.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// Current time.
    pub fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    /// A fresh random UUID (lower-case, hyphenated).
    pub fn next_id(&mut self) -> String {
        self.ids += 1;
        uuid::Uuid::new_v4().to_string()
    }

    /// How many ids were handed out (diagnostics).
    pub fn ids_issued(&self) -> u64 {
        self.ids
    }

    /// JSON dump of every resource of every service.
    pub fn snapshot(&self) -> Value {
        json!({
            "connect": self.connect.snapshot(),
            "lexv2": self.lexv2.snapshot(),
            "lexv1": self.lexv1.snapshot(),
        })
    }
}
