//! The terminal side of the commands: progress rendering and confirmation prompts. Only the
//! commands use this; the engine receives a [`crate::report::Reporter`] and a confirmation
//! callback and never touches stdin, stdout or the terminal itself.

pub mod confirm;
pub mod progress;
