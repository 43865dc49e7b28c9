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

/// The AWS settings a command asks for on top of the standard chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
}

/// Loaded AWS configuration and the factory for every client the tool uses.
#[derive(Debug, Clone)]
pub struct Aws {
    sdk: SdkConfig,
    connect_pacer: Arc<Pacer>,
}

impl Aws {
    /// Loads configuration from the standard chain, with `--profile` and `--region` on top.
    pub async fn load(options: &AwsOptions, pacing: Pacing) -> anyhow::Result<Aws> {
        let retry = RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_initial_backoff(Duration::from_millis(300))
            .with_max_backoff(Duration::from_secs(20));
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            check_profile_exists(profile)?;
        }
        if let Some(region) = &options.region {
            check_region_name(region)?;
        }
        let sdk = loader.load().await;
        if sdk.region().is_none() {
            return Err(UserError::new("no AWS Region configured")
                .hint("pass --region, set AWS_REGION, or set a region in your AWS profile")
                .into());
        }
        if let Some(region) = sdk.region() {
            check_region_name(region.as_ref())?;
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

    /// The account the credentials belong to (`sts:GetCallerIdentity`). Preflight: two attempts
    /// at most, and an endpoint that cannot be reached is bad input said in one line.
    pub async fn caller_account(&self) -> anyhow::Result<String> {
        let sts = aws_sdk_sts::Client::new(&self.sdk);
        let answer = sts
            .get_caller_identity()
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default()
                    .retry_config(RetryConfig::standard().with_max_attempts(2)),
            )
            .send()
            .await;
        match answer {
            Ok(identity) => Ok(identity.account().unwrap_or_default().to_string()),
            Err(aws_sdk_sts::error::SdkError::DispatchFailure(failure)) => {
                let why = if failure.is_timeout() {
                    "timed out"
                } else if failure.is_io() {
                    "connection failed"
                } else {
                    "no answer"
                };
                Err(UserError::new(format!(
                    "cannot reach the AWS STS endpoint ({why}): {}",
                    endpoint_for("STS")
                ))
                .hint("check the network, a proxy, or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS")
                .into())
            }
            Err(err) => {
                let err = err.into_service_error();
                Err(UserError::new(format!(
                    "the credentials were refused: {}",
                    crate::resources::sdk::describe_error(&err)
                ))
                .hint("refresh them (`aws sso login`, new keys), or pass the --profile they belong to")
                .into())
            }
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

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
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

/// Where a service's requests go, for messages: the override in force, else AWS.
fn endpoint_for(service: &str) -> String {
    std::env::var(format!("AWS_ENDPOINT_URL_{service}"))
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|_| format!("the public {service} endpoint of the Region"))
}

/// A Region name has the shape `us-east-1`, `us-gov-west-1`, `ap-southeast-5`: letters, then
/// words, then a number. Anything else would reach a host that does not exist.
pub fn check_region_name(region: &str) -> Result<(), UserError> {
    let parts: Vec<&str> = region.split('-').collect();
    let letters = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let valid = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(letters)
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if valid {
        return Ok(());
    }
    Err(
        UserError::new(format!("{region:?} is not an AWS Region name"))
            .hint("pass --region with a Region such as us-east-1 or eu-west-2 (or set AWS_REGION)"),
    )
}

/// An explicitly named profile must exist: deploying with other credentials than the ones named
/// is how the wrong account gets changed. Looks where aws-config looks (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`).
fn check_profile_exists(profile: &str) -> Result<(), UserError> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let config = std::env::var_os("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join(".aws/config"));
    let credentials = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join(".aws/credentials"));
    let sections = |path: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                let inner = line.strip_prefix('[')?.strip_suffix(']')?.trim();
                Some(
                    inner
                        .strip_prefix("profile ")
                        .unwrap_or(inner)
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    };
    if sections(&config)
        .iter()
        .chain(sections(&credentials).iter())
        .any(|name| name == profile)
    {
        return Ok(());
    }
    Err(UserError::new(format!(
        "AWS profile {profile:?} not found in {} or {}",
        config.display(),
        credentials.display()
    ))
    .hint(format!("create it (`aws configure --profile {profile}`), or drop --profile to use the standard credential chain")))
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

#[cfg(test)]
mod tests {
    use super::check_region_name;

    #[test]
    fn region_names() {
        for good in [
            "us-east-1",
            "eu-west-2",
            "us-gov-west-1",
            "ap-southeast-5",
            "il-central-1",
        ] {
            assert!(check_region_name(good).is_ok(), "{good}");
        }
        for bad in [
            "nonsense",
            "us-east",
            "useast-1",
            "US-EAST-1",
            "us--1",
            "eu-west-1a",
            "",
        ] {
            assert!(check_region_name(bad).is_err(), "{bad}");
        }
    }
}
