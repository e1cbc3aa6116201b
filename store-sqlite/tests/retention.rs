//! Retention: the markers that guard against redelivery (seen event ids, applied event ids,
//! delivered alert keys) are kept for the dedupe window (30 days) on the caller's clock and
//! deleted after it, in batches; relayed outbox rows and handled queue messages are not kept;
//! history stays; the WAL is truncated once checkpointed.

mod support;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::Config;
use leadflow::domain::DomainEventKind;
use leadflow::ports::{Acceptance, DeliveryLog, Intake, LeadStore, Outbox, ScoreJob, StoreError};
use leadflow::scoring::Scorer;
use leadflow::usecases::score::{score_event, ScoreOutcome};
use leadflow_store_sqlite::{
    Retention, RetryPolicy, SqliteStore, Stage, StoreOptions, TxStore, DB_FILE, DEDUPE_WINDOW,
    SCORE_QUEUE,
};
use rusqlite::{Connection, OpenFlags};
use support::*;

fn days(d: i64) -> DateTime<Utc> {
    t0() + TimeDelta::days(d)
}

/// Rows of `table`, read on a connection of its own (the store's are private).
fn count(dir: &Path, table: &str) -> i64 {
    let conn =
        Connection::open_with_flags(dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn score_job(id: &str, lead_id: &str, at: DateTime<Utc>) -> ScoreJob {
    ScoreJob {
        lead_id: lead_id.into(),
        occurred_at: at,
        received_at: at,
        ..job(id)
    }
}

/// A write of `lead_id` applying `event_id` over what is stored.
async fn apply(s: &SqliteStore, lead_id: &str, event_id: &str) -> Result<(), StoreError> {
    let stored = s.lead(lead_id).await.unwrap();
    let mut w = new_write(stored.unwrap_or_else(|| lead(lead_id)));
    w.applied_event = Some(event_id.into());
    s.write_lead(w).await
}

#[tokio::test]
async fn dedupe_markers_are_kept_for_the_window_and_removed_after_it() {
    let f = fresh();
    let (s, dir) = (&f.store, f.dir.path());
    // Day 0: an event accepted and applied, an alert delivered; the retention job runs.
    let accepted = s.accept(vec![score_job("evt-old", "ld_a", days(0))]).await;
    assert_eq!(accepted.unwrap(), [Acceptance::Accepted]);
    apply(s, "ld_a", "evt-old").await.unwrap();
    s.record_delivered("alert-old").await.unwrap();
    assert_eq!(s.prune(days(0)).await.unwrap().total(), 0);
    // Day 20: another of each.
    s.accept(vec![score_job("evt-new", "ld_a", days(20))])
        .await
        .unwrap();
    apply(s, "ld_a", "evt-new").await.unwrap();
    s.record_delivered("alert-new").await.unwrap();
    assert_eq!(s.prune(days(20)).await.unwrap().total(), 0);

    // Day 29, inside the window: nothing goes, and every copy is still refused.
    assert_eq!(s.prune(days(29)).await.unwrap().total(), 0);
    let again = s.accept(vec![score_job("evt-old", "ld_a", days(29))]).await;
    assert_eq!(again.unwrap(), [Acceptance::Duplicate], "seen 29 days ago");
    assert!(
        matches!(apply(s, "ld_a", "evt-old").await, Err(StoreError::AlreadyApplied(id)) if id == "evt-old"),
        "applied 29 days ago"
    );
    assert!(s.is_delivered("alert-old").await.unwrap());
    for table in ["seen_events", "applied_events", "deliveries"] {
        assert_eq!(count(dir, table), 2, "{table} on day 29");
    }

    // Day 31: day 0's markers are past the window and go; day 20's stay.
    let report = s.prune(days(31)).await.unwrap();
    assert_eq!(
        (report.seen_events, report.applied_events, report.deliveries),
        (1, 1, 1)
    );
    for table in ["seen_events", "applied_events", "deliveries"] {
        assert_eq!(count(dir, table), 1, "{table} on day 31");
    }
    assert!(!s.is_delivered("alert-old").await.unwrap());
    assert!(s.is_delivered("alert-new").await.unwrap());
    let copies = s
        .accept(vec![
            score_job("evt-new", "ld_a", days(31)),
            score_job("evt-old", "ld_a", days(31)),
        ])
        .await
        .unwrap();
    assert_eq!(
        copies,
        [Acceptance::Duplicate, Acceptance::Accepted],
        "day 20's id is still refused; day 0's is forgotten, as AWS's seen item expires"
    );
    assert!(matches!(
        apply(s, "ld_a", "evt-new").await,
        Err(StoreError::AlreadyApplied(_))
    ));

    // Day 51: day 20's go too (and the id accepted again on day 31 stays for its own window).
    let report = s.prune(days(51)).await.unwrap();
    assert_eq!(
        (report.seen_events, report.applied_events, report.deliveries),
        (1, 1, 1)
    );
    assert_eq!(
        count(dir, "seen_events"),
        1,
        "evt-old, seen again on day 31"
    );
    assert_eq!(count(dir, "applied_events"), 0);
    assert_eq!(count(dir, "deliveries"), 0);
    // The audit trail stays.
    assert_eq!(s.lead("ld_a").await.unwrap().unwrap().version, 2);
}

#[tokio::test]
async fn a_clock_that_goes_back_never_prunes_early() {
    let f = fresh();
    let (s, dir) = (&f.store, f.dir.path());
    s.prune(days(10)).await.unwrap();
    // Written after the day-10 mark, while the clock reads day 0.
    s.accept(vec![score_job("evt-1", "ld_a", days(0))])
        .await
        .unwrap();
    s.prune(days(0)).await.unwrap();
    s.prune(days(35)).await.unwrap();
    assert_eq!(
        count(dir, "seen_events"),
        1,
        "the day-10 mark does not cover it"
    );
    // Covered by the mark of day 35 (the first at or after day 10 + MARK_EVERY).
    assert_eq!(s.prune(days(66)).await.unwrap().seen_events, 1);
}

#[tokio::test]
async fn pruning_goes_in_batches_of_short_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        retention: Retention {
            dedupe_window: DEDUPE_WINDOW,
            batch: 100,
        },
        ..Default::default()
    };
    let s = SqliteStore::open_with(dir.path(), options).unwrap();
    let jobs: Vec<ScoreJob> = (0..1_050)
        .map(|i| score_job(&format!("evt-{i}"), "ld_a", days(0)))
        .collect();
    s.accept(jobs).await.unwrap();
    s.prune(days(0)).await.unwrap();
    let report = s.prune(days(30)).await.unwrap();
    assert_eq!(report.seen_events, 1_050);
    // A mark, 11 batches of seen ids, one each finding nothing more (applied, delivered,
    // old outbox rows).
    assert_eq!(report.batches, 1 + 11 + 3);
    assert_eq!(count(dir.path(), "seen_events"), 0);
}

#[tokio::test]
async fn relayed_outbox_rows_are_not_kept() {
    let f = fresh();
    let (s, dir) = (&f.store, f.dir.path());
    let mut w = new_write(lead("ld_a"));
    w.events = vec![
        event("c1", DomainEventKind::LeadQualified, "ld_a"),
        event("c1", DomainEventKind::LeadScored, "ld_a"),
    ];
    s.write_lead(w).await.unwrap();
    assert_eq!(count(dir, "outbox"), 2);
    let routes: leadflow_store_sqlite::Routes = |e| match e.kind {
        DomainEventKind::LeadQualified => vec!["route"],
        _ => Vec::new(),
    };
    assert_eq!(s.relay_to_queues(routes, 10).await.unwrap(), 2);
    assert_eq!(count(dir, "outbox"), 0, "relayed rows are deleted");
    assert_eq!(s.queue_depth("route").await.unwrap(), 1);

    // Through the `Outbox` port (a relay to a bus), likewise.
    let mut w = new_write(s.lead("ld_a").await.unwrap().unwrap());
    w.events = vec![event("c2", DomainEventKind::LeadScored, "ld_a")];
    s.write_lead(w).await.unwrap();
    let pending = s.pending(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    s.mark_published(&[pending[0].event_id.clone()])
        .await
        .unwrap();
    assert_eq!(count(dir, "outbox"), 0);
}

#[test]
fn relayed_rows_an_older_leadflow_kept_are_pruned_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = SqliteStore::open(dir.path()).unwrap();
        drop(s);
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let mut insert = conn
            .prepare("INSERT INTO outbox (event_id, body, published) VALUES (?1, '{}', ?2)")
            .unwrap();
        for i in 0..1_200 {
            insert.execute((format!("ev_{i}"), 1)).unwrap();
        }
        insert.execute(("ev_pending", 0)).unwrap();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s = SqliteStore::open(dir.path()).unwrap();
    let report = runtime.block_on(s.prune(days(0))).unwrap();
    assert_eq!(report.outbox, 1_200);
    assert!(report.batches >= 3, "500 rows per transaction");
    assert_eq!(count(dir.path(), "outbox"), 1, "the pending event stays");
}

/// What `leadflow serve`'s hot path does with a score job, on the transaction's store.
fn score(store: &TxStore<'_>, message: &leadflow_store_sqlite::Message) -> Result<(), String> {
    let job: ScoreJob = message.decode().map_err(|e| e.to_string())?;
    let scorer = Scorer {
        version: "v1",
        model: None,
    };
    match pollster::block_on(score_event(
        store,
        &job,
        &Config::default(),
        scorer,
        job.received_at,
    )) {
        Ok(ScoreOutcome::Applied { .. }) => Ok(()),
        Ok(ScoreOutcome::Duplicate) => Err("applied twice? refused as a duplicate".into()),
        Err(e) => Err(e.to_string()),
    }
}

async fn pass(s: &SqliteStore, now: DateTime<Utc>) -> leadflow_store_sqlite::BatchReport {
    let mut reports = s
        .work_pass(
            vec![Stage {
                queue: SCORE_QUEUE,
                max: 10,
            }],
            Duration::from_secs(60),
            now,
            RetryPolicy {
                base: Duration::from_secs(1),
                max: Duration::from_secs(60),
            },
            |_| Vec::new(),
            score,
        )
        .await
        .unwrap();
    reports.remove(0)
}

#[tokio::test]
async fn a_queue_message_redelivered_after_its_row_is_gone_is_not_applied_twice() {
    let f = fresh();
    let (s, dir) = (&f.store, f.dir.path());
    let job = score_job("evt-1", "ld_a", days(0));
    s.accept(vec![job.clone()]).await.unwrap();
    s.prune(days(0)).await.unwrap();
    let first = pass(s, days(0)).await;
    assert_eq!((first.handled, first.failed.len()), (1, 0));
    assert_eq!(count(dir, "queue"), 0, "the handled message is removed");
    assert_eq!(
        count(dir, "outbox"),
        0,
        "its events were relayed and removed"
    );
    let history = s.history("ld_a").await.unwrap().len();

    // A copy of the message comes back 29 days later (a double send): its row is long gone,
    // the applied event id is not.
    s.prune(days(29)).await.unwrap();
    s.enqueue(SCORE_QUEUE, &job, days(29)).await.unwrap();
    let copy = pass(s, days(29)).await;
    assert_eq!(copy.handled, 0);
    assert_eq!(copy.failed.len(), 1, "{copy:?}");
    assert!(copy.failed[0].error.contains("refused as a duplicate"));
    assert_eq!(s.lead("ld_a").await.unwrap().unwrap().version, 1);
    assert_eq!(s.history("ld_a").await.unwrap().len(), history);
}

fn wal_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join(format!("{DB_FILE}-wal")))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// Enough writes to grow the WAL by a few MB.
async fn fill(s: &SqliteStore, from: usize) {
    for i in from..from + 40 {
        let jobs: Vec<ScoreJob> = (0..100)
            .map(|j| ScoreJob {
                properties: serde_json::json!({"pad": "x".repeat(400)})
                    .as_object()
                    .unwrap()
                    .clone(),
                ..score_job(&format!("evt-{i}-{j}"), "ld_a", days(0))
            })
            .collect();
        s.accept(jobs).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_truncated_once_the_store_is_idle_and_when_it_closes() {
    let f = fresh();
    let (s, dir) = (&f.store, f.dir.path());
    fill(s, 0).await;
    assert!(wal_len(dir) > 1_000_000, "the WAL grew: {}", wal_len(dir));
    // Idle: the checkpoint thread truncates it (about a second after the last write).
    let began = std::time::Instant::now();
    while wal_len(dir) > 0 && began.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(wal_len(dir), 0, "truncated while idle");

    fill(s, 100).await;
    assert!(wal_len(dir) > 1_000_000);
    let dir = f.dir;
    drop(f.store);
    assert_eq!(
        wal_len(dir.path()),
        0,
        "a closed store leaves no WAL behind"
    );
    assert_eq!(
        count(dir.path(), "seen_events"),
        8_000,
        "all of it in the database"
    );
}
