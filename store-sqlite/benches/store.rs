//! Throughput of the store's hot paths, each commit waited for as `serve` does:
//! - `write_lead`: a new lead with 2 history entries, 2 outbox events and a due time;
//! - `accept`: one inbound event (seen id + score job), and a request of 100 events.
//!
//! Under both durabilities (FULL fsyncs every commit; NORMAL survives kill -9, not power loss).
//! Run: `cargo bench -p leadflow-store-sqlite -- --warm-up-time 1 --measurement-time 3`

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use leadflow::domain::{DomainEvent, DomainEventKind, HistoryEntry, HistoryKind, Lead};
use leadflow::ports::{DueTimes, Intake, LeadStore, LeadWrite, ScoreJob};
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions};
use serde_json::json;

fn write_for(n: u64) -> LeadWrite {
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let id = format!("ld_{n:012}");
    let lead = Lead::new(id.clone(), Some(format!("{id}@acme.io")), None, at);
    let mut w = LeadWrite::over(
        lead,
        DueTimes {
            decay: Some(at),
            ..Default::default()
        },
    );
    w.history = vec![
        HistoryEntry::new(
            at,
            HistoryKind::Event,
            json!({"event_id": id, "type": "identify"}),
        ),
        HistoryEntry::new(
            at,
            HistoryKind::Scored,
            json!({"total": 42.0, "explanation": []}),
        ),
    ];
    w.events = vec![
        DomainEvent::new(
            &id,
            DomainEventKind::LeadScored,
            &id,
            at,
            json!({"total": 42.0}),
        ),
        DomainEvent::new(
            &id,
            DomainEventKind::LeadQualified,
            &id,
            at,
            json!({"tier": "B"}),
        ),
    ];
    w.applied_event = Some(format!("evt-{n}"));
    w.link_email = Some(format!("{id}@acme.io"));
    w
}

fn job_for(n: u64) -> ScoreJob {
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    ScoreJob {
        event_id: format!("evt-{n}"),
        lead_id: format!("ld_{n}"),
        event_type: "page_view".into(),
        occurred_at: at,
        received_at: at,
        email: Some(format!("p{n}@acme.io")),
        external_id: None,
        attributes: Default::default(),
        properties: Default::default(),
    }
}

fn store_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (name, durability) in [("full", Durability::Full), ("normal", Durability::Normal)] {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            durability,
            ..Default::default()
        };
        let store = SqliteStore::open_with(dir.path(), options).unwrap();
        let n = AtomicU64::new(0);
        c.bench_function(&format!("write_lead+history+outbox/{name}"), |b| {
            b.iter(|| {
                let w = write_for(n.fetch_add(1, Ordering::Relaxed));
                runtime.block_on(store.write_lead(w)).unwrap()
            })
        });
        c.bench_function(&format!("accept_1_event/{name}"), |b| {
            b.iter(|| {
                let job = job_for(n.fetch_add(1, Ordering::Relaxed));
                runtime.block_on(store.accept(vec![job])).unwrap()
            })
        });
        // One webhook request of 100 events: one transaction, one commit.
        c.bench_function(&format!("accept_100_events/{name}"), |b| {
            b.iter(|| {
                let jobs = (0..100)
                    .map(|_| job_for(n.fetch_add(1, Ordering::Relaxed)))
                    .collect();
                runtime.block_on(store.accept(jobs)).unwrap()
            })
        });
    }
}

criterion_group!(benches, store_benches);
criterion_main!(benches);
