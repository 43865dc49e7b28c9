//! The per-service HTTP dispatcher (route match, auth check, Connect quota, faults, latency,
//! handler under the World lock, request log) and `start`, which binds the three ports.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{Request, Response};
use serde_json::{Map, Value, json};

use super::*;

/// Region from a SigV4 `Authorization` header's credential scope.
fn auth_region(headers: &http::HeaderMap) -> Option<String> {
    let a = headers.get("authorization")?.to_str().ok()?;
    let cred = a.split("Credential=").nth(1)?;
    let scope = cred.split([',', ' ']).next()?;
    scope.split('/').nth(2).map(str::to_string)
}

#[derive(Clone)]
struct PortCtx {
    service: Service,
    shared: Arc<Shared>,
}

async fn dispatch(AxState(ctx): AxState<PortCtx>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return error_response(&ApiError::new(
                400,
                "SerializationException",
                format!("cannot read body: {e}"),
            ));
        }
    };
    if let Some(rest) = raw_path.strip_prefix("/__sandbox/") {
        let r = crate::admin::handle(&ctx.shared, ctx.service, &method, rest, &query, &body);
        return match r {
            Ok(resp) => json_response(resp.status, resp.body.as_ref(), None),
            Err(e) => error_response(&e),
        };
    }
    let service = ctx.service;
    let shared = ctx.shared;
    let mut entry = LogEntry {
        seq: 0,
        service,
        operation: "UnknownOperation".into(),
        mutating: false,
        status: 0,
        method: method.clone(),
        path: raw_path.clone(),
        error: None,
    };
    let result: Result<Resp, ApiError> = async {
        let Some((route, params)) = find_route(service.routes(), &method, &raw_path, &query) else {
            return Err(ApiError::new(
                404,
                "UnknownOperationException",
                format!(
                    "the {} sandbox has no operation for {method} {raw_path}",
                    service.name()
                ),
            ));
        };
        entry.operation = route.operation.to_string();
        entry.mutating = route.mutating;
        if !parts.headers.contains_key("authorization") {
            return Err(ApiError::new(
                403,
                "MissingAuthenticationTokenException",
                "missing authentication token",
            ));
        }
        if service == Service::Connect {
            let region = auth_region(&parts.headers).unwrap_or_default();
            let account = shared.world().account_id().to_string();
            if !shared.take_token(&account, &region, route.operation) {
                return Err(ApiError::new(429, "ThrottlingException", "rate exceeded"));
            }
        }
        let (mut latency, injected) = shared.draw_faults(service, route.operation);
        latency += shared.world().config.latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if let Some(e) = injected {
            return Err(e);
        }
        let r = Req {
            method: method.clone(),
            params,
            query,
            headers: parts.headers.clone(),
            body,
        };
        let region = auth_region(&r.headers).unwrap_or_default();
        shared.in_region(&region, |world| (route.handler)(world, &r))
    }
    .await;
    if let Ok(Resp {
        body: Some(body), ..
    }) = &result
        && let Some(kept) = lock(&shared.bodies).as_mut()
    {
        kept.push(Answer {
            service,
            operation: entry.operation.clone(),
            body: body.clone(),
        });
    }
    let response = match &result {
        Ok(resp) => json_response(resp.status, resp.body.as_ref(), None),
        Err(e) => error_response(e),
    };
    entry.status = response.status().as_u16();
    entry.error = result.err().map(|e| e.code);
    shared.record(entry);
    response
}

/// A started sandbox: three listening services sharing one World.
pub struct Running {
    /// Base URL of the Connect API.
    pub connect_url: String,
    /// Base URL of the Lex V2 model-building API.
    pub lexv2_url: String,
    /// Base URL of the Lex V1 model-building API.
    pub lexv1_url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The per-service endpoint variables the AWS SDKs and CLI read.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL_CONNECT".into(), self.connect_url.clone()),
            (
                "AWS_ENDPOINT_URL_LEX_MODELS_V2".into(),
                self.lexv2_url.clone(),
            ),
            (
                "AWS_ENDPOINT_URL_LEX_MODEL_BUILDING_SERVICE".into(),
                self.lexv1_url.clone(),
            ),
        ]
    }

    /// Base URL of one service.
    pub fn url(&self, service: Service) -> &str {
        match service {
            Service::Connect => &self.connect_url,
            Service::LexV2 => &self.lexv2_url,
            Service::LexV1 => &self.lexv1_url,
        }
    }

    /// The URLs as JSON (`connect`, `lexv2`, `lexv1`, plus `env`).
    pub fn urls_json(&self) -> Value {
        let env: Map<String, Value> = self
            .env_vars()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        json!({ "connect": self.connect_url, "lexv2": self.lexv2_url, "lexv1": self.lexv1_url, "env": env })
    }

    /// In-process access to the shared state (the same the admin API uses).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops accepting requests and waits for the servers to end.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
    }
}

/// Binds the three service ports and starts serving.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let host = config.host;
    let ports = [config.connect_port, config.lexv2_port, config.lexv1_port];
    let shared = Arc::new(Shared::new(config));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut urls = Vec::new();
    let mut tasks = Vec::new();
    for (service, port) in Service::ALL.into_iter().zip(ports) {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port))
            .await
            .map_err(|e| {
                anyhow::anyhow!("cannot listen on {host}:{port} for {}: {e}", service.name())
            })?;
        let addr = listener.local_addr()?;
        urls.push(format!("http://{addr}"));
        let app = axum::Router::new().fallback(dispatch).with_state(PortCtx {
            service,
            shared: shared.clone(),
        });
        let mut rx = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let r = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|v| *v).await;
                })
                .await;
            if let Err(e) = r {
                tracing::error!("{} server ended: {e}", service.name());
            }
        }));
    }
    tasks.push(tokio::spawn(crate::connect::drive_test_cases(
        shared.clone(),
        stop_rx.clone(),
    )));
    Ok(Running {
        connect_url: urls[0].clone(),
        lexv2_url: urls[1].clone(),
        lexv1_url: urls[2].clone(),
        shared,
        stop: Some(stop_tx),
        tasks,
    })
}
