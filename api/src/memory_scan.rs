//! `LeadScan` for the memory store (tests, the demo).

use chrono::{DateTime, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::domain::Lead;
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
}
