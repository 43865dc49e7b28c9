//! Lex V1 intents and slot types, which share one versioned model: Put, Get, CreateVersion,
//! the listings, and the deletes (refused while a bot or an intent uses them).
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;
use crate::core::{ApiError, Req, Resp, World};
use crate::input::{Body, ok, paginate};
use crate::lex::{checksum, epoch};

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Intent,
    SlotType,
}

impl Kind {
    pub(super) fn label(self) -> &'static str {
        match self {
            Kind::Intent => "intent",
            Kind::SlotType => "slot type",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Intent => INTENT_FIELDS,
            Kind::SlotType => SLOT_TYPE_FIELDS,
        }
    }

    fn map(self, st: &mut State) -> &mut BTreeMap<String, Versioned> {
        match self {
            Kind::Intent => &mut st.intents,
            Kind::SlotType => &mut st.slot_types,
        }
    }

    pub(super) fn validate(self, st: &State, def: &Map<String, Value>) -> Result<(), String> {
        match self {
            Kind::Intent => validate_intent(st, def),
            Kind::SlotType => validate_slot_type(def),
        }
    }
}

fn versioned_view(v: &Versioned, version: &str) -> Option<Map<String, Value>> {
    let mut m;
    if version == LATEST {
        m = with_def(&v.latest);
        m.insert("checksum".into(), json!(v.checksum));
        m.insert("createdDate".into(), epoch(v.created));
        m.insert("lastUpdatedDate".into(), epoch(v.updated));
    } else {
        let s = v.versions.get(&version.parse().ok()?)?;
        m = with_def(&s.def);
        m.insert("checksum".into(), json!(s.checksum));
        m.insert("createdDate".into(), epoch(s.created));
        m.insert("lastUpdatedDate".into(), epoch(s.created));
    }
    m.insert("name".into(), json!(v.name));
    m.insert("version".into(), json!(version));
    Some(m)
}

/// Publishes `$LATEST` as a new numbered version unless it is unchanged since the last one.
fn publish(v: &mut Versioned, now: OffsetDateTime) -> u32 {
    if let Some((n, s)) = v.versions.iter().next_back()
        && s.source == v.checksum
    {
        return *n;
    }
    v.last_version += 1;
    let s = Snap {
        def: v.latest.clone(),
        checksum: checksum(),
        source: v.checksum.clone(),
        created: now,
    };
    v.versions.insert(v.last_version, s);
    v.last_version
}

/// Writes `$LATEST` of an intent or slot type (no checksum checks: callers do them).
pub(super) fn store_latest(
    st: &mut State,
    kind: Kind,
    name: &str,
    def: Map<String, Value>,
    now: OffsetDateTime,
) {
    let v = kind
        .map(st)
        .entry(name.to_string())
        .or_insert_with(|| Versioned {
            name: name.to_string(),
            latest: Map::new(),
            checksum: String::new(),
            created: now,
            updated: now,
            versions: BTreeMap::new(),
            last_version: 0,
        });
    v.latest = def;
    v.checksum = checksum();
    v.updated = now;
    if kind == Kind::Intent {
        st.intent_changed(name);
    }
}

fn put_versioned(w: &mut World, r: &Req, kind: Kind) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let name = r.param("name").to_string();
    if r.param("version") != LATEST {
        return Err(bad(format!(
            "Put of a {} only writes the $LATEST version",
            kind.label()
        )));
    }
    check_name(&format!("{} name", kind.label()), &name, 1, 100).map_err(bad)?;
    let body = Body::parse(r, INVALID)?;
    let given = body.opt_str("checksum")?;
    let create_version = body.opt_bool("createVersion")?.unwrap_or(false);
    let def = body.pick(kind.fields());
    kind.validate(st, &def).map_err(bad)?;
    let current = kind.map(st).get(&name).map(|v| v.checksum.clone());
    check_checksum(
        &format!("{} {name}", kind.label()),
        current.as_deref(),
        given.as_deref(),
    )?;
    store_latest(st, kind, &name, def, now);
    let v = kind
        .map(st)
        .get_mut(&name)
        .ok_or_else(|| bad("vanished".into()))?;
    let version = if create_version {
        publish(v, now).to_string()
    } else {
        LATEST.to_string()
    };
    let mut out = versioned_view(v, LATEST).unwrap_or_default();
    out.insert("version".into(), json!(version));
    out.insert("createVersion".into(), json!(create_version));
    Ok(ok(Value::Object(out)))
}

fn get_versioned(w: &mut World, r: &Req, kind: Kind) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    let version = r.param("version");
    let view = kind
        .map(st)
        .get(name)
        .and_then(|v| versioned_view(v, version))
        .ok_or_else(|| {
            not_found(format!(
                "{} {name} version {version} does not exist",
                kind.label()
            ))
        })?;
    Ok(ok(Value::Object(view)))
}

fn create_version(w: &mut World, r: &Req, kind: Kind) -> Result<Resp, ApiError> {
    let (st, now, _) = enter(w);
    let name = r.param("name");
    let body = Body::parse(r, INVALID)?;
    let given = body.opt_str("checksum")?.filter(|c| !c.is_empty());
    let v = kind
        .map(st)
        .get_mut(name)
        .ok_or_else(|| not_found(format!("{} {name} does not exist", kind.label())))?;
    if given.as_deref().is_some_and(|g| g != v.checksum) {
        return Err(precondition(format!(
            "the checksum does not match the $LATEST revision of {} {name}",
            kind.label()
        )));
    }
    let n = publish(v, now);
    let out = versioned_view(v, &n.to_string()).unwrap_or_default();
    Ok(ok(Value::Object(out)).with_status(201))
}

fn metadata(v: &Versioned, version: &str) -> Value {
    let (def, created, updated) = if version == LATEST {
        (&v.latest, v.created, v.updated)
    } else {
        match version.parse().ok().and_then(|n: u32| v.versions.get(&n)) {
            Some(s) => (&s.def, s.created, s.created),
            None => (&v.latest, v.created, v.updated),
        }
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(v.name));
    if let Some(d) = def.get("description") {
        m.insert("description".into(), d.clone());
    }
    m.insert("lastUpdatedDate".into(), epoch(updated));
    m.insert("createdDate".into(), epoch(created));
    m.insert("version".into(), json!(version));
    Value::Object(m)
}

fn list_versioned(w: &mut World, r: &Req, kind: Kind, key: &str) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let items: Vec<Value> = kind
        .map(st)
        .values()
        .filter(|v| name_contains(r, &v.name))
        .map(|v| metadata(v, LATEST))
        .collect();
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ key: page, "nextToken": next })))
}

fn list_versions_of(w: &mut World, r: &Req, kind: Kind, key: &str) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let (max, token) = page_params(r)?;
    let name = r.param("name");
    let v = kind
        .map(st)
        .get(name)
        .ok_or_else(|| not_found(format!("{} {name} does not exist", kind.label())))?;
    let mut items = vec![metadata(v, LATEST)];
    items.extend(v.versions.keys().map(|n| metadata(v, &n.to_string())));
    let (page, next) = paginate(INVALID, items, max, token.as_deref())?;
    Ok(ok(json!({ key: page, "nextToken": next })))
}

pub(super) fn delete_intent(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    if !st.intents.contains_key(name) {
        return Err(not_found(format!("intent {name} does not exist")));
    }
    for b in st.bots.values() {
        let version = first_version_where(&b.latest, &b.versions, |def| {
            intent_refs(def).any(|(n, _)| n == name)
        });
        if let Some(v) = version {
            return Err(in_use(
                "Bot",
                &b.name,
                &v,
                format!("intent {name} is used by bot {} version {v}", b.name),
            ));
        }
    }
    st.intents.remove(name);
    Ok(Resp::empty().with_status(204))
}

pub(super) fn delete_slot_type(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
    let (st, _, _) = enter(w);
    let name = r.param("name");
    if !st.slot_types.contains_key(name) {
        return Err(not_found(format!("slot type {name} does not exist")));
    }
    for i in st.intents.values() {
        let version = first_version_where(&i.latest, &i.versions, |def| {
            slot_type_refs(def).any(|(t, _)| t == name)
        });
        if let Some(v) = version {
            return Err(in_use(
                "Intent",
                &i.name,
                &v,
                format!("slot type {name} is used by intent {} version {v}", i.name),
            ));
        }
    }
    st.slot_types.remove(name);
    Ok(Resp::empty().with_status(204))
}

macro_rules! kinded {
    ($name:ident, $f:ident, $kind:expr) => {
        pub(super) fn $name(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
            $f(w, r, $kind)
        }
    };
    ($name:ident, $f:ident, $kind:expr, $key:literal) => {
        pub(super) fn $name(w: &mut World, r: &Req) -> Result<Resp, ApiError> {
            $f(w, r, $kind, $key)
        }
    };
}

kinded!(put_intent, put_versioned, Kind::Intent);
kinded!(get_intent, get_versioned, Kind::Intent);
kinded!(create_intent_version, create_version, Kind::Intent);
kinded!(get_intents, list_versioned, Kind::Intent, "intents");
kinded!(
    get_intent_versions,
    list_versions_of,
    Kind::Intent,
    "intents"
);
kinded!(put_slot_type, put_versioned, Kind::SlotType);
kinded!(get_slot_type, get_versioned, Kind::SlotType);
kinded!(create_slot_type_version, create_version, Kind::SlotType);
kinded!(get_slot_types, list_versioned, Kind::SlotType, "slotTypes");
kinded!(
    get_slot_type_versions,
    list_versions_of,
    Kind::SlotType,
    "slotTypes"
);
