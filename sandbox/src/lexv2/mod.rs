//! Lex V2 model-building API emulation (models.lex.v2 2020-08-07): bots, locales, intents,
//! asynchronous locale builds, numbered versions and aliases, on the restJson1 wire format the
//! aws-sdk-lexmodelsv2 and botocore clients speak. Strictness choices are listed in `sandbox/README.md`.
//! This module holds the constants and the route table; `model` the state, `checks` the errors,
//! lookups and input checks the operations share, and one file per resource its operations.
use crate::core::Route;
use crate::input::Invalid;
use crate::lex::routes;

mod aliases;
mod bots;
mod checks;
mod intents;
mod locales;
mod model;
mod versions;
use aliases::*;
use bots::*;
use checks::*;
use intents::*;
use locales::*;
use model::*;
pub use model::{AliasModel, State};
use versions::*;

const INVALID: Invalid = Invalid::LEX_V2;
const TEST_ALIAS_ID: &str = "TSTALIASID";
const TEST_ALIAS_NAME: &str = "TestBotAlias";
const FALLBACK_ID: &str = "FALLBCKINT";
/// The built-in intent a locale's fallback intent extends.
const FALLBACK_SIGNATURE: &str = "AMAZON.FallbackIntent";
const MAX_VERSIONS: usize = 100;

/// Locale ids Lex V2 supports, with the names it reports.
const LOCALES: &[(&str, &str)] = &[
    ("ar_AE", "Gulf Arabic (UAE)"),
    ("ca_ES", "Catalan (Spain)"),
    ("de_AT", "German (Austria)"),
    ("de_DE", "German (DE)"),
    ("en_AU", "English (AU)"),
    ("en_GB", "English (GB)"),
    ("en_IE", "English (IE)"),
    ("en_IN", "English (IN)"),
    ("en_NZ", "English (NZ)"),
    ("en_US", "English (US)"),
    ("en_ZA", "English (ZA)"),
    ("es_419", "Spanish (LATAM)"),
    ("es_ES", "Spanish (ES)"),
    ("es_US", "Spanish (US)"),
    ("fr_CA", "French (CA)"),
    ("fr_FR", "French (FR)"),
    ("it_IT", "Italian (IT)"),
    ("ja_JP", "Japanese (JP)"),
    ("ko_KR", "Korean (KR)"),
    ("nl_NL", "Dutch (NL)"),
    ("pt_BR", "Portuguese (BR)"),
    ("pt_PT", "Portuguese (PT)"),
    ("zh_CN", "Mandarin (PRC)"),
];

/// Locale settings passed through unchanged (stored and echoed).
const LOCALE_SETTINGS: &[&str] = &[
    "voiceSettings",
    "unifiedSpeechSettings",
    "audioFillerSettings",
    "speechRecognitionSettings",
    "generativeAISettings",
    "speechDetectionSensitivity",
    "speakerDiarizationSettings",
];

/// Intent members stored and echoed as given.
const INTENT_FIELDS: &[&str] = &[
    "intentDisplayName",
    "description",
    "parentIntentSignature",
    "sampleUtterances",
    "dialogCodeHook",
    "fulfillmentCodeHook",
    "slotPriorities",
    "intentConfirmationSetting",
    "intentClosingSetting",
    "inputContexts",
    "outputContexts",
    "kendraConfiguration",
    "initialResponseSetting",
    "qnAIntentConfiguration",
    "qInConnectIntentConfiguration",
];

/// Lex V2 route table.
pub static ROUTES: &[Route] = routes![
    ("PUT", "/bots", "CreateBot", true, create_bot),
    ("POST", "/bots", "ListBots", false, list_bots),
    ("GET", "/bots/{botId}", "DescribeBot", false, describe_bot),
    ("PUT", "/bots/{botId}", "UpdateBot", true, update_bot),
    ("DELETE", "/bots/{botId}", "DeleteBot", true, delete_bot),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales",
        "CreateBotLocale",
        true,
        create_bot_locale
    ),
    (
        "POST",
        "/bots/{botId}/botversions/{botVersion}/botlocales",
        "ListBotLocales",
        false,
        list_bot_locales
    ),
    (
        "GET",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "DescribeBotLocale",
        false,
        describe_bot_locale
    ),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "UpdateBotLocale",
        true,
        update_bot_locale
    ),
    (
        "DELETE",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "DeleteBotLocale",
        true,
        delete_bot_locale
    ),
    (
        "POST",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}",
        "BuildBotLocale",
        true,
        build_bot_locale
    ),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents",
        "CreateIntent",
        true,
        create_intent
    ),
    (
        "POST",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents",
        "ListIntents",
        false,
        list_intents
    ),
    (
        "GET",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents/{intentId}",
        "DescribeIntent",
        false,
        describe_intent
    ),
    (
        "PUT",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents/{intentId}",
        "UpdateIntent",
        true,
        update_intent
    ),
    (
        "DELETE",
        "/bots/{botId}/botversions/{botVersion}/botlocales/{localeId}/intents/{intentId}",
        "DeleteIntent",
        true,
        delete_intent
    ),
    (
        "PUT",
        "/bots/{botId}/botversions",
        "CreateBotVersion",
        true,
        create_bot_version
    ),
    (
        "POST",
        "/bots/{botId}/botversions",
        "ListBotVersions",
        false,
        list_bot_versions
    ),
    (
        "GET",
        "/bots/{botId}/botversions/{botVersion}",
        "DescribeBotVersion",
        false,
        describe_bot_version
    ),
    (
        "DELETE",
        "/bots/{botId}/botversions/{botVersion}",
        "DeleteBotVersion",
        true,
        delete_bot_version
    ),
    (
        "PUT",
        "/bots/{botId}/botaliases",
        "CreateBotAlias",
        true,
        create_bot_alias
    ),
    (
        "POST",
        "/bots/{botId}/botaliases",
        "ListBotAliases",
        false,
        list_bot_aliases
    ),
    (
        "GET",
        "/bots/{botId}/botaliases/{botAliasId}",
        "DescribeBotAlias",
        false,
        describe_bot_alias
    ),
    (
        "PUT",
        "/bots/{botId}/botaliases/{botAliasId}",
        "UpdateBotAlias",
        true,
        update_bot_alias
    ),
    (
        "DELETE",
        "/bots/{botId}/botaliases/{botAliasId}",
        "DeleteBotAlias",
        true,
        delete_bot_alias
    ),
];
