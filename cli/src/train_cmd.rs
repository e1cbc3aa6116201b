//! `leadflow train`: fit the logistic-regression lead model on a CSV of historical outcomes,
//! evaluate it on held-out rows and write the versioned model file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use leadflow_predict::{parse_delimiter, run_train, TrainArgs};

#[derive(Debug, Args)]
pub struct TrainCmd {
    #[arg(long)]
    pub csv: PathBuf,
    #[arg(long)]
    pub target: String,
    /// A column to leave out; repeat for several.
    #[arg(long)]
    pub exclude: Vec<String>,
    #[arg(long, default_value = ",")]
    pub delimiter: String,
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 30)]
    pub min_level_count: usize,
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    #[arg(long, default_value_t = 1000)]
    pub max_iterations: u64,
    #[arg(long, default_value_t = 1e-4)]
    pub gradient_tolerance: f64,
    /// Write {auc, log_loss, brier, fit_seconds, rows...} as JSON here.
    #[arg(long)]
    pub summary_json: Option<PathBuf>,
}

pub fn run(cli: TrainCmd) -> ExitCode {
    match train(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn train(cli: TrainCmd) -> Result<(), String> {
    let delimiter = parse_delimiter(&cli.delimiter).map_err(|e| e.to_string())?;
    let mut args = TrainArgs::new(cli.csv, &cli.target, chrono::Utc::now());
    args.delimiter = delimiter;
    args.out = cli.out;
    args.options.exclude = cli.exclude;
    args.options.seed = cli.seed;
    args.options.min_level_count = cli.min_level_count;
    args.options.alpha = cli.alpha;
    args.options.max_iterations = cli.max_iterations;
    args.options.gradient_tolerance = cli.gradient_tolerance;
    let report = run_train(&args).map_err(|e| e.to_string())?;
    print!("{}", report.render());
    if let Some(path) = cli.summary_json {
        let model = &report.model;
        let summary = serde_json::json!({
            "auc": model.metrics.auc,
            "log_loss": model.metrics.log_loss,
            "brier": model.metrics.brier,
            "fit_seconds": report.fit_seconds,
            "train_rows": model.training_data.split.train_rows,
            "test_rows": model.training_data.split.test_rows,
            "test_positives": model.metrics.positives,
            "design_columns": model.coefficients.len(),
            "model_version": model.model_version,
        });
        std::fs::write(&path, summary.to_string())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
