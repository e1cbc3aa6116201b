//! The durable queues: claim, ack, release with retry, visibility timeout, dead letters;
//! intake onto the score queue; the outbox relay onto the serve queues.

mod support;

use std::time::Duration;

use leadflow::domain::{DomainEvent, DomainEventKind};
use leadflow::ports::{Acceptance, Intake, LeadStore, Outbox, ScoreJob};
use leadflow_store_sqlite::{Release, SqliteStore, StoreOptions, SCORE_QUEUE};
use support::*;

const VISIBILITY: Duration = Duration::from_secs(60);

fn store_with_max_attempts(dir: &std::path::Path, max_attempts: u32) -> SqliteStore {
    SqliteStore::open_with(
        dir,
        StoreOptions {
            max_attempts,
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn claim_hands_out_ready_messages_oldest_first_and_ack_removes_them() {
    let f = fresh();
    let s = &f.store;
    let later = s.enqueue("route", &"later", minutes(10)).await.unwrap();
    let first = s.enqueue("route", &"first", minutes(0)).await.unwrap();
    let second = s.enqueue("route", &"second", minutes(1)).await.unwrap();
    s.enqueue("notify", &"elsewhere", minutes(0)).await.unwrap();

    let got = s.claim("route", 10, VISIBILITY, minutes(5)).await.unwrap();
    let ids: Vec<i64> = got.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [first, second],
        "only ready messages of that queue, oldest first"
    );
    assert_eq!(got[0].decode::<String>().unwrap(), "first");
    assert_eq!((got[0].attempts, got[0].queue.as_str()), (1, "route"));
    assert_eq!(got[0].enqueued_at, minutes(0));

    assert!(s.ack(first).await.unwrap());
    assert!(!s.ack(first).await.unwrap(), "a second ack finds nothing");
    assert_eq!(s.queue_depth("route").await.unwrap(), 2);
    let half_a_minute_on = minutes(5) + chrono::TimeDelta::seconds(30);
    assert!(
        s.claim("route", 10, VISIBILITY, half_a_minute_on)
            .await
            .unwrap()
            .is_empty(),
        "second is hidden, later not ready"
    );
    let ids =
        |got: Vec<leadflow_store_sqlite::Message>| got.iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.claim("route", 1, VISIBILITY, minutes(10)).await.unwrap()),
        [second],
        "max is honoured; visible again since 5:01, second comes before later (10:00)"
    );
    assert_eq!(
        ids(s.claim("route", 1, VISIBILITY, minutes(10)).await.unwrap()),
        [later]
    );
}

#[tokio::test]
async fn make_all_visible_frees_claimed_messages_but_not_ones_enqueued_for_later() {
    let f = fresh();
    let s = &f.store;
    let claimed = s.enqueue("score", &1, minutes(0)).await.unwrap();
    let _later = s.enqueue("score", &2, minutes(10)).await.unwrap();
    assert_eq!(
        s.claim("score", 5, VISIBILITY, minutes(0))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(s
        .claim("score", 5, VISIBILITY, minutes(0))
        .await
        .unwrap()
        .is_empty());

    assert_eq!(s.make_all_visible(minutes(0)).await.unwrap(), 1);
    let got = s.claim("score", 5, VISIBILITY, minutes(0)).await.unwrap();
    let ids: Vec<i64> = got.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [claimed],
        "the claim was given up; the later message still waits"
    );
    assert_eq!(got[0].attempts, 2);
}

#[tokio::test]
async fn an_unacknowledged_message_comes_back_after_its_visibility_timeout() {
    let f = fresh();
    let s = &f.store;
    let id = s.enqueue("score", &1, minutes(0)).await.unwrap();
    assert_eq!(
        s.claim("score", 5, VISIBILITY, minutes(0))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.claim("score", 5, VISIBILITY, minutes(0))
            .await
            .unwrap()
            .is_empty(),
        "hidden"
    );
    let just_before = minutes(1) - chrono::TimeDelta::nanoseconds(1);
    assert!(s
        .claim("score", 5, VISIBILITY, just_before)
        .await
        .unwrap()
        .is_empty());
    let again = s.claim("score", 5, VISIBILITY, minutes(1)).await.unwrap();
    assert_eq!(
        (again[0].id, again[0].attempts),
        (id, 2),
        "redelivered, second attempt"
    );
}

#[tokio::test]
async fn a_released_message_is_retried_at_the_retry_time() {
    let f = fresh();
    let s = &f.store;
    let id = s.enqueue("notify", &"alert", minutes(0)).await.unwrap();
    s.claim("notify", 1, VISIBILITY, minutes(0)).await.unwrap();
    let r = s
        .release(id, minutes(3), "slack 503", minutes(0))
        .await
        .unwrap();
    assert_eq!(r, Release::Retry);
    assert!(s
        .claim("notify", 1, VISIBILITY, minutes(2))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.claim("notify", 1, VISIBILITY, minutes(3)).await.unwrap()[0].id,
        id
    );
    assert!(s.ack(id).await.unwrap());
    assert_eq!(
        s.release(id, minutes(9), "late", minutes(9)).await.unwrap(),
        Release::Gone
    );
}

#[tokio::test]
async fn a_message_failing_every_attempt_becomes_a_dead_letter_and_can_be_redriven() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_max_attempts(dir.path(), 3);
    let id = s.enqueue("route", &"poison", minutes(0)).await.unwrap();
    let mut results = Vec::new();
    for attempt in 0..3 {
        let now = minutes(attempt);
        let got = s.claim("route", 1, VISIBILITY, now).await.unwrap();
        assert_eq!(got.len(), 1, "attempt {attempt} delivered");
        results.push(
            s.release(id, now, &format!("boom {attempt}"), now)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        results,
        [Release::Retry, Release::Retry, Release::DeadLettered]
    );
    assert!(s
        .claim("route", 1, VISIBILITY, minutes(10))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.queue_depth("route").await.unwrap(), 0);
    let dead = s.dead_letters("route", 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].id, dead[0].attempts, dead[0].last_error.as_deref()),
        (id, 3, Some("boom 2"))
    );
    assert_eq!(dead[0].payload, serde_json::json!("poison"));
    assert_eq!(dead[0].dead_at, minutes(2));

    assert!(s.redrive(id, minutes(20)).await.unwrap());
    assert!(s.dead_letters("route", 10).await.unwrap().is_empty());
    let back = s.claim("route", 1, VISIBILITY, minutes(20)).await.unwrap();
    assert_eq!(
        (back[0].id, back[0].attempts),
        (id, 1),
        "fresh attempts after a redrive"
    );
    assert!(
        !s.redrive(id, minutes(20)).await.unwrap(),
        "nothing left to redrive"
    );
}

#[tokio::test]
async fn a_message_whose_consumer_keeps_dying_is_dead_lettered_without_blocking_others() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_max_attempts(dir.path(), 2);
    let poison = s
        .enqueue("score", &"crashes the worker", minutes(0))
        .await
        .unwrap();
    // Two claims that never ack nor release (the worker died each time).
    for m in [0, 2] {
        let got = s.claim("score", 1, VISIBILITY, minutes(m)).await.unwrap();
        assert_eq!(got[0].id, poison);
    }
    let healthy = s.enqueue("score", &"fine", minutes(3)).await.unwrap();
    let got = s.claim("score", 5, VISIBILITY, minutes(4)).await.unwrap();
    assert_eq!(got.iter().map(|m| m.id).collect::<Vec<_>>(), [healthy]);
    let dead = s.dead_letters("score", 10).await.unwrap();
    assert_eq!(dead.iter().map(|d| d.id).collect::<Vec<_>>(), [poison]);
    assert!(dead[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("claimed 2 times"));
}

#[tokio::test]
async fn accept_queues_each_new_event_once() {
    let f = fresh();
    let s = &f.store;
    let got = s
        .accept(vec![job("e1"), job("e2"), job("e1")])
        .await
        .unwrap();
    assert_eq!(
        got,
        [
            Acceptance::Accepted,
            Acceptance::Accepted,
            Acceptance::Duplicate
        ]
    );
    assert_eq!(
        s.accept(vec![job("e2")]).await.unwrap(),
        [Acceptance::Duplicate]
    );
    assert_eq!(s.accept(Vec::new()).await.unwrap(), []);
    let queued = s.claim(SCORE_QUEUE, 10, VISIBILITY, t0()).await.unwrap();
    let jobs: Vec<ScoreJob> = queued.iter().map(|m| m.decode().unwrap()).collect();
    assert_eq!(
        jobs,
        [job("e1"), job("e2")],
        "the jobs as accepted, nothing for duplicates"
    );
}

fn serve_routes(e: &DomainEvent) -> Vec<&'static str> {
    match e.kind {
        DomainEventKind::LeadQualified => vec!["route"],
        DomainEventKind::LeadAssigned
        | DomainEventKind::SlaBreached
        | DomainEventKind::LeadReassigned
        | DomainEventKind::FollowUpMissed => vec!["notify"],
        _ => Vec::new(),
    }
}

async fn write_events(s: &SqliteStore, id: &str, kinds: &[DomainEventKind]) -> Vec<DomainEvent> {
    let mut w = new_write(lead(id));
    w.events = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| event(&format!("{id}-{i}"), *k, id))
        .collect();
    let events = w.events.clone();
    s.write_lead(w).await.unwrap();
    events
}

#[tokio::test]
async fn the_relay_moves_each_event_to_its_queues_exactly_once() {
    let f = fresh();
    let s = &f.store;
    let a = write_events(
        s,
        "ld_a",
        &[
            DomainEventKind::LeadScored,
            DomainEventKind::LeadQualified,
            DomainEventKind::LeadAssigned,
        ],
    )
    .await;
    assert_eq!(
        s.relay_to_queues(serve_routes, 2).await.unwrap(),
        2,
        "limit honoured"
    );
    assert_eq!(s.relay_to_queues(serve_routes, 10).await.unwrap(), 1);
    assert_eq!(
        s.relay_to_queues(serve_routes, 10).await.unwrap(),
        0,
        "nothing twice"
    );
    assert!(s.pending(10).await.unwrap().is_empty(), "all relayed");

    let take = |q: &'static str| async move {
        s.claim(q, 10, VISIBILITY, t0())
            .await
            .unwrap()
            .iter()
            .map(|m| m.decode::<DomainEvent>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(take("route").await, [a[1].clone()]);
    assert_eq!(take("notify").await, [a[2].clone()]);
}

fn exploding_routes(e: &DomainEvent) -> Vec<&'static str> {
    if e.kind == DomainEventKind::SlaBreached {
        panic!("routing blew up half way through the batch");
    }
    vec!["notify"]
}

#[tokio::test]
async fn a_relay_that_fails_half_way_leaves_every_event_pending_and_nothing_queued() {
    let f = fresh();
    let s = &f.store;
    write_events(
        s,
        "ld_a",
        &[DomainEventKind::LeadAssigned, DomainEventKind::SlaBreached],
    )
    .await;
    let err = s.relay_to_queues(exploding_routes, 10).await.unwrap_err();
    assert!(err.to_string().contains("storage failed"), "{err}");
    assert_eq!(s.pending(10).await.unwrap().len(), 2, "still pending");
    assert_eq!(
        s.queue_depth("notify").await.unwrap(),
        0,
        "the first enqueue rolled back"
    );
    // The store is still usable after the failed task, and the retry relays both.
    assert_eq!(s.relay_to_queues(serve_routes, 10).await.unwrap(), 2);
    assert_eq!(s.queue_depth("notify").await.unwrap(), 2);
}

#[tokio::test]
async fn ack_many_removes_a_batch_in_one_go() {
    let f = fresh();
    let s = &f.store;
    let a = s.enqueue("score", &"a", minutes(0)).await.unwrap();
    let b = s.enqueue("score", &"b", minutes(0)).await.unwrap();
    let c = s.enqueue("score", &"c", minutes(0)).await.unwrap();
    s.claim("score", 10, VISIBILITY, minutes(0)).await.unwrap();
    assert_eq!(s.ack_many(vec![a, c]).await.unwrap(), 2);
    assert_eq!(s.ack_many(vec![a, c]).await.unwrap(), 0, "already gone");
    assert_eq!(s.ack_many(Vec::new()).await.unwrap(), 0);
    assert_eq!(s.queue_depth("score").await.unwrap(), 1);
    let left = s.claim("score", 10, VISIBILITY, minutes(1)).await.unwrap();
    assert_eq!(left.iter().map(|m| m.id).collect::<Vec<_>>(), [b]);
}
