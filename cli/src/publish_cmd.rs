//! `leadflow publish`: record a rules configuration (and the model its `[model]` blends in)
//! as the published scoring version, with who, when and what changed; and
//! `leadflow changelog`: print those records for sales to read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use leadflow::config::Config;
use leadflow::scoring::changes::describe_changes;
use leadflow::scoring::{rules_version, scoring_version, ModelBlend};
use leadflow_predict::hybrid::model_path;
use leadflow_predict::Model;
use leadflow_store_sqlite::{ChangeKind, ChangelogEntry, SqliteStore, DB_FILE};

use crate::config_source;

#[derive(Debug, Args)]
pub struct PublishCmd {
    /// The data directory of `leadflow serve`, where the changelog is kept.
    #[arg(long)]
    pub data: PathBuf,
    /// The configuration to publish (default: the built-in example).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Who publishes it, as the changelog shows it.
    #[arg(long)]
    pub by: String,
    /// Why, in a sentence sales can read.
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChangelogCmd {
    /// The data directory whose changelog to print.
    #[arg(long)]
    pub data: PathBuf,
    /// Print at most this many entries, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

pub fn run_publish(cli: PublishCmd) -> ExitCode {
    match publish(&cli) {
        Ok(entry) => {
            println!("published {} (#{})", entry.version, entry.seq);
            for line in &entry.summary {
                println!("  - {line}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn run_changelog(cli: ChangelogCmd) -> ExitCode {
    match changelog(&cli) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The model a configuration blends in, as the changelog records it.
pub(crate) struct PublishedModel {
    pub(crate) json: String,
    pub(crate) model: Model,
    pub(crate) weight: f64,
}

pub(crate) fn read_model(
    config: &Config,
    config_path: Option<&Path>,
) -> Result<Option<PublishedModel>, String> {
    let Some(section) = &config.model else {
        return Ok(None);
    };
    let dir = config_path
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = model_path(section, dir);
    let json = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the model file {}: {e}", path.display()))?;
    let model = parse_model(&json).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(PublishedModel {
        json,
        model,
        weight: section.weight,
    }))
}

/// A model file's text, as stored in the changelog.
pub fn parse_model(json: &str) -> Result<Model, String> {
    serde_json::from_str(json).map_err(|e| format!("not a leadflow model file: {e}"))
}

/// The model a changelog entry published, blended as it was published.
pub fn published_blend(
    entry: &leadflow_store_sqlite::ChangelogEntry,
) -> Result<Option<leadflow::scoring::ModelBlend>, String> {
    match (&entry.model_json, entry.model_weight) {
        (Some(json), Some(weight)) => Ok(Some(leadflow::scoring::ModelBlend {
            model: std::sync::Arc::new(
                parse_model(json).map_err(|e| format!("the published model: {e}"))?,
            ),
            weight,
            top_contributions: leadflow::config::DEFAULT_TOP_CONTRIBUTIONS,
        })),
        _ => Ok(None),
    }
}

/// Open the store of an existing data directory, without creating one.
pub fn open_existing(data: &Path) -> Result<SqliteStore, String> {
    if !data.join(DB_FILE).is_file() {
        return Err(format!(
            "{} holds no leadflow data ({DB_FILE} not found): nothing is published there yet",
            data.display()
        ));
    }
    SqliteStore::open(data).map_err(|e| e.to_string())
}

fn publish(cli: &PublishCmd) -> Result<ChangelogEntry, String> {
    let (config, blend): (Config, Option<ModelBlend>) =
        config_source::load_with_model(cli.config.as_deref()).map_err(|e| e.to_string())?;
    let model = read_model(&config, cli.config.as_deref())?;
    let rules = rules_version(&config.scoring);
    let version = scoring_version(&rules, blend.as_ref());

    let store = SqliteStore::open(&cli.data).map_err(|e| e.to_string())?;
    let latest = pollster::block_on(store.latest_published()).map_err(|e| e.to_string())?;
    if let Some(latest) = &latest {
        if latest.version == version {
            return Err(format!(
                "{version} is already the published version (#{}, by {} on {}): nothing to publish",
                latest.seq,
                latest.published_by,
                latest.published_at.format("%Y-%m-%d %H:%M UTC")
            ));
        }
    }
    let old_model = latest
        .as_ref()
        .and_then(|l| Some((l.model_json.as_deref()?, l.model_weight?)))
        .map(|(json, weight)| parse_model(json).map(|m| (m.model_version, weight)))
        .transpose()
        .map_err(|e| format!("the published model: {e}"))?;
    let rules_changed = latest
        .as_ref()
        .is_none_or(|l| rules_version(&l.scoring_config) != rules);
    let new_model = model
        .as_ref()
        .map(|m| (m.model.model_version.clone(), m.weight));
    let model_changed = old_model != new_model;
    let kind = match (rules_changed, model_changed) {
        (true, true) => ChangeKind::RulesAndModel,
        (false, true) => ChangeKind::Model,
        _ => ChangeKind::Rules,
    };
    let mut summary = describe_changes(latest.as_ref().map(|l| &l.scoring_config), &config.scoring);
    summary.extend(describe_model_change(old_model.as_ref(), model.as_ref()));

    let mut entry = ChangelogEntry {
        seq: 0,
        version,
        kind,
        published_at: chrono::Utc::now(),
        published_by: cli.by.clone(),
        note: cli.note.clone(),
        summary,
        scoring_config: config.scoring,
        model_json: model.as_ref().map(|m| m.json.clone()),
        model_weight: model.as_ref().map(|m| m.weight),
    };
    entry.seq = pollster::block_on(store.publish(&entry)).map_err(|e| e.to_string())?;
    Ok(entry)
}

/// The model's line(s): added, replaced, reweighted or removed, with its held-out AUC.
fn describe_model_change(old: Option<&(String, f64)>, new: Option<&PublishedModel>) -> Vec<String> {
    let auc = |m: &PublishedModel| format!("held-out AUC {:.3}", m.model.metrics.auc);
    match (old, new) {
        (None, None) => vec![],
        (None, Some(m)) => vec![format!(
            "model {} blended in at weight {} ({})",
            m.model.model_version,
            m.weight,
            auc(m)
        )],
        (Some((version, _)), None) => vec![format!("model {version} removed: rules alone")],
        (Some((version, weight)), Some(m)) => {
            let mut lines = Vec::new();
            if *version != m.model.model_version {
                lines.push(format!(
                    "model {version} → {} ({})",
                    m.model.model_version,
                    auc(m)
                ));
            }
            if *weight != m.weight {
                lines.push(format!("model weight {weight} → {}", m.weight));
            }
            lines
        }
    }
}

fn changelog(cli: &ChangelogCmd) -> Result<String, String> {
    let store = open_existing(&cli.data)?;
    let entries = pollster::block_on(store.changelog(cli.limit)).map_err(|e| e.to_string())?;
    if entries.is_empty() {
        return Ok("nothing published yet\n".to_string());
    }
    let mut out = String::new();
    for entry in entries {
        out.push_str(&format!(
            "#{} {} by {}: {} ({} change)\n",
            entry.seq,
            entry.published_at.format("%Y-%m-%d %H:%M UTC"),
            entry.published_by,
            entry.version,
            entry.kind.as_str()
        ));
        if let Some(note) = &entry.note {
            out.push_str(&format!("    \"{note}\"\n"));
        }
        for line in &entry.summary {
            out.push_str(&format!("    - {line}\n"));
        }
        out.push('\n');
    }
    Ok(out)
}
