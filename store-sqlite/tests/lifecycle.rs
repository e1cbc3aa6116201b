//! The store across processes: one process per directory, everything kept on reopen, and an
//! accepted event surviving `kill -9`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use leadflow::domain::{DomainEventKind, HistoryEntry, HistoryKind, Rep};
use leadflow::ports::{
    Acceptance, DeliveryLog, DueKind, DueTimes, Intake, LeadStore, Outbox, RepStore,
};
use leadflow_store_sqlite::{OpenError, SqliteStore, SCORE_QUEUE};
use serde_json::json;
use support::*;

#[test]
fn a_second_open_of_the_same_directory_is_refused_by_name() {
    let f = fresh();
    let err = SqliteStore::open(f.dir.path()).unwrap_err();
    assert!(matches!(err, OpenError::Locked { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&f.dir.path().display().to_string()),
        "names the directory: {message}"
    );
    assert!(message.contains("another leadflow"), "{message}");
    // Another directory is fine, and dropping the first store frees its directory.
    let other = tempfile::tempdir().unwrap();
    SqliteStore::open(other.path()).unwrap();
    drop(f.store);
    SqliteStore::open(f.dir.path()).expect("the lock goes with the store");
}

#[test]
fn clones_share_one_store_and_hold_the_lock_until_the_last_is_dropped() {
    let f = fresh();
    let clone = f.store.clone();
    drop(f.store);
    assert!(
        SqliteStore::open(f.dir.path()).is_err(),
        "a clone still holds it"
    );
    drop(clone);
    SqliteStore::open(f.dir.path()).unwrap();
}

#[tokio::test]
async fn everything_written_is_there_after_a_reopen() {
    let f = fresh();
    let s = &f.store;
    let mut w = new_write(lead("ld_a"));
    w.history = vec![HistoryEntry::new(t0(), HistoryKind::Event, json!({"n": 1}))];
    w.events = vec![event("c", DomainEventKind::LeadScored, "ld_a")];
    w.link_email = Some("ld_a@acme.io".into());
    w.rep_load = vec![("ana".into(), 1)];
    w.account_owner = Some(("acme.io".into(), "ana".into()));
    w.due = DueTimes {
        sla: Some(minutes(5)),
        ..Default::default()
    };
    let stored = w.lead.clone();
    s.write_lead(w).await.unwrap();
    s.put_rep(Rep::new("ana", "inbound")).await.unwrap();
    s.accept(vec![job("e1")]).await.unwrap();
    s.record_delivered("alert:slack:x").await.unwrap();
    drop(f.store);

    let s = SqliteStore::open(f.dir.path()).unwrap();
    assert_eq!(s.lead("ld_a").await.unwrap(), Some(stored));
    assert_eq!(s.history("ld_a").await.unwrap().len(), 1);
    assert_eq!(s.pending(10).await.unwrap().len(), 1);
    assert_eq!(
        s.lead_by_email("ld_a@acme.io").await.unwrap().unwrap().id,
        "ld_a"
    );
    assert_eq!(s.reps().await.unwrap()[0].open_leads, 1);
    assert_eq!(
        s.account_owner("acme.io").await.unwrap().as_deref(),
        Some("ana")
    );
    assert_eq!(s.due(DueKind::Sla, minutes(5), 10).await.unwrap(), ["ld_a"]);
    assert_eq!(
        s.accept(vec![job("e1")]).await.unwrap(),
        [Acceptance::Duplicate]
    );
    assert_eq!(s.queue_depth(SCORE_QUEUE).await.unwrap(), 1);
    assert!(s.is_delivered("alert:slack:x").await.unwrap());
}

#[tokio::test]
async fn an_accepted_event_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadflow-store-probe"))
        .arg(dir.path())
        .arg("20")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = Vec::new();
    for _ in 0..20 {
        let line = lines
            .next()
            .expect("the probe reports each accept")
            .unwrap();
        acknowledged.push(line.strip_prefix("accepted ").unwrap().to_string());
    }
    // SIGKILL: no destructor, no checkpoint, no flush of anything the process held.
    child.kill().unwrap();
    child.wait().unwrap();

    let store = SqliteStore::open(dir.path()).expect("the lock died with the process");
    assert_eq!(store.queue_depth(SCORE_QUEUE).await.unwrap(), 20);
    let jobs = store
        .claim(
            SCORE_QUEUE,
            50,
            std::time::Duration::from_secs(30),
            minutes(1),
        )
        .await
        .unwrap();
    let queued: Vec<String> = jobs
        .iter()
        .map(|m| m.decode::<leadflow::ports::ScoreJob>().unwrap().event_id)
        .collect();
    assert_eq!(
        queued, acknowledged,
        "every acknowledged event is queued, in order"
    );
    for id in &acknowledged {
        assert_eq!(
            store.accept(vec![job(id)]).await.unwrap(),
            [Acceptance::Duplicate],
            "{id} is remembered as seen"
        );
    }
}
