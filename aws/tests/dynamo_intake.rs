//! Intake on DynamoDB: an accepted event is on the score queue, a duplicate is not sent
//! again, and an event whose send failed (never acknowledged, so never marked seen) is sent
//! when it comes again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use leadflow::ports::{Acceptance, Intake, ScoreJob, StoreError};
use leadflow_aws::dynamo::store_on_fresh_table_with;
use leadflow_aws::score_queue::{InMemoryScoreQueue, ScoreQueue};

fn job(id: &str) -> ScoreJob {
    let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    ScoreJob {
        event_id: id.into(),
        lead_id: "ld_a".into(),
        event_type: "page_view".into(),
        occurred_at: t,
        received_at: t,
        email: Some("a@acme.io".into()),
        external_id: None,
        attributes: Default::default(),
        properties: Default::default(),
    }
}

/// A score queue that refuses sends while `down` (an SQS outage, a crash before the send).
#[derive(Clone, Default)]
struct FlakyQueue {
    down: Arc<AtomicBool>,
    inner: InMemoryScoreQueue,
}

impl ScoreQueue for FlakyQueue {
    async fn send(&self, jobs: &[ScoreJob]) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::backend("score queue unavailable"));
        }
        self.inner.send(jobs).await
    }
}

fn ids(jobs: &[ScoreJob]) -> Vec<&str> {
    jobs.iter().map(|j| j.event_id.as_str()).collect()
}

#[tokio::test]
async fn accepted_events_are_queued_once_and_duplicates_are_not() {
    let queue = FlakyQueue::default();
    let store = store_on_fresh_table_with(queue.clone()).await;
    let answers = store
        .accept(vec![job("e1"), job("e2"), job("e1")])
        .await
        .unwrap();
    assert_eq!(
        answers,
        [
            Acceptance::Accepted,
            Acceptance::Accepted,
            Acceptance::Duplicate
        ]
    );
    assert_eq!(
        store.accept(vec![job("e2")]).await.unwrap(),
        [Acceptance::Duplicate]
    );
    assert_eq!(
        ids(&queue.inner.sent()),
        ["e1", "e2"],
        "each accepted job sent once"
    );
}

#[tokio::test]
async fn an_event_seen_but_never_queued_is_sent_when_it_comes_again() {
    let queue = FlakyQueue::default();
    let store = store_on_fresh_table_with(queue.clone()).await;
    queue.down.store(true, Ordering::SeqCst);
    let err = store.accept(vec![job("e1")]).await.unwrap_err();
    assert!(err.to_string().contains("score queue unavailable"), "{err}");
    assert!(queue.inner.sent().is_empty());

    // The sender retries (the webhook was not acknowledged): the pending id is sent now.
    queue.down.store(false, Ordering::SeqCst);
    assert_eq!(
        store.accept(vec![job("e1")]).await.unwrap(),
        [Acceptance::Accepted]
    );
    assert_eq!(ids(&queue.inner.sent()), ["e1"]);

    // Once accepted, it is a duplicate.
    assert_eq!(
        store.accept(vec![job("e1")]).await.unwrap(),
        [Acceptance::Duplicate]
    );
    assert_eq!(ids(&queue.inner.sent()), ["e1"], "not sent a second time");
}
