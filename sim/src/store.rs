//! The store the use cases run on: the memory store or SQLite behind one type, wrapped so that
//! every write is checked as it happens (capacity at the moment of an assignment, one SLA
//! clock per assignment, the SLA episode, reactivation, escalation).

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::domain::identity::KnownLead;
use leadflow::domain::{DomainEvent, HistoryEntry, Lead, LeadId, Rep, RepId};
use leadflow::ports::{
    Acceptance, DeliveryLog, DueKind, Intake, LeadPage, LeadQuery, LeadStore, LeadWrite, Outbox,
    RepStore, ScoreJob, StoreError,
};
use leadflow::routing::{PoolStates, RepLoad};
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions};

use crate::watch::Watch;

/// Which store a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Memory,
    Sqlite,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Memory => "memory",
            Kind::Sqlite => "sqlite",
        })
    }
}

#[derive(Clone)]
pub enum AnyStore {
    Memory(MemoryStore),
    Sqlite(SqliteStore),
}

/// Opens the SQLite store of the simulation in `dir` (normal durability: a restart here is a
/// process restart, not a power loss).
pub fn open_sqlite(dir: &Path) -> Result<SqliteStore, String> {
    SqliteStore::open_with(
        dir,
        StoreOptions {
            durability: Durability::Normal,
            readers: 1,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| e.to_string())
}

macro_rules! both {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            AnyStore::Memory($s) => $body,
            AnyStore::Sqlite($s) => $body,
        }
    };
}

/// `AnyStore` with every write checked by the shared [`Watch`].
#[derive(Clone)]
pub struct Watched {
    pub inner: AnyStore,
    pub watch: Arc<Mutex<Watch>>,
}

impl Watched {
    fn watch(&self) -> std::sync::MutexGuard<'_, Watch> {
        self.watch.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LeadStore for Watched {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        both!(&self.inner, s => s.lead(id).await)
    }
    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        both!(&self.inner, s => s.lead_by_email(email).await)
    }
    async fn lead_by_external_id(&self, x: &str) -> Result<Option<KnownLead>, StoreError> {
        both!(&self.inner, s => s.lead_by_external_id(x).await)
    }
    async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
        let before = self.lead(&write.lead.id).await?;
        let reps = if write.rep_load.iter().any(|(_, d)| *d > 0) {
            Some(self.reps().await?)
        } else {
            None
        };
        let copy = write.clone();
        both!(&self.inner, s => s.write_lead(write).await)?;
        self.watch().after_write(before, copy, reps);
        Ok(())
    }
    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        both!(&self.inner, s => s.history(id).await)
    }
    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        both!(&self.inner, s => s.list_leads(query).await)
    }
    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        both!(&self.inner, s => s.due(kind, now, limit).await)
    }
}

impl RepStore for Watched {
    async fn reps(&self) -> Result<Vec<RepLoad>, StoreError> {
        both!(&self.inner, s => s.reps().await)
    }
    async fn put_rep(&self, rep: Rep) -> Result<(), StoreError> {
        both!(&self.inner, s => s.put_rep(rep).await)
    }
    async fn pools(&self) -> Result<PoolStates, StoreError> {
        both!(&self.inner, s => s.pools().await)
    }
    async fn account_owner(&self, domain: &str) -> Result<Option<RepId>, StoreError> {
        both!(&self.inner, s => s.account_owner(domain).await)
    }
}

impl Intake for Watched {
    async fn accept(&self, jobs: Vec<ScoreJob>) -> Result<Vec<Acceptance>, StoreError> {
        both!(&self.inner, s => s.accept(jobs).await)
    }
}

impl Outbox for Watched {
    async fn pending(&self, limit: usize) -> Result<Vec<DomainEvent>, StoreError> {
        both!(&self.inner, s => s.pending(limit).await)
    }
    async fn mark_published(&self, ids: &[String]) -> Result<(), StoreError> {
        both!(&self.inner, s => s.mark_published(ids).await)
    }
}

impl DeliveryLog for Watched {
    async fn is_delivered(&self, key: &str) -> Result<bool, StoreError> {
        both!(&self.inner, s => s.is_delivered(key).await)
    }
    async fn record_delivered(&self, key: &str) -> Result<(), StoreError> {
        both!(&self.inner, s => s.record_delivered(key).await)
    }
}
