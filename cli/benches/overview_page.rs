//! The dashboard's overview page as `leadflow serve` answers it: `GET /` through the same router
//! (session check, filters, the store's facts and open clocks, every panel computed, the HTML
//! rendered), over the embedded store holding 100,000 leads and 20 reps (the store benchmark's
//! seed). In process: no socket, so the figure is the server's own time.
//!
//! Run: `cargo bench -p leadflow-cli --bench overview_page -- --warm-up-time 1 --measurement-time 5`

#[path = "../../store-sqlite/benches/support/seed.rs"]
mod seed;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use http_body_util::BodyExt;
use leadflow::config::Config;
use leadflow_api::{AppState, ConfigHandle};
use leadflow_dashboard::session::{SessionKeys, COOKIE_NAME};
use leadflow_dashboard::MemoryVersions;
use leadflow_local::waking::WakingStore;
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions};
use tokio::sync::Notify;
use tower::ServiceExt;

const KEY: &str = "bench-key-of-enough-length";

fn overview_page_bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        durability: Durability::Normal,
        ..Default::default()
    };
    let store = SqliteStore::open_with(dir.path(), options.clone()).unwrap();
    let began = Instant::now();
    seed::build(&store, &runtime);
    eprintln!("built {} leads in {:.1?}", seed::leads(), began.elapsed());
    drop(store);
    let store = SqliteStore::open_with(dir.path(), options).unwrap();

    let mut config = Config::default();
    config.auth.api_keys = vec![KEY.to_string()];
    let until = seed::start() + TimeDelta::days(60);
    let now: DateTime<Utc> = until;
    let clock = move || now;
    let api_store = WakingStore {
        inner: store,
        wake: Arc::new(Notify::new()),
    };
    let app = leadflow_dashboard::app(
        AppState::new(ConfigHandle::new(config), api_store, Arc::new(clock)),
        MemoryVersions::new(),
    );
    let keys = [KEY.to_string()];
    let cookie = format!("{COOKIE_NAME}={}", SessionKeys::new(&keys).issue(now));
    let to = (until - TimeDelta::days(1)).date_naive();
    let from = to - TimeDelta::days(29);
    let uri = format!("/?from={from}&to={to}");

    let get = |uri: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let request = Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            let response = app.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert!(body.len() > 10_000, "a whole page");
            body.len()
        }
    };
    let bytes = runtime.block_on(get(uri.clone()));
    eprintln!("the overview page is {bytes} bytes");

    c.bench_function("dashboard/overview_page/100k_leads_20_reps", |b| {
        b.iter(|| runtime.block_on(get(uri.clone())))
    });
    let team_uri = format!("{uri}&team=east&tier=A");
    c.bench_function("dashboard/overview_page_filtered/100k_leads_20_reps", |b| {
        b.iter(|| runtime.block_on(get(team_uri.clone())))
    });
}

criterion_group!(benches, overview_page_bench);
criterion_main!(benches);
