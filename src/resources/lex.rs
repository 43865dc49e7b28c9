//! Resource kind Lex bot, in two versions: `v2` (the default `--lex v2`) and `v1` (`--lex v1`,
//! the bot as the blog built it). Both deploy the same [`BotSpec`] (`spec.rs`) and mark ownership
//! the same way.

pub mod spec;
pub mod v1;
pub mod v2;

pub use spec::BotSpec;
