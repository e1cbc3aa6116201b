//! The dashboard's view of the changelog `leadflow publish` keeps in the SQLite store.

use leadflow::ports::StoreError;
use leadflow_dashboard::{PublishedVersion, VersionLog};
use leadflow_store_sqlite::{ChangelogEntry, SqliteStore};

/// The published versions of `serve`'s data directory.
#[derive(Clone)]
pub struct SqliteVersions(pub SqliteStore);

fn version(entry: ChangelogEntry) -> PublishedVersion {
    PublishedVersion {
        seq: entry.seq,
        version: entry.version,
        kind: entry.kind.as_str().to_string(),
        published_at: entry.published_at,
        published_by: entry.published_by,
        note: entry.note,
        summary: entry.summary,
        model_json: entry.model_json,
        model_weight: entry.model_weight,
        backtest_json: entry.backtest_json,
    }
}

impl VersionLog for SqliteVersions {
    async fn published(&self, limit: usize) -> Result<Vec<PublishedVersion>, StoreError> {
        Ok(self
            .0
            .changelog(limit)
            .await?
            .into_iter()
            .map(version)
            .collect())
    }
}
