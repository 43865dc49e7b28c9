//! Lex V1 StartImport and GetImport. An import reads the zip payload (exactly one JSON file in
//! the Amazon Lex export format), checks it, and writes the bot, intents and slot types it holds
//! to `$LATEST` under the requested merge strategy. Like Lex, changes made before a failure are
//! not rolled back.
use std::io::{Cursor, Read};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, ok};
use crate::lex::{checksum, epoch};

/// The outcome: the imported resource's name, or (its name if known, failure reasons).
pub(super) type Outcome = Result<String, (Option<String>, Vec<String>)>;

/// Reads the single JSON document in a zip archive.
fn read_zip(bytes: &[u8]) -> Result<Value, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("the payload is not a valid zip archive: {e}"))?;
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let f = zip
            .by_index(i)
            .map_err(|e| format!("cannot read the zip archive: {e}"))?;
        if !f.is_dir() {
            files.push(i);
        }
    }
    if files.len() != 1 {
        return Err(format!(
            "the archive must contain exactly one file, found {}",
            files.len()
        ));
    }
    let mut f = zip
        .by_index(files[0])
        .map_err(|e| format!("cannot read the zip archive: {e}"))?;
    let name = f
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "the file".into());
    let mut text = Vec::new();
    f.read_to_end(&mut text)
        .map_err(|e| format!("cannot read {name} from the archive: {e}"))?;
    serde_json::from_slice(&text).map_err(|e| format!("{name} is not valid json: {e}"))
}

/// One resource of the file, checked for shape and names, ready to be written.
struct Item {
    kind: Kind,
    name: String,
    def: Map<String, Value>,
}

pub(super) fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} must be a json object"))
}

fn name_of(m: &Map<String, Value>, what: &str, min: usize, max: usize) -> Result<String, String> {
    let n = m
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what} has no name"))?;
    check_name(what, n, min, max)?;
    Ok(n.to_string())
}

fn pick(m: &Map<String, Value>, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|k| {
            m.get(*k)
                .filter(|v| !v.is_null())
                .map(|v| (k.to_string(), v.clone()))
        })
        .collect()
}

fn slot_type_item(v: &Value) -> Result<Item, String> {
    let m = obj(v, "a slot type")?;
    Ok(Item {
        kind: Kind::SlotType,
        name: name_of(m, "slot type name", 1, 100)?,
        def: pick(m, SLOT_TYPE_FIELDS),
    })
}

/// An intent plus the slot types nested in it; custom slot references are pointed at `$LATEST`.
fn intent_items(v: &Value, out: &mut Vec<Item>) -> Result<String, String> {
    let m = obj(v, "an intent")?;
    let name = name_of(m, "intent name", 1, 100)?;
    for t in m
        .get("slotTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(slot_type_item(t)?);
    }
    let mut def = pick(m, INTENT_FIELDS);
    if let Some(Value::Array(slots)) = def.get_mut("slots") {
        for s in slots.iter_mut().filter_map(Value::as_object_mut) {
            let custom = s
                .get("slotType")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.starts_with("AMAZON."));
            if custom {
                s.insert("slotTypeVersion".into(), json!(LATEST));
            }
        }
    }
    out.push(Item {
        kind: Kind::Intent,
        name: name.clone(),
        def,
    });
    Ok(name)
}

/// What a document holds: its resource name, the intents and slot types in dependency order,
/// and the bot definition when the document is a bot.
type Plan = (String, Vec<Item>, Option<Map<String, Value>>);

/// Splits the document into resources in dependency order (slot types, intents, then the bot).
fn plan(doc: &Value, resource_type: &str) -> Result<Plan, (Option<String>, String)> {
    let top = doc
        .as_object()
        .ok_or((None, "the file must hold a json object".to_string()))?;
    let meta = top
        .get("metadata")
        .and_then(Value::as_object)
        .ok_or((None, "the file has no metadata object".to_string()))?;
    if meta.get("importType").and_then(Value::as_str) != Some("LEX") {
        return Err((None, "metadata.importType must be LEX".into()));
    }
    if meta.get("importFormat").and_then(Value::as_str) != Some("JSON") {
        return Err((None, "metadata.importFormat must be JSON".into()));
    }
    if meta.get("schemaVersion").and_then(Value::as_str) != Some("1.0") {
        return Err((None, "metadata.schemaVersion must be 1.0".into()));
    }
    let res = top
        .get("resource")
        .and_then(Value::as_object)
        .ok_or((None, "the file has no resource object".to_string()))?;
    let mut items = Vec::new();
    match resource_type {
        "BOT" => {
            let name = name_of(res, "bot name", 2, 50).map_err(|e| (None, e))?;
            let fail = |e: String| (Some(name.clone()), e);
            for t in res
                .get("slotTypes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                items.push(slot_type_item(t).map_err(fail)?);
            }
            let mut refs = Vec::new();
            for i in res
                .get("intents")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let n = intent_items(i, &mut items).map_err(fail)?;
                refs.push(json!({ "intentName": n, "intentVersion": LATEST }));
            }
            let mut def = pick(res, BOT_FIELDS);
            def.insert("intents".into(), Value::Array(refs));
            def.entry("idleSessionTTLInSeconds").or_insert(json!(300));
            Ok((name, items, Some(def)))
        }
        "INTENT" => {
            let name =
                intent_items(&Value::Object(res.clone()), &mut items).map_err(|e| (None, e))?;
            Ok((name, items, None))
        }
        _ => {
            let item = slot_type_item(&Value::Object(res.clone())).map_err(|e| (None, e))?;
            Ok((item.name.clone(), vec![item], None))
        }
    }
}

/// Runs one import against the state.
pub(super) fn run(
    st: &mut State,
    zip: &[u8],
    resource_type: &str,
    overwrite: bool,
    tags: Option<Value>,
    now: OffsetDateTime,
) -> Outcome {
    let doc = read_zip(zip).map_err(|e| (None, vec![e]))?;
    let (name, items, bot) = plan(&doc, resource_type).map_err(|(n, e)| (n, vec![e]))?;
    let fail = |e: String| (Some(name.clone()), vec![e]);
    for item in items {
        let exists = match item.kind {
            Kind::Intent => st.intents.contains_key(&item.name),
            Kind::SlotType => st.slot_types.contains_key(&item.name),
        };
        if exists && !overwrite {
            return Err(fail(format!(
                "FAIL_ON_CONFLICT: the {} {} already exists",
                item.kind.label(),
                item.name
            )));
        }
        item.kind
            .validate(st, &item.def)
            .map_err(|e| fail(format!("{} {}: {e}", item.kind.label(), item.name)))?;
        store_latest(st, item.kind, &item.name, item.def, now);
    }
    if let Some(def) = bot {
        validate_bot(st, &def).map_err(|e| fail(format!("bot {name}: {e}")))?;
        match st.bots.get_mut(&name) {
            Some(b) if b.deleted_at.is_some() => {
                return Err(fail(format!("bot {name} is being deleted")));
            }
            Some(_) if !overwrite => {
                return Err(fail(format!(
                    "FAIL_ON_CONFLICT: the bot {name} already exists"
                )));
            }
            Some(b) => {
                b.latest = def;
                b.checksum = checksum();
                b.status = Status::NotBuilt;
                b.updated = now;
            }
            None => {
                st.bots.insert(
                    name.clone(),
                    Bot {
                        name: name.clone(),
                        latest: def,
                        checksum: checksum(),
                        status: Status::NotBuilt,
                        created: now,
                        updated: now,
                        versions: Default::default(),
                        last_version: 0,
                        aliases: Default::default(),
                        tags: tags.unwrap_or_else(|| json!([])),
                        deleted_at: None,
                    },
                );
            }
        }
    }
    Ok(name)
}

fn import_json(i: &Import, status: &str) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(n) = &i.name {
        m.insert("name".into(), json!(n));
    }
    m.insert("resourceType".into(), json!(i.resource_type));
    m.insert("mergeStrategy".into(), json!(i.merge_strategy));
    m.insert("importId".into(), json!(i.id));
    m.insert("importStatus".into(), json!(status));
    m.insert("createdDate".into(), epoch(i.created));
    m
}

pub(super) fn start_import(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let id = w.next_id();
    let (st, now, _) = enter(w);
    let body = Body::parse(r, INVALID)?;
    let payload = body.req_str("payload")?;
    let resource_type = body.req_str("resourceType")?;
    let merge = body.req_str("mergeStrategy")?;
    if !["BOT", "INTENT", "SLOT_TYPE"].contains(&resource_type.as_str()) {
        return Err(bad(format!(
            "resourceType {resource_type} must be BOT, INTENT or SLOT_TYPE"
        )));
    }
    let overwrite = match merge.as_str() {
        "OVERWRITE_LATEST" => true,
        "FAIL_ON_CONFLICT" => false,
        _ => {
            return Err(bad(format!(
                "mergeStrategy {merge} must be OVERWRITE_LATEST or FAIL_ON_CONFLICT"
            )));
        }
    };
    let tags = body.get("tags").cloned();
    if tags.is_some() && resource_type != "BOT" {
        return Err(bad("tags can only be set when importing a bot".into()));
    }
    use base64::Engine as _;
    let zip = base64::engine::general_purpose::STANDARD
        .decode(payload.as_bytes())
        .map_err(|e| bad(format!("payload is not valid base64: {e}")))?;
    let outcome = import::run(st, &zip, &resource_type, overwrite, tags.clone(), now);
    let (name, failures) = match outcome {
        Ok(name) => (Some(name), Vec::new()),
        Err((name, reasons)) => (name, reasons),
    };
    let imp = Import {
        id: id.clone(),
        name,
        resource_type,
        merge_strategy: merge,
        failures,
        tags: tags.unwrap_or(json!([])),
        created: now,
    };
    let mut out = import_json(&imp, "IN_PROGRESS");
    out.insert("tags".into(), imp.tags.clone());
    st.imports.insert(id, imp);
    Ok(ok(Value::Object(out)).with_status(201))
}

pub(super) fn get_import(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let id = r.param("importId");
    let i = st
        .imports
        .get(id)
        .ok_or_else(|| not_found(format!("import {id} does not exist")))?;
    let mut out = import_json(
        i,
        if i.failures.is_empty() {
            "COMPLETE"
        } else {
            "FAILED"
        },
    );
    if !i.failures.is_empty() {
        out.insert("failureReason".into(), json!(i.failures));
    }
    Ok(ok(Value::Object(out)))
}
