//! A latency model of CloudFormation in front of moto: moto finishes every stack operation at once,
//! AWS takes tens of seconds per resource type. [`CfnLatencyProxy`] forwards every request to moto
//! unchanged and, after a stack operation (`CreateStack`, `UpdateStack`, `ExecuteChangeSet`),
//! answers `DescribeStacks` for that stack with the operation's `*_IN_PROGRESS` status (and no
//! outputs) until the modelled time has passed, and `DescribeStackEvents` with each resource's
//! `*_COMPLETE` event only once its own type's time has passed (so a caller waiting for one
//! resource, not the stack, sees it when AWS would show it). The modelled time of an operation is
//! the slowest resource type in the stack ([`LatencyModel::stack_seconds`]; resources are created
//! in parallel where they do not depend on each other), times the model's time scale.
//!
//! Deletes are passed through unmodelled (moto forgets the stack at once, and a modelled delete
//! would have to invent the whole answer). Change-set creation is not modelled either.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Moto;

/// Seconds per resource type for one stack operation, and the time scale applied to them.
#[derive(Debug, Clone)]
pub struct LatencyModel {
    /// Multiplies every modelled time (e.g. 0.1 to run ten times faster than AWS).
    pub scale: f64,
    /// Seconds a stack operation takes when it holds a resource of this type.
    pub per_type: Vec<(String, f64)>,
    /// Seconds for a resource type not in `per_type`.
    pub default_seconds: f64,
}

impl LatencyModel {
    /// The published figures (CloudFormation, normal mode, one resource per stack; see the
    /// benchmark's table for sources), unlisted types at CloudFormation's own overhead.
    pub fn published(scale: f64) -> Self {
        LatencyModel {
            scale,
            per_type: [
                ("AWS::Lambda::Function", 55.0),
                ("AWS::DynamoDB::Table", 34.0),
                ("AWS::SQS::Queue", 83.0),
                ("AWS::S3::Bucket", 39.0),
            ]
            .into_iter()
            .map(|(t, s)| (t.to_string(), s))
            .collect(),
            default_seconds: 13.0,
        }
    }

    /// Unscaled seconds of one resource type.
    pub fn type_seconds(&self, resource_type: &str) -> f64 {
        self.per_type
            .iter()
            .find(|(t, _)| t == resource_type)
            .map(|(_, s)| *s)
            .unwrap_or(self.default_seconds)
    }

    /// Scaled seconds of a stack operation over these resource types: the slowest type.
    pub fn stack_seconds<'a>(&self, types: impl IntoIterator<Item = &'a str>) -> f64 {
        types
            .into_iter()
            .map(|t| self.type_seconds(t))
            .fold(0.0, f64::max)
            * self.scale
    }
}

/// One modelled stack operation.
#[derive(Debug, Clone)]
pub struct StackOp {
    pub action: String,
    pub stack_name: String,
    pub stack_id: String,
    pub resource_types: Vec<String>,
    /// The stack's resources as moto made them: (logical id, physical id, type).
    pub resources: Vec<(String, String, String)>,
    /// Scaled modelled duration.
    pub modelled: Duration,
    /// When the request arrived at the proxy (AWS starts the operation then).
    pub started: Instant,
}

#[derive(Default)]
struct Holds {
    ops: Vec<StackOp>,
    /// change set id → stack id (from CreateChangeSet answers)
    change_sets: HashMap<String, String>,
}

/// The running proxy; stops when dropped.
pub struct CfnLatencyProxy {
    /// `http://127.0.0.1:<port>`: set as `AWS_ENDPOINT_URL_CLOUDFORMATION`.
    pub url: String,
    holds: Arc<Mutex<Holds>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl CfnLatencyProxy {
    /// Listens on a free loopback port (plain HTTP) and forwards to `moto` over HTTPS.
    pub fn start(moto: &Moto, model: LatencyModel) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let holds = Arc::new(Mutex::new(Holds::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let model = Arc::new(model);
        let moto = Arc::new(moto.clone());
        {
            let (holds, stop) = (holds.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (holds, model, moto) = (holds.clone(), model.clone(), moto.clone());
                    std::thread::spawn(move || serve(stream, &moto, &holds, &model));
                }
            });
        }
        Ok(CfnLatencyProxy {
            url: format!("http://127.0.0.1:{port}"),
            holds,
            stop,
            port,
        })
    }

    /// Every modelled stack operation so far.
    pub fn ops(&self) -> Vec<StackOp> {
        self.holds.lock().map(|h| h.ops.clone()).unwrap_or_default()
    }
}

impl Drop for CfnLatencyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // wake the accept loop
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

pub(crate) struct HttpMessage {
    pub(crate) head: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

pub(crate) fn read_message(reader: &mut BufReader<impl Read>, to_eof: bool) -> Option<HttpMessage> {
    let mut head = String::new();
    if reader.read_line(&mut head).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if to_eof {
        crate::tls::read_to_close(reader, &mut body);
    }
    Some(HttpMessage {
        head: head.trim_end().to_string(),
        headers,
        body,
    })
}

pub(crate) fn form(body: &[u8]) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let b = s.replace('+', " ");
        let b = b.as_bytes();
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
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends one request to moto (over HTTPS) and reads the whole answer.
pub(crate) fn upstream(moto: &Moto, request: &HttpMessage) -> Option<HttpMessage> {
    let mut stream = crate::tls::connect(moto, crate::port_of(&moto.url)).ok()?;
    let mut out = format!("{}\r\n", request.head);
    for (k, v) in &request.headers {
        if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Connection: close\r\nContent-Length: {}\r\n\r\n",
        request.body.len()
    ));
    stream.write_all(out.as_bytes()).ok()?;
    stream.write_all(&request.body).ok()?;
    let mut reader = BufReader::new(stream);
    read_message(&mut reader, true)
}

/// A Query-protocol call to moto made by the proxy itself.
fn query(moto: &Moto, params: &[(&str, &str)]) -> Option<String> {
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let request = HttpMessage {
        head: "POST / HTTP/1.1".into(),
        headers: vec![
            ("Host".into(), format!("127.0.0.1:{}", crate::port_of(&moto.url))),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            (
                "Authorization".into(),
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=0".into(),
            ),
        ],
        body: body.join("&").into_bytes(),
    };
    upstream(moto, &request).map(|m| String::from_utf8_lossy(&m.body).into_owned())
}

/// One read of every service a deploy uses, so that moto has imported each service's backend
/// before anything is measured: moto loads a backend on its first request, which costs a
/// CloudFormation request over a second, a cost AWS has no counterpart of. Returns the services
/// that did not answer.
pub fn warm_up(moto: &Moto) -> Vec<&'static str> {
    let calls: [(&str, &str, &str, Option<&str>, &str); 7] = [
        (
            "cloudformation",
            "POST",
            "/",
            None,
            "Action=ListStacks&Version=2010-05-15",
        ),
        (
            "iam",
            "POST",
            "/",
            None,
            "Action=ListRoles&Version=2010-05-08",
        ),
        (
            "sts",
            "POST",
            "/",
            None,
            "Action=GetCallerIdentity&Version=2011-06-15",
        ),
        ("s3", "GET", "/", None, ""),
        ("lambda", "GET", "/2015-03-31/functions/", None, ""),
        (
            "dynamodb",
            "POST",
            "/",
            Some("DynamoDB_20120810.ListTables"),
            "{}",
        ),
        (
            "kinesis",
            "POST",
            "/",
            Some("Kinesis_20131202.ListStreams"),
            "{}",
        ),
    ];
    let mut silent = Vec::new();
    for (service, method, path, target, body) in calls {
        let mut headers = vec![
            (
                "Host".to_string(),
                format!("127.0.0.1:{}", crate::port_of(&moto.url)),
            ),
            (
                "Authorization".to_string(),
                format!(
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
                ),
            ),
        ];
        match target {
            Some(target) => {
                headers.push(("X-Amz-Target".into(), target.into()));
                headers.push(("Content-Type".into(), "application/x-amz-json-1.0".into()));
            }
            None if method == "POST" => headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )),
            None => {}
        }
        let request = HttpMessage {
            head: format!("{method} {path} HTTP/1.1"),
            headers,
            body: body.as_bytes().to_vec(),
        };
        match upstream(moto, &request) {
            Some(answer) if status_of(&answer.head) == 200 => {}
            _ => silent.push(service),
        }
    }
    silent
}

fn tag_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    out
}

fn status_of(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn serve(stream: TcpStream, moto: &Moto, holds: &Mutex<Holds>, model: &LatencyModel) {
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_message(&mut reader, false) {
        let params = form(&request.body);
        let action = params.get("Action").cloned().unwrap_or_default();
        // AWS starts an operation when the request arrives and answers at once; moto answers
        // after doing all of it. The modelled time counts from the arrival.
        let received = Instant::now();
        let Some(mut response) = upstream(moto, &request) else {
            return;
        };
        let ok = status_of(&response.head) == 200;
        let text = || String::from_utf8_lossy(&response.body).into_owned();
        match action.as_str() {
            "CreateChangeSet" if ok => {
                let body = text();
                if let (Some(id), Some(stack)) = (
                    tag_values(&body, "Id").into_iter().next(),
                    tag_values(&body, "StackId").into_iter().next(),
                ) && let Ok(mut h) = holds.lock()
                {
                    h.change_sets.insert(id, stack);
                }
            }
            "CreateStack" | "UpdateStack" | "ExecuteChangeSet" if ok => {
                let named = params.get("StackName").cloned().unwrap_or_default();
                let by_change_set = params.get("ChangeSetName").and_then(|c| {
                    holds
                        .lock()
                        .ok()
                        .and_then(|h| h.change_sets.get(c).cloned())
                });
                let stack = if named.is_empty() {
                    by_change_set.unwrap_or_default()
                } else {
                    named
                };
                let described = query(
                    moto,
                    &[
                        ("Action", "DescribeStackResources"),
                        ("Version", "2010-05-15"),
                        ("StackName", &stack),
                    ],
                )
                .unwrap_or_default();
                let types = tag_values(&described, "ResourceType");
                let resources = tag_values(&described, "member")
                    .iter()
                    .map(|member| {
                        let first = |tag| {
                            tag_values(member, tag)
                                .into_iter()
                                .next()
                                .unwrap_or_default()
                        };
                        (
                            first("LogicalResourceId"),
                            first("PhysicalResourceId"),
                            first("ResourceType"),
                        )
                    })
                    .collect();
                let ids = tag_values(&described, "StackId");
                let names = tag_values(&described, "StackName");
                let seconds = model.stack_seconds(types.iter().map(String::as_str));
                let op = StackOp {
                    action: action.clone(),
                    stack_name: names.first().cloned().unwrap_or(stack.clone()),
                    stack_id: ids.first().cloned().unwrap_or(stack),
                    resource_types: types,
                    resources,
                    modelled: Duration::from_secs_f64(seconds),
                    started: received,
                };
                if let Ok(mut h) = holds.lock() {
                    h.ops.push(op);
                }
            }
            "DescribeStacks" if ok => {
                let body = hold_in_progress(&text(), holds);
                response.body = body.into_bytes();
            }
            "DescribeStackEvents" if ok => {
                let stack = params.get("StackName").cloned().unwrap_or_default();
                let body = model_events(&text(), &stack, holds, model);
                response.body = body.into_bytes();
            }
            _ => {}
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

/// Rewrites a DescribeStacks answer: a stack whose modelled operation still runs shows that
/// operation's `*_IN_PROGRESS` status and no outputs.
fn hold_in_progress(xml: &str, holds: &Mutex<Holds>) -> String {
    let now = Instant::now();
    let running: Vec<StackOp> = holds
        .lock()
        .map(|h| {
            h.ops
                .iter()
                .filter(|op| now < op.started + op.modelled)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if running.is_empty() {
        return xml.to_string();
    }
    // Each stack of the answer starts at its <StackId>.
    let marker = "<StackId>";
    let mut starts: Vec<usize> = xml.match_indices(marker).map(|(i, _)| i).collect();
    let end_of_list = xml.rfind("</Stacks>").unwrap_or(xml.len());
    starts.push(end_of_list);
    let mut out = String::with_capacity(xml.len());
    out.push_str(&xml[..starts[0]]);
    for pair in starts.windows(2) {
        let segment = &xml[pair[0]..pair[1]];
        let id = tag_values(segment, "StackId")
            .into_iter()
            .next()
            .unwrap_or_default();
        let name = tag_values(segment, "StackName")
            .into_iter()
            .next()
            .unwrap_or_default();
        let held = running
            .iter()
            .rev()
            .find(|op| op.stack_id == id || op.stack_name == name);
        match held {
            Some(_) => {
                let mut seg = segment.to_string();
                for status in tag_values(segment, "StackStatus") {
                    if let Some(base) = status.strip_suffix("_COMPLETE") {
                        seg = seg.replace(
                            &format!("<StackStatus>{status}</StackStatus>"),
                            &format!("<StackStatus>{base}_IN_PROGRESS</StackStatus>"),
                        );
                    }
                }
                if let (Some(a), Some(b)) = (seg.find("<Outputs>"), seg.find("</Outputs>")) {
                    seg.replace_range(a..b + "</Outputs>".len(), "");
                }
                out.push_str(&seg);
            }
            None => out.push_str(segment),
        }
    }
    out.push_str(&xml[end_of_list..]);
    out
}

/// Rewrites a DescribeStackEvents answer the way AWS would tell a create (moto reports only the
/// stack's own events, every resource done at once): each resource of a created stack gets its
/// `CREATE_IN_PROGRESS` event, and its `CREATE_COMPLETE` event once its own type's modelled time
/// has passed; the stack's own `*_COMPLETE` event shows only once the whole operation's time has.
fn model_events(xml: &str, stack: &str, holds: &Mutex<Holds>, model: &LatencyModel) -> String {
    let now = Instant::now();
    let Some(op) = holds.lock().ok().and_then(|h| {
        h.ops
            .iter()
            .rev()
            .find(|op| op.stack_id == stack || op.stack_name == stack)
            .cloned()
    }) else {
        return xml.to_string();
    };
    let (Some(list_start), Some(list_end)) =
        (xml.find("<StackEvents>"), xml.rfind("</StackEvents>"))
    else {
        return xml.to_string();
    };
    let body_start = list_start + "<StackEvents>".len();
    let held = now < op.started + op.modelled;
    // moto's members, newest first: the stack's end (held back while the operation runs), then
    // older ones.
    let (mut ends, mut older) = (String::new(), String::new());
    let mut rest = &xml[body_start..list_end];
    while let Some(at) = rest.find("<member>") {
        let Some(end) = rest[at..].find("</member>") else {
            break;
        };
        let member = &rest[at..at + end + "</member>".len()];
        rest = &rest[at + end + "</member>".len()..];
        let first = |tag: &str| {
            tag_values(member, tag)
                .into_iter()
                .next()
                .unwrap_or_default()
        };
        let (kind, status) = (first("ResourceType"), first("ResourceStatus"));
        if kind == "AWS::CloudFormation::Stack" && status.ends_with("_COMPLETE") {
            if !held {
                ends.push_str(member);
            }
        } else {
            older.push_str(member);
        }
    }
    let (mut completed, mut started) = (String::new(), String::new());
    if op.action == "CreateStack" {
        for (logical, physical, kind) in &op.resources {
            let event = |status: &str| {
                format!(
                    "<member><StackId>{}</StackId><EventId>{logical}-{status}</EventId><StackName>{}</StackName><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>{physical}</PhysicalResourceId><ResourceType>{kind}</ResourceType><ResourceStatus>{status}</ResourceStatus></member>",
                    op.stack_id, op.stack_name
                )
            };
            let done_at =
                op.started + Duration::from_secs_f64(model.type_seconds(kind) * model.scale);
            if now >= done_at {
                completed.push_str(&event("CREATE_COMPLETE"));
            }
            started.push_str(&event("CREATE_IN_PROGRESS"));
        }
    }
    format!(
        "{}{ends}{completed}{started}{older}{}",
        &xml[..body_start],
        &xml[list_end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_type_sets_the_stack_time() {
        let model = LatencyModel::published(0.1);
        let t = model.stack_seconds([
            "AWS::IAM::Role",
            "AWS::Lambda::Function",
            "AWS::DynamoDB::Table",
        ]);
        assert!((t - 5.5).abs() < 1e-9, "{t}");
        assert!((model.stack_seconds(["AWS::IAM::Role"]) - 1.3).abs() < 1e-9);
        assert_eq!(model.stack_seconds([]), 0.0);
    }

    #[test]
    fn a_running_stack_shows_in_progress_without_outputs() {
        let holds = Mutex::new(Holds::default());
        holds.lock().unwrap().ops.push(StackOp {
            action: "ExecuteChangeSet".into(),
            stack_name: "a".into(),
            stack_id: "arn:a".into(),
            resource_types: vec![],
            resources: vec![],
            modelled: Duration::from_secs(60),
            started: Instant::now(),
        });
        let xml = "<R><Stacks><member><StackId>arn:a</StackId><StackName>a</StackName><StackStatus>CREATE_COMPLETE</StackStatus><Outputs><member><OutputKey>k</OutputKey></member></Outputs></member><member><StackId>arn:b</StackId><StackName>b</StackName><StackStatus>UPDATE_COMPLETE</StackStatus></member></Stacks></R>";
        let out = hold_in_progress(xml, &holds);
        assert_eq!(
            out,
            "<R><Stacks><member><StackId>arn:a</StackId><StackName>a</StackName><StackStatus>CREATE_IN_PROGRESS</StackStatus></member><member><StackId>arn:b</StackId><StackName>b</StackName><StackStatus>UPDATE_COMPLETE</StackStatus></member></Stacks></R>"
        );
        holds.lock().unwrap().ops[0].modelled = Duration::ZERO;
        assert_eq!(
            hold_in_progress(xml, &holds),
            xml,
            "after the modelled time"
        );
    }

    #[test]
    fn a_created_stack_shows_each_resource_complete_after_its_own_time() {
        let holds = Mutex::new(Holds::default());
        let model = LatencyModel {
            scale: 1.0,
            per_type: vec![("AWS::Lambda::Function".into(), 3600.0)],
            default_seconds: 0.0,
        };
        holds.lock().unwrap().ops.push(StackOp {
            action: "CreateStack".into(),
            stack_name: "a".into(),
            stack_id: "arn:a".into(),
            resource_types: vec![],
            resources: vec![
                ("Role".into(), "a-Role-1".into(), "AWS::IAM::Role".into()),
                ("Fn".into(), "a-Fn-1".into(), "AWS::Lambda::Function".into()),
            ],
            modelled: Duration::from_secs(3600),
            started: Instant::now(),
        });
        let moto = |status: &str| {
            format!(
                "<member><StackId>arn:a</StackId><StackName>a</StackName><LogicalResourceId>a</LogicalResourceId><ResourceType>AWS::CloudFormation::Stack</ResourceType><ResourceStatus>{status}</ResourceStatus></member>"
            )
        };
        let xml = format!(
            "<R><StackEvents>{}{}</StackEvents></R>",
            moto("CREATE_COMPLETE"),
            moto("CREATE_IN_PROGRESS")
        );
        let statuses = |xml: &str| -> Vec<String> {
            tag_values(xml, "LogicalResourceId")
                .into_iter()
                .zip(tag_values(xml, "ResourceStatus"))
                .map(|(logical, status)| format!("{logical} {status}"))
                .collect()
        };
        assert_eq!(
            statuses(&model_events(&xml, "a", &holds, &model)),
            [
                "Role CREATE_COMPLETE",
                "Role CREATE_IN_PROGRESS",
                "Fn CREATE_IN_PROGRESS",
                "a CREATE_IN_PROGRESS"
            ],
            "the role is done at once; the function and the stack are not"
        );
        let answer = model_events(&xml, "arn:a", &holds, &model);
        assert!(
            answer.contains("<PhysicalResourceId>a-Role-1</PhysicalResourceId>"),
            "{answer}"
        );
        holds.lock().unwrap().ops[0].modelled = Duration::ZERO;
        let instant = LatencyModel {
            per_type: vec![],
            ..model.clone()
        };
        assert_eq!(
            statuses(&model_events(&xml, "a", &holds, &instant)),
            [
                "a CREATE_COMPLETE",
                "Role CREATE_COMPLETE",
                "Fn CREATE_COMPLETE",
                "Role CREATE_IN_PROGRESS",
                "Fn CREATE_IN_PROGRESS",
                "a CREATE_IN_PROGRESS"
            ],
            "after the modelled time"
        );
        assert_eq!(
            model_events(&xml, "b", &holds, &model),
            xml,
            "another stack"
        );
    }
}
