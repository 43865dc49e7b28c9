//! A recording proxy in front of moto: forwards every request unchanged and records what was
//! asked (the signing service, method, path, query, and the operation's parameters), so a test
//! can tell which AWS operations the CLI sent to CloudFormation, S3, STS, Kinesis, DynamoDB,
//! Lambda and IAM. (The sandbox keeps its own request log for Connect and Lex.)

use std::collections::HashMap;
use std::io::{BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::Moto;
use crate::cfn_latency::{form, read_message, upstream};

/// One request the proxy forwarded.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The service of the SigV4 credential scope (`cloudformation`, `s3`, `sts`, …).
    pub service: String,
    pub method: String,
    /// Path without the query, percent-decoded.
    pub path: String,
    pub query: String,
    /// `X-Amz-Target` (JSON protocols: DynamoDB, Kinesis), e.g. `Kinesis_20131202.DescribeStreamSummary`.
    pub target: Option<String>,
    /// Query-protocol form fields (CloudFormation, STS, IAM) or top-level JSON string fields.
    pub params: HashMap<String, String>,
    /// HTTP status moto answered.
    pub status: u16,
    /// The request body as text (e.g. the keys of an S3 DeleteObjects).
    pub body: String,
}

/// The proxy; requests are recorded until it is dropped.
pub struct RecordingProxy {
    pub url: String,
    calls: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl RecordingProxy {
    /// Listens on a free loopback port (plain HTTP) and forwards to `moto` over HTTPS, so
    /// moto still sees TLS (the artifact bucket refuses objects over plain HTTP).
    pub fn start(moto: &Moto) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let moto = Arc::new(moto.clone());
        {
            let (calls, stop) = (calls.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (calls, moto) = (calls.clone(), moto.clone());
                    std::thread::spawn(move || serve(stream, &moto, &calls));
                }
            });
        }
        Ok(RecordingProxy {
            url: format!("http://127.0.0.1:{port}"),
            calls,
            stop,
            port,
        })
    }

    /// Every request so far.
    pub fn calls(&self) -> Vec<Recorded> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("x"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn record(request: &crate::cfn_latency::HttpMessage, status: u16) -> Recorded {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    // Credential=<key>/<date>/<region>/<service>/aws4_request
    let service = header("authorization")
        .and_then(|auth| {
            let scope = auth
                .split("Credential=")
                .nth(1)?
                .split(',')
                .next()?
                .to_string();
            scope.split('/').nth(3).map(str::to_string)
        })
        .unwrap_or_default();
    let mut parts = request.head.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target_uri = parts.next().unwrap_or_default();
    let (path, query) = target_uri.split_once('?').unwrap_or((target_uri, ""));
    let target = header("x-amz-target");
    let params = if target.is_some() {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&request.body)
            .map(|map| {
                map.into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    } else if header("content-type").is_some_and(|c| c.contains("x-www-form-urlencoded")) {
        form(&request.body)
    } else {
        HashMap::new()
    };
    Recorded {
        service,
        method,
        path: decode(path),
        query: query.to_string(),
        target,
        params,
        status,
        body: String::from_utf8_lossy(&request.body[..request.body.len().min(1 << 16)])
            .into_owned(),
    }
}

fn serve(stream: TcpStream, moto: &Moto, calls: &Mutex<Vec<Recorded>>) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_message(&mut reader, false) {
        let Some(response) = upstream(moto, &request) else {
            return;
        };
        let status = response
            .head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if let Ok(mut calls) = calls.lock() {
            calls.push(record(&request, status));
        }
        let mut out = format!("{}\r\n", response.head.replace("HTTP/1.0", "HTTP/1.1"));
        for (k, v) in &response.headers {
            let k_low = k.to_ascii_lowercase();
            if k_low == "connection" || k_low == "content-length" || k_low == "transfer-encoding" {
                continue;
            }
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", response.body.len()));
        if writer.write_all(out.as_bytes()).is_err() || writer.write_all(&response.body).is_err() {
            return;
        }
        let close = request
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
        if close || request.head.ends_with("HTTP/1.0") {
            return;
        }
    }
}
