//! Lean AWS client construction for the Lambda: region, credentials and endpoint straight from the
//! environment Lambda sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`) plus the standard `AWS_ENDPOINT_URL[_<SERVICE>]` overrides, without
//! `aws-config` (smaller artifact, faster cold start; measured in BENCHMARKS.md).

use crate::{Clock, Config, ConfigError, Deps};
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// Why clients could not be built.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A required AWS variable is missing.
    #[error("environment variable {0} is not set")]
    MissingAws(&'static str),
    /// The handler settings are unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
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
        })
    }

    /// A DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let mut b = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .credentials_provider(self.credentials.clone());
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
            .credentials_provider(self.credentials.clone());
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
