//! The published scoring version as one JSON document: what `leadflow publish --aws-document`
//! writes and the Lambda functions read from the SSM parameter `LEADFLOW_PUBLISHED_PARAMETER`
//! (`leadflow_aws::published`). Plain data, so the CLI writes it without the AWS SDK.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::ScoringConfig;

/// The document in the parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedScoring {
    /// The scoring version as published (`rules-xxxxxxxx+model-yyyyyyyy@0.5`).
    pub version: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    #[serde(default)]
    pub note: Option<String>,
    /// What changed against the version before, one readable line each.
    #[serde(default)]
    pub summary: Vec<String>,
    pub scoring: ScoringConfig,
    /// The model file's JSON text, when a model is blended in (kept as text so that its
    /// coefficients read back bit for bit).
    #[serde(default)]
    pub model_json: Option<String>,
    #[serde(default)]
    pub model_weight: Option<f64>,
    /// The backtest report the version was published with (`leadflow backtest --json`).
    #[serde(default)]
    pub backtest_json: Option<String>,
}

/// SSM's limits on a parameter's value: standard and advanced tier.
pub const SSM_STANDARD_LIMIT: usize = 4096;
pub const SSM_ADVANCED_LIMIT: usize = 8192;
