//! Lean AWS client construction for the Lambda: region, credentials and endpoint straight from the
//! environment Lambda sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`) plus the standard `AWS_ENDPOINT_URL[_<SERVICE>]` overrides, without
//! `aws-config` (smaller artifact, faster cold start; measured in BENCHMARKS.md).

use crate::{Clock, Config, ConfigError, Deps};
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};

/// The root certificates AWS service endpoints chain to: Amazon Trust Services' Amazon Root CA 1–4
/// and the Starfield Services Root CA G2 that cross-signs them (AWS documents these as the roots to
/// trust for its endpoints), copied from Mozilla's CA bundle. Trusting only these, rather than the
/// system bundle, spares every cold start parsing ~150 certificates (~16 M instructions, about 40 %
/// of the whole cold path before this change; see BENCHMARKS.md).
const AWS_SERVICE_ROOTS: &[u8] = include_bytes!("../certs/aws-service-roots.pem");

/// Why clients could not be built.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A required AWS variable is missing.
    #[error("environment variable {0} is not set")]
    MissingAws(&'static str),
    /// The handler settings are unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The HTTPS client could not be set up.
    #[error("cannot set up the HTTPS client: {0}")]
    Tls(String),
}

/// The HTTPS client both SDK clients share: rustls with aws-lc, trusting [`AWS_SERVICE_ROOTS`].
pub fn http_client() -> Result<SharedHttpClient, InitError> {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_SERVICE_ROOTS);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| InitError::Tls(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https())
}

/// Connection settings read from the environment.
#[derive(Debug, Clone)]
pub struct AwsEnv {
    /// Region.
    pub region: String,
    /// Static credentials (Lambda's role session).
    pub credentials: Credentials,
    /// DynamoDB endpoint override.
    pub dynamodb_endpoint: Option<String>,
    /// Connect endpoint override.
    pub connect_endpoint: Option<String>,
    /// The HTTPS client of both SDK clients.
    pub http: SharedHttpClient,
}

impl AwsEnv {
    /// Reads the settings through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, InitError> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .ok_or(InitError::MissingAws("AWS_REGION"))?;
        let key = get("AWS_ACCESS_KEY_ID").ok_or(InitError::MissingAws("AWS_ACCESS_KEY_ID"))?;
        let secret =
            get("AWS_SECRET_ACCESS_KEY").ok_or(InitError::MissingAws("AWS_SECRET_ACCESS_KEY"))?;
        let token = get("AWS_SESSION_TOKEN");
        let credentials = Credentials::new(key, secret, token, None, "lambda-environment");
        let global = get("AWS_ENDPOINT_URL");
        Ok(AwsEnv {
            region,
            credentials,
            dynamodb_endpoint: get("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| global.clone()),
            connect_endpoint: get("AWS_ENDPOINT_URL_CONNECT").or(global),
            http: http_client()?,
        })
    }

    /// A DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let mut b = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .credentials_provider(self.credentials.clone())
            .http_client(self.http.clone());
        if let Some(url) = &self.dynamodb_endpoint {
            b = b.endpoint_url(url);
        }
        aws_sdk_dynamodb::Client::from_conf(b.build())
    }

    /// A Connect client.
    pub fn connect(&self) -> aws_sdk_connect::Client {
        let mut b = aws_sdk_connect::Config::builder()
            .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
            .region(aws_sdk_connect::config::Region::new(self.region.clone()))
            .credentials_provider(self.credentials.clone())
            .http_client(self.http.clone());
        if let Some(url) = &self.connect_endpoint {
            b = b.endpoint_url(url);
        }
        aws_sdk_connect::Client::from_conf(b.build())
    }
}

impl Deps {
    /// Builds everything from the process environment with the system clock (the Lambda's init).
    pub fn from_env() -> Result<Deps, InitError> {
        let aws = AwsEnv::from_lookup(|k| std::env::var(k).ok())?;
        Ok(Deps {
            dynamodb: aws.dynamodb(),
            connect: aws.connect(),
            config: Config::from_env()?,
            clock: Clock::system(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trusted_roots_are_the_five_aws_service_roots() {
        let pem = std::str::from_utf8(AWS_SERVICE_ROOTS).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(pem.matches("-----END CERTIFICATE-----").count(), 5);
    }

    /// An HTTPS request builds the TLS connector, which parses the roots (the SDK panics on a
    /// certificate it cannot parse); a closed port then makes the call fail as an ordinary error.
    #[tokio::test]
    async fn an_https_endpoint_gets_a_working_tls_connector() {
        let env = AwsEnv::from_lookup(|k| {
            match k {
                "AWS_REGION" => Some("us-east-1"),
                "AWS_ACCESS_KEY_ID" => Some("testing"),
                "AWS_SECRET_ACCESS_KEY" => Some("testing"),
                "AWS_ENDPOINT_URL_DYNAMODB" => Some("https://127.0.0.1:1"),
                _ => None,
            }
            .map(String::from)
        })
        .unwrap();
        let err = env.dynamodb().list_tables().send().await.unwrap_err();
        let text = format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&err));
        assert!(
            text.contains("dispatch failure") || text.contains("connect"),
            "{text}"
        );
    }
}
