//! A local stand-in for the Lambda Runtime API (std only): serves `GET /2018-06-01/runtime/invocation/next`
//! with queued events and records responses, errors and init errors, plus the instant of the first
//! poll. Tests run the real `bootstrap` against it; `cargo xtask bench lambdas` measures cold init
//! (process start → first poll) and warm invocation latency with it.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime/";

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `POST …/invocation/{id}/response` body.
    Response(String),
    /// `POST …/invocation/{id}/error` body.
    Error(String),
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, String)>,
    results: HashMap<String, (Outcome, Instant)>,
    first_poll: Option<Instant>,
    polls: u64,
    init_error: Option<String>,
    closed: bool,
    next_id: u64,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running Runtime API on a loopback port.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    /// Binds a free loopback port and starts serving.
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accept_shared = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.lock().closed {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = accept_shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &s);
                });
            }
        });
        Ok(RuntimeApi { addr, shared })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// The environment provided.al2023 gives a function (runtime address, name, memory, version, handler).
    pub fn lambda_env(&self, handler: &str) -> Vec<(String, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API".into(), self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME".into(), handler.into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), "128".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
            ("_HANDLER".into(), handler.into()),
            ("LAMBDA_TASK_ROOT".into(), "/var/task".into()),
        ]
    }

    /// Queues an event; returns its request id.
    pub fn enqueue(&self, event: &str) -> String {
        let mut st = self.shared.lock();
        st.next_id += 1;
        let id = format!("00000000-0000-4000-8000-{:012}", st.next_id);
        st.queue.push_back((id.clone(), event.to_string()));
        drop(st);
        self.shared.changed.notify_all();
        id
    }

    /// Waits for the outcome of request `id` and when it arrived.
    pub fn wait_at(&self, id: &str, timeout: Duration) -> Option<(Outcome, Instant)> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        loop {
            if let Some(r) = st.results.remove(id) {
                return Some(r);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            st = self
                .shared
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Queues `event` and waits for its outcome.
    pub fn invoke(&self, event: &str, timeout: Duration) -> Option<Outcome> {
        let id = self.enqueue(event);
        self.wait_at(&id, timeout).map(|(o, _)| o)
    }

    /// Waits until the function polls for its first event; returns when it did.
    pub fn wait_first_poll(&self, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        loop {
            if let Some(t) = st.first_poll {
                return Some(t);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            st = self
                .shared
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// How many times the function asked for an event.
    pub fn polls(&self) -> u64 {
        self.shared.lock().polls
    }

    /// The body of `POST …/init/error`, if the function reported one.
    pub fn init_error(&self) -> Option<String> {
        self.shared.lock().init_error.clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        // Wake the accept loop so its thread ends.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        let body = String::from_utf8_lossy(&body).into_owned();
        let route = path.strip_prefix(PREFIX).unwrap_or("");
        match (method.as_str(), route) {
            ("GET", "invocation/next") => {
                let next = {
                    let mut st = shared.lock();
                    st.polls += 1;
                    if st.first_poll.is_none() {
                        st.first_poll = Some(Instant::now());
                    }
                    shared.changed.notify_all();
                    loop {
                        if let Some(item) = st.queue.pop_front() {
                            break Some(item);
                        }
                        if st.closed {
                            break None;
                        }
                        st = shared.changed.wait(st).unwrap_or_else(|p| p.into_inner());
                    }
                };
                let Some((id, event)) = next else {
                    return Ok(());
                };
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis()
                    + 30_000;
                let headers = format!(
                    "Lambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\n\
                     Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:local\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n"
                );
                respond(&mut writer, 200, &headers, &event)?;
            }
            ("POST", r) if r.starts_with("invocation/") => {
                let rest = &r["invocation/".len()..];
                let outcome = if let Some(id) = rest.strip_suffix("/response") {
                    Some((id, Outcome::Response(body)))
                } else {
                    rest.strip_suffix("/error")
                        .map(|id| (id, Outcome::Error(body)))
                };
                match outcome {
                    Some((id, o)) => {
                        shared
                            .lock()
                            .results
                            .insert(id.to_string(), (o, Instant::now()));
                        shared.changed.notify_all();
                        respond(&mut writer, 202, "", "{\"status\":\"OK\"}")?;
                    }
                    None => respond(&mut writer, 404, "", "{}")?,
                }
            }
            ("POST", "init/error") => {
                shared.lock().init_error = Some(body);
                shared.changed.notify_all();
                respond(&mut writer, 202, "", "{\"status\":\"OK\"}")?;
            }
            _ => respond(&mut writer, 404, "", "{}")?,
        }
    }
}

fn respond(w: &mut TcpStream, status: u16, headers: &str, body: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        _ => "Not Found",
    };
    write!(
        w,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(addr: &str, raw: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        let mut r = BufReader::new(s);
        let mut out = String::new();
        let mut length = 0;
        loop {
            let mut l = String::new();
            r.read_line(&mut l).unwrap();
            if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            out.push_str(&l);
            if l == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        r.read_exact(&mut body).unwrap();
        out + &String::from_utf8(body).unwrap()
    }

    #[test]
    fn serves_events_and_records_responses() {
        let api = RuntimeApi::start().unwrap();
        let id = api.enqueue("{\"x\":1}");
        let got = request(
            &api.address(),
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        assert!(
            got.contains(&format!("Lambda-Runtime-Aws-Request-Id: {id}")),
            "{got}"
        );
        assert!(got.ends_with("{\"x\":1}"));
        assert!(api.wait_first_poll(Duration::from_secs(1)).is_some());
        let post = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
        );
        assert!(request(&api.address(), &post).starts_with("HTTP/1.1 202"));
        assert_eq!(
            api.wait_at(&id, Duration::from_secs(1)).map(|(o, _)| o),
            Some(Outcome::Response("ok".into()))
        );
        assert_eq!(api.polls(), 1);
    }
}
