//! Lex V1 (lex-models) model-building API emulation (import, bots, intents, slot types, versions, aliases).
use crate::core::Route;

/// In-memory Lex V1 state.
#[derive(Default)]
pub struct State {}

/// Lex V1 route table.
pub static ROUTES: &[Route] = &[];
