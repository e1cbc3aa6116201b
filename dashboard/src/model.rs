//! What the rules page reads of a published model file (`leadflow train --out`): its version,
//! coefficients and held-out evaluation. Only those fields are read, so the dashboard does not
//! build the training crate; a model file with other fields beside them still reads.

use chrono::{DateTime, Utc};
use leadflow::domain::Tier;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelSummary {
    pub model_version: String,
    pub trained_at: DateTime<Utc>,
    pub target: String,
    pub intercept: f64,
    pub coefficients: Vec<Coefficient>,
    pub metrics: Evaluation,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Coefficient {
    pub column: String,
    pub weight: f64,
}

/// Measured on the rows the fit did not see.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Evaluation {
    pub rows: usize,
    pub positives: usize,
    pub auc: f64,
    pub calibration: Vec<CalibrationBin>,
    pub tiers: Vec<TierOutcome>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CalibrationBin {
    pub decile: usize,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TierOutcome {
    pub tier: Tier,
    pub leads: usize,
    pub conversions: usize,
    pub conversion_rate: Option<f64>,
    pub lift: Option<f64>,
}

impl ModelSummary {
    pub fn parse(json: &str) -> Result<ModelSummary, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The `n` coefficients of largest magnitude, largest first.
    pub fn largest_coefficients(&self, n: usize) -> Vec<&Coefficient> {
        let mut all: Vec<&Coefficient> = self.coefficients.iter().collect();
        all.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        all.truncate(n);
        all
    }
}
