//! The store contract, as a suite every store adapter runs against itself (memory here,
//! SQLite and DynamoDB in their crates): `run_all(|| async { fresh store }).await`.
//! Each check panics with the clause of the contract it found broken.

use std::future::Future;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;

use crate::config::Config;
use crate::domain::{
    DomainEvent, DomainEventKind, HistoryEntry, HistoryKind, Lead, Rep, Status, Tier,
};
use crate::ports::{
    Acceptance, DeliveryLog, DueKind, DueTimes, Intake, LeadQuery, LeadStore, LeadWrite, Outbox,
    RepStore, ScoreJob, StoreError,
};
use crate::routing::{self, PoolUpdate, RepLoad};

/// Everything a full store adapter implements.
pub trait FullStore: LeadStore + RepStore + Intake + Outbox + DeliveryLog {}
impl<T: LeadStore + RepStore + Intake + Outbox + DeliveryLog> FullStore for T {}

/// Run every check, each on a fresh store from `make`.
pub async fn run_all<S, F, Fut>(make: F)
where
    S: FullStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    lead_round_trip(&make().await).await;
    stale_version_is_a_conflict(&make().await).await;
    creating_an_existing_lead_is_a_conflict(&make().await).await;
    an_applied_event_is_refused(&make().await).await;
    a_stale_pool_refuses_the_whole_write(&make().await).await;
    a_fresh_pool_update_is_applied(&make().await).await;
    identity_links_are_never_moved(&make().await).await;
    rep_loads_follow_the_deltas(&make().await).await;
    account_owner_is_upserted(&make().await).await;
    history_is_appended_in_order(&make().await).await;
    due_index_is_sparse_ordered_and_replaced(&make().await).await;
    waiting_leads_are_found_and_woken_oldest_first(&make().await).await;
    listing_filters_and_pages_cover_everything_once(&make().await).await;
    a_cursor_never_issued_is_refused(&make().await).await;
    intake_refuses_duplicates(&make().await).await;
    outbox_keeps_events_until_published(&make().await).await;
    delivery_log_remembers(&make().await).await;
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn lead(id: &str) -> Lead {
    Lead::new(id.into(), Some(format!("{id}@acme.io")), None, t0())
}

fn event(cause: &str, lead_id: &str) -> DomainEvent {
    DomainEvent::new(
        cause,
        DomainEventKind::LeadScored,
        lead_id,
        t0(),
        json!({"total": 1}),
    )
}

async fn create<S: FullStore>(store: &S, l: Lead) -> Lead {
    let w = LeadWrite::over(l, DueTimes::default());
    let stored = w.lead.clone();
    store
        .write_lead(w)
        .await
        .expect("creating a new lead succeeds");
    stored
}

async fn lead_round_trip<S: FullStore>(store: &S) {
    let mut l = lead("ld_a");
    l.attributes.insert("title".into(), "VP Sales".into());
    let stored = create(store, l).await;
    assert_eq!(stored.version, 1, "a new lead is written at version 1");
    let read = store.lead("ld_a").await.unwrap();
    assert_eq!(read.as_ref(), Some(&stored), "a lead reads back as written");
    assert_eq!(
        store.lead("ld_missing").await.unwrap(),
        None,
        "an unknown lead is None"
    );
}

async fn stale_version_is_a_conflict<S: FullStore>(store: &S) {
    let v1 = create(store, lead("ld_a")).await;
    let mut first = v1.clone();
    first.tier = Tier::A;
    store
        .write_lead(LeadWrite::over(first.clone(), DueTimes::default()))
        .await
        .unwrap();
    let mut stale = v1;
    stale.tier = Tier::C;
    let mut w = LeadWrite::over(stale, DueTimes::default());
    w.history
        .push(HistoryEntry::new(t0(), HistoryKind::Scored, json!({})));
    w.events.push(event("stale", "ld_a"));
    let err = store.write_lead(w).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { .. }),
        "a write over a stale version is a Conflict, got {err:?}"
    );
    let now = store.lead("ld_a").await.unwrap().unwrap();
    assert_eq!(
        (now.tier, now.version),
        (Tier::A, 2),
        "a refused write changes nothing"
    );
    assert!(
        store.history("ld_a").await.unwrap().is_empty(),
        "a refused write adds no history"
    );
    assert!(
        store.pending(10).await.unwrap().is_empty(),
        "a refused write adds no events"
    );
}

async fn creating_an_existing_lead_is_a_conflict<S: FullStore>(store: &S) {
    create(store, lead("ld_a")).await;
    let err = store
        .write_lead(LeadWrite::over(lead("ld_a"), DueTimes::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { .. }),
        "creating a lead that exists is a Conflict, got {err:?}"
    );
}

async fn an_applied_event_is_refused<S: FullStore>(store: &S) {
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.applied_event = Some("evt-1".into());
    store.write_lead(w).await.unwrap();
    let current = store.lead("ld_a").await.unwrap().unwrap();
    let mut again = LeadWrite::over(current, DueTimes::default());
    again.applied_event = Some("evt-1".into());
    let err = store.write_lead(again).await.unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyApplied(ref id) if id == "evt-1"),
        "an event applied before is refused, got {err:?}"
    );
    assert_eq!(
        store.lead("ld_a").await.unwrap().unwrap().version,
        1,
        "a refused event changes nothing"
    );
}

/// A real rotation move for team "inbound", from the routing engine.
async fn pool_update<S: FullStore>(store: &S) -> PoolUpdate {
    let reps = [
        RepLoad::new(Rep::new("ana", "inbound"), 0),
        RepLoad::new(Rep::new("ben", "inbound"), 0),
    ];
    let config = Config::default();
    let pools = store.pools().await.unwrap();
    let decision = routing::route(
        &lead("ld_x"),
        &config.routing,
        &reps,
        &pools,
        None,
        None,
        t0(),
    );
    decision
        .pool_update
        .expect("a rotation pick moves the pool")
}

async fn a_stale_pool_refuses_the_whole_write<S: FullStore>(store: &S) {
    store.put_rep(Rep::new("ana", "inbound")).await.unwrap();
    let update = pool_update(store).await;
    let mut first = LeadWrite::over(lead("ld_a"), DueTimes::default());
    first.pool = Some(update.clone());
    store.write_lead(first).await.unwrap();
    // The same move again: the pool has moved on since the decision was made.
    let mut w = LeadWrite::over(
        lead("ld_b"),
        DueTimes {
            sla: Some(t0()),
            ..Default::default()
        },
    );
    w.pool = Some(update);
    w.history
        .push(HistoryEntry::new(t0(), HistoryKind::Assigned, json!({})));
    w.events.push(event("b", "ld_b"));
    w.rep_load = vec![("ana".into(), 1)];
    w.applied_event = Some("evt-b".into());
    w.link_email = Some("b@acme.io".into());
    w.account_owner = Some(("acme.io".into(), "ana".into()));
    let err = store.write_lead(w).await.unwrap_err();
    assert!(
        matches!(err, StoreError::PoolConflict { .. }),
        "a stale rotation move is a PoolConflict, got {err:?}"
    );
    assert_eq!(
        store.lead("ld_b").await.unwrap(),
        None,
        "nothing of a refused write is stored: lead"
    );
    assert!(
        store.history("ld_b").await.unwrap().is_empty(),
        "...history"
    );
    assert_eq!(store.pending(10).await.unwrap().len(), 0, "...outbox");
    assert_eq!(store.reps().await.unwrap()[0].open_leads, 0, "...loads");
    assert_eq!(
        store.lead_by_email("b@acme.io").await.unwrap(),
        None,
        "...identity links"
    );
    assert_eq!(
        store.account_owner("acme.io").await.unwrap(),
        None,
        "...account owners"
    );
    assert!(
        store.due(DueKind::Sla, t0(), 10).await.unwrap().is_empty(),
        "...due index"
    );
    // And the event was not marked applied: the retry with a fresh decision goes through.
    let mut retry = LeadWrite::over(lead("ld_b"), DueTimes::default());
    retry.applied_event = Some("evt-b".into());
    retry.pool = Some(pool_update(store).await);
    store
        .write_lead(retry)
        .await
        .expect("a retry with a fresh decision succeeds");
}

async fn a_fresh_pool_update_is_applied<S: FullStore>(store: &S) {
    let update = pool_update(store).await;
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.pool = Some(update.clone());
    store.write_lead(w).await.unwrap();
    let pools = store.pools().await.unwrap();
    let pool = pools.team("inbound");
    assert_eq!(
        pool.picks,
        update.pick + 1,
        "a rotation move counts one pick"
    );
    assert_eq!(
        pool.virtual_time, update.virtual_time.to,
        "the rotation moves where the decision said"
    );
}

async fn identity_links_are_never_moved<S: FullStore>(store: &S) {
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.link_email = Some("ld_a@acme.io".into());
    w.link_external_id = Some("crm-1".into());
    store.write_lead(w).await.unwrap();
    let mut other = LeadWrite::over(lead("ld_b"), DueTimes::default());
    other.link_external_id = Some("crm-1".into());
    store.write_lead(other).await.unwrap();
    let by_email = store
        .lead_by_email("ld_a@acme.io")
        .await
        .unwrap()
        .expect("linked email");
    assert_eq!(
        (by_email.id.as_str(), by_email.email.as_deref()),
        ("ld_a", Some("ld_a@acme.io"))
    );
    let by_ext = store
        .lead_by_external_id("crm-1")
        .await
        .unwrap()
        .expect("linked external id");
    assert_eq!(
        by_ext.id, "ld_a",
        "an external id stays with the lead it was linked to first"
    );
    assert_eq!(store.lead_by_external_id("crm-2").await.unwrap(), None);
}

async fn rep_loads_follow_the_deltas<S: FullStore>(store: &S) {
    store.put_rep(Rep::new("ana", "inbound")).await.unwrap();
    store.put_rep(Rep::new("ben", "inbound")).await.unwrap();
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.rep_load = vec![("ana".into(), 1)];
    store.write_lead(w).await.unwrap();
    let mut w = LeadWrite::over(lead("ld_b"), DueTimes::default());
    w.rep_load = vec![("ana".into(), 1), ("ben".into(), 1)];
    store.write_lead(w).await.unwrap();
    let current = store.lead("ld_b").await.unwrap().unwrap();
    let mut w = LeadWrite::over(current, DueTimes::default());
    w.rep_load = vec![("ana".into(), -1)];
    store.write_lead(w).await.unwrap();
    let mut renamed = Rep::new("ana", "inbound");
    renamed.name = "Ana D.".into();
    store.put_rep(renamed).await.unwrap();
    let reps = store.reps().await.unwrap();
    let load = |id: &str| reps.iter().find(|r| r.rep.id == id).map(|r| r.open_leads);
    assert_eq!(
        load("ana"),
        Some(1),
        "loads add up the deltas, and put_rep keeps them"
    );
    assert_eq!(load("ben"), Some(1));
    assert_eq!(
        reps.iter().find(|r| r.rep.id == "ana").unwrap().rep.name,
        "Ana D.",
        "put_rep replaces the rep"
    );
}

async fn account_owner_is_upserted<S: FullStore>(store: &S) {
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.account_owner = Some(("acme.io".into(), "ana".into()));
    store.write_lead(w).await.unwrap();
    let mut w = LeadWrite::over(lead("ld_b"), DueTimes::default());
    w.account_owner = Some(("acme.io".into(), "ben".into()));
    store.write_lead(w).await.unwrap();
    assert_eq!(
        store.account_owner("acme.io").await.unwrap().as_deref(),
        Some("ben"),
        "the latest owner wins"
    );
    assert_eq!(store.account_owner("other.io").await.unwrap(), None);
}

async fn history_is_appended_in_order<S: FullStore>(store: &S) {
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.history = vec![
        HistoryEntry::new(t0(), HistoryKind::Event, json!({"n": 1})),
        HistoryEntry::new(t0(), HistoryKind::Scored, json!({"n": 2})),
    ];
    store.write_lead(w).await.unwrap();
    let current = store.lead("ld_a").await.unwrap().unwrap();
    let mut w = LeadWrite::over(current, DueTimes::default());
    w.history = vec![HistoryEntry::new(
        t0() - TimeDelta::hours(1),
        HistoryKind::Event,
        json!({"n": 3}),
    )];
    store.write_lead(w).await.unwrap();
    let h = store.history("ld_a").await.unwrap();
    let order: Vec<i64> = h
        .iter()
        .map(|e| e.detail()["n"].as_i64().unwrap())
        .collect();
    assert_eq!(
        order,
        [1, 2, 3],
        "history keeps the order it was written in"
    );
    assert_eq!(h[1].kind, HistoryKind::Scored);
}

async fn due_index_is_sparse_ordered_and_replaced<S: FullStore>(store: &S) {
    let at = |m: i64| Some(t0() + TimeDelta::minutes(m));
    for (id, due) in [
        (
            "ld_a",
            DueTimes {
                sla: at(5),
                decay: at(60),
                route: None,
            },
        ),
        (
            "ld_b",
            DueTimes {
                sla: at(1),
                ..Default::default()
            },
        ),
        ("ld_c", DueTimes::default()),
        (
            "ld_d",
            DueTimes {
                sla: at(30),
                route: at(2),
                ..Default::default()
            },
        ),
    ] {
        store
            .write_lead(LeadWrite::over(lead(id), due))
            .await
            .unwrap();
    }
    let now = t0() + TimeDelta::minutes(10);
    assert_eq!(
        store.due(DueKind::Sla, now, 10).await.unwrap(),
        ["ld_b", "ld_a"],
        "due: earliest first, only those due"
    );
    assert_eq!(
        store.due(DueKind::Sla, now, 1).await.unwrap(),
        ["ld_b"],
        "due honours the limit"
    );
    assert_eq!(store.due(DueKind::Route, now, 10).await.unwrap(), ["ld_d"]);
    assert!(store.due(DueKind::Decay, now, 10).await.unwrap().is_empty());
    // Rewriting a lead replaces its due times: the old ones are gone.
    let b = store.lead("ld_b").await.unwrap().unwrap();
    store
        .write_lead(LeadWrite::over(b, DueTimes::default()))
        .await
        .unwrap();
    assert_eq!(
        store.due(DueKind::Sla, now, 10).await.unwrap(),
        ["ld_a"],
        "a rewrite replaces the due times"
    );
}

/// The API answers 400 `cursor` to this refusal, whatever the store.
async fn a_cursor_never_issued_is_refused<S: FullStore>(store: &S) {
    create(store, lead("ld_01")).await;
    for bad in ["abc", "!!", "", "bTEueno"] {
        let err = store
            .list_leads(&LeadQuery {
                limit: 5,
                cursor: Some(bad.to_string()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidCursor(ref c) if c == bad),
            "cursor {bad:?}: {err}"
        );
    }
}

async fn listing_filters_and_pages_cover_everything_once<S: FullStore>(store: &S) {
    for i in 0..23 {
        let mut l = lead(&format!("ld_{i:02}"));
        l.status = if i % 3 == 0 {
            Status::Mql
        } else {
            Status::Nurture
        };
        l.tier = if i % 2 == 0 { Tier::A } else { Tier::C };
        if i % 5 == 0 {
            l.owner = Some(crate::domain::Owner {
                rep_id: "ana".into(),
                assigned_at: t0(),
            });
        }
        create(store, l).await;
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_leads(&LeadQuery {
                limit: 5,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.leads.len() <= 5, "a page holds at most `limit` leads");
        seen.extend(page.leads.iter().map(|l| l.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        (seen.len(), sorted.len()),
        (23, 23),
        "paging visits every lead exactly once"
    );
    let mql = store
        .list_leads(&LeadQuery {
            status: Some(Status::Mql),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mql.leads.len(), 8, "status filter");
    assert!(mql.next_cursor.is_none(), "no cursor after the last page");
    let a_mql = store
        .list_leads(&LeadQuery {
            status: Some(Status::Mql),
            tier: Some(Tier::A),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(a_mql.leads.len(), 4, "status and tier filters combine");
    let owned = store
        .list_leads(&LeadQuery {
            owner: Some("ana".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(owned.leads.len(), 5, "owner filter");
}

fn job(id: &str) -> ScoreJob {
    ScoreJob {
        event_id: id.into(),
        lead_id: "ld_a".into(),
        event_type: "page_view".into(),
        occurred_at: t0(),
        received_at: t0(),
        email: Some("a@acme.io".into()),
        external_id: None,
        attributes: Default::default(),
        properties: Default::default(),
    }
}

async fn intake_refuses_duplicates<S: FullStore>(store: &S) {
    let first = store
        .accept(vec![job("e1"), job("e2"), job("e1")])
        .await
        .unwrap();
    assert_eq!(
        first,
        [
            Acceptance::Accepted,
            Acceptance::Accepted,
            Acceptance::Duplicate
        ],
        "a repeated id in one batch is a duplicate"
    );
    let again = store.accept(vec![job("e2"), job("e3")]).await.unwrap();
    assert_eq!(
        again,
        [Acceptance::Duplicate, Acceptance::Accepted],
        "an id seen before is a duplicate"
    );
}

async fn outbox_keeps_events_until_published<S: FullStore>(store: &S) {
    let mut w = LeadWrite::over(lead("ld_a"), DueTimes::default());
    w.events = vec![
        event("c1", "ld_a"),
        event("c2", "ld_a"),
        event("c3", "ld_a"),
    ];
    store.write_lead(w).await.unwrap();
    let pending = store.pending(10).await.unwrap();
    assert_eq!(pending.len(), 3, "written events are pending");
    assert_eq!(
        pending[0],
        event("c1", "ld_a"),
        "in write order, as written"
    );
    store
        .mark_published(&[pending[0].event_id.clone(), pending[2].event_id.clone()])
        .await
        .unwrap();
    let left = store.pending(10).await.unwrap();
    assert_eq!(
        left,
        [event("c2", "ld_a")],
        "only unpublished events stay pending"
    );
    assert_eq!(
        store.pending(0).await.unwrap().len(),
        0,
        "pending honours the limit"
    );
}

async fn delivery_log_remembers<S: FullStore>(store: &S) {
    assert!(!store.is_delivered("alert:slack:ev_1").await.unwrap());
    store.record_delivered("alert:slack:ev_1").await.unwrap();
    store.record_delivered("alert:slack:ev_1").await.unwrap();
    assert!(
        store.is_delivered("alert:slack:ev_1").await.unwrap(),
        "a recorded delivery is remembered"
    );
    assert!(
        !store.is_delivered("alert:email:ev_1").await.unwrap(),
        "per key"
    );
}

/// The waiting leads' due index serves a wake: a lead that waits for an owner is found
/// whatever its retry time, and a freed place goes to the lead that waited longest.
async fn waiting_leads_are_found_and_woken_oldest_first<S: FullStore>(store: &S) {
    use crate::usecases::route::{route_lead, RouteOutcome};
    use crate::usecases::wake::wake_waiting;
    let mut config = Config::default();
    config.reps.retain(|r| r.team != "inbound");
    let mut ana = Rep::new("ana", "inbound");
    ana.capacity = 0;
    store.put_rep(ana.clone()).await.unwrap();
    for (i, id) in ["ld_late", "ld_early"].into_iter().enumerate() {
        let mut l = lead(id);
        l.status = Status::Mql;
        l.mql = true;
        l.tier = Tier::A;
        store
            .write_lead(LeadWrite::over(l, DueTimes::default()))
            .await
            .unwrap();
        // ld_early starts waiting a minute before ld_late.
        let at = t0() + TimeDelta::minutes(1 - i as i64);
        let waits = route_lead(store, id, &config, at).await.unwrap();
        assert!(
            matches!(waits, RouteOutcome::Waiting { .. }),
            "a lead nobody can take waits: {waits:?}"
        );
    }
    ana.capacity = 1;
    store.put_rep(ana).await.unwrap();
    let now = t0() + TimeDelta::minutes(2);
    let woken = wake_waiting(store, Some("inbound"), &config, now)
        .await
        .unwrap();
    assert_eq!(woken.tried, 2, "a wake finds every waiting lead: {woken:?}");
    assert_eq!(
        woken.assigned,
        [("ld_early".to_string(), "ana".to_string())],
        "the lead that waited longest gets the place"
    );
    let late = store.lead("ld_late").await.unwrap().unwrap();
    assert_eq!((late.status, late.owner_id()), (Status::Mql, None));
    let other = wake_waiting(store, Some("emea"), &config, now)
        .await
        .unwrap();
    assert_eq!(
        other.tried, 0,
        "a wake of another team leaves these leads alone"
    );
}
