//! Shared helpers of the router tests: an app on the memory store at a fixed "now".

#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::{Lead, Owner, Rep, Status, Tier};
use leadflow::ports::{LeadStore, LeadWrite, RepStore};
use leadflow_api::{router, AppState, ConfigHandle};
use serde_json::Value;
use tower::ServiceExt;

pub const KEY: &str = "test-key-1";

pub fn now() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

pub fn config() -> Config {
    let mut c = Config::default();
    c.auth.api_keys = vec![KEY.to_string()];
    c
}

pub struct TestApp {
    pub store: MemoryStore,
    pub app: Router,
}

pub fn app_with(config: Config) -> TestApp {
    let store = MemoryStore::new();
    let state = AppState::new(ConfigHandle::new(config), store.clone(), Arc::new(now));
    TestApp {
        app: router(state),
        store,
    }
}

pub fn app() -> TestApp {
    app_with(config())
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Reply { status, body }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(authed("GET", uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Reply {
        self.send(json_request("POST", uri, body)).await
    }

    /// A lead owned by `rep`, assigned at `now - 1 min`, written straight to the store.
    pub async fn owned_lead(&self, id: &str, rep: &str) -> Lead {
        let created = now() - chrono::TimeDelta::minutes(2);
        let mut lead = Lead::new(id.into(), Some(format!("{id}@acme.io")), None, created);
        lead.status = Status::Assigned;
        lead.tier = Tier::A;
        lead.mql = true;
        lead.owner = Some(Owner {
            rep_id: rep.into(),
            assigned_at: now() - chrono::TimeDelta::minutes(1),
        });
        let write = LeadWrite::over(lead.clone(), Default::default());
        self.store.write_lead(write).await.unwrap();
        self.store.lead(id).await.unwrap().unwrap()
    }

    pub async fn rep(&self, id: &str, team: &str) {
        self.store.put_rep(Rep::new(id, team)).await.unwrap();
    }
}

pub fn authed(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
}

pub fn json_request(method: &str, uri: &str, body: &Value) -> Request<Body> {
    authed(method, uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn event(id: &str, email: &str, kind: &str) -> Value {
    serde_json::json!({"id": id, "type": kind, "occurred_at": "2026-11-23T09:59:00Z",
                       "lead": {"email": email, "title": "VP Marketing", "company_size": 250}})
}
