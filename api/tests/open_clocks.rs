//! `LeadScan::facts_with_open_clock` as a store without kept facts answers it (the DynamoDB
//! store does): from the SLA due index and each due lead's history. Checked against the memory
//! store's own answer, which it keeps on write.

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::domain::identity::KnownLead;
use leadflow::domain::{HistoryEntry, HistoryKind, Lead, LeadId, Owner, Status};
use leadflow::ports::{DueKind, DueTimes, LeadPage, LeadQuery, LeadStore, LeadWrite, StoreError};
use leadflow::sla::SlaClock;
use leadflow_api::LeadScan;
use serde_json::json;

fn at(minutes: i64) -> DateTime<Utc> {
    "2026-11-02T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
}

/// The memory store seen through the ports alone: `LeadScan`'s defaults answer.
struct PortsOnly(MemoryStore);

impl LeadStore for PortsOnly {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        self.0.lead(id).await
    }
    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        self.0.lead_by_email(email).await
    }
    async fn lead_by_external_id(&self, id: &str) -> Result<Option<KnownLead>, StoreError> {
        self.0.lead_by_external_id(id).await
    }
    async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
        self.0.write_lead(write).await
    }
    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.0.history(id).await
    }
    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        self.0.list_leads(query).await
    }
    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        self.0.due(kind, now, limit).await
    }
}

impl LeadScan for PortsOnly {
    async fn leads_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        self.0.leads_created_between(since, until).await
    }
}

/// Assigned to ana at `assigned`, first response due five minutes later; `answered` stops it.
async fn routed(store: &MemoryStore, id: &str, created: i64, assigned: i64, answered: bool) {
    let mut lead = Lead::new(id.into(), None, None, at(created));
    store
        .write_lead(LeadWrite::over(lead.clone(), DueTimes::default()))
        .await
        .unwrap();
    lead.version = 1;
    lead.status = if answered {
        Status::Contacted
    } else {
        Status::Assigned
    };
    lead.owner = Some(Owner {
        rep_id: "ana".into(),
        assigned_at: at(assigned),
    });
    let due = at(assigned + 5);
    lead.sla = Some(SlaClock {
        responded_at: answered.then(|| at(assigned + 2)),
        ..SlaClock::waiting(lead.tier, "ana", at(assigned), due)
    });
    // What the SLA checker will look at next: the deadline while unanswered.
    let next = DueTimes {
        sla: (!answered).then_some(due),
        ..DueTimes::default()
    };
    let mut w = LeadWrite::over(lead, next);
    w.history = vec![HistoryEntry::new(
        at(assigned),
        HistoryKind::Assigned,
        json!({"outcome": "assigned", "rep_id": "ana"}),
    )];
    store.write_lead(w).await.unwrap();
}

#[tokio::test]
async fn the_default_reads_the_due_index_and_agrees_with_facts_kept_on_write() {
    let memory = MemoryStore::new();
    routed(&memory, "ld_old", -30 * 24 * 60, -30 * 24 * 60 + 1, false).await;
    routed(&memory, "ld_new", 0, 1, false).await;
    routed(&memory, "ld_done", 2, 3, true).await;
    let kept = LeadScan::facts_with_open_clock(&memory).await.unwrap();
    let ports = PortsOnly(memory);
    let read = ports.facts_with_open_clock().await.unwrap();
    let ids: Vec<&str> = read.iter().map(|f| f.lead_id.as_str()).collect();
    assert_eq!(ids, vec!["ld_new", "ld_old"], "open clocks, in id order");
    assert_eq!(read, kept, "the same facts as the store keeps on write");
}
