//! Training: CSV in, evaluated model out.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use leadflow::config::TierThresholds;
use linfa::traits::Fit;
use linfa::Dataset;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};

use crate::columns::plan_columns;
use crate::encoding::Encoder;
use crate::error::PredictError;
use crate::metrics::Evaluation;
use crate::model::{
    linear_log_odds, model_version, sigmoid, Coefficient, FitSettings, Model, TrainingData,
    FORMAT_VERSION,
};
use crate::split::{Split, SplitRule};
use crate::table::Table;
use crate::values::parse_outcome;

/// Training refuses data with fewer positive or fewer negative outcomes than this.
pub const MIN_OUTCOMES_PER_CLASS: usize = 100;

/// What `leadflow train` passes in.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainArgs {
    pub csv: PathBuf,
    /// A single ASCII byte; see [`parse_delimiter`].
    pub delimiter: u8,
    /// Where to write the model file; `None` evaluates only.
    pub out: Option<PathBuf>,
    pub options: TrainOptions,
}

impl TrainArgs {
    /// Comma-separated, no model file, default options.
    pub fn new(csv: impl Into<PathBuf>, target: &str, trained_at: DateTime<Utc>) -> TrainArgs {
        TrainArgs {
            csv: csv.into(),
            delimiter: b',',
            out: None,
            options: TrainOptions::new(target, trained_at),
        }
    }
}

/// Everything about training except where the data comes from and goes to.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub target: String,
    /// Columns left out, e.g. those filled in after sales contact.
    pub exclude: Vec<String>,
    pub seed: u64,
    pub trained_at: DateTime<Utc>,
    /// Categorical levels seen fewer times than this in training are grouped as `__other__`.
    pub min_level_count: usize,
    /// L2 weight; scikit-learn's `C` is `1 / alpha`.
    pub alpha: f64,
    pub max_iterations: u64,
    pub gradient_tolerance: f64,
    /// Tier floors on the 0-100 score (probability * 100).
    pub tier_thresholds: TierThresholds,
}

impl TrainOptions {
    /// Seed 42; levels rarer than 30 grouped; alpha 1 (sklearn's default C = 1);
    /// tiers A >= 80, B >= 60, C >= 40 as in the example config.
    pub fn new(target: &str, trained_at: DateTime<Utc>) -> TrainOptions {
        TrainOptions {
            target: target.to_string(),
            exclude: Vec::new(),
            seed: 42,
            trained_at,
            min_level_count: 30,
            alpha: 1.0,
            max_iterations: 1000,
            gradient_tolerance: 1e-4,
            tier_thresholds: TierThresholds {
                a: 80.0,
                b: 60.0,
                c: 40.0,
            },
        }
    }
}

/// The outcome of [`run_train`]; [`TrainReport::render`] gives the human report.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    pub csv: PathBuf,
    pub model: Model,
    /// Where the model file was written, if it was.
    pub written_to: Option<PathBuf>,
    /// Wall time of the logistic-regression fit alone.
    pub fit_seconds: f64,
}

/// `,` `;` `|` ... or `tab` / `\t`.
pub fn parse_delimiter(text: &str) -> Result<u8, PredictError> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(PredictError::BadDelimiter(text.to_string())),
    }
}

/// Reads the CSV, trains and evaluates, and writes the model file when `args.out` is set.
pub fn run_train(args: &TrainArgs) -> Result<TrainReport, PredictError> {
    let table = Table::from_path(&args.csv, args.delimiter)?;
    let (model, fit_seconds) = train_table(&table, &args.options)?;
    if let Some(path) = &args.out {
        write_model(&model, path)?;
    }
    Ok(TrainReport {
        csv: args.csv.clone(),
        model,
        written_to: args.out.clone(),
        fit_seconds,
    })
}

pub fn write_model(model: &Model, path: &Path) -> Result<(), PredictError> {
    std::fs::write(path, model.to_json() + "\n").map_err(|source| PredictError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Trains on the seeded training split of `table` and evaluates on the held-out rows.
/// Returns the model and the seconds the fit took.
pub fn train_table(table: &Table, options: &TrainOptions) -> Result<(Model, f64), PredictError> {
    check_options(options)?;
    let outcomes = read_outcomes(table, &options.target)?;
    let positives = outcomes.iter().filter(|&&o| o).count();
    let negatives = outcomes.len() - positives;
    if positives < MIN_OUTCOMES_PER_CLASS || negatives < MIN_OUTCOMES_PER_CLASS {
        return Err(PredictError::TooFewOutcomes {
            column: options.target.clone(),
            positives,
            negatives,
            minimum: MIN_OUTCOMES_PER_CLASS,
        });
    }

    let split = Split::holdout(table.rows.len(), options.seed);
    let columns = plan_columns(table, &options.target, &options.exclude, &split.train)?;
    let encoder = Encoder::fit(table, &columns, &split.train, options.min_level_count);
    if encoder.features.is_empty() {
        let excluded: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        return Err(PredictError::NoFeatures {
            excluded: excluded.join(", "),
        });
    }

    let design = design_matrix(table, &encoder, &split.train);
    let targets: Array1<bool> = split.train.iter().map(|&r| outcomes[r]).collect();
    let started = Instant::now();
    let fitted = LogisticRegression::default()
        .alpha(options.alpha)
        .max_iterations(options.max_iterations)
        .gradient_tolerance(options.gradient_tolerance)
        .fit(&Dataset::new(design, targets))?;
    let fit_seconds = started.elapsed().as_secs_f64();

    // linfa models the probability of its "positive" label, which is the MORE FREQUENT class,
    // not necessarily `true`; flip the signs so the model always gives P(outcome = true).
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let coefficients: Vec<Coefficient> = encoder
        .column_names()
        .into_iter()
        .zip(fitted.params().iter())
        .map(|(column, &weight)| Coefficient {
            column,
            weight: sign * weight,
        })
        .collect();
    let intercept = sign * fitted.intercept();
    let metrics = evaluate(
        &encoder,
        intercept,
        &coefficients,
        table,
        &split.test,
        &outcomes,
        options,
    )?;
    let model = Model {
        format_version: FORMAT_VERSION,
        model_version: model_version(&encoder, intercept, &coefficients),
        trained_at: options.trained_at,
        target: options.target.clone(),
        features: encoder,
        intercept,
        coefficients,
        metrics,
        training_data: TrainingData {
            rows: table.rows.len(),
            positives,
            negatives,
            sha256: table.sha256.clone(),
            split: SplitRule::describe(&split, options.seed),
            columns,
        },
        settings: FitSettings {
            solver: "linfa-logistic 0.8.1 (L-BFGS, L2 penalty, intercept not penalised)"
                .to_string(),
            alpha: options.alpha,
            max_iterations: options.max_iterations,
            gradient_tolerance: options.gradient_tolerance,
            min_level_count: options.min_level_count,
        },
    };
    Ok((model, fit_seconds))
}

fn check_options(options: &TrainOptions) -> Result<(), PredictError> {
    if !(options.alpha.is_finite() && options.alpha >= 0.0) {
        return Err(PredictError::BadOption {
            option: "alpha",
            reason: format!("{} is not a finite number >= 0", options.alpha),
        });
    }
    if !(options.gradient_tolerance.is_finite() && options.gradient_tolerance > 0.0) {
        return Err(PredictError::BadOption {
            option: "gradient_tolerance",
            reason: format!("{} is not a finite number > 0", options.gradient_tolerance),
        });
    }
    if options.min_level_count == 0 {
        return Err(PredictError::BadOption {
            option: "min_level_count",
            reason: "must be at least 1".to_string(),
        });
    }
    Ok(())
}

/// The outcome of every row; an unreadable outcome is an error naming the row.
fn read_outcomes(table: &Table, target: &str) -> Result<Vec<bool>, PredictError> {
    let column = table.column_index(target)?;
    table
        .rows
        .iter()
        .enumerate()
        .map(|(row, cells)| {
            parse_outcome(&cells[column]).ok_or_else(|| PredictError::BadTarget {
                column: target.to_string(),
                row: row + 1,
                value: cells[column].clone(),
            })
        })
        .collect()
}

fn design_matrix(table: &Table, encoder: &Encoder, rows: &[usize]) -> Array2<f64> {
    let width = encoder.width();
    let mut design = Array2::zeros((rows.len(), width));
    for (i, &row) in rows.iter().enumerate() {
        let encoded = encoder.encode_table_row(table, row);
        design.row_mut(i).assign(&Array1::from(encoded));
    }
    design
}

/// Scores the held-out rows with the same linear predictor a loaded model file uses,
/// so the metrics describe exactly what the file computes.
fn evaluate(
    encoder: &Encoder,
    intercept: f64,
    coefficients: &[Coefficient],
    table: &Table,
    test_rows: &[usize],
    outcomes: &[bool],
    options: &TrainOptions,
) -> Result<Evaluation, PredictError> {
    let probabilities: Vec<f64> = test_rows
        .iter()
        .map(|&row| {
            let design = encoder.encode_table_row(table, row);
            sigmoid(linear_log_odds(intercept, coefficients, &design))
        })
        .collect();
    let test_outcomes: Vec<bool> = test_rows.iter().map(|&row| outcomes[row]).collect();
    Evaluation::of(&probabilities, &test_outcomes, &options.tier_thresholds).ok_or_else(|| {
        let positives = test_outcomes.iter().filter(|&&o| o).count();
        PredictError::OneClassSplit {
            column: options.target.clone(),
            positives,
            negatives: test_outcomes.len() - positives,
        }
    })
}
