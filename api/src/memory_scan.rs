//! `LeadScan` for the memory store (tests, the demo).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::domain::Lead;
use leadflow::metrics::LeadFacts;
use leadflow::ports::StoreError;

use crate::state::LeadScan;

impl LeadScan for MemoryStore {
    async fn leads_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        Ok(self
            .all_leads()
            .into_iter()
            .filter(|l| l.created_at >= since && l.created_at < until)
            .collect())
    }

    async fn facts_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Arc<LeadFacts>>, StoreError> {
        Ok(MemoryStore::facts_created_between(self, since, until))
    }

    async fn facts_with_open_clock(&self) -> Result<Vec<Arc<LeadFacts>>, StoreError> {
        Ok(MemoryStore::facts_with_open_clock(self))
    }
}
