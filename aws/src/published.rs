//! The published scoring version on AWS: what `leadflow publish` records in the changelog of
//! `leadflow serve`, written by `leadflow publish --aws-document FILE` and kept in one SSM
//! parameter (name in `LEADFLOW_PUBLISHED_PARAMETER`) as
//! a JSON document. When it exists its rules and model score the leads, over the config's
//! `[scoring]` and `[model]`; routing, SLAs and the rest still come from the config.
//!
//! SSM holds 4 KB in a standard parameter and 8 KB in an advanced one: a larger model needs
//! the advanced tier (`aws ssm put-parameter --tier Advanced`).

use std::path::Path;
use std::sync::Arc;

use aws_sdk_ssm::error::DisplayErrorContext;
use chrono::{DateTime, Utc};
use leadflow::config::{Config, ScoringConfig, DEFAULT_TOP_CONTRIBUTIONS};
use leadflow::scoring::{rules_version, scoring_version, ModelBlend, Scorer};
use leadflow_predict::hybrid::{load_blend, model_path};
use leadflow_predict::Model;

pub const PUBLISHED_PARAMETER_ENV: &str = "LEADFLOW_PUBLISHED_PARAMETER";

pub use leadflow::scoring::published::PublishedScoring;

#[derive(Debug, thiserror::Error)]
pub enum PublishedError {
    #[error("SSM parameter {name} ({PUBLISHED_PARAMETER_ENV}) cannot be read: {message}")]
    Read { name: String, message: String },
    #[error("SSM parameter {name} ({PUBLISHED_PARAMETER_ENV}) is not a published scoring document: {message}")]
    Malformed { name: String, message: String },
    #[error("the published model ({field}) does not load: {message}")]
    Model {
        field: &'static str,
        message: String,
    },
    #[error("model.path: cannot load the model file {path}: {message}")]
    ModelFile { path: String, message: String },
}

/// The published document, or `None` when nothing was published (the parameter is absent).
pub async fn load_published(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<Option<PublishedScoring>, PublishedError> {
    let output = match ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(output) => output,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(PublishedError::Read {
                name: name.to_string(),
                message: DisplayErrorContext(e).to_string(),
            })
        }
    };
    let text = output.parameter.and_then(|p| p.value).unwrap_or_default();
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| PublishedError::Malformed {
            name: name.to_string(),
            message: e.to_string(),
        })
}

/// What leads are scored with: the version every score records and the model blended in.
#[derive(Debug, Clone)]
pub struct ScoringSetup {
    pub version: String,
    pub model: Option<ModelBlend>,
    /// Who published it and when, when it comes from a publication.
    pub published: Option<(String, DateTime<Utc>)>,
}

impl ScoringSetup {
    /// The config's own rules, and the model its `[model]` names (relative to `model_dir`,
    /// the function's working directory on Lambda).
    pub fn from_config(config: &Config, model_dir: &Path) -> Result<Self, PublishedError> {
        let model = match &config.model {
            None => None,
            Some(section) => {
                Some(
                    load_blend(section, model_dir).map_err(|e| PublishedError::ModelFile {
                        path: model_path(section, model_dir).display().to_string(),
                        message: e.to_string(),
                    })?,
                )
            }
        };
        Ok(Self::new(&config.scoring, model, None))
    }

    /// Put the published rules into `config` and score with them and the published model.
    pub fn from_published(
        config: &mut Config,
        published: &PublishedScoring,
    ) -> Result<Self, PublishedError> {
        config.scoring = published.scoring.clone();
        let model = match (&published.model_json, published.model_weight) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(PublishedError::Model {
                    field: "model_weight",
                    message: "a published model needs its model_weight".to_string(),
                })
            }
            (Some(json), Some(weight)) => {
                let model = Model::load(json).map_err(|e| PublishedError::Model {
                    field: "model_json",
                    message: e.to_string(),
                })?;
                Some(ModelBlend {
                    model: Arc::new(model),
                    weight,
                    top_contributions: DEFAULT_TOP_CONTRIBUTIONS,
                })
            }
        };
        Ok(Self::new(
            &config.scoring,
            model,
            Some((published.published_by.clone(), published.published_at)),
        ))
    }

    fn new(
        scoring: &ScoringConfig,
        model: Option<ModelBlend>,
        published: Option<(String, DateTime<Utc>)>,
    ) -> Self {
        let version = scoring_version(&rules_version(scoring), model.as_ref());
        ScoringSetup {
            version,
            model,
            published,
        }
    }

    pub fn scorer(&self) -> Scorer<'_> {
        Scorer {
            version: &self.version,
            model: self.model.as_ref(),
        }
    }
}

/// The scoring of a function: the published version when the parameter names one that
/// exists, else the config's own.
pub async fn resolve_scoring(
    ssm: &aws_sdk_ssm::Client,
    published_parameter: Option<&str>,
    config: &mut Config,
    model_dir: &Path,
) -> Result<ScoringSetup, PublishedError> {
    if let Some(name) = published_parameter {
        if let Some(published) = load_published(ssm, name).await? {
            return ScoringSetup::from_published(config, &published);
        }
    }
    ScoringSetup::from_config(config, model_dir)
}
