//! `leadflow serve` end to end under load: HTTP accept → scored → owner assigned.
//!
//! Starts the real binary on a temporary data directory and sends hot leads (each a new lead
//! that qualifies and is routed at once), one event per request:
//! - paced: a fixed rate for a fixed time; the latency of each lead from the moment its
//!   request was sent to its `owner.assigned_at` (same machine, same wall clock). The worker
//!   stamps a whole pass of the queues with the time the pass began, so this is a lower
//!   bound; every 50th request's lead is also polled (every 10 ms) until a client sees its
//!   owner, an upper bound;
//! - max: as fast as `CONCURRENCY` connections allow; the rate accepted over HTTP and the
//!   rate at which leads got an owner;
//! - max, batched: the same with `BATCH` events per request.
//!
//! `cargo bench -p leadflow-cli --bench serve_load` runs the full load (100 and 500
//! requests/s for 10 s, then 5 s at max rate; or `LEADFLOW_BENCH_RATES=100,500` and
//! `LEADFLOW_BENCH_SECONDS`); under `cargo test` (no `--bench`
//! argument) it runs a one-second smoke load and checks every lead was routed.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use serde_json::Value;
use support::{Api, Server};
use tokio::sync::Semaphore;

const KEY: &str = "bench-key-of-enough-length";
const CONCURRENCY: usize = 32;
const BATCH: usize = 100;

struct Settings {
    /// Requests per second of each paced phase.
    rates: Vec<u64>,
    seconds: u64,
    max_seconds: u64,
    /// The most events one phase sends (the smoke run keeps the backlog small).
    max_events: usize,
}

impl Settings {
    fn from_args() -> Settings {
        let full = std::env::args().any(|a| a == "--bench");
        let env = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        if full {
            let rates = std::env::var("LEADFLOW_BENCH_RATES")
                .ok()
                .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
                .unwrap_or_else(|| vec![100, 500]);
            Settings {
                rates,
                seconds: env("LEADFLOW_BENCH_SECONDS", 10),
                max_seconds: env("LEADFLOW_BENCH_SECONDS", 10).min(5),
                // The pipeline falls behind HTTP intake: bound the backlog to wait for.
                max_events: 20_000,
            }
        } else {
            Settings {
                rates: vec![50],
                seconds: 1,
                max_seconds: 1,
                max_events: 200,
            }
        }
    }
}

/// One lead sent: its email, when its request left and, for a sample of leads, how long
/// until a client polling GET /v1/leads/{id} saw an owner.
struct Sent {
    email: String,
    at: SystemTime,
    observed: Option<Duration>,
}

/// Every this many requests, the lead of the request's first event is polled until routed.
const SAMPLE_EVERY: usize = 50;
const POLL: Duration = Duration::from_millis(10);

/// Poll the lead until it has an owner; how long since `sent`.
async fn observe_routed(api: &Api, lead_id: &str, sent: Instant) -> Duration {
    let path = format!("/v1/leads/{lead_id}");
    loop {
        let (status, lead) = api.get(&path).await;
        if status == 200 && support::owner_of(&lead).is_some() {
            return sent.elapsed();
        }
        assert!(
            sent.elapsed() < Duration::from_secs(180),
            "{lead_id} never routed"
        );
        tokio::time::sleep(POLL).await;
    }
}

fn hot_lead_event(phase: &str, n: usize) -> Value {
    let email = format!("{phase}-{n}@load.example");
    support::hot_event(&format!("evt-{phase}-{n}"), &email)
}

/// Send `events_per_request` events per request, at `rate` requests/s (or as fast as
/// `CONCURRENCY` in-flight requests allow, when `rate` is `None`), for `seconds` or until
/// `max_events` were sent.
async fn load(
    api: &Api,
    phase: &str,
    rate: Option<u64>,
    (seconds, max_events): (u64, usize),
    events_per_request: usize,
) -> (Vec<Sent>, Duration) {
    let in_flight = Arc::new(Semaphore::new(
        CONCURRENCY.max(rate.unwrap_or(0) as usize / 10),
    ));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut ticker = rate.map(|r| {
        let mut t = tokio::time::interval(Duration::from_secs_f64(1.0 / r as f64));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        t
    });
    let mut tasks = Vec::new();
    let mut n = 0;
    while Instant::now() < until && n < max_events {
        if let Some(t) = ticker.as_mut() {
            t.tick().await;
        }
        let permit = in_flight.clone().acquire_owned().await.expect("semaphore");
        let events: Vec<Value> = (n..n + events_per_request)
            .map(|i| hot_lead_event(phase, i))
            .collect();
        let emails: Vec<String> = events
            .iter()
            .map(|e| e["lead"]["email"].as_str().unwrap().to_string())
            .collect();
        let sampled = (n / events_per_request).is_multiple_of(SAMPLE_EVERY);
        n += events_per_request;
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let (at, started) = (SystemTime::now(), Instant::now());
            let answer = api.send_events(events).await;
            let answered = Instant::now();
            drop(permit);
            let observed = match answer["leads"][0]["lead_id"].as_str() {
                Some(id) if sampled => Some(observe_routed(&api, id, started).await),
                _ => None,
            };
            let emails = emails
                .into_iter()
                .enumerate()
                .map(|(i, email)| Sent {
                    email,
                    at,
                    observed: observed.filter(|_| i == 0),
                })
                .collect::<Vec<_>>();
            (emails, answered)
        }));
    }
    // The sending time ends with the last 202, not with the sampled leads' polling.
    let mut sent = Vec::new();
    let mut last_answer = started;
    for task in tasks {
        let (leads, answered) = task.await.expect("a request task");
        sent.extend(leads);
        last_answer = last_answer.max(answered);
    }
    (sent, last_answer - started)
}

/// Wait until every lead of `sent` has an owner; the owners' `assigned_at` by email.
async fn wait_routed(
    api: &Api,
    phase: &str,
    expected: usize,
) -> std::collections::HashMap<String, DateTime<Utc>> {
    let deadline = Instant::now() + Duration::from_secs(180);
    let suffix = "@load.example";
    loop {
        let leads = api.all_leads().await;
        let assigned: std::collections::HashMap<String, DateTime<Utc>> = leads
            .iter()
            .filter(|l| {
                l["email"]
                    .as_str()
                    .is_some_and(|e| e.starts_with(&format!("{phase}-")) && e.ends_with(suffix))
            })
            .filter_map(|l| {
                let at = l["owner"]["assigned_at"].as_str()?;
                Some((l["email"].as_str()?.to_string(), at.parse().ok()?))
            })
            .collect();
        if assigned.len() >= expected {
            return assigned;
        }
        if Instant::now() > deadline {
            let mut by_status = std::collections::BTreeMap::new();
            for l in &leads {
                *by_status.entry(l["status"].to_string()).or_insert(0) += 1;
            }
            panic!(
                "{phase}: only {} of {expected} leads were routed; all leads by status: {by_status:?}",
                assigned.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Print a phase's figures.
async fn report(api: &Api, phase: &str, sent: &[Sent], sending: Duration) {
    let assigned = wait_routed(api, phase, sent.len()).await;
    let mut latencies: Vec<f64> = sent
        .iter()
        .map(|s| {
            let at: DateTime<Utc> = s.at.into();
            let owned = assigned[&s.email];
            (owned - at).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let mut observed: Vec<f64> = sent
        .iter()
        .filter_map(|s| s.observed)
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    observed.sort_by(|a, b| a.total_cmp(b));
    let first_sent: DateTime<Utc> = sent.iter().map(|s| s.at).min().unwrap().into();
    let last_owned = *assigned.values().max().unwrap();
    let pipeline = (last_owned - first_sent).num_milliseconds().max(1) as f64 / 1000.0;
    println!(
        "{phase:>12}: {n} leads; accepted {acc:.0} events/s over HTTP ({s:.1} s); \
         routed {routed:.0} leads/s end to end;\n{blank:>14}send → owner.assigned_at (server stamp, \
         a lower bound): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms;\n{blank:>14}send → owner \
         seen by a polling client ({k} sampled leads): p50 {o50:.1} ms, p99 {o99:.1} ms",
        blank = "",
        k = observed.len(),
        o50 = percentile(&observed, 0.50),
        o99 = percentile(&observed, 0.99),
        n = sent.len(),
        acc = sent.len() as f64 / sending.as_secs_f64(),
        s = sending.as_secs_f64(),
        routed = sent.len() as f64 / pipeline,
        p50 = percentile(&latencies, 0.50),
        p99 = percentile(&latencies, 0.99),
        max = latencies.last().unwrap(),
    );
}

fn bench_config() -> String {
    let edits = [
        (
            r#"api_keys = ["env:LEADFLOW_API_KEY"]"#,
            format!(r#"api_keys = ["{KEY}"]"#),
        ),
        // Both inbound reps take any number of leads: capacity is not what is measured.
        ("capacity = 25", "capacity = 10000000".to_string()),
        ("capacity = 25", "capacity = 10000000".to_string()),
    ];
    let edits: Vec<(&str, &str)> = edits.iter().map(|(a, b)| (*a, b.as_str())).collect();
    support::example_config_with(&edits)
}

/// A fresh server (own data directory) for one phase, so that no phase waits on another's
/// backlog.
fn fresh_server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("leadflow.toml");
    std::fs::write(&config, bench_config()).expect("write the config");
    let server = Server::start_configured(&dir.path().join("data"), &config, KEY);
    (dir, server)
}

#[tokio::main]
async fn main() {
    let settings = Settings::from_args();
    println!(
        "leadflow serve, {} profile, a fresh data directory per phase",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let limits = |seconds| (seconds, settings.max_events);
    for rate in settings.rates.iter().copied() {
        let (_dir, server) = fresh_server();
        let phase = format!("paced{rate}");
        let (sent, took) = load(
            &server.api(),
            &phase,
            Some(rate),
            limits(settings.seconds),
            1,
        )
        .await;
        println!(
            "paced at {rate} requests/s (one event each) for {} s:",
            settings.seconds
        );
        report(&server.api(), &phase, &sent, took).await;
    }

    let (_dir, server) = fresh_server();
    let (sent, took) = load(&server.api(), "max", None, limits(settings.max_seconds), 1).await;
    println!(
        "max rate, one event per request, {CONCURRENCY} connections, {} s:",
        settings.max_seconds
    );
    report(&server.api(), "max", &sent, took).await;

    let (_dir, server) = fresh_server();
    let (sent, took) = load(
        &server.api(),
        "batched",
        None,
        limits(settings.max_seconds),
        BATCH,
    )
    .await;
    println!(
        "max rate, {BATCH} events per request, {} s:",
        settings.max_seconds
    );
    report(&server.api(), "batched", &sent, took).await;
}
