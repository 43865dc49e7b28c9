//! TLS to moto's HTTPS listener for the fixtures that speak HTTP by hand (the recording and
//! latency proxies, readiness checks), trusting only the throw-away CA that `moto_server.py`
//! generated. The product's clients trust that CA through `SSL_CERT_FILE` instead.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::Moto;

/// A TLS connection to moto.
pub type Stream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

fn client_config(moto: &Moto) -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(&moto.ca_file)
                .unwrap_or_else(|e| panic!("read moto's CA {}: {e}", moto.ca_file.display()))
            {
                roots
                    .add(cert.expect("a PEM certificate"))
                    .expect("a CA certificate");
            }
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            Arc::new(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .expect("TLS versions")
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            )
        })
        .clone()
}

/// Opens a TLS connection to moto's HTTPS listener on `port` (loopback).
pub fn connect(moto: &Moto, port: u16) -> std::io::Result<Stream> {
    let socket = TcpStream::connect(("127.0.0.1", port))?;
    socket.set_read_timeout(Some(Duration::from_secs(120)))?;
    let name = ServerName::try_from("127.0.0.1").expect("an IP address");
    let connection =
        rustls::ClientConnection::new(client_config(moto), name).map_err(std::io::Error::other)?;
    Ok(rustls::StreamOwned::new(connection, socket))
}

/// One HTTP/1.0 GET over TLS; the status and the body. `None` when moto does not answer.
pub fn get(moto: &Moto, path: &str) -> Option<(u16, String)> {
    let mut stream = connect(moto, crate::port_of(&moto.url)).ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    read_to_close(&mut stream, &mut response);
    let response = String::from_utf8_lossy(&response);
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// Reads until the peer closes. Python's TLS server may close without a `close_notify`, which
/// rustls reports as an unexpected EOF; for a response read to its end that is the end.
pub fn read_to_close(stream: &mut impl Read, out: &mut Vec<u8>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// An HTTP client for the tests' own SDK clients: HTTPS trusting moto's CA (and only it), plain
/// HTTP as usual (the sandbox).
pub fn sdk_http_client(moto: &Moto) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    let ca = std::fs::read(&moto.ca_file)
        .unwrap_or_else(|e| panic!("read moto's CA {}: {e}", moto.ca_file.display()));
    let trust = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(ca);
    let context = tls::TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https()
}
