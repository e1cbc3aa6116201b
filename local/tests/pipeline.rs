//! The pipeline over a real SQLite store: an event goes all the way to an owner and an alert,
//! the SLA schedule breaches once and reassigns, and a poison message ends as a dead letter.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::config::Config;
use leadflow::domain::{AttrValue, Attributes, Status};
use leadflow::ports::{Alert, LeadStore, Notifier, NotifyError, RepStore};
use leadflow::usecases::ingest::{ingest, InboundEvent};
use leadflow_local::pipeline::{Channel, Pipeline, SCORE_QUEUE};
use leadflow_store_sqlite::SqliteStore;

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Alert>>>);

impl Notifier for Recorder {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        self.0.lock().unwrap().push(alert.clone());
        Ok(())
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

async fn pipeline(dir: &std::path::Path) -> (Pipeline<Recorder>, Recorder) {
    let store = SqliteStore::open(dir).unwrap();
    let config = Config::default();
    for rep in &config.reps {
        store.put_rep(rep.clone()).await.unwrap();
    }
    let recorder = Recorder::default();
    let channels = vec![Channel {
        name: "test",
        notifier: recorder.clone(),
    }];
    (Pipeline::new(store, Arc::new(config), channels), recorder)
}

fn hot_event(id: &str) -> InboundEvent {
    let attributes: Attributes = [
        ("title", AttrValue::from("VP Marketing")),
        ("company_size", AttrValue::from(250i64)),
        ("industry", AttrValue::from("software")),
        ("country", AttrValue::from("US")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    InboundEvent {
        id: id.into(),
        event_type: "demo_request".into(),
        occurred_at: t0(),
        email: Some("ana@acme.io".into()),
        external_id: None,
        attributes,
        properties: Default::default(),
    }
}

#[tokio::test]
async fn an_event_is_scored_routed_and_alerted_once() {
    let dir = tempfile::tempdir().unwrap();
    let (p, recorder) = pipeline(dir.path()).await;
    let report = ingest(&p.store, vec![hot_event("e1")], t0()).await.unwrap();
    let lead_id = report.leads[0].1.clone();
    p.drain(t0()).await.unwrap();
    let lead = p.store.lead(&lead_id).await.unwrap().unwrap();
    assert_eq!(lead.status, Status::Assigned);
    let alerts = recorder.0.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        Some(alerts[0].rep_id.clone().unwrap().as_str()),
        lead.owner_id()
    );

    // The SLA schedule: breached once at the deadline, reassigned after reassign_after.
    let (breach, _) = p.tick_sla(t0() + TimeDelta::minutes(5)).await.unwrap();
    assert_eq!(breach.breached, 1);
    p.drain(t0() + TimeDelta::minutes(5)).await.unwrap();
    assert_eq!(
        p.tick_sla(t0() + TimeDelta::minutes(6))
            .await
            .unwrap()
            .0
            .breached,
        0
    );
    let (re, _) = p.tick_sla(t0() + TimeDelta::minutes(21)).await.unwrap();
    assert_eq!(re.reassigned, 1);
    p.drain(t0() + TimeDelta::minutes(21)).await.unwrap();
    let kinds: Vec<String> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|a| format!("{:?}", a.kind))
        .collect();
    assert_eq!(kinds, ["Assigned", "SlaBreached", "Reassigned"]);
}

#[tokio::test]
async fn a_poison_message_is_dead_lettered_and_its_neighbours_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let (mut p, _) = pipeline(dir.path()).await;
    p.retry_base = std::time::Duration::from_millis(1);
    p.store
        .enqueue(
            SCORE_QUEUE,
            &serde_json::json!({"not": "a score job"}),
            t0(),
        )
        .await
        .unwrap();
    ingest(&p.store, vec![hot_event("e1")], t0()).await.unwrap();
    let mut now = t0();
    let mut dead = 0;
    for _ in 0..10 {
        let r = p.work_score(now).await.unwrap();
        dead += r.dead_lettered;
        now += TimeDelta::minutes(10);
    }
    assert_eq!(dead, 1);
    assert_eq!(
        p.store.dead_letters(SCORE_QUEUE, 10).await.unwrap().len(),
        1
    );
    assert_eq!(p.store.queue_depth(SCORE_QUEUE).await.unwrap(), 0);
    let leads = p.store.leads_created_between(None, None).await.unwrap();
    assert_eq!(leads.len(), 1, "the good event was scored");
}
