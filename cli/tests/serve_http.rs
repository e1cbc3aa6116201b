//! `leadflow serve` answers the HTTP contract (spec/http-api.md) on a real socket: every route,
//! the main error codes, and an accepted event scored and routed by the workers in the same
//! process within seconds.

mod support;

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{event, hot_event, owner_of, Server};

const ROUTED_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_every_route_of_the_contract() {
    let data = tempfile::tempdir().expect("a temp dir");
    let server = Server::start(&data.path().join("data"));
    let api = server.api();
    let http = &api.http;

    // Health needs no key.
    let response = http.get(api.url("/healthz")).send().await.unwrap();
    assert_eq!(
        support::read(response).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );

    // No key, a wrong key: 401 with the error shape.
    let (status, body) = support::read(http.get(api.url("/v1/leads")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = http
        .get(api.url("/v1/leads"))
        .bearer_auth("not-the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // A request with one invalid event is refused whole and stores nothing.
    let mut bad = event(
        "evt-bad-time",
        "demo_request",
        support::fit_lead("bad@acme.io"),
    );
    bad["occurred_at"] = json!("yesterday");
    let good = hot_event("evt-good-but-refused", "ok@acme.io");
    let (status, body) = api
        .post("/v1/events", &json!({"events": [good, bad]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");
    assert_eq!(body["error"]["details"][0]["index"], 1, "{body}");
    assert_eq!(
        body["error"]["details"][0]["field"], "occurred_at",
        "{body}"
    );
    // Not JSON: 415.
    let text = http
        .post(api.url("/v1/events"))
        .bearer_auth(&api.key)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Give the workers the time to (wrongly) process something before looking.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = api.get("/v1/leads").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"leads": [], "next_cursor": null}));

    // 202, then scored and routed by the workers.
    let answer = api
        .send_events(vec![hot_event("evt-hot-1", "ana.hot@acme.io")])
        .await;
    assert_eq!(answer["accepted"], 1, "{answer}");
    assert_eq!(answer["duplicates"], 0, "{answer}");
    assert_eq!(answer["leads"][0]["event_id"], "evt-hot-1");
    let lead_id = answer["leads"][0]["lead_id"]
        .as_str()
        .expect("a lead id")
        .to_string();
    let lead = api
        .wait_for_lead(&lead_id, "routed to an owner", ROUTED_WITHIN, |l| {
            owner_of(l).is_some()
        })
        .await;
    assert_eq!(lead["score"]["total"], 90, "{lead}");
    assert_eq!(lead["tier"], "A");
    assert_eq!(lead["status"], "assigned");
    let owner = owner_of(&lead).unwrap().to_string();
    assert!(
        ["ana", "ben"].contains(&owner.as_str()),
        "inbound team: {lead}"
    );
    assert!(lead["sla"]["first_response_due_at"].is_string(), "{lead}");
    let points: f64 = lead["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["points"].as_f64().unwrap())
        .sum();
    assert_eq!(points, 90.0, "explanation adds up: {lead}");

    // The same event again is a duplicate.
    let again = api
        .send_events(vec![hot_event("evt-hot-1", "ana.hot@acme.io")])
        .await;
    assert_eq!(
        (again["accepted"].clone(), again["duplicates"].clone()),
        (json!(0), json!(1))
    );

    // Unknown lead and unknown route: 404.
    let (status, body) = api.get("/v1/leads/ld_nope").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    assert_eq!(api.get("/v1/nothing-here").await.0, StatusCode::NOT_FOUND);

    // Segment's /v1/batch with HTTP Basic (key as user, empty password).
    batch_with_basic_auth(&server).await;

    // Dispositions: only the owner (409 otherwise), reasons checked (400), then 200.
    let other = if owner == "ana" { "ben" } else { "ana" };
    let disposition = |rep: &str, outcome: &str| {
        json!({"outcome": outcome, "rep_id": rep, "occurred_at": support::now_rfc3339(),
               "note": "left a voicemail"})
    };
    let path = format!("/v1/leads/{lead_id}/dispositions");
    let (status, body) = api.post(&path, &disposition(other, "contacted")).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("conflict")),
        "{body}"
    );
    let (status, body) = api.post(&path, &disposition(&owner, "disqualified")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a disqualification needs a reason: {body}"
    );
    let (status, body) = api.post(&path, &disposition(&owner, "contacted")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "contacted");
    assert!(
        body["sla"]["responded_at"].is_string(),
        "the SLA clock stopped: {body}"
    );
    let (status, _) = api
        .post(
            "/v1/leads/ld_nope/dispositions",
            &disposition(&owner, "contacted"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Reps: PUT (400 without the required fields), GET one, GET all.
    let (status, body) = api.put("/v1/reps/zoe", &json!({"name": "Zoe"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let zoe =
        json!({"name": "Zoe Quinn", "email": "zoe@example.com", "team": "inbound", "capacity": 5});
    let (status, body) = api.put("/v1/reps/zoe", &zoe).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["id"].clone(), body["open_leads"].clone()),
        (json!("zoe"), json!(0))
    );
    let (status, body) = api.get("/v1/reps/zoe").await;
    assert_eq!(
        (status, body["name"].clone()),
        (StatusCode::OK, json!("Zoe Quinn"))
    );
    let (status, body) = api.get("/v1/reps").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = body["reps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    for id in ["ana", "ben", "chloe", "dev", "zoe"] {
        assert!(ids.contains(&id), "GET /v1/reps lists {id}: {body}");
    }
    let owner_rep = body["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == owner.as_str())
        .unwrap();
    assert_eq!(owner_rep["open_leads"], 1, "{owner_rep}");
    assert_eq!(api.get("/v1/reps/nobody").await.0, StatusCode::NOT_FOUND);

    // Metrics: the hot lead is counted in tier A as assigned and contacted.
    let (status, metrics) = api.get("/v1/metrics").await;
    assert_eq!(status, StatusCode::OK, "{metrics}");
    assert_eq!(
        metrics["leads"], 2,
        "the hot lead and the batch's lead: {metrics}"
    );
    assert_eq!(metrics["by_tier"]["A"]["contacted"], 1, "{metrics}");
    assert_eq!(
        metrics["by_rep"][owner.as_str()]["assigned"],
        1,
        "{metrics}"
    );
    let (status, _) = api.get("/v1/metrics?since=not-a-time").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Segment's batch format, authenticated the Segment way; the identified lead is scored and
/// routed like one sent to /v1/events.
async fn batch_with_basic_auth(server: &Server) {
    let api = server.api();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:", server.key));
    let now = support::now_rfc3339();
    let body = json!({"sentAt": now, "batch": [
        {"type": "identify", "messageId": "seg-id-1", "timestamp": now, "userId": "crm-77",
         "traits": {"email": "bea@globex.io", "firstName": "Bea", "title": "Head of Data",
                    "company": {"name": "Globex", "employee_count": 900, "industry": "fintech"},
                    "address": {"country": "GB"}}},
        {"type": "track", "messageId": "seg-tr-1", "timestamp": now, "userId": "crm-77",
         "event": "Demo Requested", "context": {"traits": {"email": "bea@globex.io"}}},
        {"type": "page", "messageId": "seg-pg-1", "timestamp": now, "userId": "crm-77"}
    ]});
    let send = |auth: String| {
        api.http
            .post(api.url("/v1/batch"))
            .header("authorization", auth)
            .json(&body)
            .send()
    };
    let wrong = base64::engine::general_purpose::STANDARD.encode("wrong-key:");
    assert_eq!(
        send(format!("Basic {wrong}")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, answer) = support::read(send(format!("Basic {basic}")).await.unwrap()).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"success": true})));

    let lead = wait_for_listed(&api, "bea@globex.io").await;
    // senior title 20 + size 15 + fintech 10 + GB 5 + demo request 40 = 90.
    let lead = api
        .wait_for_lead(
            lead["lead_id"].as_str().unwrap(),
            "routed",
            ROUTED_WITHIN,
            |l| owner_of(l).is_some(),
        )
        .await;
    assert_eq!(
        owner_of(&lead),
        Some("chloe"),
        "GB goes to the emea team: {lead}"
    );
    assert_eq!(lead["score"]["total"], 90, "{lead}");
    assert_eq!(lead["external_ids"], json!(["crm-77"]), "{lead}");
    assert_eq!(lead["attributes"]["company_size"], 900, "{lead}");
}

/// The lead of `email` in GET /v1/leads, once it is there.
async fn wait_for_listed(api: &support::Api, email: &str) -> Value {
    let deadline = std::time::Instant::now() + ROUTED_WITHIN;
    loop {
        if let Some(lead) = api
            .all_leads()
            .await
            .into_iter()
            .find(|l| l["email"] == email)
        {
            return lead;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{email} never appeared in GET /v1/leads"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
