//! Every route and every error code of the contract, through the router in memory.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use leadflow::ports::LeadStore;
use leadflow_api::sign;
use serde_json::{json, Value};
use support::*;

#[tokio::test]
async fn healthz_needs_no_key() {
    let t = app();
    let r = t
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn every_v1_route_needs_a_key() {
    let t = app();
    let routes = [
        ("POST", "/v1/events"),
        ("POST", "/v1/batch"),
        ("GET", "/v1/leads"),
        ("GET", "/v1/leads/ld_x"),
        ("POST", "/v1/leads/ld_x/dispositions"),
        ("GET", "/v1/reps"),
        ("GET", "/v1/reps/ana"),
        ("PUT", "/v1/reps/ana"),
        ("GET", "/v1/metrics"),
    ];
    for (method, uri) in routes {
        for auth in [None, Some("Bearer wrong"), Some("Bearer ")] {
            let mut b = Request::builder().method(method).uri(uri);
            if let Some(a) = auth {
                b = b.header(header::AUTHORIZATION, a);
            }
            let r = t.send(b.body(Body::empty()).unwrap()).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} {auth:?}"
            );
            assert_eq!(r.body["error"]["code"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn basic_auth_only_on_batch() {
    let t = app();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"))
    );
    let batch = Request::post("/v1/batch")
        .header(header::AUTHORIZATION, &basic)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"batch": []}"#))
        .unwrap();
    let r = t.send(batch).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"success": true}));
    let leads = Request::get("/v1/leads")
        .header(header::AUTHORIZATION, &basic)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(leads).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn events_are_accepted_with_leads_and_duplicates() {
    let t = app();
    let body = json!({"events": [
        event("e1", "Ana@Acme.io", "demo_request"),
        event("e2", "ben@acme.io", "identify"),
        event("e1", "ana@acme.io", "demo_request"),
    ]});
    let r = t.post_json("/v1/events", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["accepted"], 2);
    assert_eq!(r.body["duplicates"], 1);
    let leads = r.body["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 3);
    assert_eq!(leads[0]["event_id"], "e1");
    assert_eq!(leads[0]["lead_id"], leads[2]["lead_id"]);
    assert!(leads[0]["lead_id"].as_str().unwrap().starts_with("ld_"));
    assert_eq!(t.store.take_score_jobs().len(), 2);

    // Sent again: every event is a duplicate, nothing new is queued.
    let again = t.post_json("/v1/events", &body).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(
        (
            again.body["accepted"].as_u64(),
            again.body["duplicates"].as_u64()
        ),
        (Some(0), Some(3))
    );
    assert!(t.store.take_score_jobs().is_empty());
}

#[tokio::test]
async fn an_invalid_request_lists_every_problem_and_changes_nothing() {
    let t = app();
    let body = json!({"events": [
        event("good", "ana@acme.io", "demo_request"),
        {"id": "bad", "type": "teleport", "occurred_at": "2026-11-23T12:00:00Z",
         "lead": {"email": "not-an-email", "country": "ZZ"}},
    ]});
    let r = t.post_json("/v1/events", &body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "invalid_request");
    assert_eq!(r.body["error"]["message"], "1 event is invalid");
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["index"], 1);
            d["field"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        fields,
        ["type", "occurred_at", "lead.email", "lead.country"]
    );
    assert!(t.store.take_score_jobs().is_empty());
    assert!(t.store.all_leads().is_empty());
}

#[tokio::test]
async fn media_type_size_and_encoding() {
    let t = app();
    let send = |ct: &'static str, enc: Option<&'static str>, body: Vec<u8>| {
        let mut b = authed("POST", "/v1/events").header(header::CONTENT_TYPE, ct);
        if let Some(e) = enc {
            b = b.header(header::CONTENT_ENCODING, e);
        }
        b.body(Body::from(body)).unwrap()
    };
    let valid =
        serde_json::to_vec(&json!({"events": [event("g1", "ana@acme.io", "demo_request")]}))
            .unwrap();

    let r = t.send(send("text/plain", None, valid.clone())).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.body["error"]["code"], "unsupported_media_type");

    let mut big = b"{\"events\": [], \"pad\": \"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 1024 * 1024));
    big.extend(b"\"}");
    let r = t.send(send("application/json", None, big.clone())).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body["error"]["code"], "payload_too_large");

    // 50 MiB of spaces inflate from about 50 KiB: refused once past 1 MiB.
    let bomb = gzip(&vec![b' '; 50 * 1024 * 1024]);
    let r = t.send(send("application/json", Some("gzip"), bomb)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    let r = t
        .send(send("application/json", Some("gzip"), valid.clone()))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "invalid_request");

    let r = t
        .send(send("application/json", Some("gzip"), gzip(&valid)))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);

    let r = t
        .send(send("application/json", None, b"{not json".to_vec()))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(t.store.all_leads().is_empty());
}

#[tokio::test]
async fn five_hundred_and_one_events_are_refused() {
    let t = app();
    let events: Vec<Value> = (0..501)
        .map(|i| event(&format!("e{i}"), "ana@acme.io", "page_view"))
        .collect();
    let r = t
        .post_json("/v1/events", &json!({ "events": events }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"][0]["field"], "events");
    assert!(t.store.take_score_jobs().is_empty());
}

#[tokio::test]
async fn signatures_when_a_secret_is_set() {
    let mut c = config();
    c.auth.signing_secret = Some("whsec".into());
    let t = app_with(c);
    let body = serde_json::to_vec(&json!({"events": [event("s1", "ana@acme.io", "demo_request")]}))
        .unwrap();
    let with = |sig: Option<String>, bytes: Vec<u8>| {
        let mut b = authed("POST", "/v1/events").header(header::CONTENT_TYPE, "application/json");
        if let Some(s) = sig {
            b = b.header("Leadflow-Signature", s);
        }
        b.body(Body::from(bytes)).unwrap()
    };
    let t0 = now().timestamp();
    let cases = [
        (None, StatusCode::UNAUTHORIZED),
        (Some(sign("wrong", t0, &body)), StatusCode::UNAUTHORIZED),
        (
            Some(sign("whsec", t0 - 301, &body)),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some(sign("whsec", t0 + 301, &body)),
            StatusCode::UNAUTHORIZED,
        ),
        (Some(sign("whsec", t0, b"{}")), StatusCode::UNAUTHORIZED),
        (Some("t=1,v1=nothex".to_string()), StatusCode::UNAUTHORIZED),
    ];
    for (sig, want) in cases {
        let r = t.send(with(sig.clone(), body.clone())).await;
        assert_eq!(r.status, want, "{sig:?}");
        assert_eq!(r.body["error"]["code"], "unauthorized");
    }
    assert!(t.store.take_score_jobs().is_empty());
    let r = t
        .send(with(Some(sign("whsec", t0 - 299, &body)), body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn segment_batch_identify_and_track() {
    let t = app();
    let body = json!({"sentAt": "2026-11-23T09:59:59Z", "batch": [
        {"type": "identify", "messageId": "m1", "userId": "u-1", "timestamp": "2026-11-23T09:59:00Z",
         "traits": {"email": "ana@acme.io", "firstName": "Ana", "company": {"name": "Acme", "employee_count": 300}}},
        {"type": "track", "event": "Demo Requested", "messageId": "m2", "userId": "u-1",
         "timestamp": "2026-11-23T09:59:30Z", "context": {"traits": {"email": "ana@acme.io"}}},
        {"type": "track", "event": "Unmapped Thing", "messageId": "m3", "userId": "u-1"},
        {"type": "screen", "messageId": "m4", "userId": "u-1"},
        {"type": "identify", "messageId": "m5", "anonymousId": "a-1", "traits": {"plan": "free"}}
    ]});
    let r = t.post_json("/v1/batch", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({"success": true}));
    let jobs = t.store.take_score_jobs();
    let got: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j.event_id.as_str(), j.event_type.as_str()))
        .collect();
    assert_eq!(got, [("m1", "identify"), ("m2", "demo_request")]);
    assert_eq!(jobs[0].lead_id, jobs[1].lead_id);
    assert_eq!(
        jobs[0].attributes["company_size"],
        leadflow::domain::AttrValue::Number(300.0)
    );

    let bad = json!({"batch": [{"type": "identify", "userId": "u-2", "timestamp": "nope"}]});
    let r = t.post_json("/v1/batch", &bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"].as_array().unwrap().len(), 2);
    assert!(t.store.take_score_jobs().is_empty());
}

#[tokio::test]
async fn lead_read_list_and_not_found() {
    let t = app();
    t.owned_lead("ld_one", "ana").await;
    let r = t.get("/v1/leads/ld_one").await;
    assert_eq!(r.status, StatusCode::OK);
    let keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "lead_id",
        "email",
        "external_ids",
        "attributes",
        "status",
        "tier",
        "score",
        "explanation",
        "owner",
        "sla",
        "disqualify_reason",
        "history",
    ] {
        assert!(keys.contains(&key), "{key}");
    }
    assert_eq!(r.body["owner"]["rep_id"], "ana");
    assert_eq!(r.body["status"], "assigned");
    for key in [
        "total",
        "fit",
        "engagement",
        "negative",
        "model_version",
        "computed_at",
    ] {
        assert!(r.body["score"].get(key).is_some(), "score.{key}");
    }

    let r = t.get("/v1/leads/ld_missing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"]["code"], "not_found");

    let r = t
        .get("/v1/leads?status=assigned&tier=A&owner=ana&limit=10")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["leads"][0]["lead_id"], "ld_one");
    assert!(r.body["next_cursor"].is_null());
    let r = t.get("/v1/leads?status=assigned&tier=B").await;
    assert_eq!(r.body["leads"], json!([]));

    let r = t.get("/v1/leads?status=open&tier=Z&limit=0").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "tier", "limit"]);
}

#[tokio::test]
async fn dispositions_200_400_404_409() {
    let t = app();
    t.owned_lead("ld_d", "ana").await;
    let url = "/v1/leads/ld_d/dispositions";

    let r = t
        .post_json(
            "/v1/leads/ld_nope/dispositions",
            &json!({"outcome": "contacted", "rep_id": "ana"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = t
        .post_json(url, &json!({"outcome": "contacted", "rep_id": "ben"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["error"]["code"], "conflict");
    assert_eq!(r.body["error"]["details"][0]["field"], "rep_id");

    let r = t
        .post_json(url, &json!({"outcome": "lost", "rep_id": "ana"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"][0]["field"], "reason");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("price"));

    let r = t
        .post_json(url, &json!({"outcome": "teleported", "rep_id": "ana"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"][0]["field"], "outcome");

    let r = t.post_json(url, &json!({"rep_id": "ana"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"][0]["field"], "outcome");

    let before = t.store.lead("ld_d").await.unwrap().unwrap();
    assert_eq!(
        before.status,
        leadflow::domain::Status::Assigned,
        "refused requests changed nothing"
    );

    let r = t
        .post_json(
            url,
            &json!({"outcome": "contacted", "rep_id": "ana",
                                     "occurred_at": "2026-11-23T10:00:00Z", "note": "voicemail"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "contacted");
    assert_eq!(r.body["history"][0]["kind"], "disposition");

    // `won` is fine from contacted; then nothing more is allowed: 409.
    let r = t
        .post_json(
            url,
            &json!({"outcome": "won", "rep_id": "ana", "amount": 1200.5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t
        .post_json(url, &json!({"outcome": "contacted", "rep_id": "ana"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn reps_put_get_list() {
    let t = app();
    let r = t
        .send(json_request(
            "PUT",
            "/v1/reps/ana",
            &json!({"name": "Ana", "email": "ana@acme.io",
        "team": "enterprise", "capacity": 10, "slack_user": "U1"}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["id"], "ana");
    assert_eq!(r.body["capacity"], 10);
    assert_eq!(r.body["open_leads"], 0);

    let r = t
        .send(json_request("PUT", "/v1/reps/ben", &json!({"name": "Ben"})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "team"]);

    let r = t
        .send(json_request(
            "PUT",
            "/v1/reps/ben",
            &json!({"name": "Ben", "email": "nope",
        "team": "t", "capacity": 0}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "capacity"]);

    let r = t
        .send(json_request(
            "PUT",
            "/v1/reps/ben",
            &json!({"name": "Ben", "email": "b@acme.io",
        "team": "t", "colour": "red"}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"][0]["field"], "colour");

    let r = t.get("/v1/reps").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["reps"].as_array().unwrap().len(),
        1,
        "refused reps are not stored"
    );
    assert_eq!(r.body["reps"][0]["open_leads"], 0);

    assert_eq!(t.get("/v1/reps/ana").await.body["name"], "Ana");
    assert_eq!(t.get("/v1/reps/zed").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_shape_and_bad_window() {
    let t = app();
    t.rep("ana", "enterprise").await;
    t.owned_lead("ld_m", "ana").await;
    let r = t
        .get("/v1/metrics?since=2026-11-01T00:00:00Z&until=2026-12-01T00:00:00Z")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["leads"], 1);
    assert_eq!(r.body["by_tier"]["A"]["assigned"], 1);
    assert_eq!(r.body["by_rep"]["ana"]["open"], 1);
    assert_eq!(r.body["score_distribution"].as_array().unwrap().len(), 10);

    let r = t
        .get("/v1/metrics?since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["details"][0]["field"], "since");
    let r = t.get("/v1/metrics?until=tomorrow").await;
    assert_eq!(r.body["error"]["details"][0]["field"], "until");
    // Default window: the 30 days up to now.
    assert_eq!(t.get("/v1/metrics").await.body["leads"], 1);
}

#[tokio::test]
async fn unknown_routes_are_404_with_the_error_shape() {
    let t = app();
    let r = t.get("/v2/nothing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"]["code"], "not_found");
}
