//! Storage over time: a fixed population of leads receives round after round of events
//! through the store's hot path (intake → score queue → `score_event` in a `work_pass` →
//! outbox relayed), on a virtual clock that advances a simulated day per 1,000 events, with
//! retention (`SqliteStore::prune`) run after each simulated day. After each round it prints
//! the size on disk (database + WAL), bytes per event, and where the bytes are: the history
//! (the audit trail, kept: one `scored` entry with its explanation per event), the dedupe
//! markers (seen and applied event ids, delivered alert keys: kept 30 days), the outbox and
//! queues (relayed and handled rows are removed), the rest (leads, facts, links, indexes),
//! and free pages (reused by later writes).
//!
//! Run: `cargo bench -p leadflow-store-sqlite --bench retention`
//! (`LEADFLOW_BENCH_ROUNDS`, default 10; `LEADFLOW_BENCH_ROUND_EVENTS`, default 10,000;
//! `LEADFLOW_BENCH_LEADS`, default 200). Under `cargo test` (no `--bench` argument) it runs
//! 6 short rounds and checks that the dedupe markers stop growing once the window is passed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::config::Config;
use leadflow::domain::{AttrValue, Attributes};
use leadflow::ports::{DeliveryLog, Intake, ScoreJob};
use leadflow::scoring::Scorer;
use leadflow::usecases::score::score_event;
use leadflow_store_sqlite::{
    Durability, Message, RetryPolicy, SqliteStore, Stage, StoreOptions, TxStore, DB_FILE,
    SCORE_QUEUE,
};
use rusqlite::{Connection, OpenFlags};

const SIGNALS: [&str; 7] = [
    "page_view",
    "email_open",
    "page_view",
    "email_click",
    "content_download",
    "pricing_page_view",
    "webinar_attended",
];

struct Settings {
    rounds: usize,
    per_round: usize,
    leads: usize,
    /// Events per simulated day.
    per_day: usize,
    full: bool,
}

impl Settings {
    fn from_env() -> Settings {
        let full = std::env::args().any(|a| a == "--bench");
        let var = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        if full {
            Settings {
                rounds: var("LEADFLOW_BENCH_ROUNDS", 10),
                per_round: var("LEADFLOW_BENCH_ROUND_EVENTS", 10_000),
                leads: var("LEADFLOW_BENCH_LEADS", 200),
                per_day: 1_000,
                full,
            }
        } else {
            // Rounds of 10 simulated days: the window (30 days) is passed from the 4th.
            Settings {
                rounds: 6,
                per_round: 10 * 60,
                leads: 20,
                per_day: 60,
                full,
            }
        }
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

fn job(n: usize, leads: usize, at: DateTime<Utc>) -> ScoreJob {
    let lead = n % leads;
    let first = n < leads;
    let attributes: Attributes = if first {
        [
            ("title", AttrValue::from("VP Marketing")),
            ("company_size", AttrValue::from(250i64)),
            ("industry", AttrValue::from("software")),
            ("country", AttrValue::from("US")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    } else {
        Attributes::default()
    };
    ScoreJob {
        event_id: format!("evt-{n:09}-{lead:05}"),
        lead_id: format!("ld_{lead:05}"),
        event_type: if first {
            "identify".into()
        } else {
            SIGNALS[(n / leads) % SIGNALS.len()].into()
        },
        occurred_at: at,
        received_at: at,
        email: Some(format!("person{lead}@acme{}.io", lead % 17)),
        external_id: None,
        attributes,
        properties: Default::default(),
    }
}

fn score(store: &TxStore<'_>, message: &Message) -> Result<(), String> {
    let job: ScoreJob = message.decode().map_err(|e| e.to_string())?;
    let config = Config::default();
    let scorer = Scorer {
        version: "bench",
        model: None,
    };
    pollster::block_on(score_event(store, &job, &config, scorer, job.received_at))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Score everything queued at `now`.
async fn drain(store: &SqliteStore, now: DateTime<Utc>) {
    loop {
        let reports = store
            .work_pass(
                vec![Stage {
                    queue: SCORE_QUEUE,
                    max: 250,
                }],
                Duration::from_secs(30),
                now,
                RetryPolicy {
                    base: Duration::from_secs(1),
                    max: Duration::from_secs(60),
                },
                |_| Vec::new(),
                score,
            )
            .await
            .expect("a pass");
        assert!(reports[0].failed.is_empty(), "{:?}", reports[0].failed);
        if reports[0].claimed == 0 {
            return;
        }
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Bytes of pages by group, from SQLite's `dbstat` (each index counted with its table).
fn breakdown(dir: &Path) -> BTreeMap<&'static str, u64> {
    let conn = Connection::open_with_flags(dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("a reader");
    let mut stmt = conn
        .prepare(
            "SELECT coalesce(s.tbl_name, d.name), sum(d.pgsize) FROM dbstat d
             LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY 1",
        )
        .expect("dbstat");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .expect("dbstat rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("dbstat rows");
    let mut groups = BTreeMap::new();
    for (table, bytes) in rows {
        let group = match table.as_str() {
            "history" => "history",
            "seen_events" | "applied_events" | "deliveries" | "retention_marks" => "markers",
            "outbox" | "queue" | "dead_letters" => "outbox+queues",
            _ => "rest",
        };
        *groups.entry(group).or_insert(0) += bytes as u64;
    }
    let free: i64 = conn
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .expect("freelist");
    let page: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .expect("page size");
    // dbstat counts free pages nowhere; the file holds them.
    groups.insert("free", (free * page) as u64);
    groups
}

fn marker_rows(dir: &Path) -> i64 {
    let conn = Connection::open_with_flags(dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("a reader");
    conn.query_row(
        "SELECT (SELECT count(*) FROM seen_events) + (SELECT count(*) FROM applied_events)
              + (SELECT count(*) FROM deliveries)",
        [],
        |r| r.get(0),
    )
    .expect("count")
}

fn mb(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / 1e6)
}

fn main() {
    let settings = Settings::from_env();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let store = SqliteStore::open_with(
        dir.path(),
        StoreOptions {
            durability: Durability::Normal,
            ..Default::default()
        },
    )
    .expect("the store");
    let (db, wal) = (
        dir.path().join(DB_FILE),
        dir.path().join(format!("{DB_FILE}-wal")),
    );
    println!(
        "{} leads, rounds of {} events, {} events per simulated day, retention after each day (window 30 days)",
        settings.leads, settings.per_round, settings.per_day
    );
    println!(
        "{:>5} {:>8} {:>7} {:>8} {:>7} {:>9} {:>12} {:>9} {:>9} {:>9} {:>7} {:>8} {:>8} {:>10}",
        "round",
        "events",
        "day",
        "db MB",
        "WAL MB",
        "total MB",
        "B/event all",
        "round B/ev",
        "hist MB",
        "markers",
        "outbox",
        "rest MB",
        "free MB",
        "prune ms/tx"
    );
    let began = Instant::now();
    let mut n = 0;
    let mut previous_total = 0u64;
    let mut markers_by_round = Vec::new();
    let per_day = settings.per_day.min(settings.per_round);
    for round in 1..=settings.rounds {
        let (mut prune_time, mut prune_tx) = (Duration::ZERO, 0);
        for _ in 0..settings.per_round / per_day {
            let day = (n / per_day) as i64;
            let now = t0() + TimeDelta::days(day);
            let jobs: Vec<ScoreJob> = (n..n + per_day)
                .map(|i| job(i, settings.leads, now + TimeDelta::seconds((i - n) as i64)))
                .collect();
            n += per_day;
            let end = now + TimeDelta::seconds(per_day as i64);
            runtime.block_on(async {
                for chunk in jobs.chunks(100) {
                    store.accept(chunk.to_vec()).await.expect("accept");
                }
                drain(&store, end).await;
                // An alert delivered per 50 events (what the notify stage records).
                for k in 0..per_day / 50 {
                    store
                        .record_delivered(&format!("alert:{day}:{k}"))
                        .await
                        .expect("delivered");
                }
                let started = Instant::now();
                let report = store.prune(end).await.expect("prune");
                prune_time += started.elapsed();
                prune_tx += report.batches;
            });
        }
        // Let the checkpoint thread catch up, as an idle moment would.
        std::thread::sleep(Duration::from_millis(if settings.full {
            1500
        } else {
            300
        }));
        let (db_len, wal_len) = (file_len(&db), file_len(&wal));
        let total = db_len + wal_len;
        let groups = breakdown(dir.path());
        let markers = marker_rows(dir.path());
        markers_by_round.push(markers);
        println!(
            "{round:>5} {n:>8} {:>7} {:>8} {:>7} {:>9} {:>12.0} {:>9.0} {:>9} {:>9} {:>7} {:>8} {:>8} {:>10.2}",
            n / per_day,
            mb(db_len),
            mb(wal_len),
            mb(total),
            total as f64 / n as f64,
            (total as f64 - previous_total as f64) / settings.per_round as f64,
            mb(groups.get("history").copied().unwrap_or(0)),
            markers,
            mb(groups.get("outbox+queues").copied().unwrap_or(0)),
            mb(groups.get("rest").copied().unwrap_or(0)),
            mb(groups.get("free").copied().unwrap_or(0)),
            prune_time.as_secs_f64() * 1e3 / prune_tx.max(1) as f64,
        );
        println!(
            "{:>5} markers {} MB, history {:.0} B/event",
            "",
            mb(groups.get("markers").copied().unwrap_or(0)),
            groups.get("history").copied().unwrap_or(0) as f64 / n as f64
        );
        previous_total = total;
    }
    println!("{n} events in {:.1} s", began.elapsed().as_secs_f64());
    // Markers cover 30 days: once the window is passed they stop growing (each day adds and
    // removes a day's worth). Checked in both modes.
    let days_per_round = settings.per_round / per_day;
    let settled = 30usize.div_ceil(days_per_round) + 1;
    if settings.rounds > settled {
        let (a, b) = (
            markers_by_round[settled - 1],
            *markers_by_round.last().unwrap(),
        );
        assert!(
            b <= a + (a / 10),
            "the dedupe markers kept growing past the window: {a} then {b} rows"
        );
        let most = 3 * 31 * per_day as i64;
        assert!(b <= most, "more markers than 31 days of events: {b}");
    }
}
