//! The read port of the published scoring versions (the changelog `leadflow publish` writes):
//! the rules page shows them. Each store implements it beside its own changelog; the memory one
//! here serves tests and stores without a changelog.

use std::future::Future;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use leadflow::ports::StoreError;

/// One published version, as the rules page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedVersion {
    pub seq: i64,
    /// e.g. `rules-xxxxxxxx+model-yyyyyyyy@0.5`.
    pub version: String,
    /// `rules`, `model` or `rules+model`: what changed.
    pub kind: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub note: Option<String>,
    /// What changed, one readable line each.
    pub summary: Vec<String>,
    /// The model file's JSON text, when a model is blended in.
    pub model_json: Option<String>,
    pub model_weight: Option<f64>,
    /// The report of the backtest run before publishing (`leadflow backtest --json`).
    pub backtest_json: Option<String>,
}

pub trait VersionLog: Clone + Send + Sync + 'static {
    /// The last `limit` published versions, newest first.
    fn published(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<PublishedVersion>, StoreError>> + Send;
}

/// Versions kept in memory, in publication order.
#[derive(Debug, Clone, Default)]
pub struct MemoryVersions(Arc<RwLock<Vec<PublishedVersion>>>);

impl MemoryVersions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Record `version` as the latest; its `seq` is set to its place (from 1).
    pub fn publish(&self, mut version: PublishedVersion) {
        let mut all = self.0.write().unwrap_or_else(|p| p.into_inner());
        version.seq = all.len() as i64 + 1;
        all.push(version);
    }
}

impl VersionLog for MemoryVersions {
    async fn published(&self, limit: usize) -> Result<Vec<PublishedVersion>, StoreError> {
        let all = self.0.read().unwrap_or_else(|p| p.into_inner());
        Ok(all.iter().rev().take(limit).cloned().collect())
    }
}
