//! `leadflow publish`: record a rules configuration (and the model its `[model]` blends in)
//! as the published scoring version, with who, when and what changed; and
//! `leadflow changelog`: print those records for sales to read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use leadflow::config::Config;
use leadflow::scoring::changes::describe_changes;
use leadflow::scoring::published::{PublishedScoring, SSM_ADVANCED_LIMIT, SSM_STANDARD_LIMIT};
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
    /// The report of the backtest run on this version (`leadflow backtest --json FILE`),
    /// kept with it: the rules page shows what it said would change.
    #[arg(long)]
    pub backtest: Option<PathBuf>,
    /// Also write the published version as the JSON document the AWS functions read from
    /// the SSM parameter `/<prefix>/<stage>/published`
    /// (`aws ssm put-parameter --value file://FILE`).
    #[arg(long)]
    pub aws_document: Option<PathBuf>,
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
        Ok((entry, document)) => {
            println!("published {} (#{})", entry.version, entry.seq);
            for line in &entry.summary {
                println!("  - {line}");
            }
            if let (Some(path), Some((text, tier))) = (&cli.aws_document, document) {
                if let Err(e) = std::fs::write(path, text) {
                    eprintln!(
                        "error: --aws-document: published, but cannot write {}: {e}",
                        path.display()
                    );
                    return ExitCode::FAILURE;
                }
                println!(
                    "wrote {}: aws ssm put-parameter --name /leadflow/<stage>/published --type String --tier {tier} --overwrite --value file://{}",
                    path.display(),
                    path.display()
                );
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

/// The entry published, and the AWS document with its SSM tier when one was asked for.
type Published = (ChangelogEntry, Option<(String, &'static str)>);

fn publish(cli: &PublishCmd) -> Result<Published, String> {
    let (config, blend): (Config, Option<ModelBlend>) =
        config_source::load_with_model(cli.config.as_deref(), config_source::Purpose::Offline)
            .map_err(|e| e.to_string())?;
    let model = read_model(&config, cli.config.as_deref())?;
    let rules = rules_version(&config.scoring);
    let version = scoring_version(&rules, blend.as_ref());

    let backtest_json = cli
        .backtest
        .as_deref()
        .map(|path| read_backtest(path, &version))
        .transpose()?;

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
        backtest_json,
    };
    // Checked before publishing: a document SSM refuses would only fail at put-parameter.
    let document = cli
        .aws_document
        .as_ref()
        .map(|_| aws_document(&entry))
        .transpose()?;
    entry.seq = pollster::block_on(store.publish(&entry)).map_err(|e| e.to_string())?;
    Ok((entry, document))
}

/// The text of a `leadflow backtest --json` report, refused unless one of its candidates is
/// `version`: a backtest of other rules says nothing about what this one will change.
fn read_backtest(path: &Path, version: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--backtest: cannot read {}: {e}", path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "--backtest: {} is not a backtest report: {e}",
            path.display()
        )
    })?;
    let tested: Vec<&str> = report
        .get("candidates")
        .and_then(|c| c.as_array())
        .ok_or_else(|| {
            format!(
                "--backtest: {} has no `candidates`: write it with `leadflow backtest --json`",
                path.display()
            )
        })?
        .iter()
        .filter_map(|c| c.pointer("/outcome/version")?.as_str())
        .collect();
    if !tested.contains(&version) {
        return Err(format!(
            "--backtest: {} tested {}, not the version being published ({version}): backtest this configuration first",
            path.display(),
            if tested.is_empty() {
                "nothing".to_string()
            } else {
                tested.join(", ")
            }
        ));
    }
    Ok(text)
}

/// The published version as the AWS functions read it, and the SSM tier it needs; refused
/// when no SSM parameter can hold it.
fn aws_document(entry: &ChangelogEntry) -> Result<(String, &'static str), String> {
    let document = PublishedScoring {
        version: entry.version.clone(),
        published_at: entry.published_at,
        published_by: entry.published_by.clone(),
        note: entry.note.clone(),
        summary: entry.summary.clone(),
        scoring: entry.scoring_config.clone(),
        model_json: entry.model_json.clone(),
        model_weight: entry.model_weight,
        backtest_json: entry.backtest_json.clone(),
    };
    let text = serde_json::to_string(&document).map_err(|e| e.to_string())?;
    let tier = match text.len() {
        n if n <= SSM_STANDARD_LIMIT => "Standard",
        n if n <= SSM_ADVANCED_LIMIT => "Advanced",
        n => {
            return Err(format!(
                "--aws-document: the version is {n} bytes, more than an SSM parameter holds ({SSM_ADVANCED_LIMIT} in the advanced tier): nothing published"
            ))
        }
    };
    Ok((text, tier))
}

/// One line of what the attached backtest said of `version`.
fn backtest_line(json: &str, version: &str) -> String {
    let Ok(report) = serde_json::from_str::<serde_json::Value>(json) else {
        return "backtest: the attached report does not read".to_string();
    };
    let number =
        |v: &serde_json::Value, key: &str| v.get(key).and_then(|n| n.as_u64()).unwrap_or(0);
    let auc = |outcome: &serde_json::Value| {
        outcome
            .get("auc")
            .and_then(|a| a.as_f64())
            .map_or("-".to_string(), |a| format!("{a:.3}"))
    };
    let mut line = format!(
        "backtest on {} historical leads ({} converted)",
        number(&report, "rows"),
        number(&report, "positives")
    );
    let candidate = report
        .get("candidates")
        .and_then(|c| c.as_array())
        .and_then(|c| {
            c.iter()
                .find(|c| c.pointer("/outcome/version").and_then(|v| v.as_str()) == Some(version))
        });
    if let Some(candidate) = candidate {
        line.push_str(&format!(": AUC {}", auc(&candidate["outcome"])));
        if let (Some(changes), Some(baseline)) = (candidate.get("changes"), report.get("baseline"))
        {
            if !baseline.is_null() && !changes.is_null() {
                line.push_str(&format!(
                    " ({} {}); {} leads change tier against {} ({} up, {} down)",
                    baseline["label"].as_str().unwrap_or("baseline"),
                    auc(baseline),
                    number(changes, "changed"),
                    baseline["label"].as_str().unwrap_or("baseline"),
                    number(changes, "up"),
                    number(changes, "down"),
                ));
            }
        }
    }
    line
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
        if let Some(json) = &entry.backtest_json {
            out.push_str(&format!("    {}\n", backtest_line(json, &entry.version)));
        }
        out.push('\n');
    }
    Ok(out)
}
