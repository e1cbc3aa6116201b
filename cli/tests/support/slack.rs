//! A stand-in for a Slack incoming webhook: an HTTP server on 127.0.0.1 that answers 200 `ok`
//! to every POST and records the JSON bodies.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<Value>>>);

impl Received {
    pub fn all(&self) -> Vec<Value> {
        self.0.lock().expect("the receiver's log").clone()
    }

    /// The payloads whose fallback `text` contains `needle` and that mention `lead_id`
    /// anywhere (the lead id is in the message's context block).
    pub fn matching(&self, needle: &str, lead_id: &str) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|p| p["text"].as_str().is_some_and(|t| t.contains(needle)))
            .filter(|p| p.to_string().contains(lead_id))
            .collect()
    }
}

/// Start the receiver; the webhook URL to configure and what it receives. It stops with the
/// test's runtime.
pub async fn start() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/hook", post(record))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the Slack receiver");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("the Slack receiver");
    });
    (format!("http://{addr}/hook"), received)
}

async fn record(State(received): State<Received>, Json(body): Json<Value>) -> &'static str {
    received.0.lock().expect("the receiver's log").push(body);
    "ok"
}
