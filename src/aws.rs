//! The one place that builds AWS SDK clients.
//!
//! Configuration comes from the standard aws-config chain (profiles, SSO, environment, IMDS), so
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` work with no special code path: that is how
//! the tests and the demo point the CLI at moto and the sandbox. The Connect client is paced (see
//! [`crate::pacing`]); every client retries throttling and 5xx with backoff.

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::ProvideCredentials as _;

use crate::cli::GlobalArgs;
use crate::error::UserError;
use crate::pacing::{self, Pacer};

/// Attempts per call, first one included. With 20 % injected faults a call fails only when all
/// eight attempts fail (about 3 in a million).
const MAX_ATTEMPTS: u32 = 8;

/// Connect pacing settings.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    pub rate_per_second: f64,
    pub burst: f64,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            rate_per_second: pacing::CONNECT_RATE_PER_SECOND,
            burst: pacing::CONNECT_BURST,
        }
    }
}

/// Loaded AWS configuration and the factory for every client the tool uses.
#[derive(Debug, Clone)]
pub struct Aws {
    sdk: SdkConfig,
    connect_pacer: Arc<Pacer>,
}

impl Aws {
    /// Loads configuration from the standard chain, with `--profile` and `--region` on top.
    pub async fn load(global: &GlobalArgs, pacing: Pacing) -> anyhow::Result<Aws> {
        let retry = RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_initial_backoff(Duration::from_millis(300))
            .with_max_backoff(Duration::from_secs(20));
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
        if let Some(profile) = &global.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &global.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let sdk = loader.load().await;
        if sdk.region().is_none() {
            return Err(UserError::new("no AWS Region configured")
                .hint("pass --region, set AWS_REGION, or set a region in your AWS profile")
                .into());
        }
        Ok(Aws {
            sdk,
            connect_pacer: Arc::new(Pacer::new(pacing.rate_per_second, pacing.burst)),
        })
    }

    /// The Region every client talks to.
    pub fn region(&self) -> &str {
        self.sdk
            .region()
            .map(|region| region.as_ref())
            .unwrap_or_default()
    }

    /// Fails with a bad-input error when no credentials can be found, before anything is called.
    pub async fn check_credentials(&self) -> anyhow::Result<()> {
        let hint = "configure credentials: `aws configure`, `aws sso login --profile P` with --profile P, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
        let Some(provider) = self.sdk.credentials_provider() else {
            return Err(UserError::new("no AWS credentials found").hint(hint).into());
        };
        match provider.provide_credentials().await {
            Ok(_) => Ok(()),
            Err(err) => Err(UserError::new(format!("no AWS credentials found: {err}"))
                .hint(hint)
                .into()),
        }
    }

    /// The Connect pacer, for progress and benchmark figures.
    pub fn connect_pacer(&self) -> &Arc<Pacer> {
        &self.connect_pacer
    }

    pub fn connect(&self) -> aws_sdk_connect::Client {
        let mut config = aws_sdk_connect::config::Builder::from(&self.sdk);
        // SdkConfig holds no HTTP client unless one was set explicitly; the SDK would then pick
        // its default inside the client, out of the pacer's reach. Build that default here.
        let http = self.sdk.http_client().unwrap_or_else(|| {
            use aws_smithy_http_client::tls;
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https()
        });
        config = config.http_client(pacing::paced_http_client(http, self.connect_pacer.clone()));
        config = config.interceptor(pacing::OperationTag);
        aws_sdk_connect::Client::from_conf(config.build())
    }

    pub fn lexv2(&self) -> aws_sdk_lexmodelsv2::Client {
        aws_sdk_lexmodelsv2::Client::new(&self.sdk)
    }

    pub fn lexv1(&self) -> aws_sdk_lexmodelbuilding::Client {
        aws_sdk_lexmodelbuilding::Client::new(&self.sdk)
    }

    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.sdk)
    }

    pub fn kinesis(&self) -> aws_sdk_kinesis::Client {
        aws_sdk_kinesis::Client::new(&self.sdk)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        // Path-style addressing when an endpoint override is in force: local stand-ins (moto)
        // serve buckets on one host. Real S3 keeps virtual-hosted style.
        let overridden = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        let config = aws_sdk_s3::config::Builder::from(&self.sdk)
            .force_path_style(overridden)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

/// Clients for work that runs against a local endpoint only (the offline simulator): explicit
/// endpoint and Region, static credentials, no profile chain and no pacing.
pub mod local {
    use aws_credential_types::Credentials;

    pub fn dynamodb(
        endpoint: &str,
        region: &str,
        credentials: Credentials,
    ) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new(region.to_string()))
            .credentials_provider(credentials)
            .endpoint_url(endpoint)
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    pub fn connect(
        endpoint: &str,
        region: &str,
        credentials: Credentials,
    ) -> aws_sdk_connect::Client {
        let config = aws_sdk_connect::Config::builder()
            .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
            .region(aws_sdk_connect::config::Region::new(region.to_string()))
            .credentials_provider(credentials)
            .endpoint_url(endpoint)
            .build();
        aws_sdk_connect::Client::from_conf(config)
    }
}
