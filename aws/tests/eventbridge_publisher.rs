//! The EventBridge publisher (moto): batches of ten through a real rule into a queue, the
//! envelope the consumers parse, and refused entries — injected at the `PutEvents` port, since
//! moto never refuses a well-formed entry — retried, then reported as a partial failure.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::{DomainEvent, DomainEventKind};
use leadflow::ports::{BoxError, LeadStore, Outbox, PublishError, Publisher};
use leadflow::usecases::relay::relay;
use leadflow::usecases::UseCaseError;
use leadflow_aws::eventbridge::{EventBridgePublisher, PutEventsApi};
use leadflow_aws::handlers::envelope::domain_event;
use leadflow_aws::EntryRetry;
use serde_json::json;
use support::{bus_into_queue, drain_bodies, eventbridge, sqs, t0};

fn event(n: usize, kind: DomainEventKind) -> DomainEvent {
    DomainEvent::new(
        &format!("cause-{n}"),
        kind,
        &format!("ld_{n}"),
        t0(),
        json!({"n": n}),
    )
}

fn quick() -> EntryRetry {
    EntryRetry {
        attempts: 3,
        base_delay: Duration::from_millis(5),
    }
}

/// The real client, except that the entries of `refuse` are refused (`InternalFailure`) on
/// the first `times` calls that carry them — how EventBridge answers when it cannot take some.
struct Refusing {
    client: aws_sdk_eventbridge::Client,
    refuse: Vec<String>,
    times: usize,
    seen: Mutex<HashMap<String, usize>>,
    calls: Mutex<usize>,
}

impl Refusing {
    fn new(client: aws_sdk_eventbridge::Client, refuse: &[&str], times: usize) -> Self {
        Refusing {
            client,
            refuse: refuse.iter().map(|s| s.to_string()).collect(),
            times,
            seen: Mutex::default(),
            calls: Mutex::default(),
        }
    }

    fn event_id(entry: &PutEventsRequestEntry) -> String {
        let detail: serde_json::Value = serde_json::from_str(entry.detail().unwrap()).unwrap();
        detail["event_id"].as_str().unwrap().to_string()
    }
}

impl PutEventsApi for Refusing {
    async fn put_events(
        &self,
        entries: Vec<PutEventsRequestEntry>,
    ) -> Result<PutEventsOutput, BoxError> {
        *self.calls.lock().unwrap() += 1;
        let refused: Vec<bool> = entries
            .iter()
            .map(|e| {
                let id = Self::event_id(e);
                if !self.refuse.contains(&id) {
                    return false;
                }
                let mut seen = self.seen.lock().unwrap();
                let n = seen.entry(id).or_default();
                *n += 1;
                *n <= self.times
            })
            .collect();
        let passed: Vec<PutEventsRequestEntry> = entries
            .iter()
            .zip(&refused)
            .filter(|(_, r)| !**r)
            .map(|(e, _)| e.clone())
            .collect();
        let mut accepted = if passed.is_empty() {
            Vec::new()
        } else {
            let out = PutEventsApi::put_events(&self.client, passed).await?;
            assert_eq!(out.failed_entry_count(), 0);
            out.entries().to_vec()
        }
        .into_iter();
        let mut results = Vec::new();
        for r in &refused {
            results.push(if *r {
                PutEventsResultEntry::builder()
                    .error_code("InternalFailure")
                    .error_message("injected")
                    .build()
            } else {
                accepted.next().expect("one result per accepted entry")
            });
        }
        let failed = refused.iter().filter(|r| **r).count() as i32;
        Ok(PutEventsOutput::builder()
            .failed_entry_count(failed)
            .set_entries(Some(results))
            .build())
    }
}

fn ids_of(bodies: &[String]) -> BTreeSet<String> {
    bodies
        .iter()
        .map(|b| domain_event(b).expect("a leadflow envelope").event_id)
        .collect()
}

#[tokio::test]
async fn more_than_ten_events_go_out_in_batches_and_arrive_as_envelopes() {
    let (bus, url) = bus_into_queue(&[]).await;
    let events: Vec<DomainEvent> = (0..23)
        .map(|n| event(n, DomainEventKind::LeadScored))
        .collect();
    EventBridgePublisher::new(eventbridge().await, &bus)
        .publish(&events)
        .await
        .expect("23 events in three PutEvents calls");
    let bodies = drain_bodies(&sqs().await, &url, 23).await;
    assert_eq!(bodies.len(), 23);
    let envelope: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(envelope["source"], "leadflow");
    assert_eq!(envelope["detail-type"], "LeadScored");
    let parsed: Vec<DomainEvent> = bodies.iter().map(|b| domain_event(b).unwrap()).collect();
    for e in &events {
        assert!(
            parsed.contains(e),
            "{} arrived unchanged in its envelope",
            e.event_id
        );
    }
}

#[tokio::test]
async fn a_rule_on_the_detail_type_routes_only_that_kind() {
    let (bus, url) = bus_into_queue(&["LeadQualified"]).await;
    let events = vec![
        event(1, DomainEventKind::LeadScored),
        event(2, DomainEventKind::LeadQualified),
        event(3, DomainEventKind::LeadAssigned),
    ];
    EventBridgePublisher::new(eventbridge().await, &bus)
        .publish(&events)
        .await
        .unwrap();
    let bodies = drain_bodies(&sqs().await, &url, 3).await;
    assert_eq!(
        ids_of(&bodies),
        BTreeSet::from([events[1].event_id.clone()])
    );
}

#[tokio::test]
async fn refused_entries_are_retried_and_then_published() {
    let (bus, url) = bus_into_queue(&[]).await;
    let events: Vec<DomainEvent> = (0..12)
        .map(|n| event(n, DomainEventKind::LeadScored))
        .collect();
    let refused = [events[3].event_id.as_str(), events[11].event_id.as_str()];
    let api = Refusing::new(eventbridge().await, &refused, 2);
    let publisher = EventBridgePublisher::new(api, &bus).with_retry(quick());
    publisher
        .publish(&events)
        .await
        .expect("the third try takes them");
    let bodies = drain_bodies(&sqs().await, &url, 12).await;
    assert_eq!(bodies.len(), 12, "each event once, none lost or doubled");
    assert_eq!(ids_of(&bodies).len(), 12);
}

#[tokio::test]
async fn entries_refused_on_every_try_are_a_partial_failure_naming_them() {
    let (bus, url) = bus_into_queue(&[]).await;
    let events: Vec<DomainEvent> = (0..12)
        .map(|n| event(n, DomainEventKind::LeadScored))
        .collect();
    let bad = events[4].event_id.clone();
    let api = Refusing::new(eventbridge().await, &[&bad], usize::MAX);
    let publisher = EventBridgePublisher::new(api, &bus).with_retry(quick());
    match publisher.publish(&events).await {
        Err(PublishError::Partial { failed, reason }) => {
            assert_eq!(failed, vec![bad.clone()]);
            assert!(reason.contains("InternalFailure"), "{reason}");
        }
        other => panic!("expected a partial failure, got {other:?}"),
    }
    // Tried once and retried twice (its batch), the other batch once: 3 + 1 calls.
    assert_eq!(*publisher_calls(&publisher), 4);
    let bodies = drain_bodies(&sqs().await, &url, 12).await;
    assert_eq!(bodies.len(), 11, "the others went out");
    assert!(!ids_of(&bodies).contains(&bad));
}

fn publisher_calls(p: &EventBridgePublisher<Refusing>) -> std::sync::MutexGuard<'_, usize> {
    p.api().calls.lock().unwrap()
}

#[tokio::test]
async fn the_relay_keeps_a_refused_event_in_the_outbox_until_it_goes_out() {
    let config = Config::default();
    let store = MemoryStore::new();
    let (bus, url) = bus_into_queue(&[]).await;
    // A scored lead leaves events in the outbox.
    let jobs = support::accepted_jobs(
        &store,
        vec![support::hot_event(
            "e1",
            "ana@acme.io",
            "demo_request",
            t0(),
        )],
    )
    .await;
    leadflow::usecases::score::score_event(&store, &jobs[0], &config, "v1", t0())
        .await
        .unwrap();
    let pending = store.pending(100).await.unwrap();
    assert!(
        pending.len() >= 2,
        "LeadScored and LeadQualified wait in the outbox"
    );
    let bad = pending[0].event_id.clone();

    let refusing = EventBridgePublisher::new(
        Refusing::new(eventbridge().await, &[&bad], usize::MAX),
        &bus,
    )
    .with_retry(quick());
    let err = relay(&store, &refusing, 100)
        .await
        .expect_err("one entry is refused");
    assert!(matches!(
        err,
        UseCaseError::Publish(PublishError::Partial { .. })
    ));
    let still: Vec<String> = store
        .pending(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        still,
        vec![bad.clone()],
        "only the refused event stays pending"
    );

    let healthy = EventBridgePublisher::new(eventbridge().await, &bus);
    assert_eq!(relay(&store, &healthy, 100).await.unwrap(), 1);
    assert!(store.pending(100).await.unwrap().is_empty());
    let bodies = drain_bodies(&sqs().await, &url, pending.len()).await;
    let expected: BTreeSet<String> = pending.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(bodies.len(), pending.len(), "each event published once");
    assert_eq!(ids_of(&bodies), expected);
    let lead = store.lead(&jobs[0].lead_id).await.unwrap().unwrap();
    assert_eq!(lead.version, 1, "publishing changed nothing in the lead");
}

#[tokio::test]
async fn a_missing_bus_fails_the_whole_call() {
    let publisher = EventBridgePublisher::new(
        eventbridge().await,
        leadflow_aws::testing::unique_name("no-such-bus"),
    )
    .with_retry(quick());
    match publisher
        .publish(&[event(1, DomainEventKind::LeadScored)])
        .await
    {
        Err(PublishError::Backend(e)) => assert!(e.to_string().contains("no-such-bus"), "{e}"),
        other => panic!("expected a backend error, got {other:?}"),
    }
}
