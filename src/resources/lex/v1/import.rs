//! The Lex V1 import: the bot definition as an Amazon Lex export document (schema 1.0) and the
//! reproducible zip StartImport takes.

use serde_json::json;

use super::super::spec::BotSpec;
use super::{description, fingerprint};

/// V1 locale from the V2 locale id (`en_US` → `en-US`).
pub fn v1_locale(locale: &str) -> String {
    locale.replace('_', "-")
}

/// The import document (Amazon Lex export format, schema 1.0) for the bot definition.
pub fn import_document(spec: &BotSpec, deployment: &str) -> serde_json::Value {
    let fp = fingerprint(spec);
    let intents: Vec<_> = spec
        .intents
        .iter()
        .map(|intent| {
            json!({
                "name": intent.name,
                "version": "1",
                "description": description(&intent.description, deployment, None),
                "fulfillmentActivity": {"type": "ReturnIntent"},
                "sampleUtterances": intent.utterances,
                "slots": [],
            })
        })
        .collect();
    json!({
        "metadata": {"schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON"},
        "resource": {
            "name": spec.name,
            "version": "1",
            "description": description(&spec.description, deployment, Some(&fp)),
            "intents": intents,
            "slotTypes": [],
            "voiceId": spec.voice_id,
            "childDirected": false,
            "locale": v1_locale(&spec.locale),
            "idleSessionTTLInSeconds": spec.idle_session_ttl_seconds,
            "detectSentiment": false,
            "clarificationPrompt": {
                "messages": [{"contentType": "PlainText", "content": spec.clarification_prompt}],
                "maxAttempts": 2
            },
            "abortStatement": {"messages": [{"contentType": "PlainText", "content": spec.abort_statement}]}
        }
    })
}

/// The StartImport payload: a zip holding exactly one JSON file, byte-for-byte reproducible.
pub fn import_zip(spec: &BotSpec, deployment: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let body = serde_json::to_vec_pretty(&import_document(spec, deployment))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file(format!("{}_Export.json", spec.name), options)?;
    zip.write_all(&body)?;
    Ok(zip.finish()?.into_inner())
}
