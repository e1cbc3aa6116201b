//! Storage stays bounded for a fixed lead population (SQLite, with retention).
//!
//! The simulation runs `SqliteStore::prune` once per simulated hour (`Sim::tick`, as `leadflow
//! serve` does every minute). One run per seed of 2N operations on the same 14 leads, the
//! storage measured after N/2, N, 3N/2 and 2N operations (pages by table with its indexes,
//! from SQLite's `dbstat`). N operations cover well over the 30-day dedupe window (about 1.3
//! simulated hours per operation), 2N over 60 days.
//!
//! - The history is the audit trail, kept on purpose: it grows with every event (reported as
//!   bytes per accepted event). Every other table together (the per-lead metrics facts
//!   included: their rows hardly grow once the leads have been through a few assignments, see
//!   the row bytes printed) must end at most 1.25x its size after N operations.
//! - Whenever more than the window has passed, the rows of the dedupe markers (seen and
//!   applied ids, delivered alert keys) are exactly what retention must keep: at least every
//!   row written within the window, at most those written within the window plus two
//!   retention periods (a marker is deleted by the first run a window after the first mark
//!   taken after it). So they stop growing: they follow the last 30 days' traffic, not the
//!   run's; a ratio of counts would measure the traffic's ups and downs, not the store.
//!
//! `LEADFLOW_SIM_SEED=N` runs one seed; `LEADFLOW_SIM_STORAGE_STEPS` changes N.

use std::collections::BTreeMap;
use std::time::Duration;

use leadflow_sim::shrink::{report, shrink};
use leadflow_sim::sim::dedupe_window;
use leadflow_sim::storage::MARKERS;
use leadflow_sim::{ops_for, Kind, Sim, Storage};

/// About 50 simulated days; 2N about 100 (≈ 15 s a seed in debug).
const STEPS: usize = 900;
const SEEDS: [u64; 3] = [1, 2, 3];
/// Not bounded: the audit trail grows with every event on purpose.
const GROWING: [&str; 1] = ["history"];

fn steps() -> usize {
    std::env::var("LEADFLOW_SIM_STORAGE_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(STEPS)
}

fn seeds() -> Vec<u64> {
    match std::env::var("LEADFLOW_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => SEEDS.to_vec(),
    }
}

fn bounded(s: &Storage) -> u64 {
    s.groups()
        .iter()
        .filter(|(g, _)| !GROWING.contains(g) && **g != "free")
        .map(|(_, b)| b)
        .sum()
}

fn days(s: &Storage) -> f64 {
    s.simulated_seconds as f64 / 86_400.0
}

fn print(seed: u64, s: &Storage) {
    let g = s.groups();
    let per_event =
        |k: &str| g.get(k).copied().unwrap_or(0) as f64 / s.events_accepted.max(1) as f64;
    println!(
        "seed {seed} after {} ops ({:.1} days, {} events): files {} B; bounded {} B; {}; history {:.0} B/event, facts {:.0} B/event; marker rows {:?} (window must keep {:?}, may keep {:?})",
        s.ops,
        days(s),
        s.events_accepted,
        s.file_bytes,
        bounded(s),
        g.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        per_event("history"),
        per_event("facts"),
        s.marker_rows,
        s.must_keep,
        s.may_keep,
    );
    let tables: BTreeMap<&String, &u64> = s.table_bytes.iter().collect();
    println!("  pages by table: {tables:?}");
    let payload = |t: &str| s.payload_bytes.get(t).copied().unwrap_or(0);
    println!(
        "  row bytes: leads {}, lead_facts {}, history {}",
        payload("leads"),
        payload("lead_facts"),
        payload("history")
    );
}

#[test]
fn sqlite_storage_stays_bounded_for_a_fixed_population() {
    let n = steps();
    let quarter = n / 2;
    let mut problems = Vec::new();
    for seed in seeds() {
        let ops = ops_for(seed, 2 * n);
        let mut sim = Sim::new(Kind::Sqlite, seed).expect("the world starts");
        let mut snaps: Vec<Storage> = Vec::new();
        for (k, chunk) in ops.chunks(quarter).enumerate() {
            if let Err(f) = sim.steps(chunk, k * quarter) {
                let upto = &ops[..=f.step];
                let (small, sf) = shrink(Kind::Sqlite, seed, upto, &f, Duration::from_secs(30));
                panic!("{}", report(Kind::Sqlite, seed, &f, &small, &sf));
            }
            let s = sim.storage().expect("the SQLite store's storage");
            print(seed, &s);
            snaps.push(s);
        }
        let (half, full) = (&snaps[1], &snaps[3]);
        let window_days = dedupe_window().num_seconds() as f64 / 86_400.0;
        assert!(
            days(half) > window_days && days(full) > 2.0 * window_days,
            "seed {seed}: the run covers too little simulated time ({:.1} days after {n} ops, {:.1} after {}): raise N",
            days(half),
            days(full),
            2 * n
        );
        // Everything but the history and the facts: bounded.
        let (a, b) = (bounded(half), bounded(full));
        println!(
            "seed {seed}: bounded tables {a} B after {n} ops -> {b} B after {} ops ({:.2}x); history {:.0} B/event",
            2 * n,
            b as f64 / a as f64,
            full.groups().get("history").copied().unwrap_or(0) as f64
                / full.events_accepted.max(1) as f64
        );
        if b > a + a / 4 {
            let (ga, gb) = (half.groups(), full.groups());
            problems.push(format!(
                "seed {seed}: the tables other than the history and the facts grew from {a} B after {n} ops to {b} B after {} (by group: {ga:?} -> {gb:?})",
                2 * n
            ));
        }
        // The dedupe markers: what the window holds, whenever it has passed; not growing.
        for s in snaps.iter().filter(|s| days(s) > window_days + 1.0) {
            for (i, table) in MARKERS.iter().enumerate() {
                let (rows, lo, hi) = (s.marker_rows[i], s.must_keep[i], s.may_keep[i]);
                if rows < lo || rows > hi {
                    problems.push(format!(
                        "seed {seed}: {table} holds {rows} rows after {} ops ({:.1} days): the window needs {lo}, allows {hi}",
                        s.ops,
                        days(s)
                    ));
                }
            }
        }
        for (i, table) in MARKERS.iter().enumerate() {
            let (ra, rb) = (half.marker_rows[i], full.marker_rows[i]);
            println!(
                "seed {seed}: {table} {ra} rows after {n} ops, {rb} after {} (written within the last 30 days then: {}, {})",
                2 * n,
                half.must_keep[i],
                full.must_keep[i]
            );
        }
        let payload = |s: &Storage, t: &str| s.payload_bytes.get(t).copied().unwrap_or(0);
        for t in ["leads", "lead_facts"] {
            println!(
                "seed {seed}: {t} row bytes {} after {n} ops -> {} after {} ({:+.1}%)",
                payload(half, t),
                payload(full, t),
                2 * n,
                (payload(full, t) as f64 / payload(half, t).max(1) as f64 - 1.0) * 100.0
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
