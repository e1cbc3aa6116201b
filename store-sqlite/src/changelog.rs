//! The changelog of published scoring versions: who published which rules and model, when,
//! and what changed, in lines sales can read.

use chrono::{DateTime, Utc};
use leadflow::config::ScoringConfig;
use leadflow::ports::StoreError;
use rusqlite::{OptionalExtension, Row, Transaction};

use crate::codec::{from_instant, from_json, instant, to_json};
use crate::error::{Failure, SqliteError};
use crate::store::SqliteStore;

/// What a publication changed, relative to the previous one (the first one: what it holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Rules,
    Model,
    RulesAndModel,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Rules => "rules",
            ChangeKind::Model => "model",
            ChangeKind::RulesAndModel => "rules+model",
        }
    }

    fn parse(text: &str) -> Result<ChangeKind, SqliteError> {
        match text {
            "rules" => Ok(ChangeKind::Rules),
            "model" => Ok(ChangeKind::Model),
            "rules+model" => Ok(ChangeKind::RulesAndModel),
            other => Err(SqliteError::UnknownValue {
                field: "changelog.kind",
                value: other.to_string(),
            }),
        }
    }
}

/// A published version: `seq` orders the changelog (0 before it is recorded).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangelogEntry {
    pub seq: i64,
    /// The scoring version scores computed with it record, e.g. `rules-xxxxxxxx+model-yyyyyyyy@0.5`.
    pub version: String,
    pub kind: ChangeKind,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub note: Option<String>,
    /// What changed, one readable line each.
    pub summary: Vec<String>,
    pub scoring_config: ScoringConfig,
    /// The model file's JSON text, when a model is blended in.
    pub model_json: Option<String>,
    pub model_weight: Option<f64>,
    /// The report of the backtest run before publishing (`leadflow backtest --json`), if one
    /// was attached: what the version was expected to change.
    pub backtest_json: Option<String>,
}

const COLUMNS: &str = "seq, version, kind, published_at, published_by, note, summary, \
                       scoring_config, model_json, model_weight, backtest_json";

impl SqliteStore {
    /// Record `entry` as the latest published version; returns its `seq`.
    pub async fn publish(&self, entry: &ChangelogEntry) -> Result<i64, StoreError> {
        let entry = entry.clone();
        let at = instant("published_at", entry.published_at)?;
        let summary = to_json("changelog summary", &entry.summary)?;
        let config = to_json("scoring config", &entry.scoring_config)?;
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO changelog (version, kind, published_at, published_by, note, \
                 summary, scoring_config, model_json, model_weight, backtest_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(rusqlite::params![
                entry.version,
                entry.kind.as_str(),
                at,
                entry.published_by,
                entry.note,
                summary,
                config,
                entry.model_json,
                entry.model_weight,
                entry.backtest_json,
            ])?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// The last `limit` published versions, newest first.
    pub async fn changelog(&self, limit: usize) -> Result<Vec<ChangelogEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |tx| {
            let sql = format!("SELECT {COLUMNS} FROM changelog ORDER BY seq DESC LIMIT ?1");
            let mut stmt = tx.prepare_cached(&sql)?;
            let rows = stmt.query_map([limit], raw_entry)?;
            let mut entries = Vec::new();
            for row in rows {
                entries.push(row?.decode()?);
            }
            Ok(entries)
        })
        .await
    }

    /// The version published last, if any.
    pub async fn latest_published(&self) -> Result<Option<ChangelogEntry>, StoreError> {
        self.read(latest_tx).await
    }
}

fn latest_tx(tx: &Transaction<'_>) -> Result<Option<ChangelogEntry>, Failure> {
    let sql = format!("SELECT {COLUMNS} FROM changelog ORDER BY seq DESC LIMIT 1");
    let raw = tx
        .prepare_cached(&sql)?
        .query_row([], raw_entry)
        .optional()?;
    Ok(raw.map(RawEntry::decode).transpose()?)
}

/// A row as stored, before its JSON columns are decoded.
struct RawEntry {
    seq: i64,
    version: String,
    kind: String,
    published_at: i64,
    published_by: String,
    note: Option<String>,
    summary: String,
    scoring_config: String,
    model_json: Option<String>,
    model_weight: Option<f64>,
    backtest_json: Option<String>,
}

fn raw_entry(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
    Ok(RawEntry {
        seq: row.get(0)?,
        version: row.get(1)?,
        kind: row.get(2)?,
        published_at: row.get(3)?,
        published_by: row.get(4)?,
        note: row.get(5)?,
        summary: row.get(6)?,
        scoring_config: row.get(7)?,
        model_json: row.get(8)?,
        model_weight: row.get(9)?,
        backtest_json: row.get(10)?,
    })
}

impl RawEntry {
    fn decode(self) -> Result<ChangelogEntry, SqliteError> {
        Ok(ChangelogEntry {
            seq: self.seq,
            version: self.version,
            kind: ChangeKind::parse(&self.kind)?,
            published_at: from_instant(self.published_at),
            published_by: self.published_by,
            note: self.note,
            summary: from_json("changelog summary", &self.summary)?,
            scoring_config: from_json("changelog scoring config", &self.scoring_config)?,
            model_json: self.model_json,
            model_weight: self.model_weight,
            backtest_json: self.backtest_json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadflow::config::{self, EXAMPLE_SOURCE, EXAMPLE_TOML};

    fn entry(version: &str, by: &str, at: &str) -> ChangelogEntry {
        let config = config::load_str(EXAMPLE_TOML, EXAMPLE_SOURCE, &config::no_env)
            .expect("the example loads");
        ChangelogEntry {
            seq: 0,
            version: version.to_string(),
            kind: ChangeKind::Rules,
            published_at: at.parse().unwrap(),
            published_by: by.to_string(),
            note: Some("first".to_string()),
            summary: vec!["tier A threshold 80 → 85".to_string()],
            scoring_config: config.scoring,
            model_json: None,
            model_weight: None,
            backtest_json: None,
        }
    }

    #[test]
    fn published_entries_come_back_newest_first_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(block_on(store.latest_published()).unwrap(), None);
        let first = entry("rules-00000001", "ana", "2026-11-02T09:00:00Z");
        let mut second = entry("rules-00000002", "ben", "2026-11-03T09:00:00Z");
        second.kind = ChangeKind::RulesAndModel;
        second.model_json = Some("{}".to_string());
        second.model_weight = Some(0.5);
        second.backtest_json = Some(r#"{"rows":1}"#.to_string());
        second.note = None;
        let s1 = block_on(store.publish(&first)).unwrap();
        let s2 = block_on(store.publish(&second)).unwrap();
        assert!(s2 > s1);
        let log = block_on(store.changelog(10)).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(
            log[0],
            ChangelogEntry {
                seq: s2,
                ..second.clone()
            }
        );
        assert_eq!(log[1], ChangelogEntry { seq: s1, ..first });
        assert_eq!(block_on(store.changelog(1)).unwrap().len(), 1);
        let latest = block_on(store.latest_published()).unwrap().unwrap();
        assert_eq!(latest.version, "rules-00000002");
    }

    /// The store is async; a small runtime drives it in the test.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }
}
