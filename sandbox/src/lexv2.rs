//! Lex V2 model-building API emulation (bots, locales, intents, builds, versions, aliases).
use crate::core::Route;

/// In-memory Lex V2 state.
#[derive(Default)]
pub struct State {}

/// Lex V2 route table.
pub static ROUTES: &[Route] = &[];
