//! The use cases over the memory store: the whole flow, and the faults they must survive.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::decay::run_decay;
use super::disposition::record_disposition;
use super::ingest::{ingest, InboundEvent};
use super::notify::{deliver, Delivery};
use super::relay::relay;
use super::route::{route_lead, RouteOutcome};
use super::score::{score_event, ScoreOutcome};
use super::sla_check::check_slas;
use super::UseCaseError;
use crate::adapters::memory::MemoryStore;
use crate::config::Config;
use crate::domain::identity::KnownLead;
use crate::domain::{
    AttrValue, Attributes, DomainEvent, DomainEventKind as Ev, HistoryEntry, HistoryKind, Lead,
    LeadId, Status, Tier,
};
use crate::lifecycle::disposition::{Disposition, Outcome};
use crate::ports::{
    Alert, DueKind, LeadPage, LeadQuery, LeadStore, LeadWrite, Notifier, NotifyError, PublishError,
    Publisher, StoreError,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn mins(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

async fn store_with_reps(config: &Config) -> MemoryStore {
    let store = MemoryStore::new();
    for rep in &config.reps {
        crate::ports::RepStore::put_rep(&store, rep.clone())
            .await
            .unwrap();
    }
    store
}

fn ideal_event(id: &str, email: &str, signal: &str) -> InboundEvent {
    let attributes: Attributes = [
        ("title", AttrValue::from("VP Marketing")),
        ("company_size", AttrValue::from(250i64)),
        ("industry", AttrValue::from("software")),
        ("country", AttrValue::from("US")),
        ("company_domain", AttrValue::from("acme.io")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    InboundEvent {
        id: id.into(),
        event_type: signal.into(),
        occurred_at: t0(),
        email: Some(email.into()),
        external_id: Some(format!("crm-{email}")),
        attributes,
        properties: Default::default(),
    }
}

/// Ingest one event and score it; returns the lead id.
async fn ingest_and_score(store: &MemoryStore, config: &Config, ev: InboundEvent) -> LeadId {
    let report = ingest(store, vec![ev], t0()).await.unwrap();
    assert_eq!(report.accepted, 1);
    for job in store.take_score_jobs() {
        score_event(store, &job, config, "v1", t0()).await.unwrap();
    }
    report.leads[0].1.clone()
}

#[tokio::test]
async fn a_hot_lead_is_scored_routed_breached_once_and_reassigned() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "demo_request"),
    )
    .await;
    let lead = store.lead(&id).await.unwrap().unwrap();
    assert_eq!((lead.status, lead.tier), (Status::Mql, Tier::A));
    assert!(store
        .all_events()
        .iter()
        .any(|e| e.kind == Ev::LeadQualified));

    let RouteOutcome::Assigned { lead, .. } = route_lead(&store, &id, &config, t0()).await.unwrap()
    else {
        panic!("an MQL with eligible reps is assigned");
    };
    let first = lead.owner_id().unwrap().to_string();
    assert!(
        ["ana", "ben"].contains(&first.as_str()),
        "the inbound team: {first}"
    );
    assert_eq!(
        lead.sla.as_ref().unwrap().first_response_due_at,
        t0() + mins(5)
    );
    let loads = crate::ports::RepStore::reps(&store).await.unwrap();
    assert_eq!(
        loads.iter().find(|r| r.rep.id == first).unwrap().open_leads,
        1
    );
    assert_eq!(
        crate::ports::RepStore::account_owner(&store, "acme.io")
            .await
            .unwrap()
            .as_deref(),
        Some(first.as_str())
    );
    // Routing again does nothing: it is owned.
    assert!(matches!(
        route_lead(&store, &id, &config, t0()).await.unwrap(),
        RouteOutcome::NotNeeded { .. }
    ));

    // Only what is due is read; before the deadline nothing is.
    assert!(store
        .due(DueKind::Sla, t0() + mins(4), 10)
        .await
        .unwrap()
        .is_empty());
    let r = check_slas(&store, &config, t0() + mins(5), 10)
        .await
        .unwrap();
    assert_eq!((r.breached, r.reassigned), (1, 0));
    let r = check_slas(&store, &config, t0() + mins(6), 10)
        .await
        .unwrap();
    assert_eq!(
        (r.checked, r.breached),
        (0, 0),
        "breached once; nothing due until the reassignment"
    );
    let breaches = store
        .all_events()
        .iter()
        .filter(|e| e.kind == Ev::SlaBreached)
        .count();
    assert_eq!(breaches, 1);

    // reassign_after (15m) past the deadline, still no contact: the other inbound rep.
    let r = check_slas(&store, &config, t0() + mins(20), 10)
        .await
        .unwrap();
    assert_eq!(r.reassigned, 1, "{r:?}");
    let lead = store.lead(&id).await.unwrap().unwrap();
    let second = lead.owner_id().unwrap().to_string();
    assert_ne!(
        second, first,
        "never back to a previous owner while another is eligible"
    );
    assert_eq!(lead.previous_owners, vec![first.clone()]);
    assert_eq!(
        lead.sla.as_ref().unwrap().first_response_due_at,
        t0() + mins(25),
        "a new clock"
    );
    let loads = crate::ports::RepStore::reps(&store).await.unwrap();
    let load = |id: &str| loads.iter().find(|r| r.rep.id == id).unwrap().open_leads;
    assert_eq!((load(&first), load(&second)), (0, 1));
    let history: Vec<HistoryKind> = store
        .history(&id)
        .await
        .unwrap()
        .iter()
        .map(|h| h.kind)
        .collect();
    assert!(
        history.contains(&HistoryKind::SlaBreached) && history.contains(&HistoryKind::Reassigned)
    );
    let reassigned = store
        .history(&id)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.kind == HistoryKind::Reassigned)
        .unwrap();
    assert_eq!(reassigned.detail()["from"], first.as_str());
    assert!(
        reassigned.detail()["candidates"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "the decision is recorded"
    );
}

#[tokio::test]
async fn a_lead_contacted_in_time_is_never_breached() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "demo_request"),
    )
    .await;
    route_lead(&store, &id, &config, t0()).await.unwrap();
    let owner = store
        .lead(&id)
        .await
        .unwrap()
        .unwrap()
        .owner_id()
        .unwrap()
        .to_string();
    let d = Disposition {
        outcome: Outcome::Contacted,
        rep_id: owner.clone(),
        occurred_at: Some(t0() + mins(3)),
        reason: None,
        amount: None,
        note: Some("left a voicemail".into()),
    };
    let lead = record_disposition(&store, &id, &d, &config, t0() + mins(3))
        .await
        .unwrap();
    assert_eq!(lead.status, Status::Contacted);
    // Sent twice (a client retry): applied once.
    record_disposition(&store, &id, &d, &config, t0() + mins(3))
        .await
        .unwrap();
    assert_eq!(
        store.lead(&id).await.unwrap().unwrap().sla.unwrap().touches,
        0
    );
    for m in [5, 20, 60] {
        let r = check_slas(&store, &config, t0() + mins(m), 10)
            .await
            .unwrap();
        assert_eq!(r.breached, 0);
    }
    assert!(!store.all_events().iter().any(|e| e.kind == Ev::SlaBreached));
    // Only the owner may record a disposition.
    let not_owner = Disposition {
        rep_id: "dev".into(),
        occurred_at: None,
        ..d
    };
    let err = record_disposition(&store, &id, &not_owner, &config, t0() + mins(4))
        .await
        .unwrap_err();
    assert!(matches!(err, UseCaseError::Disposition(_)), "{err:?}");
}

#[tokio::test]
async fn a_redelivered_score_job_changes_nothing() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    ingest(
        &store,
        vec![ideal_event("e1", "ana@acme.io", "pricing_page_view")],
        t0(),
    )
    .await
    .unwrap();
    let job = store.take_score_jobs().pop().unwrap();
    assert!(matches!(
        score_event(&store, &job, &config, "v1", t0())
            .await
            .unwrap(),
        ScoreOutcome::Applied { .. }
    ));
    let before = store.lead(&job.lead_id).await.unwrap();
    assert_eq!(
        score_event(&store, &job, &config, "v1", t0())
            .await
            .unwrap(),
        ScoreOutcome::Duplicate
    );
    assert_eq!(store.lead(&job.lead_id).await.unwrap(), before);
    // And the same event id ingested again is a duplicate at the door.
    let again = ingest(
        &store,
        vec![ideal_event("e1", "ana@acme.io", "pricing_page_view")],
        t0(),
    )
    .await
    .unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 1));
    assert!(store.take_score_jobs().is_empty());
}

#[tokio::test]
async fn identity_links_external_ids_to_the_email_lead() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "identify"),
    )
    .await;
    // A later track by external id alone finds the same lead.
    let by_ext = InboundEvent {
        id: "e2".into(),
        event_type: "page_view".into(),
        occurred_at: t0(),
        email: None,
        external_id: Some("crm-ana@acme.io".into()),
        attributes: Default::default(),
        properties: Default::default(),
    };
    let r = ingest(&store, vec![by_ext], t0()).await.unwrap();
    assert_eq!(r.leads[0].1, id);
}

#[tokio::test]
async fn an_unworked_lead_is_recycled_by_the_decay_job() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "demo_request"),
    )
    .await;
    route_lead(&store, &id, &config, t0()).await.unwrap();
    let owner = store
        .lead(&id)
        .await
        .unwrap()
        .unwrap()
        .owner_id()
        .unwrap()
        .to_string();
    let later = t0() + TimeDelta::days(31);
    let r = run_decay(&store, &config, "v1", later, 100).await.unwrap();
    assert_eq!(r.recycled, 1, "{r:?}");
    let lead = store.lead(&id).await.unwrap().unwrap();
    assert_eq!(
        (lead.status, lead.owner.is_none()),
        (Status::Recycled, true)
    );
    let loads = crate::ports::RepStore::reps(&store).await.unwrap();
    assert_eq!(
        loads.iter().find(|r| r.rep.id == owner).unwrap().open_leads,
        0
    );
}

#[tokio::test]
async fn nobody_eligible_means_the_fallback_queue_and_a_retry() {
    let mut config = Config::default();
    for rep in &mut config.reps {
        rep.active = false;
    }
    let store = store_with_reps(&config).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "demo_request"),
    )
    .await;
    let RouteOutcome::Waiting { lead } = route_lead(&store, &id, &config, t0()).await.unwrap()
    else {
        panic!("nobody is active");
    };
    assert_eq!(
        lead.route_retry_at,
        Some(t0() + config.sla.check_interval.delta())
    );
    assert_eq!(
        store.due(DueKind::Route, t0() + mins(1), 10).await.unwrap(),
        vec![id.clone()]
    );
    let fallback = store
        .history(&id)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.kind == HistoryKind::RoutingFallback)
        .unwrap();
    assert_eq!(fallback.detail()["queue"], "unassigned");
    // A retry that finds nobody again records nothing new, and the retries back off.
    route_lead(&store, &id, &config, t0() + mins(1))
        .await
        .unwrap();
    let later = t0() + TimeDelta::hours(3);
    let RouteOutcome::Waiting { lead } = route_lead(&store, &id, &config, later).await.unwrap()
    else {
        panic!("still nobody");
    };
    assert_eq!(
        lead.route_retry_at,
        Some(later + mins(30)),
        "capped at MAX_ROUTE_RETRY"
    );
    let waits = store
        .history(&id)
        .await
        .unwrap()
        .iter()
        .filter(|h| h.kind == HistoryKind::RoutingFallback)
        .count();
    assert_eq!(waits, 1);
}

#[derive(Default)]
struct RecordingNotifier {
    sent: Mutex<Vec<Alert>>,
}

impl Notifier for RecordingNotifier {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        self.sent.lock().unwrap().push(alert.clone());
        Ok(())
    }
}

#[tokio::test]
async fn an_alert_is_sent_once_per_event_and_channel() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "demo_request"),
    )
    .await;
    route_lead(&store, &id, &config, t0()).await.unwrap();
    let assigned = store
        .all_events()
        .into_iter()
        .find(|e| e.kind == Ev::LeadAssigned)
        .unwrap();
    let notifier = RecordingNotifier::default();
    for _ in 0..2 {
        deliver(&store, &notifier, &store, "slack", &assigned, &config)
            .await
            .unwrap();
    }
    let sent = notifier.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].title.contains("New tier A lead"),
        "{}",
        sent[0].title
    );
    assert!(
        sent[0].body.contains("senior title (+20)"),
        "{}",
        sent[0].body
    );
    let scored = store
        .all_events()
        .into_iter()
        .find(|e| e.kind == Ev::LeadScored)
        .unwrap();
    assert_eq!(
        deliver(&store, &notifier, &store, "slack", &scored, &config)
            .await
            .unwrap(),
        Delivery::NoAlert
    );
}

struct FlakyPublisher {
    refuse: Vec<String>,
    published: Mutex<Vec<String>>,
}

impl Publisher for FlakyPublisher {
    async fn publish(&self, events: &[DomainEvent]) -> Result<(), PublishError> {
        let mut published = self.published.lock().unwrap();
        let failed: Vec<String> = events
            .iter()
            .map(|e| e.event_id.clone())
            .filter(|id| self.refuse.contains(id))
            .collect();
        published.extend(
            events
                .iter()
                .map(|e| e.event_id.clone())
                .filter(|id| !failed.contains(id)),
        );
        if failed.is_empty() {
            Ok(())
        } else {
            Err(PublishError::Partial {
                failed,
                reason: "injected".into(),
            })
        }
    }
}

#[tokio::test]
async fn events_the_bus_refused_stay_in_the_outbox_and_the_failure_is_returned() {
    let config = Config::default();
    let store = store_with_reps(&config).await;
    ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "ana@acme.io", "demo_request"),
    )
    .await;
    let all = store.all_events();
    assert!(all.len() >= 2);
    let refused = all[1].event_id.clone();
    let publisher = FlakyPublisher {
        refuse: vec![refused.clone()],
        published: Mutex::default(),
    };
    let err = relay(&store, &publisher, 100).await.unwrap_err();
    assert!(matches!(
        err,
        UseCaseError::Publish(PublishError::Partial { .. })
    ));
    let pending = crate::ports::Outbox::pending(&store, 100).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|e| e.event_id.clone())
            .collect::<Vec<_>>(),
        vec![refused.clone()]
    );
    let ok = FlakyPublisher {
        refuse: vec![],
        published: Mutex::default(),
    };
    assert_eq!(relay(&store, &ok, 100).await.unwrap(), 1);
    assert_eq!(ok.published.lock().unwrap().clone(), [refused]);
}

/// A store that refuses the first `conflicts` writes with a version conflict.
struct Contended {
    inner: MemoryStore,
    conflicts: AtomicUsize,
    writes: Arc<AtomicUsize>,
}

impl LeadStore for Contended {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        self.inner.lead(id).await
    }
    async fn lead_by_email(&self, e: &str) -> Result<Option<KnownLead>, StoreError> {
        self.inner.lead_by_email(e).await
    }
    async fn lead_by_external_id(&self, x: &str) -> Result<Option<KnownLead>, StoreError> {
        self.inner.lead_by_external_id(x).await
    }
    async fn write_lead(&self, w: LeadWrite) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.conflicts.load(Ordering::SeqCst) > 0 {
            self.conflicts.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Conflict {
                lead_id: w.lead.id,
                expected: w.expected_version,
            });
        }
        self.inner.write_lead(w).await
    }
    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.inner.history(id).await
    }
    async fn list_leads(&self, q: &LeadQuery) -> Result<LeadPage, StoreError> {
        self.inner.list_leads(q).await
    }
    async fn due(
        &self,
        k: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        self.inner.due(k, now, limit).await
    }
}

impl crate::ports::RepStore for Contended {
    async fn reps(&self) -> Result<Vec<crate::routing::RepLoad>, StoreError> {
        self.inner.reps().await
    }
    async fn put_rep(&self, rep: crate::domain::Rep) -> Result<(), StoreError> {
        self.inner.put_rep(rep).await
    }
    async fn pools(&self) -> Result<crate::routing::PoolStates, StoreError> {
        self.inner.pools().await
    }
    async fn account_owner(
        &self,
        domain: &str,
    ) -> Result<Option<crate::domain::RepId>, StoreError> {
        self.inner.account_owner(domain).await
    }
}

#[tokio::test]
async fn a_version_conflict_is_retried_and_endless_conflicts_give_up() {
    let config = Config::default();
    let inner = store_with_reps(&config).await;
    ingest(
        &inner,
        vec![ideal_event("e1", "ana@acme.io", "demo_request")],
        t0(),
    )
    .await
    .unwrap();
    let job = inner.take_score_jobs().pop().unwrap();
    let writes = Arc::new(AtomicUsize::new(0));
    let store = Contended {
        inner: inner.clone(),
        conflicts: AtomicUsize::new(2),
        writes: writes.clone(),
    };
    let out = score_event(&store, &job, &config, "v1", t0())
        .await
        .unwrap();
    assert!(matches!(out, ScoreOutcome::Applied { .. }));
    assert_eq!(
        writes.load(Ordering::SeqCst),
        3,
        "two conflicts, then the write"
    );
    let lead = inner.lead(&job.lead_id).await.unwrap().unwrap();
    assert_eq!(
        lead.engagement.signals["demo_request"].count, 1,
        "applied once"
    );

    let hopeless = Contended {
        inner,
        conflicts: AtomicUsize::new(usize::MAX),
        writes,
    };
    ingest(
        &hopeless.inner,
        vec![ideal_event("e2", "ben@acme.io", "page_view")],
        t0(),
    )
    .await
    .unwrap();
    let job = hopeless.inner.take_score_jobs().pop().unwrap();
    let err = score_event(&hopeless, &job, &config, "v1", t0())
        .await
        .unwrap_err();
    assert!(matches!(err, UseCaseError::TooManyConflicts(_)), "{err:?}");
}

/// The default config with the inbound team cut down to `keep` (tier A: 5m, reassign after 15m).
async fn inbound_team_of(keep: &[&str]) -> (Config, MemoryStore) {
    let mut config = Config::default();
    config
        .reps
        .retain(|r| r.team != "inbound" || keep.contains(&r.id.as_str()));
    let store = store_with_reps(&config).await;
    (config, store)
}

fn count_events(store: &MemoryStore, kind: Ev) -> usize {
    store.all_events().iter().filter(|e| e.kind == kind).count()
}

fn contacted(rep: &str, at: DateTime<Utc>) -> Disposition {
    Disposition {
        outcome: Outcome::Contacted,
        rep_id: rep.into(),
        occurred_at: Some(at),
        reason: None,
        amount: None,
        note: None,
    }
}

#[tokio::test]
async fn a_reassignment_with_nobody_else_eligible_keeps_the_owner_and_escalates_once() {
    // Issue 12, defect 1: the clock was closed and the later contact never recorded.
    let (config, store) = inbound_team_of(&["ana"]).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "zoe@acme.io", "demo_request"),
    )
    .await;
    route_lead(&store, &id, &config, t0()).await.unwrap();
    let r = check_slas(&store, &config, t0() + mins(5), 10)
        .await
        .unwrap();
    assert_eq!(r.breached, 1);
    let r = check_slas(&store, &config, t0() + mins(20), 10)
        .await
        .unwrap();
    assert_eq!((r.reassigned, r.escalated), (0, 1), "{r:?}");
    let lead = store.lead(&id).await.unwrap().unwrap();
    assert_eq!(lead.owner_id(), Some("ana"));
    assert_eq!(lead.status, Status::Assigned);
    let clock = lead.sla.clone().unwrap();
    assert!(clock.closed_at.is_none() && clock.escalated_at.is_some());
    let history = store.history(&id).await.unwrap();
    let skipped = history
        .iter()
        .find(|h| h.kind == HistoryKind::Escalated)
        .expect("the history says the reassignment was skipped");
    assert_eq!(skipped.detail()["kept_by"], "ana");
    assert_eq!(skipped.detail()["reason"], "no_eligible_rep");
    // Nothing more is due on the clock: no second escalation, no reassignment, ever.
    assert!(store
        .due(DueKind::Sla, t0() + mins(600), 10)
        .await
        .unwrap()
        .is_empty());
    for m in [21, 40, 600] {
        let r = check_slas(&store, &config, t0() + mins(m), 10)
            .await
            .unwrap();
        assert_eq!((r.checked, r.escalated), (0, 0));
    }
    assert_eq!(count_events(&store, Ev::SlaEscalated), 1);
    assert_eq!(count_events(&store, Ev::LeadReassigned), 0);
    // The escalation alerts the manager, in words.
    let event = store
        .all_events()
        .into_iter()
        .find(|e| e.kind == Ev::SlaEscalated)
        .unwrap();
    let reps = crate::ports::RepStore::reps(&store).await.unwrap();
    let ana = &reps.iter().find(|r| r.rep.id == "ana").unwrap().rep;
    let alert = super::notify::alert_for(&event, &lead, Some(ana), &config).unwrap();
    assert_eq!(alert.kind, crate::config::AlertKind::Escalated);
    assert!(alert.title.contains("Ana Diaz"), "{}", alert.title);
    assert_eq!(alert.manager_email, ana.manager_email);

    // The owner's later contact is the first response.
    record_disposition(
        &store,
        &id,
        &contacted("ana", t0() + mins(45)),
        &config,
        t0() + mins(45),
    )
    .await
    .unwrap();
    let lead = store.lead(&id).await.unwrap().unwrap();
    assert_eq!(lead.sla.unwrap().responded_at, Some(t0() + mins(45)));
}

#[tokio::test]
async fn a_lead_nobody_answers_never_ping_pongs_between_two_reps() {
    // Issue 12, defect 2: ana -> ben -> ana -> ben, forever.
    let (config, store) = inbound_team_of(&["ana", "ben"]).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "zoe@acme.io", "demo_request"),
    )
    .await;
    route_lead(&store, &id, &config, t0()).await.unwrap();
    let first = store
        .lead(&id)
        .await
        .unwrap()
        .unwrap()
        .owner_id()
        .unwrap()
        .to_string();
    // Check every minute for four hours, as the schedule would.
    for m in 1..=240 {
        check_slas(&store, &config, t0() + mins(m), 10)
            .await
            .unwrap();
    }
    let lead = store.lead(&id).await.unwrap().unwrap();
    let second = lead.owner_id().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        lead.sla.as_ref().unwrap().episode_owners,
        vec![first.clone()]
    );
    assert_eq!(
        count_events(&store, Ev::LeadReassigned),
        1,
        "eligible reps - 1"
    );
    assert_eq!(count_events(&store, Ev::SlaBreached), 2, "one per clock");
    assert_eq!(count_events(&store, Ev::SlaEscalated), 1);
    let loads = crate::ports::RepStore::reps(&store).await.unwrap();
    let load = |id: &str| loads.iter().find(|r| r.rep.id == id).unwrap().open_leads;
    assert_eq!((load(&first), load(&second)), (0, 1));
}

#[tokio::test]
async fn a_recycled_lead_is_reactivated_by_the_score_as_processed_whatever_the_stamps() {
    // Issue 12, defect 4: events stamped a little before the recycle (client clocks, whole
    // seconds) left the lead recycled forever.
    let (config, store) = inbound_team_of(&["ana", "ben"]).await;
    let id = ingest_and_score(
        &store,
        &config,
        ideal_event("e1", "zoe@acme.io", "demo_request"),
    )
    .await;
    route_lead(&store, &id, &config, t0()).await.unwrap();
    let owner = store
        .lead(&id)
        .await
        .unwrap()
        .unwrap()
        .owner_id()
        .unwrap()
        .to_string();
    let recycle_at = t0() + mins(10) + TimeDelta::milliseconds(600);
    let recycle = Disposition {
        outcome: Outcome::Recycled,
        rep_id: owner,
        occurred_at: None,
        reason: Some("not_ready".into()),
        amount: None,
        note: None,
    };
    record_disposition(&store, &id, &recycle, &config, recycle_at)
        .await
        .unwrap();
    assert_eq!(
        store.lead(&id).await.unwrap().unwrap().status,
        Status::Recycled
    );

    let mut identify = ideal_event("e2", "zoe@acme.io", "identify");
    identify.occurred_at = recycle_at - TimeDelta::milliseconds(500);
    identify.attributes = [
        ("title", AttrValue::from("Analyst")),
        ("company_size", AttrValue::from(10i64)),
        ("industry", AttrValue::from("retail")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut demo = ideal_event("e3", "zoe@acme.io", "demo_request");
    demo.attributes = Attributes::default();
    // Stamped in whole seconds by the client: before the recycle's instant.
    demo.occurred_at = t0() + mins(10);
    let processed = recycle_at + TimeDelta::seconds(1);
    for ev in [identify, demo] {
        ingest(&store, vec![ev], processed).await.unwrap();
        for job in store.take_score_jobs() {
            score_event(&store, &job, &config, "v1", processed)
                .await
                .unwrap();
        }
    }
    let lead = store.lead(&id).await.unwrap().unwrap();
    assert!(lead.score.total >= config.scoring.mql_threshold);
    assert_eq!(lead.status, Status::Mql, "reactivated");
    assert_eq!(count_events(&store, Ev::LeadReactivated), 1);
    assert!(matches!(
        route_lead(&store, &id, &config, processed).await.unwrap(),
        RouteOutcome::Assigned { .. }
    ));
}
