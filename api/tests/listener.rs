//! The router served on a real TCP listener, spoken to by a real HTTP client.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::*;

#[tokio::test]
async fn serves_over_tcp() {
    let t = app();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = t.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();

    let r = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ok"})
    );

    let r = client.get(format!("{base}/v1/leads")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let body = json!({"events": [event("tcp-1", "ana@acme.io", "demo_request")]});
    let r = client
        .post(format!("{base}/v1/events"))
        .bearer_auth(KEY)
        .header("Content-Encoding", "gzip")
        .header("Content-Type", "application/json")
        .body(gzip(&serde_json::to_vec(&body).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let reply: serde_json::Value = r.json().await.unwrap();
    assert_eq!(reply["accepted"], 1);

    let r = client
        .put(format!("{base}/v1/reps/ana"))
        .bearer_auth(KEY)
        .json(&json!({"name": "Ana", "email": "ana@acme.io", "team": "enterprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client
        .get(format!("{base}/v1/reps"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    let reps: serde_json::Value = r.json().await.unwrap();
    assert_eq!(reps["reps"][0]["id"], "ana");
    server.abort();
}
