//! The versioned model file and scoring with it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::columns::ColumnDecision;
use crate::encoding::Encoder;
use crate::error::PredictError;
use crate::metrics::{score_of, Evaluation};
use crate::split::SplitRule;
use crate::table::sha256_hex;

/// The model file layout this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format_version: u32,
    /// `model-` and 8 hex digits of the SHA-256 of the features, intercept and coefficients:
    /// the same fitted model always gets the same version.
    pub model_version: String,
    /// Given by the caller; the library reads no clock.
    pub trained_at: DateTime<Utc>,
    pub target: String,
    pub features: Encoder,
    pub intercept: f64,
    /// One per design column, in the order the features encode.
    pub coefficients: Vec<Coefficient>,
    /// Measured on the held-out rows, which the fit did not see.
    pub metrics: Evaluation,
    pub training_data: TrainingData,
    pub settings: FitSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    pub column: String,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingData {
    pub rows: usize,
    pub positives: usize,
    pub negatives: usize,
    /// SHA-256 of the CSV file's bytes.
    pub sha256: String,
    pub split: SplitRule,
    pub columns: Vec<ColumnDecision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSettings {
    pub solver: String,
    /// L2 weight in `sum(log loss) + alpha/2 * |w|^2` (intercept not penalised);
    /// scikit-learn's `C` is `1 / alpha`.
    pub alpha: f64,
    pub max_iterations: u64,
    pub gradient_tolerance: f64,
    pub min_level_count: usize,
}

/// One design column's share of a lead's log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// A design column: `TotalVisits`, `TotalVisits__missing` or `Lead Source=google`.
    pub feature: String,
    pub log_odds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub probability: f64,
    /// `probability * 100`, the scale of the tier thresholds.
    pub score: f64,
    pub log_odds: f64,
    /// Non-zero contributions, largest absolute value first.
    pub contributions: Vec<Contribution>,
}

#[derive(Deserialize)]
struct FormatProbe {
    format_version: u32,
}

impl Model {
    /// Reads a model file, refusing other format versions and inconsistent shapes.
    pub fn load(json: &str) -> Result<Model, PredictError> {
        let probe: FormatProbe = serde_json::from_str(json)?;
        if probe.format_version != FORMAT_VERSION {
            return Err(PredictError::UnsupportedFormat {
                found: probe.format_version,
                supported: FORMAT_VERSION,
            });
        }
        let model: Model = serde_json::from_str(json)?;
        if model.features.width() != model.coefficients.len() {
            return Err(PredictError::ModelShape {
                encoded: model.features.width(),
                coefficients: model.coefficients.len(),
            });
        }
        Ok(model)
    }

    /// Reads and loads a model file.
    pub fn read(path: &std::path::Path) -> Result<Model, PredictError> {
        let json = std::fs::read_to_string(path).map_err(|source| PredictError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Model::load(&json)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a model always serialises to JSON")
    }

    /// Scores a lead given as column name => raw value; absent columns count as missing.
    pub fn score(&self, lead: &HashMap<String, String>) -> Prediction {
        self.score_with(|name| lead.get(name).map(String::as_str))
    }

    /// Scores a lead whose raw values `lookup` gives by column name.
    pub fn score_with<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> Prediction {
        let design = self.features.encode(lookup);
        let mut contributions: Vec<Contribution> = design
            .iter()
            .zip(&self.coefficients)
            .map(|(x, c)| Contribution {
                feature: c.column.clone(),
                log_odds: x * c.weight,
            })
            .filter(|c| c.log_odds != 0.0)
            .collect();
        contributions.sort_by(|a, b| b.log_odds.abs().total_cmp(&a.log_odds.abs()));
        let log_odds = self.log_odds(&design);
        let probability = sigmoid(log_odds);
        Prediction {
            probability,
            score: score_of(probability),
            log_odds,
            contributions,
        }
    }

    /// The linear predictor of a design row, as evaluation in training computes it.
    pub fn log_odds(&self, design: &[f64]) -> f64 {
        linear_log_odds(self.intercept, &self.coefficients, design)
    }

    pub fn probability(&self, design: &[f64]) -> f64 {
        sigmoid(self.log_odds(design))
    }
}

/// Intercept plus the weighted design row, summed in column order.
pub fn linear_log_odds(intercept: f64, coefficients: &[Coefficient], design: &[f64]) -> f64 {
    design
        .iter()
        .zip(coefficients)
        .fold(intercept, |sum, (x, c)| sum + x * c.weight)
}

/// The stable version id of a fitted model.
pub fn model_version(features: &Encoder, intercept: f64, coefficients: &[Coefficient]) -> String {
    let fitted = serde_json::to_string(&(features, intercept, coefficients))
        .expect("features and coefficients serialise to JSON");
    format!("model-{}", &sha256_hex(fitted.as_bytes())[..8])
}

/// The logistic function, without overflow for large |z|.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}
