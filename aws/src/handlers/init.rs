//! What every function does once, at Lambda init: read its environment, build the SDK
//! clients, load the configuration (SSM + secrets) and, for the scoring functions, the
//! published scoring version. Anything missing fails the init with its name.

use std::path::PathBuf;

use aws_config::SdkConfig;
use leadflow::config::Config;
use leadflow::ports::{RepStore, StoreError};

use crate::dynamo::DynamoStore;
use crate::eventbridge::{EventBridgePublisher, ROUTED_EVENT_KINDS};
use crate::published::{resolve_scoring, PublishedError, ScoringSetup, PUBLISHED_PARAMETER_ENV};
use crate::sqs::SqsScoreQueue;
use crate::ssm_config::{load_config, ConfigLoadError, ConfigSource};

pub const TABLE_ENV: &str = "LEADFLOW_TABLE";
pub const EVENT_BUS_ENV: &str = "LEADFLOW_EVENT_BUS";
pub const SCORE_QUEUE_URL_ENV: &str = "LEADFLOW_SCORE_QUEUE_URL";
/// Where a `[model]` path of the config is relative to: the function's code directory.
pub const TASK_ROOT_ENV: &str = "LAMBDA_TASK_ROOT";

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("environment variable {0} is not set (template.yaml sets it for this function)")]
    MissingEnv(&'static str),
    #[error(transparent)]
    Config(#[from] ConfigLoadError),
    #[error(transparent)]
    Published(#[from] PublishedError),
    #[error("auth.api_keys is empty, so the API would refuse every request: set the variable its env: value names (e.g. LEADFLOW_API_KEY) as a SecureString under LEADFLOW_SECRETS_PATH")]
    NoApiKeys,
    #[error("seeding the reps of the configuration failed: {0}")]
    Seed(#[from] StoreError),
}

/// The value of a variable the function cannot run without.
pub fn required_env(name: &'static str) -> Result<String, InitError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or(InitError::MissingEnv(name))
}

/// What every function starts from.
pub struct Init {
    pub sdk: SdkConfig,
    pub config: Config,
    /// The DynamoDB table (`LEADFLOW_TABLE`).
    pub table: String,
}

impl Init {
    pub async fn from_env() -> Result<Init, InitError> {
        let table = required_env(TABLE_ENV)?;
        let sdk = crate::sdk::from_env().await;
        let ssm = aws_sdk_ssm::Client::new(&sdk);
        let process_env = |name: &str| std::env::var(name).ok();
        let config = load_config(&ssm, &ConfigSource::from_env(), &process_env).await?;
        Ok(Init { sdk, config, table })
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    /// The bus the domain events go to (`LEADFLOW_EVENT_BUS`).
    pub fn publisher(&self) -> Result<EventBridgePublisher, InitError> {
        let bus = required_env(EVENT_BUS_ENV)?;
        Ok(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.sdk),
            bus,
        ))
    }

    /// The DynamoDB store every function uses: the table, the score queue, and an outbox that
    /// keeps only the events a bus rule routes (`ROUTED_EVENT_KINDS`).
    pub fn store(&self) -> Result<DynamoStore<SqsScoreQueue>, InitError> {
        Ok(
            DynamoStore::new(self.dynamodb(), self.table.clone(), self.score_queue()?)
                .publishing_only(ROUTED_EVENT_KINDS),
        )
    }

    /// The score queue intake sends to (`LEADFLOW_SCORE_QUEUE_URL`).
    pub fn score_queue(&self) -> Result<SqsScoreQueue, InitError> {
        let url = required_env(SCORE_QUEUE_URL_ENV)?;
        Ok(SqsScoreQueue::new(aws_sdk_sqs::Client::new(&self.sdk), url))
    }

    pub fn sesv2(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.sdk)
    }

    /// What scores are computed with: the published version (`LEADFLOW_PUBLISHED_PARAMETER`)
    /// when there is one — its rules replace the config's `[scoring]` — else the config's.
    pub async fn scoring(&mut self) -> Result<ScoringSetup, InitError> {
        let parameter = std::env::var(PUBLISHED_PARAMETER_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let model_dir = std::env::var_os(TASK_ROOT_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let ssm = aws_sdk_ssm::Client::new(&self.sdk);
        let setup =
            resolve_scoring(&ssm, parameter.as_deref(), &mut self.config, &model_dir).await?;
        match &setup.published {
            Some((by, at)) => {
                tracing::info!(version = %setup.version, published_by = %by, published_at = %at, "scoring with the published version")
            }
            None => {
                tracing::info!(version = %setup.version, "scoring with the configuration (nothing published)")
            }
        }
        Ok(setup)
    }
}

/// The HTTP functions need at least one API key (`leadflow serve` generates one; a
/// deployment must be given its keys).
pub fn require_api_keys(config: &Config) -> Result<(), InitError> {
    if config.auth.api_keys.is_empty() {
        Err(InitError::NoApiKeys)
    } else {
        Ok(())
    }
}

/// Put the config's reps that the store does not know yet (as `leadflow serve` does): after
/// that, `PUT /v1/reps/{id}` manages them. Returns how many were added.
pub async fn seed_reps<S: RepStore>(store: &S, config: &Config) -> Result<usize, StoreError> {
    let known: Vec<String> = store.reps().await?.into_iter().map(|r| r.rep.id).collect();
    let mut added = 0;
    for rep in &config.reps {
        if !known.contains(&rep.id) {
            store.put_rep(rep.clone()).await?;
            added += 1;
        }
    }
    Ok(added)
}
