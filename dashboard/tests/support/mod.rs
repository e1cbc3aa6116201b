//! A dashboard on a memory store seeded through the use cases (ingest, score, route, a
//! disposition, an SLA check), signed-in requests, and reading numbers out of the HTML.

#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::{AttrValue, Attributes, LeadId};
use leadflow::lifecycle::disposition::{Disposition, Outcome};
use leadflow::ports::{LeadStore, RepStore};
use leadflow::usecases::disposition::record_disposition;
use leadflow::usecases::ingest::{ingest, InboundEvent};
use leadflow::usecases::route::route_lead;
use leadflow::usecases::score::score_event;
use leadflow::usecases::sla_check::check_slas;
use leadflow_api::{AppState, ConfigHandle};
use leadflow_dashboard::{app, MemoryVersions};
use tower::ServiceExt;

pub const KEY: &str = "dash-key-0123456789";

/// When the leads arrive.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

/// "Now" for the pages: late enough for unanswered clocks to have breached.
pub fn now() -> DateTime<Utc> {
    t0() + TimeDelta::hours(2)
}

pub fn config() -> Config {
    let mut c = Config::default();
    c.auth.api_keys = vec![KEY.to_string()];
    c
}

pub struct Seeded {
    pub store: MemoryStore,
    pub versions: MemoryVersions,
    pub app: Router,
    /// Routed, then contacted three minutes later.
    pub contacted: LeadId,
    /// Routed, never answered: breached by `now`.
    pub breached: LeadId,
}

fn event(id: &str, email: &str, signal: &str, title: &str, size: i64) -> InboundEvent {
    let attributes: Attributes = [
        ("title", AttrValue::from(title)),
        ("company_size", AttrValue::from(size)),
        ("industry", AttrValue::from("software")),
        ("country", AttrValue::from("US")),
        ("source", AttrValue::from("webinar")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    InboundEvent {
        id: id.into(),
        event_type: signal.into(),
        occurred_at: t0(),
        email: Some(email.into()),
        external_id: None,
        attributes,
        properties: Default::default(),
    }
}

async fn ingest_score_route(store: &MemoryStore, config: &Config, ev: InboundEvent) -> LeadId {
    let report = ingest(store, vec![ev], t0()).await.unwrap();
    for job in store.take_score_jobs() {
        score_event(store, &job, config, "v1", t0()).await.unwrap();
    }
    let id = report.leads[0].1.clone();
    route_lead(store, &id, config, t0()).await.unwrap();
    id
}

pub async fn seeded() -> Seeded {
    seeded_with(config()).await
}

pub async fn seeded_with(config: Config) -> Seeded {
    let store = MemoryStore::new();
    for rep in &config.reps {
        store.put_rep(rep.clone()).await.unwrap();
    }
    let contacted = ingest_score_route(
        &store,
        &config,
        event("e1", "ana@acme.io", "demo_request", "VP Marketing", 250),
    )
    .await;
    let breached = ingest_score_route(
        &store,
        &config,
        event("e2", "bo@globex.io", "demo_request", "Head of Growth", 400),
    )
    .await;
    ingest_score_route(
        &store,
        &config,
        event("e3", "cy@initech.io", "page_view", "Intern", 5),
    )
    .await;
    let owner = store
        .lead(&contacted)
        .await
        .unwrap()
        .unwrap()
        .owner_id()
        .expect("the hot lead is routed")
        .to_string();
    let d = Disposition {
        outcome: Outcome::Contacted,
        rep_id: owner,
        occurred_at: Some(t0() + TimeDelta::minutes(3)),
        reason: None,
        amount: None,
        note: Some("left a voicemail".into()),
    };
    record_disposition(
        &store,
        &contacted,
        &d,
        &config,
        t0() + TimeDelta::minutes(3),
    )
    .await
    .unwrap();
    check_slas(&store, &config, now(), 100).await.unwrap();

    let versions = MemoryVersions::new();
    let state = AppState::new(ConfigHandle::new(config), store.clone(), Arc::new(now));
    Seeded {
        app: app(state, versions.clone()),
        store,
        versions,
        contacted,
        breached,
    }
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

impl Seeded {
    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// POST the sign-in form with `key`.
    pub async fn sign_in_with(&self, key: &str, https: bool) -> Page {
        let mut request = Request::post("/signin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if https {
            request = request.header("x-forwarded-proto", "https");
        }
        let body = format!("key={}", percent_encode(key));
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// A session cookie (`name=value`) for the right key.
    pub async fn session(&self) -> String {
        let page = self.sign_in_with(KEY, false).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let set = page.headers[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_string()
    }

    pub async fn get_with(&self, uri: &str, cookie: Option<&str>) -> Page {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// GET `uri` signed in.
    pub async fn get(&self, uri: &str) -> Page {
        let cookie = self.session().await;
        self.get_with(uri, Some(&cookie)).await
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text after every `marker`: the element content that follows (the marker is part of an
/// opening tag, e.g. `class="points"`, or ends with one).
pub fn texts_of(html: &str, marker: &str) -> Vec<String> {
    html.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            let start = if marker.ends_with('>') {
                0
            } else {
                rest.find('>')? + 1
            };
            let end = rest[start..].find('<')?;
            Some(rest[start..start + end].trim().to_string())
        })
        .collect()
}

/// A number as the pages print it.
pub fn number(text: &str) -> f64 {
    text.replace(['\u{2212}', ','], "")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number"))
}
