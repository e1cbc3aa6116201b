//! `LeadStore` beyond the shared contract: writers racing on one lead, rollback of an update,
//! the sparse due index, listing order and limits, the metrics and rep read helpers.

mod support;

use std::sync::Arc;

use leadflow::domain::{DomainEventKind, HistoryEntry, HistoryKind, Rep, Status};
use leadflow::ports::{
    DueKind, DueTimes, LeadQuery, LeadStore, LeadWrite, Outbox, RepStore, StoreError,
};
use leadflow::routing::{Change, PoolUpdate};
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions, DB_FILE};
use serde_json::json;
use support::*;
use tokio::sync::Barrier;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_writers_over_the_same_version_exactly_one_wins() {
    let f = fresh();
    f.store.write_lead(new_write(lead("ld_a"))).await.unwrap();
    let v1 = f.store.lead("ld_a").await.unwrap().unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = ["first", "second"]
        .into_iter()
        .map(|who| {
            let (store, barrier, mut l) = (f.store.clone(), barrier.clone(), v1.clone());
            tokio::spawn(async move {
                l.disqualify_reason = Some(who.into());
                let mut w = LeadWrite::over(l, DueTimes::default());
                w.history = vec![HistoryEntry::new(
                    t0(),
                    HistoryKind::Scored,
                    json!({"by": who}),
                )];
                w.events = vec![event(who, DomainEventKind::LeadScored, "ld_a")];
                barrier.wait().await;
                (who, store.write_lead(w).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (who, Ok(())) => winners.push(who),
            (_, Err(StoreError::Conflict { expected, .. })) => assert_eq!(expected, Some(1)),
            (_, Err(e)) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one write over version 1 succeeds"
    );
    let stored = f.store.lead("ld_a").await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.disqualify_reason.as_deref(), Some(winners[0]));
    let history = f.store.history("ld_a").await.unwrap();
    assert_eq!(history.len(), 1, "only the winner's history is kept");
    assert_eq!(history[0].detail()["by"], winners[0]);
    assert_eq!(
        f.store.pending(10).await.unwrap().len(),
        1,
        "only the winner's event"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_modify_write_with_retries_loses_no_update() {
    let f = fresh();
    let mut first = lead("ld_a");
    first.score.total = 0.0;
    f.store.write_lead(new_write(first)).await.unwrap();
    let (writers, each) = (4u32, 10u32);
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let store = f.store.clone();
            tokio::spawn(async move {
                for _ in 0..each {
                    loop {
                        let mut l = store.lead("ld_a").await.unwrap().unwrap();
                        l.score.total += 1.0;
                        match store
                            .write_lead(LeadWrite::over(l, DueTimes::default()))
                            .await
                        {
                            Ok(()) => break,
                            Err(e) if e.is_conflict() => continue,
                            Err(e) => panic!("{e:?}"),
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let l = f.store.lead("ld_a").await.unwrap().unwrap();
    assert_eq!(
        l.score.total,
        f64::from(writers * each),
        "no increment lost"
    );
    assert_eq!(l.version, 1 + u64::from(writers * each));
}

#[tokio::test]
async fn a_refused_update_leaves_lead_history_outbox_loads_and_pool_as_they_were() {
    let f = fresh();
    let s = &f.store;
    s.put_rep(Rep::new("ana", "inbound")).await.unwrap();
    let update = |pick: u64| PoolUpdate {
        team: "inbound".into(),
        pick,
        virtual_time: Change { from: 0, to: 0 },
        rep_id: "ana".into(),
        pass: Change { from: 0, to: 10 },
        rejoined: Vec::new(),
    };
    let mut w = new_write(lead("ld_a"));
    w.history = vec![HistoryEntry::new(t0(), HistoryKind::Assigned, json!({}))];
    w.events = vec![event("one", DomainEventKind::LeadAssigned, "ld_a")];
    w.rep_load = vec![("ana".into(), 1)];
    w.pool = Some(update(0));
    w.due = DueTimes {
        sla: Some(minutes(5)),
        ..Default::default()
    };
    s.write_lead(w).await.unwrap();
    let before = (
        s.lead("ld_a").await.unwrap(),
        s.history("ld_a").await.unwrap(),
        s.pending(10).await.unwrap(),
        s.reps().await.unwrap(),
        s.pools().await.unwrap(),
    );

    let mut l = before.0.clone().unwrap();
    l.status = Status::Recycled;
    let mut stale = LeadWrite::over(l, DueTimes::default());
    stale.history = vec![HistoryEntry::new(t0(), HistoryKind::Recycled, json!({}))];
    stale.events = vec![event("two", DomainEventKind::LeadRecycled, "ld_a")];
    stale.rep_load = vec![("ana".into(), -1)];
    stale.applied_event = Some("evt-2".into());
    stale.pool = Some(update(0)); // the pool is at pick 1 now
    let err = s.write_lead(stale.clone()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::PoolConflict { ref team } if team == "inbound"),
        "{err:?}"
    );
    let after = (
        s.lead("ld_a").await.unwrap(),
        s.history("ld_a").await.unwrap(),
        s.pending(10).await.unwrap(),
        s.reps().await.unwrap(),
        s.pools().await.unwrap(),
    );
    assert_eq!(after, before, "nothing of the refused write is kept");
    assert_eq!(
        s.due(DueKind::Sla, minutes(5), 10).await.unwrap(),
        ["ld_a"],
        "due kept"
    );
    // The applied event was rolled back too: the write goes through with a fresh pool move.
    stale.pool = Some(update(1));
    s.write_lead(stale)
        .await
        .expect("evt-2 was not recorded as applied");
    assert_eq!(s.reps().await.unwrap()[0].open_leads, 0);
}

#[tokio::test]
async fn the_due_index_holds_rows_only_for_times_that_are_set() {
    let f = fresh();
    let s = &f.store;
    let due = |sla, decay, route| DueTimes { sla, decay, route };
    let mut w = new_write(lead("ld_a"));
    w.due = due(Some(minutes(3)), None, None);
    s.write_lead(w).await.unwrap();
    let mut w = new_write(lead("ld_b"));
    w.due = due(Some(minutes(1)), Some(minutes(2)), Some(minutes(2)));
    s.write_lead(w).await.unwrap();
    s.write_lead(new_write(lead("ld_c"))).await.unwrap();
    let rows = || -> i64 {
        let conn = rusqlite::Connection::open(f.dir.path().join(DB_FILE)).unwrap();
        conn.query_row("SELECT count(*) FROM due", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(rows(), 4, "one row per time set; none for ld_c");
    assert_eq!(
        s.due(DueKind::Sla, minutes(10), 10).await.unwrap(),
        ["ld_b", "ld_a"]
    );
    assert_eq!(
        s.due(DueKind::Sla, minutes(2), 10).await.unwrap(),
        ["ld_b"],
        "not yet due"
    );
    assert_eq!(
        s.due(DueKind::Sla, minutes(1), 10).await.unwrap(),
        ["ld_b"],
        "due exactly at now counts"
    );
    // Clearing a lead's times removes its rows.
    let b = s.lead("ld_b").await.unwrap().unwrap();
    s.write_lead(LeadWrite::over(b, DueTimes::default()))
        .await
        .unwrap();
    assert_eq!(rows(), 1);
}

#[tokio::test]
async fn listing_is_newest_first_capped_at_500_and_refuses_a_forged_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        durability: Durability::Normal,
        ..Default::default()
    };
    let s = SqliteStore::open_with(dir.path(), options).unwrap();
    for i in 0..505 {
        s.write_lead(new_write(lead_created(
            &format!("ld_{i:03}"),
            minutes(i % 7),
        )))
        .await
        .unwrap();
    }
    let page = s
        .list_leads(&LeadQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.leads.len(), 500, "the limit is capped at 500");
    let keys: Vec<_> = page
        .leads
        .iter()
        .map(|l| (l.created_at, l.id.clone()))
        .collect();
    let mut expected = keys.clone();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(keys, expected, "newest first, then by id");
    let rest = s
        .list_leads(&LeadQuery {
            limit: 10_000,
            cursor: page.next_cursor,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.leads.len(), 5);
    assert_eq!(rest.next_cursor, None);

    let err = s
        .list_leads(&LeadQuery {
            limit: 5,
            cursor: Some("not-a-cursor".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InvalidCursor(c) if c == "not-a-cursor"),
        "the API can tell a bad cursor apart without knowing this store: {err:?}"
    );
}

#[tokio::test]
async fn metrics_read_the_leads_created_in_a_half_open_range() {
    let f = fresh();
    for (id, m) in [("ld_a", 0), ("ld_b", 10), ("ld_c", 20), ("ld_d", 30)] {
        f.store
            .write_lead(new_write(lead_created(id, minutes(m))))
            .await
            .unwrap();
    }
    let ids =
        |leads: Vec<leadflow::domain::Lead>| leads.into_iter().map(|l| l.id).collect::<Vec<_>>();
    let s = &f.store;
    assert_eq!(
        ids(s
            .leads_created_between(Some(minutes(10)), Some(minutes(30)))
            .await
            .unwrap()),
        ["ld_b", "ld_c"]
    );
    assert_eq!(
        ids(s
            .leads_created_between(None, Some(minutes(10)))
            .await
            .unwrap()),
        ["ld_a"]
    );
    assert_eq!(
        ids(s
            .leads_created_between(Some(minutes(25)), None)
            .await
            .unwrap()),
        ["ld_d"]
    );
    assert_eq!(s.lead_count().await.unwrap(), 4);
}

#[tokio::test]
async fn a_rep_reads_with_its_load_and_an_unknown_one_is_none() {
    let f = fresh();
    let s = &f.store;
    s.put_rep(Rep::new("ana", "inbound")).await.unwrap();
    s.put_rep(Rep::new("ben", "inbound")).await.unwrap();
    let mut w = new_write(lead("ld_a"));
    w.rep_load = vec![("ana".into(), 2), ("ben".into(), -1)];
    s.write_lead(w).await.unwrap();
    let ana = s.rep("ana").await.unwrap().unwrap();
    assert_eq!((ana.rep.id.as_str(), ana.open_leads), ("ana", 2));
    assert_eq!(
        s.rep("ben").await.unwrap().unwrap().open_leads,
        0,
        "never below zero"
    );
    assert_eq!(s.rep("zoe").await.unwrap(), None);
    assert!(s.history("ld_unknown").await.unwrap().is_empty());
}
