//! Every way training, loading or scoring can fail.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot parse CSV {origin}: {source}")]
    Csv { origin: String, source: csv::Error },
    #[error("CSV {origin} has no data rows")]
    NoRows { origin: String },
    #[error("column `{column}` is not in the CSV header (columns: {available})")]
    UnknownColumn { column: String, available: String },
    #[error("target column `{column}`, data row {row}: {value:?} is not an outcome; use 1/0, true/false or yes/no")]
    BadTarget {
        column: String,
        row: usize,
        value: String,
    },
    #[error(
        "refusing to train: target `{column}` has {positives} positive and {negatives} negative \
         outcomes; at least {minimum} of each are needed"
    )]
    TooFewOutcomes {
        column: String,
        positives: usize,
        negatives: usize,
        minimum: usize,
    },
    #[error("the held-out split of target `{column}` has {positives} positive and {negatives} negative rows; both classes are needed to evaluate")]
    OneClassSplit {
        column: String,
        positives: usize,
        negatives: usize,
    },
    #[error("no feature columns remain after exclusions (excluded: {excluded})")]
    NoFeatures { excluded: String },
    #[error("delimiter {0:?} must be a single ASCII character or `tab`")]
    BadDelimiter(String),
    #[error("option `{option}` is invalid: {reason}")]
    BadOption {
        option: &'static str,
        reason: String,
    },
    #[error("logistic regression failed to fit: {0}")]
    Fit(#[from] linfa_logistic::error::Error),
    #[error("model file is not valid JSON for this format: {0}")]
    ModelJson(#[from] serde_json::Error),
    #[error("model file format_version {found} is not supported (this build reads {supported})")]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error("model file is inconsistent: the features encode to {encoded} columns but there are {coefficients} coefficients")]
    ModelShape { encoded: usize, coefficients: usize },
}
