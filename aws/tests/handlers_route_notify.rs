//! Route and notify over a real bus (moto): the score handler publishes, an EventBridge rule
//! puts `LeadQualified` on the route queue, the route handler parses that envelope and owns
//! the lead, and the `LeadAssigned` it publishes reaches the notify handler, which alerts once.

mod support;

use std::sync::Mutex;

use aws_lambda_events::sqs::SqsEvent;
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::{AlertKind, Config};
use leadflow::domain::{DomainEvent, DomainEventKind, Status};
use leadflow::ports::{Alert, LeadStore, Notifier, NotifyError};
use leadflow::scoring::Scorer;
use leadflow_aws::eventbridge::EventBridgePublisher;
use leadflow_aws::handlers::envelope::{domain_event, EnvelopeError};
use leadflow_aws::handlers::notify::{handle_notify, Channel};
use leadflow_aws::handlers::route::handle_route;
use leadflow_aws::handlers::score::handle_score;
use support::{
    accepted_jobs, bus_into_queue, envelope_body, eventbridge, hot_event, receive, sqs, sqs_event,
    store_with_reps, t0, RecordingBus,
};

/// What the SQS event source mapping hands the function: the messages of one receive.
async fn poll(queue_url: &str) -> SqsEvent {
    let messages = receive(&sqs().await, queue_url, 60).await;
    let pairs: Vec<(&str, &str)> = messages
        .iter()
        .map(|(id, body, _)| (id.as_str(), body.as_str()))
        .collect();
    sqs_event(&pairs)
}

#[derive(Default)]
struct Recorder {
    alerts: Mutex<Vec<Alert>>,
    fail_next: Mutex<usize>,
}

impl Notifier for Recorder {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        let mut fail = self.fail_next.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return Err(NotifyError::Transient("the chat service is down".into()));
        }
        self.alerts.lock().unwrap().push(alert.clone());
        Ok(())
    }
}

#[tokio::test]
async fn a_qualified_lead_goes_through_the_bus_to_route_and_its_owner_is_alerted_once() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let (bus, route_queue) = bus_into_queue(&["LeadQualified"]).await;
    let notify_queue = support::queue(&sqs().await, "notify").await;
    let notify_arn = support::queue_arn(&sqs().await, &notify_queue).await;
    add_rule(
        &bus,
        &[
            "LeadAssigned",
            "LeadReassigned",
            "SlaBreached",
            "FollowUpMissed",
        ],
        &notify_arn,
    )
    .await;
    let publisher = EventBridgePublisher::new(eventbridge().await, &bus);

    let jobs = accepted_jobs(
        &store,
        vec![hot_event("e1", "ana@acme.io", "demo_request", t0())],
    )
    .await;
    let body = serde_json::to_string(&jobs[0]).unwrap();
    let scored = handle_score(
        &store,
        &publisher,
        &config,
        Scorer::rules("v1"),
        &sqs_event(&[("m1", &body)]),
        t0(),
    )
    .await;
    assert!(
        scored.failed.is_empty() && scored.relay_error.is_none(),
        "{scored:?}"
    );

    let routed_batch = poll(&route_queue).await;
    assert_eq!(
        routed_batch.records.len(),
        1,
        "only LeadQualified reaches the route queue"
    );
    let routed = handle_route(&store, &publisher, &config, &routed_batch, t0()).await;
    assert!(routed.failed.is_empty(), "{routed:?}");
    let lead = store.lead(&jobs[0].lead_id).await.unwrap().unwrap();
    assert_eq!(lead.status, Status::Assigned);
    let owner = lead.owner_id().expect("owned").to_string();
    assert!(lead.sla.is_some(), "its SLA clock runs");

    let notify_batch = poll(&notify_queue).await;
    assert_eq!(
        notify_batch.records.len(),
        1,
        "LeadAssigned reaches the notify queue"
    );
    let channels = [Channel {
        name: "slack",
        notifier: Recorder::default(),
    }];
    let recorder = &channels[0].notifier;
    let notified = handle_notify(
        &store,
        &channels,
        &RecordingBus::default(),
        &config,
        &notify_batch,
    )
    .await;
    assert!(notified.failed.is_empty(), "{notified:?}");
    // The same delivery again (SQS is at least once): no second alert.
    handle_notify(
        &store,
        &channels,
        &RecordingBus::default(),
        &config,
        &notify_batch,
    )
    .await;
    let alerts = recorder.alerts.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, AlertKind::Assigned);
    assert_eq!(alerts[0].rep_id.as_deref(), Some(owner.as_str()));

    // The route message delivered again changes nothing.
    let again = handle_route(&store, &publisher, &config, &routed_batch, t0()).await;
    assert!(again.failed.is_empty());
    assert_eq!(store.lead(&lead.id).await.unwrap().unwrap(), lead);
}

async fn add_rule(bus: &str, kinds: &[&str], arn: &str) {
    let eb = eventbridge().await;
    let rule = leadflow_aws::testing::unique_name("rule");
    eb.put_rule()
        .name(&rule)
        .event_bus_name(bus)
        .event_pattern(
            serde_json::json!({"source": ["leadflow"], "detail-type": kinds}).to_string(),
        )
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule(&rule)
        .event_bus_name(bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("q")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn assigned_event(store: &MemoryStore, config: &Config) -> DomainEvent {
    let bus = RecordingBus::default();
    let jobs = accepted_jobs(
        store,
        vec![hot_event("e1", "bo@beta.io", "demo_request", t0())],
    )
    .await;
    let body = serde_json::to_string(&jobs[0]).unwrap();
    handle_score(
        store,
        &bus,
        config,
        Scorer::rules("v1"),
        &sqs_event(&[("m", &body)]),
        t0(),
    )
    .await;
    let qualified = bus
        .events
        .lock()
        .unwrap()
        .iter()
        .find(|e| e.kind == DomainEventKind::LeadQualified)
        .cloned()
        .unwrap();
    let route = sqs_event(&[("r", &envelope_body(&qualified))]);
    handle_route(store, &bus, config, &route, t0()).await;
    let assigned = bus
        .events
        .lock()
        .unwrap()
        .iter()
        .find(|e| e.kind == DomainEventKind::LeadAssigned)
        .cloned();
    assigned.expect("routing published LeadAssigned")
}

#[tokio::test]
async fn a_failed_alert_is_reported_and_sent_once_on_redelivery_with_a_poison_beside_it() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let assigned = assigned_event(&store, &config).await;
    let body = envelope_body(&assigned);
    let channels = [Channel {
        name: "slack",
        notifier: Recorder::default(),
    }];
    let recorder = &channels[0].notifier;
    *recorder.fail_next.lock().unwrap() = 1;
    let batch = sqs_event(&[("good", &body), ("poison", "{\"detail-type\": 3}")]);
    let first = handle_notify(&store, &channels, &RecordingBus::default(), &config, &batch).await;
    let failed: Vec<&str> = first.failed.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        failed,
        vec!["good", "poison"],
        "the transient failure and the poison"
    );
    assert!(recorder.alerts.lock().unwrap().is_empty());

    let redelivered = sqs_event(&[("good", &body)]);
    let second = handle_notify(
        &store,
        &channels,
        &RecordingBus::default(),
        &config,
        &redelivered,
    )
    .await;
    assert!(second.failed.is_empty());
    handle_notify(
        &store,
        &channels,
        &RecordingBus::default(),
        &config,
        &redelivered,
    )
    .await;
    assert_eq!(recorder.alerts.lock().unwrap().len(), 1, "sent once");
}

#[test]
fn envelopes_from_elsewhere_or_inconsistent_ones_are_refused() {
    let event = DomainEvent::new(
        "c",
        DomainEventKind::LeadQualified,
        "ld_1",
        t0(),
        serde_json::json!({}),
    );
    let good = envelope_body(&event);
    assert_eq!(domain_event(&good).unwrap(), event);
    let other_source = good.replace("\"source\":\"leadflow\"", "\"source\":\"aws.s3\"");
    assert_eq!(
        domain_event(&other_source),
        Err(EnvelopeError::Source("aws.s3".into()))
    );
    let mismatch = good.replace(
        "\"detail-type\":\"LeadQualified\"",
        "\"detail-type\":\"LeadScored\"",
    );
    assert!(matches!(
        domain_event(&mismatch),
        Err(EnvelopeError::KindMismatch { .. })
    ));
    assert!(matches!(
        domain_event("[]"),
        Err(EnvelopeError::Malformed(_))
    ));
}
