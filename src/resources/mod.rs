//! One module per resource kind, each with the same small shape: read the current state,
//! diff it against the desired state (pure), apply the change, delete.

// Connect-side kinds.
pub mod connect;
// AWS-side kinds: artifact bucket and uploads, CloudFormation stacks, the Lex bot (V2 and V1).
pub mod artifacts;
pub mod lexv1;
pub mod lexv2;
pub mod stack;
