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
pub mod lexv1;
pub mod lexv2;
pub mod stack;

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
    /// A same-named resource exists that is not ours: refuse (or adopt with `--adopt`).
    Conflict { reason: String },
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
