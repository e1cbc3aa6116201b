//! Lead writes on DynamoDB beyond the contract: a race between two writers of one version,
//! and a transaction refused part-way leaving no item behind.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use leadflow::config::Config;
use leadflow::domain::{DomainEvent, DomainEventKind, HistoryEntry, HistoryKind, Lead, Rep, Tier};
use leadflow::ports::{DueTimes, LeadStore, LeadWrite, RepStore, StoreError};
use leadflow::routing::{self, RepLoad};
use leadflow_aws::dynamo::{store_on_fresh_table, DynamoStore};
use leadflow_aws::score_queue::InMemoryScoreQueue;
use serde_json::json;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn lead(id: &str) -> Lead {
    Lead::new(id.into(), Some(format!("{id}@acme.io")), None, t0())
}

/// Every (pk, sk) in the table, read with a scan.
async fn all_keys(store: &DynamoStore<InMemoryScoreQueue>) -> BTreeSet<(String, String)> {
    let mut keys = BTreeSet::new();
    let mut start = None;
    loop {
        let out = store
            .client()
            .scan()
            .table_name(store.table())
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scanning the test table");
        for item in out.items.unwrap_or_default() {
            let text = |a: &str| item[a].as_s().expect("string key").clone();
            keys.insert((text("pk"), text("sk")));
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return keys;
        }
    }
}

#[tokio::test]
async fn of_two_writers_of_one_version_the_second_gets_a_conflict_and_a_retry_succeeds() {
    let store = store_on_fresh_table().await;
    let w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    store.write_lead(w).await.unwrap();
    let read_by_both = store.lead("ld_a").await.unwrap().unwrap();

    let mut first = read_by_both.clone();
    first.tier = Tier::A;
    store
        .write_lead(LeadWrite::over(first, DueTimes::default()))
        .await
        .expect("the first writer wins");

    let mut second = read_by_both;
    second.tier = Tier::B;
    let err = store
        .write_lead(LeadWrite::over(second, DueTimes::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref lead_id, expected: Some(1) } if lead_id == "ld_a"),
        "the second writer is told its version 1 is stale, got {err:?}"
    );

    // The loser reads again and retries over the fresh version.
    let mut fresh = store.lead("ld_a").await.unwrap().unwrap();
    assert_eq!((fresh.version, fresh.tier), (2, Tier::A));
    fresh.tier = Tier::B;
    store
        .write_lead(LeadWrite::over(fresh, DueTimes::default()))
        .await
        .expect("a retry over the fresh version succeeds");
    let now = store.lead("ld_a").await.unwrap().unwrap();
    assert_eq!((now.version, now.tier), (3, Tier::B));
}

/// A write touching every kind of item: lead, applied marker, history, outbox, links,
/// rep counters, pool and account owner.
async fn full_write(store: &DynamoStore<InMemoryScoreQueue>, id: &str, event: &str) -> LeadWrite {
    let reps = [RepLoad::new(Rep::new("ana", "inbound"), 0)];
    let pools = store.pools().await.unwrap();
    let decision = routing::route(
        &lead(id),
        &Config::default().routing,
        &reps,
        &pools,
        None,
        None,
        t0(),
    );
    let mut w = LeadWrite::over(
        lead(id),
        DueTimes {
            sla: Some(t0()),
            decay: Some(t0()),
            route: Some(t0()),
        },
    );
    w.pool = decision.pool_update;
    w.applied_event = Some(event.into());
    w.history.push(HistoryEntry::new(
        t0(),
        HistoryKind::Assigned,
        json!({"rep_id": "ana"}),
    ));
    w.events.push(DomainEvent::new(
        event,
        DomainEventKind::LeadAssigned,
        id,
        t0(),
        json!({}),
    ));
    w.link_email = Some(format!("{id}@acme.io"));
    w.link_external_id = Some(format!("crm-{id}"));
    w.rep_load = vec![("ana".into(), 1), ("ben".into(), -1)];
    w.account_owner = Some((format!("{id}.io"), "ana".into()));
    w
}

#[tokio::test]
async fn a_transaction_refused_by_its_last_condition_leaves_no_item_behind() {
    let store = store_on_fresh_table().await;
    store.put_rep(Rep::new("ana", "inbound")).await.unwrap();
    let first = full_write(&store, "ld_a", "evt-a").await;
    let stale_pool = first.pool.clone().expect("a rotation pick");
    store.write_lead(first).await.unwrap();
    let before = all_keys(&store).await;

    // Every item of this write would succeed on its own except the pool move, the last one.
    let mut refused = full_write(&store, "ld_b", "evt-b").await;
    refused.pool = Some(stale_pool);
    let err = store.write_lead(refused).await.unwrap_err();
    assert!(
        matches!(err, StoreError::PoolConflict { ref team } if team == "inbound"),
        "{err:?}"
    );
    assert_eq!(
        all_keys(&store).await,
        before,
        "no item of the refused transaction was written"
    );
    let ana = &store.reps().await.unwrap()[0];
    assert_eq!(ana.open_leads, 1, "the counters kept their values");

    // Refused by its second item (the applied marker) after the first (a new lead) passed.
    let replay = full_write(&store, "ld_c", "evt-a").await;
    let err = store.write_lead(replay).await.unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyApplied(ref e) if e == "evt-a"),
        "{err:?}"
    );
    assert_eq!(
        all_keys(&store).await,
        before,
        "nothing of the replay was written"
    );
}

#[tokio::test]
async fn a_score_write_is_one_transaction_of_four_items() {
    let store = store_on_fresh_table().await;
    store
        .write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap();
    let before = all_keys(&store).await;
    // What scoring an event writes: the lead, the event's marker, one history item
    // (however many entries) and one LeadScored event.
    let mut w = LeadWrite::over(
        store.lead("ld_a").await.unwrap().unwrap(),
        DueTimes::default(),
    );
    w.applied_event = Some("evt-1".into());
    w.history = vec![
        HistoryEntry::new(t0(), HistoryKind::Event, json!({"event": "page_view"})),
        HistoryEntry::new(t0(), HistoryKind::Scored, json!({"total": 12})),
    ];
    w.events.push(DomainEvent::new(
        "evt-1",
        DomainEventKind::LeadScored,
        "ld_a",
        t0(),
        json!({}),
    ));
    store.write_lead(w).await.unwrap();
    let added: Vec<_> = all_keys(&store)
        .await
        .difference(&before)
        .cloned()
        .collect();
    assert_eq!(
        added.len(),
        3,
        "besides the lead item (replaced), a score write adds 3 items: {added:?}"
    );
    assert_eq!(store.history("ld_a").await.unwrap().len(), 2);
}
