//! Hybrid scoring: a predictive model's score blended with the rules,
//! `total = (1 - weight) * rules_total + weight * probability * 100`.
//!
//! The domain never loads a model: it takes one already loaded, through [`LeadModel`], which
//! the `leadflow-predict` crate implements. So this crate needs no numeric library.

use std::fmt;
use std::sync::Arc;

use crate::config::ModelConfig;
use crate::domain::Lead;

/// A model's view of one lead.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScore {
    /// Probability of conversion, in [0, 1].
    pub probability: f64,
    /// (feature, log-odds) of the lead's non-zero contributions, largest absolute value first.
    pub contributions: Vec<(String, f64)>,
}

/// A loaded predictive model.
pub trait LeadModel: Send + Sync {
    /// The version every score computed with it records, e.g. `model-ee325d5f`.
    fn version(&self) -> &str;
    fn score(&self, lead: &Lead) -> ModelScore;
}

/// A loaded model and how it blends with the rules (`[model]` of the config).
#[derive(Clone)]
pub struct ModelBlend {
    pub model: Arc<dyn LeadModel>,
    /// In [0, 1]: 0 is the rules alone, 1 the model alone.
    pub weight: f64,
    /// How many of the model's largest contributions the explanation lists.
    pub top_contributions: usize,
}

impl ModelBlend {
    pub fn new(model: Arc<dyn LeadModel>, config: &ModelConfig) -> ModelBlend {
        ModelBlend {
            model,
            weight: config.weight,
            top_contributions: config.top_contributions,
        }
    }
}

impl fmt::Debug for ModelBlend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelBlend")
            .field("model", &self.model.version())
            .field("weight", &self.weight)
            .field("top_contributions", &self.top_contributions)
            .finish()
    }
}

/// The version a score records: the rules version alone, or
/// `rules-xxxxxxxx+model-yyyyyyyy@weight` when a model is blended in (a different weight
/// gives different scores, so it is part of the version).
pub fn scoring_version(rules_version: &str, blend: Option<&ModelBlend>) -> String {
    match blend {
        None => rules_version.to_string(),
        Some(b) => format!("{rules_version}+{}@{}", b.model.version(), b.weight),
    }
}

/// What a score is computed with: the version it records and the model blended in, if any.
/// A plain `&str` converts into rules-only scoring.
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    pub version: &'a str,
    pub model: Option<&'a ModelBlend>,
}

impl<'a> Scorer<'a> {
    pub fn rules(version: &'a str) -> Scorer<'a> {
        Scorer {
            version,
            model: None,
        }
    }
}

impl<'a> From<&'a str> for Scorer<'a> {
    fn from(version: &'a str) -> Self {
        Scorer::rules(version)
    }
}

impl<'a> From<&'a String> for Scorer<'a> {
    fn from(version: &'a String) -> Self {
        Scorer::rules(version)
    }
}

#[cfg(test)]
#[path = "hybrid_tests.rs"]
mod tests;
