//! Shared by the integration tests: a fresh store in a temporary directory, and sample data.
#![allow(dead_code)] // each test file uses a part of it

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::domain::{DomainEvent, DomainEventKind, Lead};
use leadflow::ports::{DueTimes, LeadWrite, ScoreJob};
use leadflow_store_sqlite::SqliteStore;
use serde_json::json;
use tempfile::TempDir;

/// The store and the directory it lives in (removed when dropped, after the store).
pub struct Fresh {
    pub store: SqliteStore,
    pub dir: TempDir,
}

pub fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    Fresh { store, dir }
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

pub fn minutes(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

pub fn lead(id: &str) -> Lead {
    Lead::new(id.into(), Some(format!("{id}@acme.io")), None, t0())
}

pub fn lead_created(id: &str, at: DateTime<Utc>) -> Lead {
    Lead::new(id.into(), Some(format!("{id}@acme.io")), None, at)
}

pub fn new_write(l: Lead) -> LeadWrite {
    LeadWrite::over(l, DueTimes::default())
}

pub fn event(cause: &str, kind: DomainEventKind, lead_id: &str) -> DomainEvent {
    DomainEvent::new(cause, kind, lead_id, t0(), json!({"cause": cause}))
}

pub fn job(id: &str) -> ScoreJob {
    ScoreJob {
        event_id: id.into(),
        lead_id: "ld_a".into(),
        event_type: "page_view".into(),
        occurred_at: t0(),
        received_at: t0(),
        email: Some("a@acme.io".into()),
        external_id: None,
        attributes: Default::default(),
        properties: Default::default(),
    }
}
