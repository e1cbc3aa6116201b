//! The lead facts the store keeps on write: equal to the facts of the whole history, newest
//! version only, untouched by a refused write, back-filled for a data directory written
//! before they existed, and ranged by creation time.

mod support;

use leadflow::domain::{HistoryEntry, HistoryKind, Lead, Owner, Status};
use leadflow::metrics::lead_facts;
use leadflow::ports::{LeadStore, LeadWrite, StoreError};
use leadflow_store_sqlite::{SqliteStore, DB_FILE};
use serde_json::json;
use support::*;

fn assigned(mut l: Lead, rep: &str, at_minute: i64) -> Lead {
    l.owner = Some(Owner {
        rep_id: rep.into(),
        assigned_at: minutes(at_minute),
    });
    l.status = Status::Assigned;
    l.mql = true;
    l
}

/// Three writes: created (an event), assigned, answered.
async fn story(store: &SqliteStore, id: &str) -> Lead {
    let mut w = new_write(lead(id));
    w.history = vec![HistoryEntry::new(
        t0(),
        HistoryKind::Event,
        json!({"type": "demo_request"}),
    )];
    store.write_lead(w).await.unwrap();
    let stored = store.lead(id).await.unwrap().unwrap();
    let mut w = LeadWrite::over(assigned(stored, "ana", 2), Default::default());
    w.history = vec![HistoryEntry::new(
        minutes(2),
        HistoryKind::Assigned,
        json!({"outcome": "assigned", "rep_id": "ana"}),
    )];
    store.write_lead(w).await.unwrap();
    let mut stored = store.lead(id).await.unwrap().unwrap();
    stored.status = Status::Contacted;
    let mut w = LeadWrite::over(stored, Default::default());
    w.history = vec![HistoryEntry::new(
        minutes(9),
        HistoryKind::Disposition,
        json!({"outcome": "contacted", "rep_id": "ana", "to": "contacted", "response_seconds": 420}),
    )];
    store.write_lead(w).await.unwrap();
    store.lead(id).await.unwrap().unwrap()
}

#[tokio::test]
async fn facts_after_each_write_equal_the_facts_of_the_whole_history() {
    let f = fresh();
    let lead = story(&f.store, "ld_a").await;
    let history = f.store.history("ld_a").await.unwrap();
    let kept = f
        .store
        .facts_created_between(minutes(-1), minutes(1))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "one entry per lead, the newest");
    assert_eq!(*kept[0], lead_facts(&lead, &history));
    assert_eq!(kept[0].responses, vec![("ana".to_string(), 420)]);
    assert_eq!(kept[0].accepted_at, Some(t0()));
}

#[tokio::test]
async fn a_refused_write_leaves_the_facts_as_they_were() {
    let f = fresh();
    let lead = story(&f.store, "ld_a").await;
    let before = f
        .store
        .facts_created_between(minutes(-1), minutes(1))
        .await
        .unwrap();
    // Written over a stale version: refused, nothing of it applies.
    let mut stale = lead.clone();
    stale.version -= 1;
    stale.status = Status::Won;
    let mut w = LeadWrite::over(stale, Default::default());
    w.history = vec![HistoryEntry::new(
        minutes(30),
        HistoryKind::SlaBreached,
        json!({"rep_id": "ana"}),
    )];
    let err = f.store.write_lead(w).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let after = f
        .store
        .facts_created_between(minutes(-1), minutes(1))
        .await
        .unwrap();
    assert_eq!(after, before);
    assert!(!after[0].won && after[0].breaches.is_empty());
}

#[tokio::test]
async fn the_range_is_half_open_and_in_creation_order() {
    let f = fresh();
    for (id, at) in [("ld_c", 20), ("ld_a", 0), ("ld_b", 10), ("ld_d", 30)] {
        f.store
            .write_lead(new_write(lead_created(id, minutes(at))))
            .await
            .unwrap();
    }
    let ids = |v: Vec<std::sync::Arc<leadflow::metrics::LeadFacts>>| {
        v.iter().map(|f| f.lead_id.clone()).collect::<Vec<_>>()
    };
    let got = f
        .store
        .facts_created_between(minutes(0), minutes(30))
        .await
        .unwrap();
    assert_eq!(ids(got), vec!["ld_a", "ld_b", "ld_c"]);
    let empty = f
        .store
        .facts_created_between(minutes(30), minutes(30))
        .await
        .unwrap();
    assert!(empty.is_empty());
}

#[tokio::test]
async fn a_data_directory_from_before_the_facts_is_back_filled_at_open() {
    let f = fresh();
    let lead = story(&f.store, "ld_a").await;
    let history = f.store.history("ld_a").await.unwrap();
    let dir = f.dir.path().to_path_buf();
    drop(f.store);
    // What an older leadflow left: no facts table at all.
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch("DROP TABLE lead_facts").unwrap();
    drop(conn);

    let store = SqliteStore::open(&dir).unwrap();
    let kept = store
        .facts_created_between(minutes(-1), minutes(1))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(*kept[0], lead_facts(&lead, &history));
    // And writes go on from the back-filled facts.
    let mut next = lead.clone();
    next.status = Status::Qualified;
    let mut w = LeadWrite::over(next, Default::default());
    w.history = vec![HistoryEntry::new(
        minutes(60),
        HistoryKind::Disposition,
        json!({"outcome": "qualified", "rep_id": "ana", "to": "qualified", "amount": 900.0}),
    )];
    store.write_lead(w).await.unwrap();
    let kept = store
        .facts_created_between(minutes(-1), minutes(1))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].pipeline_amount, Some(900.0));
    assert!(kept[0].qualified);
    drop(store);
    drop(f.dir);
}

fn with_open_clock(mut l: Lead, rep: &str, at_minute: i64) -> Lead {
    l = assigned(l, rep, at_minute);
    l.sla = Some(leadflow::sla::SlaClock::waiting(
        l.tier,
        rep,
        minutes(at_minute),
        minutes(at_minute + 5),
    ));
    l
}

#[tokio::test]
async fn open_clocks_are_read_whenever_the_lead_was_created_and_leave_once_answered() {
    let f = fresh();
    // Created weeks apart; two wait for a first response, one was never routed.
    for (id, created) in [("ld_old", -60 * 24 * 21), ("ld_new", 0), ("ld_idle", 10)] {
        f.store
            .write_lead(new_write(lead_created(id, minutes(created))))
            .await
            .unwrap();
    }
    for id in ["ld_old", "ld_new"] {
        let stored = f.store.lead(id).await.unwrap().unwrap();
        let w = LeadWrite::over(with_open_clock(stored, "ana", 1), Default::default());
        f.store.write_lead(w).await.unwrap();
    }
    let open = |v: Vec<std::sync::Arc<leadflow::metrics::LeadFacts>>| {
        v.iter().map(|f| f.lead_id.clone()).collect::<Vec<_>>()
    };
    let got = f.store.facts_with_open_clock().await.unwrap();
    assert_eq!(open(got), vec!["ld_old", "ld_new"], "by creation time");

    // Answered: its clock is no longer open.
    let mut old = f.store.lead("ld_old").await.unwrap().unwrap();
    old.sla.as_mut().unwrap().responded_at = Some(minutes(3));
    old.status = Status::Contacted;
    f.store
        .write_lead(LeadWrite::over(old, Default::default()))
        .await
        .unwrap();
    let got = f.store.facts_with_open_clock().await.unwrap();
    assert_eq!(open(got), vec!["ld_new"]);
}
