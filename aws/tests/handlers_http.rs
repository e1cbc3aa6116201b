//! `ingest` and `api` are `lambda_http::run(router)`: an API Gateway HTTP API event (payload
//! 2.0, as JSON text) becomes a request for the same router as `leadflow serve`, and what it
//! accepts reaches the score handler.

mod support;

use std::sync::Arc;

use lambda_http::tower::ServiceExt;
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::ports::LeadStore;
use leadflow::scoring::Scorer;
use leadflow_api::{router, AppState, ConfigHandle};
use leadflow_aws::handlers::score::handle_score;
use support::{sqs_event, t0, RecordingBus};

const KEY: &str = "lf_test_key";

fn http_api_event(method: &str, path: &str, body: Option<&str>) -> String {
    serde_json::json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "authorization": format!("Bearer {KEY}"),
            "content-type": "application/json",
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "curl/8.5.0",
            "x-forwarded-proto": "https"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "02/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1762074000000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

fn app(store: MemoryStore) -> axum::Router {
    let mut config = Config::default();
    config.auth.api_keys = vec![KEY.to_string()];
    let clock = || t0() + chrono::TimeDelta::minutes(1);
    router(AppState::new(
        ConfigHandle::new(config),
        store,
        Arc::new(clock),
    ))
}

async fn call(app: axum::Router, event: &str) -> (u16, serde_json::Value) {
    let request = lambda_http::request::from_str(event).expect("an API Gateway HTTP API event");
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn an_event_posted_through_api_gateway_is_accepted_and_then_scored() {
    let store = MemoryStore::new();
    let body = serde_json::json!({"events": [{
        "id": "evt-8f2c", "type": "demo_request", "occurred_at": "2026-11-02T09:00:00Z",
        "lead": {"email": "ana@acme.io", "title": "VP Marketing", "company_domain": "acme.io",
                 "company_size": 250, "industry": "software", "country": "US"}
    }]})
    .to_string();
    let (status, answer) = call(
        app(store.clone()),
        &http_api_event("POST", "/v1/events", Some(&body)),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["accepted"], 1);
    let lead_id = answer["leads"][0]["lead_id"].as_str().unwrap().to_string();

    // What intake put on the score queue is what the score function receives.
    let jobs = store.take_score_jobs();
    assert_eq!(jobs.len(), 1);
    let job_body = serde_json::to_string(&jobs[0]).unwrap();
    let outcome = handle_score(
        &store,
        &RecordingBus::default(),
        &Config::default(),
        Scorer::rules("v1"),
        &sqs_event(&[("m1", &job_body)]),
        t0() + chrono::TimeDelta::minutes(1),
    )
    .await;
    assert!(outcome.failed.is_empty(), "{outcome:?}");
    let lead = store
        .lead(&lead_id)
        .await
        .unwrap()
        .expect("the lead exists");
    assert!(lead.score.total > 0.0);

    let (status, answer) = call(
        app(store),
        &http_api_event("GET", &format!("/v1/leads/{lead_id}"), None),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["lead_id"], lead_id);
}

#[tokio::test]
async fn a_request_without_the_key_is_refused() {
    let event =
        http_api_event("GET", "/v1/leads", None).replace(&format!("Bearer {KEY}"), "Bearer wrong");
    let (status, answer) = call(app(MemoryStore::new()), &event).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"]["code"], "unauthorized");
}
