//! The sandbox admin API, served on every port under `/__sandbox/`: health, request log, faults,
//! quota, seeding, reset, state dump, and test contacts. Not part of any AWS API; never logged.
use serde_json::{Value, json};

use crate::core::{ApiError, FaultConfig, OpQuota, QuotaConfig, Resp, Service, Shared};

fn body_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            400,
            "InvalidRequestException",
            format!("admin body is not valid json: {e}"),
        )
    })
}

fn parse<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            400,
            "InvalidRequestException",
            format!("invalid {what}: {e}"),
        )
    })
}

/// Handles one admin request; `path` is what follows `/__sandbox/`.
pub fn handle(
    shared: &Shared,
    service: Service,
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
) -> Result<Resp, ApiError> {
    let path = path.trim_end_matches('/');
    match (method, path) {
        ("GET", "health") => {
            let w = shared.world();
            Ok(Resp::ok(json!({
                "status": "ok",
                "service": service.name(),
                "account_id": w.account_id(),
                "region": w.region(),
            })))
        }
        ("GET", "requests") => {
            // optional filters: ?service=connect&mutating=true&operation=CreateQueue
            let q = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            let log: Vec<_> = shared
                .requests()
                .into_iter()
                .filter(|e| q("service").is_none_or(|s| s == e.service.name()))
                .filter(|e| q("operation").is_none_or(|o| o == e.operation))
                .filter(|e| q("mutating").is_none_or(|m| (m == "true") == e.mutating))
                .collect();
            Ok(Resp::ok(serde_json::to_value(log).unwrap_or_default()))
        }
        ("DELETE", "requests") => {
            shared.clear_requests();
            Ok(Resp::ok(json!({ "cleared": true })))
        }
        ("GET", "faults") => Ok(Resp::ok(
            serde_json::to_value(shared.faults()).unwrap_or_default(),
        )),
        ("PUT", "faults") => {
            let v = body_json(body)?;
            // a bare list of rules is accepted too
            let f: FaultConfig = if v.is_array() {
                FaultConfig {
                    seed: 0,
                    rules: parse(v, "fault rules")?,
                }
            } else {
                parse(v, "fault config")?
            };
            for r in &f.rules {
                let known = r.service == "*" || Service::ALL.iter().any(|s| s.name() == r.service);
                if !known {
                    return Err(ApiError::new(
                        400,
                        "InvalidRequestException",
                        format!("unknown service in fault rule: {}", r.service),
                    ));
                }
                for p in [r.throttle_probability, r.error_probability] {
                    if !(0.0..=1.0).contains(&p) {
                        return Err(ApiError::new(
                            400,
                            "InvalidRequestException",
                            "fault probabilities must be between 0 and 1",
                        ));
                    }
                }
            }
            shared.set_faults(f.clone());
            Ok(Resp::ok(serde_json::to_value(f).unwrap_or_default()))
        }
        ("GET", "quota") => Ok(Resp::ok(
            serde_json::to_value(shared.quota()).unwrap_or_default(),
        )),
        ("PUT", "quota") => {
            let mut q = shared.quota();
            let v = body_json(body)?;
            if let Some(e) = v.get("enabled") {
                q.enabled = e.as_bool().ok_or_else(|| {
                    ApiError::new(400, "InvalidRequestException", "enabled must be a boolean")
                })?;
            }
            for (k, slot) in [("rate", &mut q.rate), ("burst", &mut q.burst)] {
                if let Some(x) = v.get(k) {
                    let x = x.as_f64().filter(|x| *x > 0.0);
                    *slot = x.ok_or_else(|| {
                        ApiError::new(
                            400,
                            "InvalidRequestException",
                            format!("{k} must be a positive number"),
                        )
                    })?;
                }
            }
            // per-operation quotas: {"operations": {"Op": {"rate": r, "burst": b}}} sets one,
            // {"operations": {"Op": null}} puts it back on the default
            if let Some(ops) = v.get("operations") {
                let ops = ops.as_object().ok_or_else(|| {
                    ApiError::new(
                        400,
                        "InvalidRequestException",
                        "operations must be an object of operation name to {rate, burst}",
                    )
                })?;
                for (name, value) in ops {
                    if value.is_null() {
                        q.operations.remove(name);
                        continue;
                    }
                    let op: OpQuota = parse(value.clone(), "operation quota")?;
                    if !(op.rate > 0.0 && op.burst > 0.0) {
                        return Err(ApiError::new(
                            400,
                            "InvalidRequestException",
                            format!("{name}: rate and burst must be positive numbers"),
                        ));
                    }
                    q.operations.insert(name.clone(), op);
                }
            }
            let q: QuotaConfig = q;
            shared.set_quota(q.clone());
            Ok(Resp::ok(serde_json::to_value(q).unwrap_or_default()))
        }
        ("POST", "seed") => {
            let v = body_json(body)?;
            let alias = v
                .get("instance_alias")
                .and_then(Value::as_str)
                .map(str::to_string);
            let mut w = shared.world();
            crate::connect::seed(&mut w, alias.as_deref()).map(Resp::ok)
        }
        ("POST", "reset") => {
            shared.reset();
            Ok(Resp::ok(json!({ "reset": true })))
        }
        ("GET", "state") => Ok(Resp::ok(shared.snapshot())),
        ("POST", "contacts") => {
            let v = body_json(body)?;
            let mut w = shared.world();
            crate::connect::admin_create_contact(&mut w, &v).map(Resp::ok)
        }
        ("POST", "hours") => {
            let v = body_json(body)?;
            let mut w = shared.world();
            crate::connect::admin_add_hours(&mut w, &v).map(Resp::ok)
        }
        ("POST", "phone-numbers") => {
            let v = body_json(body)?;
            let mut w = shared.world();
            crate::connect::admin_claim_number(&mut w, &v).map(Resp::ok)
        }
        _ => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("no sandbox admin operation for {method} /__sandbox/{path}"),
        )),
    }
}
