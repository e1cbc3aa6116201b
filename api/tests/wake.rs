//! Issue 12, defect 3: a lead waiting because its team is full is routed as soon as a rep
//! becomes eligible through the API (capacity up, a lead closed), not at its next retry.

mod support;

use leadflow::domain::{Rep, Status};
use leadflow::ports::{LeadStore, RepStore};
use leadflow::usecases::route::{route_lead, RouteOutcome};
use leadflow::usecases::score::score_event;
use serde_json::json;
use support::*;

/// One inbound rep (ana, capacity 1) and two hot leads: the first is hers, the second waits.
async fn full_team() -> (TestApp, String, String) {
    let mut config = config();
    config.reps.retain(|r| r.team != "inbound");
    let t = app_with(config.clone());
    let mut ana = Rep::new("ana", "inbound");
    ana.name = "Ana Diaz".into();
    ana.email = "ana@example.com".into();
    ana.capacity = 1;
    t.store.put_rep(ana).await.unwrap();
    let r = t
        .post_json(
            "/v1/events",
            &json!({"events": [event("e1", "first@acme.io", "demo_request"),
                               event("e2", "second@acme.io", "demo_request")]}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let mut ids = Vec::new();
    for job in t.store.take_score_jobs() {
        score_event(&t.store, &job, &config, "v1", now())
            .await
            .unwrap();
        ids.push(job.lead_id.clone());
    }
    let first = route_lead(&t.store, &ids[0], &config, now()).await.unwrap();
    assert!(matches!(first, RouteOutcome::Assigned { .. }), "{first:?}");
    let second = route_lead(&t.store, &ids[1], &config, now()).await.unwrap();
    assert!(matches!(second, RouteOutcome::Waiting { .. }), "{second:?}");
    (t, ids[0].clone(), ids[1].clone())
}

#[tokio::test]
async fn raising_a_reps_capacity_routes_the_teams_waiting_lead_at_once() {
    let (t, _, waiting) = full_team().await;
    let r = t
        .send(json_request(
            "PUT",
            "/v1/reps/ana",
            &json!({"name": "Ana Diaz", "email": "ana@example.com", "team": "inbound", "capacity": 2}),
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let lead = t.store.lead(&waiting).await.unwrap().unwrap();
    assert_eq!(
        (lead.status, lead.owner_id()),
        (Status::Assigned, Some("ana"))
    );
    assert_eq!(r.body["open_leads"], 2, "{:?}", r.body);
}

#[tokio::test]
async fn closing_a_lead_routes_the_teams_waiting_lead_at_once() {
    let (t, owned, waiting) = full_team().await;
    let r = t
        .post_json(
            &format!("/v1/leads/{owned}/dispositions"),
            &json!({"outcome": "disqualified", "rep_id": "ana", "reason": "no_budget"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let lead = t.store.lead(&waiting).await.unwrap().unwrap();
    assert_eq!(
        (lead.status, lead.owner_id()),
        (Status::Assigned, Some("ana"))
    );
    // A disposition that keeps the lead open frees nothing: the team stays as it is.
    let reps = t.store.reps().await.unwrap();
    assert_eq!(
        reps.iter().find(|r| r.rep.id == "ana").unwrap().open_leads,
        1
    );
}
