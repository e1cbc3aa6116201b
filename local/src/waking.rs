//! The store as the HTTP API sees it: the SQLite store, plus a wake-up for the queue worker
//! whenever intake accepts events, so an event is scored within milliseconds, not at the next
//! poll.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leadflow::domain::identity::KnownLead;
use leadflow::domain::{HistoryEntry, Lead, LeadId, Rep, RepId};
use leadflow::ports::{
    Acceptance, DueKind, Intake, LeadPage, LeadQuery, LeadStore, LeadWrite, RepStore, ScoreJob,
    StoreError,
};
use leadflow::routing::{PoolStates, RepLoad};
use leadflow_store_sqlite::SqliteStore;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct WakingStore {
    pub inner: SqliteStore,
    pub wake: Arc<Notify>,
}

impl Intake for WakingStore {
    async fn accept(&self, jobs: Vec<ScoreJob>) -> Result<Vec<Acceptance>, StoreError> {
        let accepted = self.inner.accept(jobs).await?;
        if accepted.contains(&Acceptance::Accepted) {
            self.wake.notify_one();
        }
        Ok(accepted)
    }
}

impl LeadStore for WakingStore {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        self.inner.lead(id).await
    }
    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        self.inner.lead_by_email(email).await
    }
    async fn lead_by_external_id(&self, x: &str) -> Result<Option<KnownLead>, StoreError> {
        self.inner.lead_by_external_id(x).await
    }
    async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
        // A disposition from the API may produce events (recycled, disqualified): wake the
        // worker so they are relayed at once.
        let has_events = !write.events.is_empty();
        self.inner.write_lead(write).await?;
        if has_events {
            self.wake.notify_one();
        }
        Ok(())
    }
    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.inner.history(id).await
    }
    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        self.inner.list_leads(query).await
    }
    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        self.inner.due(kind, now, limit).await
    }
}

impl leadflow_api::LeadScan for WakingStore {
    async fn leads_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        self.inner
            .leads_created_between(Some(since), Some(until))
            .await
    }

    async fn facts_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<std::sync::Arc<leadflow::metrics::LeadFacts>>, StoreError> {
        self.inner.facts_created_between(since, until).await
    }

    async fn facts_with_open_clock(
        &self,
    ) -> Result<Vec<std::sync::Arc<leadflow::metrics::LeadFacts>>, StoreError> {
        self.inner.facts_with_open_clock().await
    }
}

impl RepStore for WakingStore {
    async fn reps(&self) -> Result<Vec<RepLoad>, StoreError> {
        self.inner.reps().await
    }
    async fn put_rep(&self, rep: Rep) -> Result<(), StoreError> {
        self.inner.put_rep(rep).await
    }
    async fn pools(&self) -> Result<PoolStates, StoreError> {
        self.inner.pools().await
    }
    async fn account_owner(&self, company_domain: &str) -> Result<Option<RepId>, StoreError> {
        self.inner.account_owner(company_domain).await
    }
}
