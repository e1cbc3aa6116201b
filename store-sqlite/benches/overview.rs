//! The dashboard's overview from the embedded store: 100,000 leads over 60 days, 20 reps in
//! 4 teams. Measured: reading the facts of both periods (current and previous 30 days, i.e.
//! every lead) from the store's cache, the roster and the rotation, then computing every
//! panel; and `GET /v1/metrics`' computation over the same facts.
//! Run: `cargo bench -p leadflow-store-sqlite --bench overview -- --warm-up-time 1 --measurement-time 3`

#[path = "support/seed.rs"]
mod seed;

use std::time::Instant;

use chrono::TimeDelta;
use criterion::{criterion_group, criterion_main, Criterion};
use leadflow::config::Config;
use leadflow::metrics::overview::OverviewQuery;
use leadflow::metrics::{compute, compute_overview, LeadFacts, OverviewContext};
use leadflow::ports::RepStore;
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions};
use seed::{build, rep_id, start, REPS};

fn overview_bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        durability: Durability::Normal,
        ..Default::default()
    };
    let store = SqliteStore::open_with(dir.path(), options.clone()).unwrap();
    let began = Instant::now();
    build(&store, &runtime);
    eprintln!("built {} leads in {:.1?}", seed::leads(), began.elapsed());
    drop(store);
    // Reopening loads every lead's facts into memory: what `serve` pays once at start.
    let began = Instant::now();
    let store = SqliteStore::open_with(dir.path(), options).unwrap();
    eprintln!("reopened (facts loaded) in {:.1?}", began.elapsed());

    let config = Config::default();
    let until = start() + TimeDelta::days(60);
    let query = OverviewQuery::new(until - TimeDelta::days(30), until).unwrap();
    let now = until;
    c.bench_function("overview/100k_leads_20_reps", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let facts = store
                    .facts_created_between(query.previous().since, query.until)
                    .await
                    .unwrap();
                let open = store.facts_with_open_clock().await.unwrap();
                let open: Vec<&LeadFacts> = open.iter().map(|f| &**f).collect();
                let reps = store.reps().await.unwrap();
                let pools = store.pools().await.unwrap();
                let context = OverviewContext {
                    reps: &reps,
                    pools: &pools,
                    config: &config,
                    now,
                    open_clocks: &open,
                };
                let overview = compute_overview(facts.iter().map(|f| &**f), &context, &query);
                assert!(overview.headline.leads > 0);
                overview
            })
        })
    });
    // The two halves apart: the store's read, and the pure computation.
    c.bench_function("facts_read/100k_leads", |b| {
        b.iter(|| {
            runtime
                .block_on(store.facts_created_between(start(), until))
                .unwrap()
        })
    });
    let facts = runtime
        .block_on(store.facts_created_between(start(), until))
        .unwrap();
    let open = runtime.block_on(store.facts_with_open_clock()).unwrap();
    let open: Vec<&LeadFacts> = open.iter().map(|f| &**f).collect();
    let reps = runtime.block_on(store.reps()).unwrap();
    let pools = runtime.block_on(store.pools()).unwrap();
    c.bench_function("overview_compute_only/100k_leads", |b| {
        let context = OverviewContext {
            reps: &reps,
            pools: &pools,
            config: &config,
            now,
            open_clocks: &open,
        };
        b.iter(|| compute_overview(facts.iter().map(|f| &**f), &context, &query))
    });
    c.bench_function("metrics/100k_leads_60_days", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let facts = store.facts_created_between(start(), until).await.unwrap();
                let roster: Vec<String> = (0..REPS).map(rep_id).collect();
                compute(facts.iter().map(|f| &**f), &roster, start(), until)
            })
        })
    });
}

criterion_group!(benches, overview_bench);
criterion_main!(benches);
