//! An in-process stand-in for exactly one Amazon Connect operation, StopContact, used by
//! `simulate`: the stopContact handler's real Connect client talks to it over loopback HTTP. It
//! knows the callback contacts the simulation queued; stopping one removes it (200), anything
//! else is ContactNotFoundException (410), as Connect answers for a contact that is gone.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// RefMap state: queued callback contacts and the ones stopped.
#[derive(Debug, Default)]
pub struct Queued {
    /// Contacts waiting in a queue.
    pub waiting: BTreeSet<String>,
    /// Contacts StopContact removed, in order.
    pub stopped: Vec<String>,
}

/// A running stand-in.
pub struct FakeConnect {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The queue state.
    pub state: Arc<Mutex<Queued>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeConnect {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeConnect {
    /// Starts listening on a free loopback port.
    pub async fn start() -> std::io::Result<FakeConnect> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(Queued::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, shared).await;
                });
            }
        });
        Ok(FakeConnect { url, state, task })
    }

    /// Queues a callback contact.
    pub fn enqueue(&self, contact_id: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.waiting.insert(contact_id.to_string());
        }
    }

    /// Takes a contact out of the queue (it reached an agent); false when it was not waiting.
    pub fn dequeue(&self, contact_id: &str) -> bool {
        self.state
            .lock()
            .map(|mut s| s.waiting.remove(contact_id))
            .unwrap_or(false)
    }

    /// How many contacts StopContact has removed so far.
    pub fn stopped_count(&self) -> usize {
        self.state.lock().map(|s| s.stopped.len()).unwrap_or(0)
    }

    /// Whether StopContact removed `contact_id`.
    pub fn was_stopped(&self, contact_id: &str) -> bool {
        self.state
            .lock()
            .map(|s| s.stopped.iter().any(|c| c == contact_id))
            .unwrap_or(false)
    }
}

async fn serve(socket: tokio::net::TcpStream, state: Arc<Mutex<Queued>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await? == 0 {
                return Ok(());
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).await?;
        let (status, error_type, payload) = answer(&request_line, &body, &state);
        let mut response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            payload.len()
        );
        if let Some(t) = error_type {
            response.push_str(&format!("x-amzn-errortype: {t}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&payload);
        reader.get_mut().write_all(response.as_bytes()).await?;
        reader.get_mut().flush().await?;
    }
}

fn answer(
    request_line: &str,
    body: &[u8],
    state: &Mutex<Queued>,
) -> (&'static str, Option<&'static str>, String) {
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "POST" || path.split('?').next() != Some("/contact/stop") {
        return (
            "404 Not Observed",
            Some("ResourceNotFoundException"),
            r#"{"Message":"simulate fakes only StopContact"}"#.to_string(),
        );
    }
    let contact = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("ContactId")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let Ok(mut s) = state.lock() else {
        return (
            "500 Internal Server Error",
            Some("InternalServiceException"),
            "{}".to_string(),
        );
    };
    if s.waiting.remove(&contact) {
        s.stopped.push(contact);
        ("200 OK", None, "{}".to_string())
    } else {
        (
            "410 Gone",
            Some("ContactNotFoundException"),
            r#"{"Message":"the contact does not exist or is no longer queued"}"#.to_string(),
        )
    }
}
