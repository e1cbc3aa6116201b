//! Shared by the integration tests: Lambda event fixtures shaped like real ones, leads that
//! qualify, moto queues and buses, and a bus stand-in that records what it is given.
#![allow(dead_code)]

use std::sync::Mutex;

use aws_lambda_events::sqs::SqsEvent;
use chrono::{DateTime, TimeZone, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::{AttrValue, Attributes, DomainEvent};
use leadflow::ports::{PublishError, Publisher, RepStore, ScoreJob};
use leadflow::usecases::ingest::{ingest, InboundEvent};
use leadflow_aws::testing;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

/// An SQS event as Lambda delivers it, from (message id, body) pairs: JSON text like the
/// records of a real event source mapping, parsed with `aws_lambda_events`.
pub fn sqs_event(records: &[(&str, &str)]) -> SqsEvent {
    let records: Vec<String> = records
        .iter()
        .enumerate()
        .map(|(i, (id, body))| {
            format!(
                r#"{{
  "messageId": {id},
  "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i}",
  "body": {body},
  "attributes": {{
    "ApproximateReceiveCount": "1",
    "SentTimestamp": "1762074000000",
    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
    "ApproximateFirstReceiveTimestamp": "1762074000003"
  }},
  "messageAttributes": {{}},
  "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
  "eventSource": "aws:sqs",
  "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:leadflow-score",
  "awsRegion": "us-east-1"
}}"#,
                id = serde_json::to_string(id).unwrap(),
                body = serde_json::to_string(body).unwrap(),
            )
        })
        .collect();
    let text = format!(r#"{{"Records": [{}]}}"#, records.join(","));
    serde_json::from_str(&text).expect("the fixture is an SQS event")
}

/// A memory store holding the config's reps.
pub async fn store_with_reps(config: &Config) -> MemoryStore {
    let store = MemoryStore::new();
    for rep in &config.reps {
        store.put_rep(rep.clone()).await.unwrap();
    }
    store
}

/// An event that makes a tier-A MQL of a new lead (the example config's ideal profile).
pub fn hot_event(id: &str, email: &str, signal: &str, at: DateTime<Utc>) -> InboundEvent {
    let attributes: Attributes = [
        ("title", AttrValue::from("VP Marketing")),
        ("company_size", AttrValue::from(250i64)),
        ("industry", AttrValue::from("software")),
        ("country", AttrValue::from("US")),
        (
            "company_domain",
            AttrValue::from(email.split('@').nth(1).unwrap()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    InboundEvent {
        id: id.into(),
        event_type: signal.into(),
        occurred_at: at,
        email: Some(email.into()),
        external_id: None,
        attributes,
        properties: Default::default(),
    }
}

/// Accept `events` into the memory store (as the ingest function does) and return the score
/// jobs it queued.
pub async fn accepted_jobs(store: &MemoryStore, events: Vec<InboundEvent>) -> Vec<ScoreJob> {
    ingest(store, events, t0()).await.unwrap();
    store.take_score_jobs()
}

/// A publisher that keeps what it is given (when the test is not about the bus).
#[derive(Default)]
pub struct RecordingBus {
    pub events: Mutex<Vec<DomainEvent>>,
}

impl Publisher for RecordingBus {
    async fn publish(&self, events: &[DomainEvent]) -> Result<(), PublishError> {
        self.events.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

impl RecordingBus {
    pub fn ids(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.event_id.clone())
            .collect()
    }
}

pub async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&testing::sdk_config().await)
}

pub async fn eventbridge() -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(&testing::sdk_config().await)
}

/// A new queue on moto; returns its URL.
pub async fn queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(testing::unique_name(prefix))
        .send()
        .await
        .expect("moto creates a queue")
        .queue_url
        .expect("a queue url")
}

pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .expect("a queue arn")
}

/// A new bus on moto with a rule sending the leadflow events of `kinds` (all when empty) to
/// a new queue; returns (bus name, queue url).
pub async fn bus_into_queue(kinds: &[&str]) -> (String, String) {
    let eb = eventbridge().await;
    let sqs = sqs().await;
    let bus = testing::unique_name("bus");
    eb.create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("moto creates a bus");
    let url = queue(&sqs, "bus-target").await;
    let arn = queue_arn(&sqs, &url).await;
    let mut pattern = serde_json::json!({"source": ["leadflow"]});
    if !kinds.is_empty() {
        pattern["detail-type"] = serde_json::json!(kinds);
    }
    let rule = testing::unique_name("rule");
    eb.put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .expect("moto creates a rule");
    eb.put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("moto adds the queue target");
    (bus, url)
}

/// One receive of up to 10 messages, as (message id, body, receipt handle).
pub async fn receive(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    visibility_secs: i32,
) -> Vec<(String, String, String)> {
    sqs.receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(visibility_secs)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                m.message_id.unwrap_or_default(),
                m.body.unwrap_or_default(),
                m.receipt_handle.unwrap_or_default(),
            )
        })
        .collect()
}

/// The bodies on the queue: receives until `expected` arrived or two receives in a row come
/// back empty (moto delivers rule targets at once, so that means there are no more).
pub async fn drain_bodies(sqs: &aws_sdk_sqs::Client, url: &str, expected: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    let mut empty = 0;
    while bodies.len() < expected && empty < 2 {
        let batch = receive(sqs, url, 60).await;
        if batch.is_empty() {
            empty += 1;
        }
        bodies.extend(batch.into_iter().map(|(_, b, _)| b));
    }
    bodies
}

/// `GET path` on the emulator, the body as JSON (moto's `/moto-api/data.json`).
pub fn moto_get_json(path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let endpoint = &testing::moto().endpoint;
    let host = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("moto answers");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("an HTTP response with a body");
    assert!(head.contains(" 200 "), "GET {path}: {head}");
    serde_json::from_str(body).expect("a JSON body")
}

/// The EventBridge envelope a rule puts on an SQS target, as JSON text (the shape moto and
/// AWS deliver: `detail-type`, `source`, `detail` as an object, ...).
pub fn envelope_body(event: &DomainEvent) -> String {
    serde_json::json!({
        "version": "0",
        "id": format!("6a7e8feb-b491-4cf7-a9f1-bf3703467718-{}", event.event_id),
        "detail-type": event.kind.name(),
        "source": "leadflow",
        "account": "123456789012",
        "time": event.occurred_at,
        "region": "us-east-1",
        "resources": [],
        "detail": event,
    })
    .to_string()
}

/// The memory store, except that reading lead `poison` panics: a bug in one record.
#[derive(Clone)]
pub struct PanicsOn {
    pub inner: MemoryStore,
    pub poison: String,
}

mod panics_on {
    use super::PanicsOn;
    use chrono::{DateTime, Utc};
    use leadflow::domain::identity::KnownLead;
    use leadflow::domain::{DomainEvent, HistoryEntry, Lead, LeadId};
    use leadflow::ports::{DueKind, LeadPage, LeadQuery, LeadStore, LeadWrite, Outbox, StoreError};

    impl LeadStore for PanicsOn {
        async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
            assert_ne!(id, self.poison, "a bug reading lead {id}");
            self.inner.lead(id).await
        }
        async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
            self.inner.lead_by_email(email).await
        }
        async fn lead_by_external_id(&self, x: &str) -> Result<Option<KnownLead>, StoreError> {
            self.inner.lead_by_external_id(x).await
        }
        async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
            self.inner.write_lead(write).await
        }
        async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
            self.inner.history(id).await
        }
        async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
            self.inner.list_leads(query).await
        }
        async fn due(
            &self,
            kind: DueKind,
            now: DateTime<Utc>,
            limit: usize,
        ) -> Result<Vec<LeadId>, StoreError> {
            self.inner.due(kind, now, limit).await
        }
    }

    impl Outbox for PanicsOn {
        async fn pending(&self, limit: usize) -> Result<Vec<DomainEvent>, StoreError> {
            self.inner.pending(limit).await
        }
        async fn mark_published(&self, ids: &[String]) -> Result<(), StoreError> {
            self.inner.mark_published(ids).await
        }
    }

    impl leadflow::ports::RepStore for PanicsOn {
        async fn reps(&self) -> Result<Vec<leadflow::routing::RepLoad>, StoreError> {
            self.inner.reps().await
        }
        async fn put_rep(&self, rep: leadflow::domain::Rep) -> Result<(), StoreError> {
            self.inner.put_rep(rep).await
        }
        async fn pools(&self) -> Result<leadflow::routing::PoolStates, StoreError> {
            self.inner.pools().await
        }
        async fn account_owner(
            &self,
            domain: &str,
        ) -> Result<Option<leadflow::domain::RepId>, StoreError> {
            self.inner.account_owner(domain).await
        }
    }
}
