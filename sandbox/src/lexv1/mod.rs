//! Lex V1 model-building API emulation (lex-models 2017-04-19): bots with `$LATEST` builds
//! (NOT_BUILT → BUILDING → READY/FAILED), intents and slot types with numbered versions, bot
//! aliases, checksums on every `$LATEST` revision, ResourceInUse ordering on deletes, and
//! StartImport/GetImport of the Lex V1 zip format. Strictness choices are listed in `sandbox/README.md`.
//! This module holds the constants and the route table; `model` the state, `checks` the errors
//! and definition checks the operations share, and one file per resource family its operations.
use crate::core::Route;
use crate::input::Invalid;
use crate::lex::routes;

mod aliases;
mod bots;
mod checks;
mod import;
mod model;
mod versioned;
use aliases::*;
use bots::*;
use checks::*;
use import::{get_import, start_import};
pub use model::State;
use model::*;
use versioned::*;

const INVALID: Invalid = Invalid::LEX_V1;
const LATEST: &str = "$LATEST";

/// Bot definition members of PutBot, stored for `$LATEST` and copied into versions.
const BOT_FIELDS: &[&str] = &[
    "description",
    "intents",
    "enableModelImprovements",
    "nluIntentConfidenceThreshold",
    "clarificationPrompt",
    "abortStatement",
    "idleSessionTTLInSeconds",
    "voiceId",
    "locale",
    "childDirected",
    "detectSentiment",
];

/// Intent definition members of PutIntent.
const INTENT_FIELDS: &[&str] = &[
    "description",
    "slots",
    "sampleUtterances",
    "confirmationPrompt",
    "rejectionStatement",
    "followUpPrompt",
    "conclusionStatement",
    "dialogCodeHook",
    "fulfillmentActivity",
    "parentIntentSignature",
    "kendraConfiguration",
    "inputContexts",
    "outputContexts",
];

/// Slot type definition members of PutSlotType.
const SLOT_TYPE_FIELDS: &[&str] = &[
    "description",
    "enumerationValues",
    "valueSelectionStrategy",
    "parentSlotTypeSignature",
    "slotTypeConfigurations",
];

const LOCALES: &[&str] = &[
    "de-DE", "en-AU", "en-GB", "en-IN", "en-US", "es-419", "es-ES", "es-US", "fr-FR", "fr-CA",
    "it-IT", "ja-JP", "ko-KR",
];

/// Lex V1 route table.
pub static ROUTES: &[Route] = routes![
    ("POST", "/imports", "StartImport", true, start_import),
    ("GET", "/imports/{importId}", "GetImport", false, get_import),
    ("GET", "/bots", "GetBots", false, get_bots),
    (
        "GET",
        "/bots/{name}/versions",
        "GetBotVersions",
        false,
        get_bot_versions
    ),
    (
        "POST",
        "/bots/{name}/versions",
        "CreateBotVersion",
        true,
        create_bot_version
    ),
    (
        "GET",
        "/bots/{name}/versions/{versionoralias}",
        "GetBot",
        false,
        get_bot
    ),
    (
        "PUT",
        "/bots/{name}/versions/{version}",
        "PutBot",
        true,
        put_bot
    ),
    (
        "DELETE",
        "/bots/{name}/versions/{version}",
        "DeleteBotVersion",
        true,
        delete_bot_version
    ),
    ("DELETE", "/bots/{name}", "DeleteBot", true, delete_bot),
    (
        "GET",
        "/bots/{botName}/aliases",
        "GetBotAliases",
        false,
        get_bot_aliases
    ),
    (
        "GET",
        "/bots/{botName}/aliases/{name}",
        "GetBotAlias",
        false,
        get_bot_alias
    ),
    (
        "PUT",
        "/bots/{botName}/aliases/{name}",
        "PutBotAlias",
        true,
        put_bot_alias
    ),
    (
        "DELETE",
        "/bots/{botName}/aliases/{name}",
        "DeleteBotAlias",
        true,
        delete_bot_alias
    ),
    ("GET", "/intents", "GetIntents", false, get_intents),
    (
        "GET",
        "/intents/{name}/versions",
        "GetIntentVersions",
        false,
        get_intent_versions
    ),
    (
        "POST",
        "/intents/{name}/versions",
        "CreateIntentVersion",
        true,
        create_intent_version
    ),
    (
        "GET",
        "/intents/{name}/versions/{version}",
        "GetIntent",
        false,
        get_intent
    ),
    (
        "PUT",
        "/intents/{name}/versions/{version}",
        "PutIntent",
        true,
        put_intent
    ),
    (
        "DELETE",
        "/intents/{name}",
        "DeleteIntent",
        true,
        delete_intent
    ),
    ("GET", "/slottypes", "GetSlotTypes", false, get_slot_types),
    (
        "GET",
        "/slottypes/{name}/versions",
        "GetSlotTypeVersions",
        false,
        get_slot_type_versions
    ),
    (
        "POST",
        "/slottypes/{name}/versions",
        "CreateSlotTypeVersion",
        true,
        create_slot_type_version
    ),
    (
        "GET",
        "/slottypes/{name}/versions/{version}",
        "GetSlotType",
        false,
        get_slot_type
    ),
    (
        "PUT",
        "/slottypes/{name}/versions/{version}",
        "PutSlotType",
        true,
        put_slot_type
    ),
    (
        "DELETE",
        "/slottypes/{name}",
        "DeleteSlotType",
        true,
        delete_slot_type
    ),
];
