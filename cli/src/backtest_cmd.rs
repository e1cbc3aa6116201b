//! `leadflow backtest`: score historical leads with a rules configuration and/or a model,
//! before publishing them, and compare with the baseline's tiers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use leadflow::config::{ScoringConfig, TierThresholds};
use leadflow::scoring::{rules_version, scoring_version, ModelBlend};
use leadflow_predict::backtest::{
    backtest, ActivityColumn, BacktestReport, HistoricalLeads, Scoring,
};
use leadflow_predict::table::Table;
use leadflow_predict::{parse_delimiter, Model};

use crate::{config_source, publish_cmd};

#[derive(Debug, Args)]
pub struct BacktestCmd {
    /// Historical leads, one row each, with their outcome.
    #[arg(long)]
    pub csv: PathBuf,
    /// The outcome column (default: the model's target).
    #[arg(long)]
    pub target: Option<String>,
    /// A rules configuration to test; its fields name CSV columns.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// A model file to test.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// `COLUMN=SIGNAL`: read a numeric column as that many events of an engagement signal
    /// (at the scoring instant, undecayed). Repeat for several.
    #[arg(long)]
    pub activity: Vec<String>,
    /// The rules configuration to compare tiers against.
    #[arg(long)]
    pub baseline_config: Option<PathBuf>,
    /// The model to compare tiers against.
    #[arg(long, conflicts_with = "baseline_config")]
    pub baseline_model: Option<PathBuf>,
    /// A data directory: without --baseline-config or --baseline-model, compare with the
    /// version published there last (`leadflow publish`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, default_value = ",")]
    pub delimiter: String,
    /// Also write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn run(cli: BacktestCmd) -> ExitCode {
    match run_backtest(&cli) {
        Ok(report) => {
            print!("{}", report.render());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A rules configuration, with the model its `[model]` section blends in, and its version.
struct Rules {
    scoring: ScoringConfig,
    model: Option<ModelBlend>,
    version: String,
}

impl Rules {
    fn label(&self, prefix: &str) -> String {
        let what = if self.model.is_some() {
            "rules+model"
        } else {
            "rules"
        };
        format!("{prefix}{what}")
    }

    fn scoring<'a>(&'a self, activity: &'a [ActivityColumn]) -> Scoring<'a> {
        Scoring::Rules {
            scoring: &self.scoring,
            version: &self.version,
            model: self.model.as_ref(),
            activity,
        }
    }
}

fn load_config(path: &Path) -> Result<Rules, String> {
    let (config, model) =
        config_source::load_with_model(Some(path), config_source::Purpose::Offline)
            .map_err(|e| e.to_string())?;
    let version = scoring_version(&rules_version(&config.scoring), model.as_ref());
    Ok(Rules {
        scoring: config.scoring,
        model,
        version,
    })
}

/// The version published last in `data`, with its model as stored in the changelog.
fn load_published(data: &Path) -> Result<Rules, String> {
    let store = publish_cmd::open_existing(data)?;
    let entry = pollster::block_on(store.latest_published())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "nothing is published in {} yet: publish with `leadflow publish` or give --baseline-config",
                data.display()
            )
        })?;
    let model = publish_cmd::published_blend(&entry)?;
    Ok(Rules {
        scoring: entry.scoring_config,
        model,
        version: entry.version,
    })
}

fn load_model(path: &Path) -> Result<Model, String> {
    Model::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run_backtest(cli: &BacktestCmd) -> Result<BacktestReport, String> {
    if cli.config.is_none() && cli.model.is_none() {
        return Err("give --config (rules) and/or --model to backtest".to_string());
    }
    let config = cli.config.as_deref().map(load_config).transpose()?;
    let model = cli.model.as_deref().map(load_model).transpose()?;
    let baseline_config = match (&cli.baseline_config, &cli.baseline_model, &cli.data) {
        (Some(path), _, _) => Some(load_config(path)?),
        (None, None, Some(data)) => Some(load_published(data)?),
        _ => None,
    };
    let baseline_prefix = if cli.baseline_config.is_none() && cli.data.is_some() {
        "published "
    } else {
        "baseline "
    };
    let baseline_model = cli.baseline_model.as_deref().map(load_model).transpose()?;
    let activity: Vec<ActivityColumn> = cli
        .activity
        .iter()
        .map(|a| ActivityColumn::parse(a))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;

    let target = match (&cli.target, &model) {
        (Some(t), _) => t.clone(),
        (None, Some(m)) => m.target.clone(),
        (None, None) => return Err("give --target, the outcome column".to_string()),
    };
    let delimiter = parse_delimiter(&cli.delimiter).map_err(|e| e.to_string())?;
    let table = Table::from_path(&cli.csv, delimiter).map_err(|e| e.to_string())?;
    for mapping in &activity {
        table
            .column_index(&mapping.column)
            .map_err(|e| e.to_string())?;
    }
    let data = HistoricalLeads::from_table(&table, &target, chrono::Utc::now())
        .map_err(|e| e.to_string())?;

    // A model alone is tiered with the config's thresholds when one is given, else with the
    // thresholds it was evaluated with in training.
    let model_tiers = |m: &Model| -> TierThresholds {
        config
            .as_ref()
            .map_or(m.metrics.tier_thresholds, |r| r.scoring.tiers)
    };
    let labels = (
        config.as_ref().map(|r| r.label("")),
        baseline_config.as_ref().map(|r| r.label(baseline_prefix)),
    );
    let mut candidates: Vec<(&str, Scoring<'_>)> = Vec::new();
    if let (Some(rules), Some(label)) = (&config, &labels.0) {
        candidates.push((label, rules.scoring(&activity)));
    }
    if let Some(model) = &model {
        candidates.push((
            "model",
            Scoring::Model {
                model,
                tiers: model_tiers(model),
            },
        ));
    }
    let baseline = match (&baseline_config, &labels.1, &baseline_model) {
        (Some(rules), Some(label), _) => Some((label.as_str(), rules.scoring(&activity))),
        (_, _, Some(model)) => Some((
            "baseline model",
            Scoring::Model {
                model,
                tiers: model_tiers(model),
            },
        )),
        _ => None,
    };
    let report =
        backtest(&data, &candidates, baseline, chrono::Utc::now()).map_err(|e| e.to_string())?;
    if let Some(path) = &cli.json {
        let json = serde_json::to_string_pretty(&report).expect("a report serialises");
        std::fs::write(path, json + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(report)
}
