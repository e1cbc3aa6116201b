//! The score handler on SQS fixtures: a poison message or a panic fails only its record,
//! duplicates and out-of-order deliveries apply each event once, and the outbox is relayed.

mod support;

use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::DomainEventKind;
use leadflow::ports::{LeadStore, Outbox, ScoreJob};
use leadflow::scoring::Scorer;
use leadflow_aws::handlers::score::handle_score;
use support::{accepted_jobs, hot_event, sqs_event, t0, PanicsOn, RecordingBus};

fn body(job: &ScoreJob) -> String {
    serde_json::to_string(job).unwrap()
}

/// Each batch delivered as one SQS event at minute 6, every message handled without failure.
async fn deliver_in_batches<S>(
    store: &S,
    bus: &RecordingBus,
    config: &Config,
    batches: &[Vec<(&str, &str)>],
) where
    S: leadflow::ports::LeadStore + leadflow::ports::RepStore + leadflow::ports::Outbox,
{
    for batch in batches {
        let outcome = handle_score(
            store,
            bus,
            config,
            Scorer::rules("v1"),
            &sqs_event(batch),
            t0() + chrono::TimeDelta::minutes(6),
        )
        .await;
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    }
}

async fn jobs(store: &MemoryStore, n: usize) -> Vec<ScoreJob> {
    let events = (0..n)
        .map(|i| {
            hot_event(
                &format!("e{i}"),
                &format!("p{i}@co{i}.io"),
                "demo_request",
                t0(),
            )
        })
        .collect();
    accepted_jobs(store, events).await
}

#[tokio::test]
async fn a_poison_message_in_a_batch_of_ten_is_the_only_failure() {
    let config = Config::default();
    let store = MemoryStore::new();
    let bus = RecordingBus::default();
    let jobs = jobs(&store, 9).await;
    let bodies: Vec<String> = jobs.iter().map(body).collect();
    let mut records: Vec<(String, &str)> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| (format!("msg-{i}"), b.as_str()))
        .collect();
    records.insert(4, ("msg-poison".into(), "{\"event_id\": 42"));
    let pairs: Vec<(&str, &str)> = records.iter().map(|(i, b)| (i.as_str(), *b)).collect();
    let event = sqs_event(&pairs);
    assert_eq!(event.records.len(), 10);

    let outcome = handle_score(&store, &bus, &config, Scorer::rules("v1"), &event, t0()).await;
    let response = outcome.response();
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, vec!["msg-poison"]);
    assert!(
        outcome.failed[0].1.contains("not a score job"),
        "{:?}",
        outcome.failed
    );
    for job in &jobs {
        assert!(
            store.lead(&job.lead_id).await.unwrap().is_some(),
            "{} scored",
            job.lead_id
        );
    }
    let published = bus.events.lock().unwrap().clone();
    assert_eq!(
        published
            .iter()
            .filter(|e| e.kind == DomainEventKind::LeadQualified)
            .count(),
        9,
        "each lead qualified once, relayed in the same invocation"
    );
    assert_eq!(outcome.published, published.len());
    assert!(store.pending(100).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_panic_in_one_record_fails_only_that_record() {
    let config = Config::default();
    let memory = MemoryStore::new();
    let jobs = jobs(&memory, 3).await;
    let store = PanicsOn {
        inner: memory.clone(),
        poison: jobs[1].lead_id.clone(),
    };
    let bodies: Vec<String> = jobs.iter().map(body).collect();
    let event = sqs_event(&[("a", &bodies[0]), ("b", &bodies[1]), ("c", &bodies[2])]);
    let outcome = handle_score(
        &store,
        &RecordingBus::default(),
        &config,
        Scorer::rules("v1"),
        &event,
        t0(),
    )
    .await;
    assert_eq!(outcome.handled, vec!["a", "c"]);
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].0, "b");
    assert!(
        outcome.failed[0].1.contains("panicked"),
        "{:?}",
        outcome.failed
    );
    assert!(
        memory.lead(&jobs[1].lead_id).await.unwrap().is_none(),
        "nothing of it was written"
    );
}

#[tokio::test]
async fn the_same_message_twice_and_again_later_is_applied_once() {
    let config = Config::default();
    let store = MemoryStore::new();
    let bus = RecordingBus::default();
    let jobs = jobs(&store, 1).await;
    let b = body(&jobs[0]);
    let first = sqs_event(&[("m1", &b), ("m1-again", &b)]);
    let outcome = handle_score(&store, &bus, &config, Scorer::rules("v1"), &first, t0()).await;
    assert!(
        outcome.failed.is_empty(),
        "a duplicate is not a failure: {:?}",
        outcome.failed
    );
    let after_first = store.lead(&jobs[0].lead_id).await.unwrap().unwrap();
    assert_eq!(after_first.version, 1, "one write");
    let published = bus.ids();

    let later = sqs_event(&[("m1-redelivered", &b)]);
    let outcome = handle_score(&store, &bus, &config, Scorer::rules("v1"), &later, t0()).await;
    assert!(outcome.failed.is_empty());
    assert_eq!(
        store.lead(&jobs[0].lead_id).await.unwrap().unwrap(),
        after_first
    );
    assert_eq!(bus.ids(), published, "nothing published twice");
}

#[tokio::test]
async fn out_of_order_deliveries_apply_each_event_once() {
    let config = Config::default();
    let store = MemoryStore::new();
    let bus = RecordingBus::default();
    let early = hot_event("e-early", "ana@acme.io", "pricing_page_view", t0());
    let late = hot_event(
        "e-late",
        "ana@acme.io",
        "demo_request",
        t0() + chrono::TimeDelta::minutes(5),
    );
    let jobs = accepted_jobs(&store, vec![early, late]).await;
    assert_eq!(jobs[0].lead_id, jobs[1].lead_id, "one lead");
    let (b_early, b_late) = (body(&jobs[0]), body(&jobs[1]));
    // The later event arrives first, then both again in the other order.
    deliver_in_batches(
        &store,
        &bus,
        &config,
        &[
            vec![("l", b_late.as_str())],
            vec![("e", b_early.as_str()), ("l2", b_late.as_str())],
        ],
    )
    .await;
    let lead = store.lead(&jobs[0].lead_id).await.unwrap().unwrap();
    assert_eq!(
        lead.version, 2,
        "two events, two writes, the repeat refused"
    );
    let history = store.history(&lead.id).await.unwrap();
    let applied = history
        .iter()
        .filter(|h| h.kind == leadflow::domain::HistoryKind::Event)
        .count();
    assert_eq!(applied, 2);
    let ids = bus.ids();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no event published twice");
}

#[tokio::test]
async fn on_dynamodb_duplicates_and_out_of_order_deliveries_apply_each_event_once() {
    let config = Config::default();
    let memory = MemoryStore::new();
    // The store as the functions build it: it remembers applied events on the lead item.
    let store = leadflow_aws::dynamo::store_on_fresh_table()
        .await
        .publishing_only(leadflow_aws::eventbridge::ROUTED_EVENT_KINDS);
    let bus = RecordingBus::default();
    let early = hot_event("e-early", "ana@acme.io", "pricing_page_view", t0());
    let late = hot_event(
        "e-late",
        "ana@acme.io",
        "demo_request",
        t0() + chrono::TimeDelta::minutes(5),
    );
    let jobs = accepted_jobs(&memory, vec![early, late]).await;
    let (b_early, b_late) = (body(&jobs[0]), body(&jobs[1]));
    deliver_in_batches(
        &store,
        &bus,
        &config,
        &[
            vec![("l", b_late.as_str()), ("l-again", b_late.as_str())],
            vec![("e", b_early.as_str()), ("l2", b_late.as_str())],
            vec![("e2", b_early.as_str())],
        ],
    )
    .await;
    let lead = store.lead(&jobs[0].lead_id).await.unwrap().unwrap();
    assert_eq!(
        lead.version, 2,
        "two events, two writes, every repeat refused"
    );
    let history = store.history(&lead.id).await.unwrap();
    let applied = history
        .iter()
        .filter(|h| h.kind == leadflow::domain::HistoryKind::Event)
        .count();
    assert_eq!(applied, 2);
    let kinds: Vec<DomainEventKind> = bus.events.lock().unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [DomainEventKind::LeadQualified],
        "only the routed event reaches the bus, once"
    );
    assert!(store.pending(10).await.unwrap().is_empty());
}
