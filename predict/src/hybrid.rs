//! The model file as the domain's [`LeadModel`], for hybrid scoring (`[model]` in the config).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadflow::config::ModelConfig;
use leadflow::domain::Lead;
use leadflow::scoring::{LeadModel, ModelBlend, ModelScore};

use crate::error::PredictError;
use crate::model::Model;

impl LeadModel for Model {
    fn version(&self) -> &str {
        &self.model_version
    }

    /// Reads each feature as the lead field of the same name (an attribute, or the derived
    /// `email`/`email_domain`); an absent field is missing, as in training.
    fn score(&self, lead: &Lead) -> ModelScore {
        let values: HashMap<&str, String> = self
            .features
            .features
            .iter()
            .filter_map(|f| {
                lead.field(&f.name)
                    .map(|v| (f.name.as_str(), v.to_string()))
            })
            .collect();
        let prediction = self.score_with(|name| values.get(name).map(String::as_str));
        ModelScore {
            probability: prediction.probability,
            contributions: prediction
                .contributions
                .into_iter()
                .map(|c| (c.feature, c.log_odds))
                .collect(),
        }
    }
}

/// Where `[model].path` points: relative paths are relative to the configuration's directory.
pub fn model_path(config: &ModelConfig, config_dir: &Path) -> PathBuf {
    let path = Path::new(&config.path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        config_dir.join(path)
    }
}

/// Loads the model `[model]` names and blends it as the section says.
pub fn load_blend(config: &ModelConfig, config_dir: &Path) -> Result<ModelBlend, PredictError> {
    let model = Model::read(&model_path(config, config_dir))?;
    Ok(ModelBlend::new(Arc::new(model), config))
}
