//! Lead writes on DynamoDB beyond the contract: a race between two writers of one version (in
//! one process and in two), a transaction refused part-way leaving no item behind, a score
//! write as one conditional put, redelivered events refused by the lead item's memory of
//! applied events, and a long history moving out of the lead item.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use leadflow::config::Config;
use leadflow::domain::{DomainEvent, DomainEventKind, HistoryEntry, HistoryKind, Lead, Rep, Tier};
use leadflow::ports::{DueTimes, LeadStore, LeadWrite, Outbox, RepStore, StoreError};
use leadflow::routing::{self, RepLoad};
use leadflow_aws::dynamo::{create_table, store_on_fresh_table, DynamoStore, APPLIED_KEPT};
use leadflow_aws::eventbridge::ROUTED_EVENT_KINDS;
use leadflow_aws::metering::{stored_item_size, Meter};
use leadflow_aws::score_queue::InMemoryScoreQueue;
use leadflow_aws::testing;
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

    // The same event again over the stored lead: refused before anything is sent.
    let stored = store.lead("ld_a").await.unwrap().unwrap();
    let mut replay = full_write(&store, "ld_a", "evt-a").await;
    replay.expected_version = Some(stored.version);
    replay.lead.version = stored.version + 1;
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

/// A store on a fresh table whose every call is metered, keeping only routed events in its
/// outbox, as the functions build it.
async fn metered_store() -> (DynamoStore<InMemoryScoreQueue>, Meter) {
    let sdk = testing::sdk_config().await;
    let meter = Meter::new();
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(meter.clone())
            .build(),
    );
    let table = testing::unique_name("leadflow");
    create_table(&client, &table).await.expect("the table");
    let store = DynamoStore::new(client, table, InMemoryScoreQueue::new())
        .publishing_only(ROUTED_EVENT_KINDS);
    (store, meter)
}

/// A score write over the stored lead: the event and its history entries, and `kind`.
async fn score_write(
    store: &DynamoStore<InMemoryScoreQueue>,
    id: &str,
    event: &str,
    kind: DomainEventKind,
) -> LeadWrite {
    let mut w = LeadWrite::over(
        store.lead(id).await.unwrap().expect("the lead"),
        DueTimes::default(),
    );
    w.applied_event = Some(event.into());
    w.history = vec![
        HistoryEntry::new(t0(), HistoryKind::Event, json!({"event_id": event})),
        HistoryEntry::new(t0(), HistoryKind::Scored, json!({"total": 12})),
    ];
    w.events.push(DomainEvent::new(
        event,
        kind,
        id,
        t0(),
        json!({"total": 12}),
    ));
    w
}

#[tokio::test]
async fn a_score_write_that_changes_only_the_lead_is_one_conditional_put() {
    let (store, meter) = metered_store().await;
    store
        .write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap();
    let w = score_write(&store, "ld_a", "evt-1", DomainEventKind::LeadScored).await;
    let before = all_keys(&store).await;
    meter.reset();
    store.write_lead(w).await.unwrap();
    let calls: Vec<(String, u64)> = meter
        .usage()
        .iter()
        .map(|((_, op), u)| (op.clone(), u.requests))
        .collect();
    assert_eq!(
        calls,
        [("PutItem".to_string(), 1)],
        "one PutItem, no transaction, no other item"
    );
    assert_eq!(all_keys(&store).await, before, "no item besides the lead");
    assert_eq!(store.history("ld_a").await.unwrap().len(), 2);
    assert!(
        store.pending(10).await.unwrap().is_empty(),
        "LeadScored has no rule on the bus: not kept"
    );
}

#[tokio::test]
async fn a_routed_event_waits_on_the_lead_item_written_by_the_same_put_until_published() {
    let (store, meter) = metered_store().await;
    store
        .write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap();
    let w = score_write(&store, "ld_a", "evt-1", DomainEventKind::LeadQualified).await;
    let before = all_keys(&store).await;
    meter.reset();
    store.write_lead(w).await.unwrap();
    let usage = meter.usage();
    let ops: Vec<&str> = usage.keys().map(|(_, op)| op.as_str()).collect();
    assert_eq!(ops, ["PutItem"], "the event rides on the lead's put");
    assert_eq!(all_keys(&store).await, before, "no outbox item of its own");
    let pending = store.pending(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].kind, DomainEventKind::LeadQualified);

    // A writer in another process that read the lead before the relay removed the event is
    // refused, so it cannot put the event back; reading again, it writes.
    let other = DynamoStore::new(
        store.client().clone(),
        store.table(),
        InMemoryScoreQueue::new(),
    )
    .publishing_only(ROUTED_EVENT_KINDS);
    let stale = score_write(&other, "ld_a", "evt-2", DomainEventKind::LeadScored).await;
    store
        .mark_published(&[pending[0].event_id.clone()])
        .await
        .unwrap();
    assert!(
        store.pending(10).await.unwrap().is_empty(),
        "published: gone"
    );
    let err = other.write_lead(stale).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    let fresh = score_write(&other, "ld_a", "evt-2", DomainEventKind::LeadScored).await;
    other.write_lead(fresh).await.unwrap();
    assert!(store.pending(10).await.unwrap().is_empty(), "not put back");
    // Another process publishing an event it never listed finds it through the index.
    let w = score_write(&store, "ld_a", "evt-3", DomainEventKind::LeadAssigned).await;
    store.write_lead(w).await.unwrap();
    let id = store.pending(10).await.unwrap()[0].event_id.clone();
    other.mark_published(&[id]).await.unwrap();
    assert!(store.pending(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_redelivered_event_is_refused_while_the_lead_remembers_it_even_by_another_process() {
    let store = store_on_fresh_table().await;
    store
        .write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap();
    for i in 0..APPLIED_KEPT {
        let w = score_write(
            &store,
            "ld_a",
            &format!("evt-{i}"),
            DomainEventKind::LeadScored,
        )
        .await;
        store.write_lead(w).await.unwrap();
    }
    // Another process (another Lambda instance): nothing remembered in memory.
    let other = DynamoStore::new(
        store.client().clone(),
        store.table(),
        InMemoryScoreQueue::new(),
    );
    for store in [&store, &other] {
        let again = score_write(store, "ld_a", "evt-0", DomainEventKind::LeadScored).await;
        let err = store.write_lead(again).await.unwrap_err();
        assert!(
            matches!(err, StoreError::AlreadyApplied(ref e) if e == "evt-0"),
            "{err:?}"
        );
    }
    let version = store.lead("ld_a").await.unwrap().unwrap().version;
    assert_eq!(
        version,
        1 + APPLIED_KEPT as u64,
        "refused events change nothing"
    );
}

#[tokio::test]
async fn a_writer_in_another_process_over_a_stale_version_gets_a_conflict() {
    let one = store_on_fresh_table().await;
    let two = DynamoStore::new(one.client().clone(), one.table(), InMemoryScoreQueue::new());
    one.write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap();
    let stale = score_write(&two, "ld_a", "evt-2", DomainEventKind::LeadScored).await;
    let first = score_write(&one, "ld_a", "evt-1", DomainEventKind::LeadScored).await;
    one.write_lead(first).await.unwrap();
    let err = two.write_lead(stale).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    let retry = score_write(&two, "ld_a", "evt-2", DomainEventKind::LeadScored).await;
    two.write_lead(retry)
        .await
        .expect("a retry over the fresh version");
    let history = one.history("ld_a").await.unwrap();
    let events: Vec<String> = history
        .iter()
        .filter(|h| h.kind == HistoryKind::Event)
        .map(|h| h.detail()["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["evt-1", "evt-2"], "both applied once, in order");
}

#[tokio::test]
async fn a_long_history_moves_out_of_the_lead_item_and_reads_back_in_order() {
    let store = store_on_fresh_table().await;
    store
        .write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap();
    let mut written = Vec::new();
    for i in 0..40 {
        let mut w = LeadWrite::over(
            store.lead("ld_a").await.unwrap().unwrap(),
            DueTimes::default(),
        );
        // Details that do not compress away: the tail outgrows its budget within a few writes.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1);
        let noise: String = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        let entry = HistoryEntry::new(
            t0(),
            HistoryKind::Disposition,
            json!({"n": i, "note": noise}),
        );
        written.push(entry.clone());
        w.history.push(entry);
        store.write_lead(w).await.unwrap();
    }
    assert_eq!(
        store.history("ld_a").await.unwrap(),
        written,
        "every entry, in order"
    );
    let moved = all_keys(&store)
        .await
        .into_iter()
        .filter(|(pk, sk)| pk == "LEAD#ld_a" && sk.starts_with("HIST#"))
        .count();
    assert!(moved >= 2, "the tail moved to history items ({moved})");
    let item = store
        .client()
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("LEAD#ld_a".into()))
        .key("sk", AttributeValue::S("LEAD".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let size = stored_item_size(&item);
    assert!(size < 3 * 1024, "the lead item stays small: {size} bytes");
}
