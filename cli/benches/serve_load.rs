//! `leadflow serve` end to end under load: HTTP accept → scored → owner assigned.
//!
//! Starts the real binary on a temporary data directory per phase and sends events:
//! - worst case, hot leads: every event a new lead that qualifies and is routed at once;
//!   - paced: a fixed rate of one-event requests for a fixed time; the latency of each lead
//!     from the moment its request was sent to its `owner.assigned_at` (same machine, same
//!     wall clock; the worker stamps a whole batch with the time it began, so this is a lower
//!     bound); every 50th request's lead is also polled (every 10 ms) until a client sees its
//!     owner, an upper bound;
//!   - max: as fast as `CONCURRENCY` connections allow, one event per request and `BATCH`;
//! - the realistic mix (`mix.rs`): the demo's people and their events (≈11 per lead, a
//!   minority qualifying) at a fixed rate of events/s, `k` events per request; the latency of
//!   each routed lead from the send of the event that qualified it to its owner.
//!
//! Every phase reports events/s accepted over HTTP and events/s *processed* (scored, and
//! routed when qualifying): the events over the time from the first send until the pipeline's
//! backlog (read from the database, `backlog.rs`) was empty again. A phase is *sustained* when
//! the backlog emptied within `SUSTAINED_DRAIN` of the last answer: the pipeline kept up.
//!
//! `cargo bench -p leadflow-cli --bench serve_load` runs it all; `LEADFLOW_BENCH_RATES`
//! (hot paced, requests/s, default `100,500`), `LEADFLOW_BENCH_MIX` (mix phases as
//! `events_per_s x events_per_request`, default `500x1,2000x1,5000x10`),
//! `LEADFLOW_BENCH_SECONDS` (default 10) and `LEADFLOW_BENCH_ONLY` (`hot`, `max` or `mix`)
//! choose what runs; `LEADFLOW_SERVE_DURABILITY=full` runs it against `serve --durability
//! full`. Under `cargo test` (no `--bench` argument) it runs a one-second smoke load of each
//! kind and checks every lead was routed.

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "serve_load/backlog.rs"]
mod backlog;
#[path = "serve_load/mix.rs"]
mod mix;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use serde_json::Value;
use support::{Api, Server};
use tokio::sync::Semaphore;

const KEY: &str = "bench-key-of-enough-length";
const CONCURRENCY: usize = 32;
const BATCH: usize = 100;
/// The backlog must be empty this soon after the last answer for a phase to count as sustained.
const SUSTAINED_DRAIN: Duration = Duration::from_secs(1);
/// The example configuration's `mql_threshold`.
const MQL_THRESHOLD: f64 = 60.0;

/// One mix phase: events per second, events per request.
#[derive(Clone, Copy)]
struct MixPhase {
    events_per_s: u64,
    per_request: usize,
}

struct Settings {
    /// Requests per second of each paced hot-lead phase.
    rates: Vec<u64>,
    mix: Vec<MixPhase>,
    seconds: u64,
    max_seconds: u64,
    /// The most events one phase sends (the smoke run keeps the backlog small).
    max_events: usize,
    only: Option<String>,
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
        let only = std::env::var("LEADFLOW_BENCH_ONLY").ok();
        if full {
            let rates = std::env::var("LEADFLOW_BENCH_RATES")
                .ok()
                .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
                .unwrap_or_else(|| vec![100, 500]);
            let mix = std::env::var("LEADFLOW_BENCH_MIX")
                .map(|v| parse_mix(&v))
                .unwrap_or_else(|_| parse_mix("500x1,2000x1,5000x10"));
            Settings {
                rates,
                mix,
                seconds: env("LEADFLOW_BENCH_SECONDS", 10),
                max_seconds: env("LEADFLOW_BENCH_SECONDS", 10).min(5),
                // The pipeline may fall behind HTTP intake: bound the backlog to wait for.
                max_events: 100_000,
                only,
            }
        } else {
            Settings {
                rates: vec![50],
                mix: parse_mix("200x2"),
                seconds: 1,
                max_seconds: 1,
                max_events: 200,
                only,
            }
        }
    }

    fn runs(&self, kind: &str) -> bool {
        self.only.as_deref().is_none_or(|o| o == kind)
    }
}

/// `500x1,5000x10` → phases; a phase without `x` sends one event per request.
fn parse_mix(text: &str) -> Vec<MixPhase> {
    text.split(',')
        .filter_map(|p| {
            let (rate, k) = p.trim().split_once('x').unwrap_or((p.trim(), "1"));
            Some(MixPhase {
                events_per_s: rate.parse().ok()?,
                per_request: k.parse().ok()?,
            })
        })
        .collect()
}

/// One event sent: its id, its lead's email, when its request left and, for a sample of
/// requests, how long until a client polling GET /v1/leads/{id} saw an owner.
struct Sent {
    event_id: String,
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

/// What a phase sends: the events of the `n`th request, built when it is sent.
trait Source {
    fn next(&mut self, count: usize) -> Vec<Value>;
    /// Whether the requests' first leads are polled until routed (hot leads: all are).
    fn sampled(&self) -> bool;
}

struct HotLeads {
    phase: String,
    n: usize,
}

impl Source for HotLeads {
    fn next(&mut self, count: usize) -> Vec<Value> {
        let events = (self.n..self.n + count)
            .map(|i| hot_lead_event(&self.phase, i))
            .collect();
        self.n += count;
        events
    }
    fn sampled(&self) -> bool {
        true
    }
}

struct Scenario {
    events: std::vec::IntoIter<leadflow::usecases::ingest::InboundEvent>,
}

impl Source for Scenario {
    fn next(&mut self, count: usize) -> Vec<Value> {
        let at = support::now_rfc3339();
        self.events
            .by_ref()
            .take(count)
            .map(|e| mix::event_json(&e, &at))
            .collect()
    }
    fn sampled(&self) -> bool {
        false
    }
}

/// Send `events_per_request` events per request, at `rate` requests/s (or as fast as
/// `CONCURRENCY` in-flight requests allow, when `rate` is `None`), for `seconds` or until
/// `max_events` were sent. What was sent, and when the first request left and the last
/// answer came.
async fn load(
    api: &Api,
    source: &mut dyn Source,
    rate: Option<f64>,
    (seconds, max_events): (u64, usize),
    events_per_request: usize,
) -> (Vec<Sent>, Instant, Instant) {
    let in_flight = Arc::new(Semaphore::new(
        CONCURRENCY.max(rate.unwrap_or(0.0) as usize / 10),
    ));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut ticker = rate.map(|r| {
        let mut t = tokio::time::interval(Duration::from_secs_f64(1.0 / r));
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
        let events = source.next(events_per_request);
        if events.is_empty() {
            break;
        }
        let ids: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let id = e["id"].as_str().unwrap_or_default().to_string();
                let email = e["lead"]["email"].as_str().unwrap_or_default().to_string();
                (id, email)
            })
            .collect();
        let sampled = source.sampled() && (n / events_per_request).is_multiple_of(SAMPLE_EVERY);
        n += events.len();
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
            let sent = ids
                .into_iter()
                .enumerate()
                .map(|(i, (event_id, email))| Sent {
                    event_id,
                    email,
                    at,
                    observed: observed.filter(|_| i == 0),
                })
                .collect::<Vec<_>>();
            (sent, answered)
        }));
    }
    // The sending time ends with the last 202, not with the sampled leads' polling.
    let mut sent = Vec::new();
    let mut last_answer = started;
    for task in tasks {
        let (events, answered) = task.await.expect("a request task");
        sent.extend(events);
        last_answer = last_answer.max(answered);
    }
    (sent, started, last_answer)
}

/// Wait until every lead of `sent` has an owner; the owners' `assigned_at` by email.
async fn wait_routed(api: &Api, phase: &str, expected: usize) -> HashMap<String, DateTime<Utc>> {
    let deadline = Instant::now() + Duration::from_secs(180);
    let suffix = "@load.example";
    loop {
        let leads = api.all_leads().await;
        let assigned: HashMap<String, DateTime<Utc>> = leads
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
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(|a, b| a.total_cmp(b));
    values
}

/// The lines every phase prints: accepted and processed rates, and the sustained verdict.
fn throughput(sent: usize, started: Instant, answered: Instant, backlog: &backlog::Backlog) {
    let sending = (answered - started).as_secs_f64();
    let processed = match backlog.empty_at {
        Some(at) => format!(
            "{:.0} events/s processed ({:.1} s from the first send to an empty backlog)",
            sent as f64 / (at - started).as_secs_f64(),
            (at - started).as_secs_f64()
        ),
        None => "the backlog never emptied".to_string(),
    };
    let verdict = match backlog.drained_after {
        Some(d) if d <= SUSTAINED_DRAIN => "SUSTAINED".to_string(),
        Some(d) => format!(
            "NOT sustained (drained {:.1} s after the last answer)",
            d.as_secs_f64()
        ),
        None => "NOT sustained".to_string(),
    };
    println!(
        "{blank:>14}{sent} events; {acc:.0} events/s accepted over HTTP ({sending:.1} s); {processed};\n\
         {blank:>14}backlog peak {peak}, {end} at the last answer: {verdict}",
        blank = "",
        acc = sent as f64 / sending,
        peak = backlog.peak,
        end = backlog.at_end_of_sending,
    );
}

/// Print a hot-lead phase's figures.
async fn report_hot(
    api: &Api,
    phase: &str,
    sent: &[Sent],
    started: Instant,
    backlog: &backlog::Backlog,
    answered: Instant,
) {
    let assigned = wait_routed(api, phase, sent.len()).await;
    throughput(sent.len(), started, answered, backlog);
    let latencies = sorted(
        sent.iter()
            .map(|s| {
                let at: DateTime<Utc> = s.at.into();
                let owned = assigned[&s.email];
                (owned - at).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
            })
            .collect(),
    );
    let observed = sorted(
        sent.iter()
            .filter_map(|s| s.observed)
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect(),
    );
    println!(
        "{blank:>14}send → owner.assigned_at (server stamp, a lower bound): p50 {p50:.1} ms, \
         p99 {p99:.1} ms, max {max:.1} ms;\n{blank:>14}send → owner seen by a polling client \
         ({k} sampled leads): p50 {o50:.1} ms, p99 {o99:.1} ms",
        blank = "",
        k = observed.len(),
        o50 = percentile(&observed, 0.50),
        o99 = percentile(&observed, 0.99),
        p50 = percentile(&latencies, 0.50),
        p99 = percentile(&latencies, 0.99),
        max = latencies.last().copied().unwrap_or(f64::NAN),
    );
}

/// Print a mix phase's figures; every lead that qualified must have been routed.
async fn report_mix(api: &Api, sent: &[Sent]) {
    let all = api.all_leads().await;
    let leads = all.len();
    let mut by_status = std::collections::BTreeMap::new();
    for l in &all {
        *by_status
            .entry(l["status"].as_str().unwrap_or("?").to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(
        by_status.get("mql").copied().unwrap_or(0),
        0,
        "a qualified lead was left unrouted: {by_status:?}"
    );
    let mut routed = Vec::new();
    for lead in all.iter().filter(|l| support::owner_of(l).is_some()) {
        let id = lead["lead_id"].as_str().expect("a lead id");
        routed.push(api.lead(id).await);
    }
    let sent_at: HashMap<String, SystemTime> =
        sent.iter().map(|s| (s.event_id.clone(), s.at)).collect();
    let latencies = sorted(mix::qualified_latencies(&routed, &sent_at, MQL_THRESHOLD));
    assert_eq!(
        latencies.len(),
        routed.len(),
        "every routed lead's qualifying event was found in its history"
    );
    println!(
        "{blank:>14}{leads} leads ({per:.1} events each), {q} qualified and routed ({share:.1}%); \
         leads by status {by_status:?};\n{blank:>14}send of the qualifying event → \
         owner.assigned_at: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms",
        blank = "",
        per = sent.len() as f64 / leads.max(1) as f64,
        q = routed.len(),
        share = 100.0 * routed.len() as f64 / leads.max(1) as f64,
        p50 = percentile(&latencies, 0.50),
        p99 = percentile(&latencies, 0.99),
        max = latencies.last().copied().unwrap_or(f64::NAN),
    );
}

fn bench_config() -> String {
    let edits = [
        (
            r#"api_keys = ["env:LEADFLOW_API_KEY"]"#,
            format!(r#"api_keys = ["{KEY}"]"#),
        ),
        // Every rep takes any number of leads: capacity is not what is measured.
        ("capacity = 25", "capacity = 10000000".to_string()),
        ("capacity = 25", "capacity = 10000000".to_string()),
        ("capacity = 25", "capacity = 10000000".to_string()),
        ("capacity = 10\n", "capacity = 10000000\n".to_string()),
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

/// Run one phase on a fresh server: send, watch the backlog until it empties; what was sent,
/// when the sending began and ended, and the backlog.
async fn phase(
    server: &Server,
    source: &mut dyn Source,
    rate: Option<f64>,
    limits: (u64, usize),
    per_request: usize,
) -> (Vec<Sent>, Instant, Instant, backlog::Backlog) {
    let watch = backlog::Watch::start(&server.data);
    let (sent, started, answered) = load(&server.api(), source, rate, limits, per_request).await;
    let backlog =
        tokio::task::spawn_blocking(move || watch.until_empty(answered, Duration::from_secs(180)))
            .await
            .expect("the backlog watch");
    (sent, started, answered, backlog)
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
    if settings.runs("mix") {
        for m in settings.mix.clone() {
            let wanted = (m.events_per_s * settings.seconds) as usize;
            let events = mix::scenario_events(wanted.min(settings.max_events));
            let (_dir, server) = fresh_server();
            let mut source = Scenario {
                events: events.into_iter(),
            };
            let rate = m.events_per_s as f64 / m.per_request as f64;
            let (sent, started, answered, backlog) = phase(
                &server,
                &mut source,
                Some(rate),
                limits(settings.seconds),
                m.per_request,
            )
            .await;
            println!(
                "mix at {} events/s ({} per request) for {} s:",
                m.events_per_s, m.per_request, settings.seconds
            );
            throughput(sent.len(), started, answered, &backlog);
            report_mix(&server.api(), &sent).await;
        }
    }
    if settings.runs("hot") {
        for rate in settings.rates.iter().copied() {
            let (_dir, server) = fresh_server();
            let name = format!("paced{rate}");
            let mut source = HotLeads {
                phase: name.clone(),
                n: 0,
            };
            let (sent, started, answered, backlog) = phase(
                &server,
                &mut source,
                Some(rate as f64),
                limits(settings.seconds),
                1,
            )
            .await;
            println!(
                "hot leads paced at {rate} requests/s (one event each) for {} s:",
                settings.seconds
            );
            report_hot(&server.api(), &name, &sent, started, &backlog, answered).await;
        }
    }
    if settings.runs("max") || settings.runs("hot") {
        for (name, per_request) in [("max", 1), ("batched", BATCH)] {
            let (_dir, server) = fresh_server();
            let mut source = HotLeads {
                phase: name.to_string(),
                n: 0,
            };
            let (sent, started, answered, backlog) = phase(
                &server,
                &mut source,
                None,
                limits(settings.max_seconds),
                per_request,
            )
            .await;
            println!(
                "hot leads at max rate, {per_request} per request, {CONCURRENCY} connections, {} s:",
                settings.max_seconds
            );
            report_hot(&server.api(), name, &sent, started, &backlog, answered).await;
        }
    }
}
