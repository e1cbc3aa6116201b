//! The scheduled handlers: the SLA check and decay read only what is due, record each breach
//! once, and their closing relay publishes what a crashed handler left in the outbox.

mod support;

use std::collections::BTreeSet;

use chrono::TimeDelta;
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::{DomainEventKind, LeadId};
use leadflow::ports::{LeadStore, Outbox};
use leadflow::scoring::Scorer;
use leadflow::usecases::ingest::InboundEvent;
use leadflow::usecases::route::route_lead;
use leadflow::usecases::score::score_event;
use leadflow_aws::eventbridge::EventBridgePublisher;
use leadflow_aws::handlers::envelope::domain_event;
use leadflow_aws::handlers::schedule::{
    handle_decay, handle_sla_check, ScheduleError, ScheduledRun, DEFAULT_LIMIT,
};
use leadflow_aws::handlers::score::handle_score;
use serde_json::json;
use support::{
    accepted_jobs, bus_into_queue, drain_bodies, eventbridge, hot_event, sqs, sqs_event,
    store_with_reps, t0, RecordingBus,
};

/// A hot lead scored and routed at t0 (its first-response SLA is due 5 minutes later).
async fn assigned_lead(store: &MemoryStore, config: &Config, email: &str) -> LeadId {
    let jobs = accepted_jobs(store, vec![hot_event(email, email, "demo_request", t0())]).await;
    score_event(store, &jobs[0], config, "v1", t0())
        .await
        .unwrap();
    route_lead(store, &jobs[0].lead_id, config, t0())
        .await
        .unwrap();
    jobs[0].lead_id.clone()
}

/// `n` leads that never qualify: nothing of theirs is ever due.
async fn idle_leads(store: &MemoryStore, config: &Config, n: usize) {
    let events = (0..n)
        .map(|i| InboundEvent {
            id: format!("idle-{i}"),
            event_type: "identify".into(),
            occurred_at: t0(),
            email: Some(format!("idle{i}@gmail.com")),
            external_id: None,
            attributes: Default::default(),
            properties: Default::default(),
        })
        .collect();
    for job in accepted_jobs(store, events).await {
        score_event(store, &job, config, "v1", t0()).await.unwrap();
    }
}

fn kinds(bus: &RecordingBus, kind: DomainEventKind) -> usize {
    bus.events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

#[tokio::test]
async fn a_breach_is_recorded_and_published_once() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    assigned_lead(&store, &config, "ana@acme.io").await;
    let bus = RecordingBus::default();
    let run = ScheduledRun::default();
    let later = t0() + TimeDelta::minutes(6);
    let first = handle_sla_check(&store, &bus, &config, &run, later)
        .await
        .unwrap();
    assert_eq!(first.breached, 1, "{first:?}");
    assert_eq!(kinds(&bus, DomainEventKind::SlaBreached), 1);
    let again = handle_sla_check(&store, &bus, &config, &run, later)
        .await
        .unwrap();
    assert_eq!(again.breached, 0, "{again:?}");
    assert_eq!(
        kinds(&bus, DomainEventKind::SlaBreached),
        1,
        "published once"
    );
}

#[tokio::test]
async fn ten_times_more_idle_leads_read_the_same_number_of_clocks() {
    let config = Config::default();
    let mut checked = Vec::new();
    for idle in [5, 50] {
        let store = store_with_reps(&config).await;
        assigned_lead(&store, &config, "ana@acme.io").await;
        idle_leads(&store, &config, idle).await;
        let bus = RecordingBus::default();
        let later = t0() + TimeDelta::minutes(6);
        let report = handle_sla_check(&store, &bus, &config, &ScheduledRun::default(), later)
            .await
            .unwrap();
        checked.push(report.checked);
    }
    assert_eq!(checked, vec![1, 1], "only the due clock is read");
}

#[tokio::test]
async fn decay_recycles_an_idle_owned_lead_and_publishes_it() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let id = assigned_lead(&store, &config, "ana@acme.io").await;
    idle_leads(&store, &config, 10).await;
    let bus = RecordingBus::default();
    let run = ScheduledRun::parse(&json!({"job": "decay"}), "decay").unwrap();
    let later = t0() + TimeDelta::days(31);
    let report = handle_decay(&store, &bus, &config, Scorer::rules("v1"), &run, later)
        .await
        .unwrap();
    assert_eq!(report.recycled, 1, "{report:?}");
    assert_eq!(kinds(&bus, DomainEventKind::LeadRecycled), 1);
    assert!(store.lead(&id).await.unwrap().unwrap().owner.is_none());
    assert!(store.pending(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_crash_between_the_write_and_the_publish_loses_nothing_and_doubles_nothing() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let (bus, url) = bus_into_queue(&[]).await;
    let publisher = EventBridgePublisher::new(eventbridge().await, &bus);
    // The score function wrote the lead and its events, then died before relaying.
    let jobs = accepted_jobs(
        &store,
        vec![hot_event("e1", "ana@acme.io", "demo_request", t0())],
    )
    .await;
    score_event(&store, &jobs[0], &config, "v1", t0())
        .await
        .unwrap();
    let stranded: BTreeSet<String> = store
        .pending(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert!(
        stranded.len() >= 2,
        "LeadScored and LeadQualified wait in the outbox"
    );

    // SQS delivers the message again: the write is refused as applied, the relay runs.
    let body = serde_json::to_string(&jobs[0]).unwrap();
    let redelivered = handle_score(
        &store,
        &publisher,
        &config,
        Scorer::rules("v1"),
        &sqs_event(&[("m1", &body)]),
        t0(),
    )
    .await;
    assert!(redelivered.failed.is_empty(), "{redelivered:?}");
    assert_eq!(redelivered.published, stranded.len());
    // The next scheduled sweep finds nothing left.
    let sweep = handle_sla_check(&store, &publisher, &config, &ScheduledRun::default(), t0())
        .await
        .unwrap();
    assert_eq!(sweep.published, 0);

    let bodies = drain_bodies(&sqs().await, &url, stranded.len() + 1).await;
    assert_eq!(bodies.len(), stranded.len(), "each event on the bus once");
    let ids: BTreeSet<String> = bodies
        .iter()
        .map(|b| domain_event(b).unwrap().event_id)
        .collect();
    assert_eq!(ids, stranded);
    assert_eq!(
        store.lead(&jobs[0].lead_id).await.unwrap().unwrap().version,
        1
    );
}

#[tokio::test]
async fn the_sweep_publishes_what_a_crashed_handler_left_when_no_message_comes_back() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let (bus, url) = bus_into_queue(&[]).await;
    let publisher = EventBridgePublisher::new(eventbridge().await, &bus);
    let jobs = accepted_jobs(
        &store,
        vec![hot_event("e1", "ana@acme.io", "demo_request", t0())],
    )
    .await;
    score_event(&store, &jobs[0], &config, "v1", t0())
        .await
        .unwrap();
    let stranded = store.pending(100).await.unwrap().len();
    let sweep = handle_decay(
        &store,
        &publisher,
        &config,
        Scorer::rules("v1"),
        &ScheduledRun::default(),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(sweep.published, stranded);
    assert_eq!(
        drain_bodies(&sqs().await, &url, stranded + 1).await.len(),
        stranded
    );
}

#[test]
fn the_scheduler_input_is_read_and_checked() {
    let none = ScheduledRun::parse(&serde_json::Value::Null, "sla-check").unwrap();
    assert_eq!(none.limit(), DEFAULT_LIMIT);
    let run = ScheduledRun::parse(&json!({"job": "sla-check", "limit": 50}), "sla-check").unwrap();
    assert_eq!(run.limit(), 50);
    assert!(matches!(
        ScheduledRun::parse(&json!({"job": "decay"}), "sla-check"),
        Err(ScheduleError::WrongJob { .. })
    ));
    let err = ScheduledRun::parse(&json!({"limit": "many"}), "decay").unwrap_err();
    assert!(matches!(err, ScheduleError::Input(_)), "{err:?}");
}
