//! Batched work (`work_batch`): a claimed batch in one transaction, a savepoint per message;
//! and group-committed intake.

mod support;

use std::time::Duration;

use leadflow::domain::DomainEventKind;
use leadflow::ports::{Acceptance, Intake, LeadStore};
use leadflow_store_sqlite::{Release, RetryPolicy, SqliteStore, StoreOptions, SCORE_QUEUE};
use support::*;

const QUEUE: &str = "work";
const VISIBILITY: Duration = Duration::from_secs(60);
const RETRY: RetryPolicy = RetryPolicy {
    base: Duration::from_secs(1),
    max: Duration::from_secs(60),
};

/// The bus of these tests: every event goes to "next".
fn to_next(_: &leadflow::domain::DomainEvent) -> Vec<&'static str> {
    vec!["next"]
}

async fn queue_leads(s: &SqliteStore, ids: &[&str]) {
    for id in ids {
        s.enqueue(QUEUE, id, minutes(0)).await.unwrap();
    }
}

#[tokio::test]
async fn a_failing_job_is_undone_and_released_while_the_others_commit() {
    let f = fresh();
    let s = &f.store;
    queue_leads(s, &["ld_a", "ld_poison", "ld_c"]).await;
    let claimed = s.claim(QUEUE, 10, VISIBILITY, minutes(0)).await.unwrap();
    assert_eq!(claimed.len(), 3);

    let report = s
        .work_batch(claimed, minutes(0), RETRY, Some(to_next), |store, m| {
            let id: String = m.decode().map_err(|e| e.to_string())?;
            let mut w = new_write(lead(&id));
            w.events = vec![event(&id, DomainEventKind::LeadQualified, &id)];
            pollster::block_on(store.write_lead(w)).map_err(|e| e.to_string())?;
            // A later job of the batch reads what an earlier one wrote.
            if id == "ld_c" {
                let a = pollster::block_on(store.lead("ld_a")).map_err(|e| e.to_string())?;
                assert!(a.is_some(), "ld_a written earlier in the same transaction");
            }
            if id == "ld_poison" {
                return Err("poisoned after writing".into());
            }
            Ok(())
        })
        .await
        .unwrap();

    assert_eq!(report.handled, 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].release, Release::Retry);
    assert_eq!(report.failed[0].error, "poisoned after writing");
    assert!(s.lead("ld_a").await.unwrap().is_some());
    assert!(s.lead("ld_c").await.unwrap().is_some());
    assert!(
        s.lead("ld_poison").await.unwrap().is_none(),
        "the failed job's write was rolled back with its savepoint"
    );
    assert_eq!(
        s.queue_depth(QUEUE).await.unwrap(),
        1,
        "only the poison left"
    );
    assert_eq!(
        (report.relayed, s.queue_depth("next").await.unwrap()),
        (2, 2),
        "the committed jobs' events were relayed in the same commit, the failed one's not"
    );
}

#[tokio::test]
async fn a_job_that_keeps_failing_becomes_a_dead_letter_and_does_not_stop_new_work() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open_with(
        dir.path(),
        StoreOptions {
            max_attempts: 2,
            ..Default::default()
        },
    )
    .unwrap();
    queue_leads(&s, &["ld_poison"]).await;
    let fail_poison = |_: &leadflow_store_sqlite::TxStore<'_>,
                       m: &leadflow_store_sqlite::Message| {
        let id: String = m.decode().map_err(|e| e.to_string())?;
        if id == "ld_poison" {
            Err("always fails".to_string())
        } else {
            Ok(())
        }
    };
    let mut releases = Vec::new();
    for (minute, fresh_id) in [(0, "ld_1"), (10, "ld_2")] {
        queue_leads(&s, &[fresh_id]).await;
        let claimed = s
            .claim(QUEUE, 10, VISIBILITY, minutes(minute))
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2, "the poison and the new job");
        let report = s
            .work_batch(claimed, minutes(minute), RETRY, None, fail_poison)
            .await
            .unwrap();
        assert_eq!(
            report.handled, 1,
            "the new job is handled beside the poison"
        );
        releases.push(report.failed[0].release);
    }
    assert_eq!(releases, [Release::Retry, Release::DeadLettered]);
    assert_eq!(s.queue_depth(QUEUE).await.unwrap(), 0);
    assert_eq!(s.dead_letters(QUEUE, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_batch_that_dies_before_its_commit_leaves_every_job_queued_and_nothing_written() {
    let f = fresh();
    let s = &f.store;
    queue_leads(s, &["ld_a", "ld_b", "ld_crash"]).await;
    let claimed = s.claim(QUEUE, 10, VISIBILITY, minutes(0)).await.unwrap();

    let outcome = s
        .work_batch(claimed, minutes(0), RETRY, Some(to_next), |store, m| {
            let id: String = m.decode().map_err(|e| e.to_string())?;
            pollster::block_on(store.write_lead(new_write(lead(&id))))
                .map_err(|e| e.to_string())?;
            if id == "ld_crash" {
                panic!("the process dies mid-batch");
            }
            Ok(())
        })
        .await;

    assert!(outcome.is_err(), "the batch reports its failure");
    for id in ["ld_a", "ld_b", "ld_crash"] {
        assert!(
            s.lead(id).await.unwrap().is_none(),
            "{id} was not committed"
        );
    }
    assert_eq!(
        s.queue_depth(QUEUE).await.unwrap(),
        3,
        "no job was acknowledged"
    );
    // As on a restart: the claimed jobs come back, each with its claim counted.
    s.make_all_visible(minutes(1)).await.unwrap();
    let again = s.claim(QUEUE, 10, VISIBILITY, minutes(1)).await.unwrap();
    assert_eq!(again.len(), 3);
    assert!(again.iter().all(|m| m.attempts == 2));
    // The writer connection is usable again (the transaction was rolled back).
    s.write_lead(new_write(lead("ld_after"))).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_accepts_are_each_committed_once_through_the_group_committer() {
    let f = fresh();
    let s = f.store.clone();
    // 200 requests at once, each id sent twice: every id accepted exactly once.
    let tasks: Vec<_> = (0..400)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move { s.accept(vec![job(&format!("evt-{}", n % 200))]).await })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        let answer = t.await.unwrap().unwrap();
        accepted += answer
            .iter()
            .filter(|a| **a == Acceptance::Accepted)
            .count();
    }
    assert_eq!(accepted, 200);
    assert_eq!(s.queue_depth(SCORE_QUEUE).await.unwrap(), 200);
}

#[test]
fn intake_answers_without_a_tokio_runtime() {
    let f = fresh();
    let answer = pollster::block_on(f.store.accept(vec![job("evt-1"), job("evt-1")])).unwrap();
    assert_eq!(answer, [Acceptance::Accepted, Acceptance::Duplicate]);
}

#[tokio::test]
async fn dropping_the_store_releases_the_directory_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let s = SqliteStore::open(dir.path()).unwrap();
        s.accept(vec![job(&format!("evt-{round}"))]).await.unwrap();
        drop(s);
    }
    let s = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(s.queue_depth(SCORE_QUEUE).await.unwrap(), 3);
}
