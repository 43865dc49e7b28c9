//! One module per resource kind, each with the same small shape: a `Desired` value (pure, built
//! from assets and settings), a `Current` value read from AWS, a pure `diff` into a [`Change`],
//! `apply`, and `delete`. This file holds what they share: ownership tags and the change type.
//!
//! Ownership is carried by tags, never by a local file: a resource we create is tagged
//! `connect-returns:deployment=<name>`; one we adopted is tagged `connect-returns:adopted=<name>`
//! and left in place on destroy; a same-named resource with neither tag is a conflict.

use std::collections::HashMap;

// Connect-side kinds.
pub mod connect;
// AWS-side kinds: artifact bucket and uploads, CloudFormation stacks, the Lex bot (V2 and V1).
pub mod artifacts;
pub mod lex;
pub mod sdk;
pub mod stack;

// The Lex versions under their earlier paths, still used by `deploy/destroy.rs`.
pub use lex::{v1 as lexv1, v2 as lexv2};

/// Tag on every resource a deployment created.
pub const TAG_DEPLOYMENT: &str = "connect-returns:deployment";
/// Tag on a pre-existing resource a deployment adopted (`--adopt`): used, never deleted.
pub const TAG_ADOPTED: &str = "connect-returns:adopted";
/// Tag recording the value a deployment replaced on a pre-existing resource, restored on destroy.
/// The key is `connect-returns:previous:<what>`; the value is the previous id or `none`.
pub const TAG_PREVIOUS_PREFIX: &str = "connect-returns:previous:";
/// Tag recording which deployment changed a pre-existing resource's setting.
pub const TAG_CHANGED_BY: &str = "connect-returns:changed-by";

/// Who a resource belongs to, as far as one deployment is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ownership {
    /// Created by this deployment.
    Ours,
    /// Pre-existing, adopted by this deployment with `--adopt`.
    Adopted,
    /// Someone else's (no tag of ours, or another deployment's).
    Foreign,
}

impl Ownership {
    pub fn of(tags: &HashMap<String, String>, deployment: &str) -> Ownership {
        if tags
            .get(TAG_DEPLOYMENT)
            .is_some_and(|value| value == deployment)
        {
            Ownership::Ours
        } else if tags
            .get(TAG_ADOPTED)
            .is_some_and(|value| value == deployment)
        {
            Ownership::Adopted
        } else {
            Ownership::Foreign
        }
    }

    pub fn is_ours_or_adopted(self) -> bool {
        matches!(self, Ownership::Ours | Ownership::Adopted)
    }
}

/// The tags a created resource carries.
pub fn owner_tags(deployment: &str) -> HashMap<String, String> {
    HashMap::from([(TAG_DEPLOYMENT.to_string(), deployment.to_string())])
}

/// One field that differs between what exists and what deploy would write.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldDiff {
    pub field: String,
    pub from: String,
    pub to: String,
}

impl FieldDiff {
    pub fn new(field: impl Into<String>, from: impl Into<String>, to: impl Into<String>) -> Self {
        FieldDiff {
            field: field.into(),
            from: from.into(),
            to: to.into(),
        }
    }
}

/// What deploy (or destroy) would do to one resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Change {
    /// The resource does not exist: create it.
    Create,
    /// It exists and differs: update these fields (and, for flows, this content diff).
    Update {
        fields: Vec<FieldDiff>,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_diff: Option<String>,
    },
    /// It exists as desired.
    NoOp,
    /// The resource cannot be changed by this deployment (not ours, busy, stuck): refuse, with
    /// what to do when the resource kind knows it (else `--adopt` is the way out).
    Conflict {
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
    /// An untagged same-named resource that `--adopt` takes over (tagged as adopted).
    Adopt,
    /// Destroy: remove it.
    Delete,
    /// Destroy: put back what we changed on a resource that is not ours.
    Restore { fields: Vec<FieldDiff> },
    /// Destroy: an adopted or foreign resource that stays.
    Keep { reason: String },
}

impl Change {
    pub fn is_mutation(&self) -> bool {
        !matches!(
            self,
            Change::NoOp | Change::Conflict { .. } | Change::Keep { .. }
        )
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update { .. } => "update",
            Change::NoOp => "no-op",
            Change::Conflict { .. } => "conflict",
            Change::Adopt => "adopt",
            Change::Delete => "delete",
            Change::Restore { .. } => "restore",
            Change::Keep { .. } => "keep",
        }
    }

    /// An update from a field list, or no-op when nothing differs.
    pub fn from_fields(fields: Vec<FieldDiff>) -> Change {
        if fields.is_empty() {
            Change::NoOp
        } else {
            Change::Update {
                fields,
                content_diff: None,
            }
        }
    }
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} -> {}", self.field, self.from, self.to)
    }
}

/// Progress callback: one human-readable line per event (the engine maps it onto its reporter).
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// A conflict with what to do about it.
pub fn conflict(reason: impl Into<String>, hint: impl Into<String>) -> Change {
    Change::Conflict {
        reason: reason.into(),
        hint: Some(hint.into()),
    }
}

/// The refusal a conflict becomes when applying: bad input (exit 2) with its hint.
pub fn refusal(change: &Change) -> Option<crate::error::UserError> {
    match change {
        Change::Conflict { reason, hint } => {
            let error = crate::error::UserError::new(reason.clone());
            Some(match hint {
                Some(hint) => error.hint(hint.clone()),
                None => error,
            })
        }
        _ => None,
    }
}

/// The decision for an existing same-named resource, from its ownership.
pub fn existing_change(
    ownership: Ownership,
    adopt: bool,
    kind: &str,
    name: &str,
    fields: Vec<FieldDiff>,
) -> Change {
    match ownership {
        Ownership::Ours | Ownership::Adopted => Change::from_fields(fields),
        Ownership::Foreign if adopt => Change::Adopt,
        Ownership::Foreign => Change::Conflict {
            reason: format!("a {kind} named {name} exists that this deployment did not create"),
            hint: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_comes_from_tags() {
        let ours = owner_tags("returnCaller");
        assert_eq!(Ownership::of(&ours, "returnCaller"), Ownership::Ours);
        assert_eq!(Ownership::of(&ours, "other"), Ownership::Foreign);
        let adopted = HashMap::from([(TAG_ADOPTED.to_string(), "returnCaller".to_string())]);
        assert_eq!(Ownership::of(&adopted, "returnCaller"), Ownership::Adopted);
        assert_eq!(
            Ownership::of(&HashMap::new(), "returnCaller"),
            Ownership::Foreign
        );
    }

    #[test]
    fn conflicts_become_refusals_with_their_hint() {
        let err = refusal(&conflict("bucket x is not ours", "rename it")).unwrap();
        assert_eq!(
            (err.message.as_str(), err.hints.as_slice()),
            ("bucket x is not ours", &["rename it".to_string()][..])
        );
        assert!(refusal(&Change::NoOp).is_none());
        assert_eq!(Change::from_fields(vec![]), Change::NoOp);
        assert_eq!(
            FieldDiff::new("template", "a", "b").to_string(),
            "template: a -> b"
        );
    }

    #[test]
    fn foreign_resources_conflict_unless_adopted() {
        let change = existing_change(Ownership::Foreign, false, "queue", "Sales", vec![]);
        assert!(matches!(change, Change::Conflict { .. }));
        assert_eq!(
            existing_change(Ownership::Foreign, true, "queue", "Sales", vec![]),
            Change::Adopt
        );
        assert_eq!(
            existing_change(Ownership::Ours, false, "queue", "Sales", vec![]),
            Change::NoOp
        );
        let fields = vec![FieldDiff::new("description", "a", "b")];
        assert!(matches!(
            existing_change(Ownership::Adopted, false, "queue", "Sales", fields),
            Change::Update { .. }
        ));
    }
}
