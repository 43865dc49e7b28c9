//! Destroy: remove what a deployment created and put back what it changed, in a safe order, as
//! a dependency graph.
//!
//! Only resources carrying `connect-returns:deployment=<name>` are deleted. Adopted resources
//! lose their adoption tag and stay. Pre-existing settings we changed (the callback queue's
//! outbound whisper, phone-number flows) are restored from the values recorded at deploy time;
//! a CTR storage association is removed only when the instance tag says we created it.
//!
//! Order: the reverse of deploy, derived from what each removal's resource consumed and
//! produced (`steps::for_destroy`): phone numbers and the outbound whisper are restored before
//! their flows go, a flow after every flow that references it, the routing profile before its
//! queues, associations after the flows that invoke them, stacks after everything that used
//! their Lambdas, stream or role, the artifacts last.

mod plan;
mod removal;

pub use plan::{earlier_bots_removal, plan_in};
pub use removal::run;
