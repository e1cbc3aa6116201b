//! The soak: many seeds, many steps, on the memory store and SQLite.
//!
//! ```sh
//! LEADFLOW_SIM_STEPS=1000000 cargo run --release -p leadflow-sim --bin soak -- --seeds 4 [--from 1] [--store memory|sqlite|both]
//! ```
//! Prints, per store: steps, seeds, invariant checks performed, steps/s, simulated time and,
//! for SQLite, the database's bytes per accepted event, in total and by table group. Exits 1 on the first failure, with
//! the seed and the shrunk operations.

use std::time::{Duration, Instant};

use leadflow_sim::shrink::{report, shrink};
use leadflow_sim::storage::groups;
use leadflow_sim::{ops_for, run, Kind, Stats};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let seeds: u64 = arg("--seeds").and_then(|s| s.parse().ok()).unwrap_or(4);
    let from: u64 = arg("--from").and_then(|s| s.parse().ok()).unwrap_or(1);
    let steps: usize = std::env::var("LEADFLOW_SIM_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let kinds = match arg("--store").as_deref() {
        Some("memory") => vec![Kind::Memory],
        Some("sqlite") => vec![Kind::Sqlite],
        _ => vec![Kind::Memory, Kind::Sqlite],
    };
    let mut failed = false;
    for kind in kinds {
        let mut running = Duration::ZERO;
        let mut total = Stats::default();
        let mut max_bytes = 0;
        for seed in from..from + seeds {
            let ops = ops_for(seed, steps);
            let started = Instant::now();
            let outcome = run(kind, seed, &ops);
            running += started.elapsed();
            match outcome {
                Ok(stats) => {
                    max_bytes = max_bytes.max(stats.db_bytes);
                    total.add(&stats);
                }
                Err(f) => {
                    let (small, sf) = shrink(kind, seed, &ops, &f, Duration::from_secs(120));
                    eprintln!("{}", report(kind, seed, &f, &small, &sf));
                    failed = true;
                }
            }
        }
        let secs = running.as_secs_f64();
        println!(
            "{kind}: {} steps over {seeds} seed(s) x {steps}, {} invariant checks, {} instants, {:.0} steps/s, {:.1} simulated days",
            total.ops,
            total.checks,
            total.instants,
            total.ops as f64 / secs.max(1e-9),
            total.simulated_seconds as f64 / 86_400.0
        );
        println!(
            "  events {} (+{} duplicates), dispositions {} accepted / {} refused, assignments {}, reassignments {}, escalations {}, recycles {}, reactivations {}, alerts {}, restarts {}",
            total.events_accepted,
            total.duplicates,
            total.dispositions_accepted,
            total.dispositions_refused,
            total.assignments,
            total.reassignments,
            total.escalations,
            total.recycles,
            total.reactivations,
            total.alerts,
            total.restarts
        );
        for (invariant, (n, first)) in &total.tolerated {
            println!("  tolerated \"{invariant}\": {n} violation(s), first: {first}");
        }
        if kind == Kind::Sqlite && total.events_accepted > 0 {
            let events = total.events_accepted as f64;
            println!(
                "  SQLite: {:.0} bytes per accepted event (files at the end of each seed summed), largest database {} bytes; retention ran {} times, deleted {} rows",
                total.db_bytes as f64 / events,
                max_bytes,
                total.prunes,
                total.pruned_rows
            );
            println!(
                "  SQLite bytes per accepted event by group (pages with their indexes, dbstat, at the end of each seed): {}",
                groups(&total.table_bytes)
                    .iter()
                    .map(|(g, b)| format!("{g} {:.0}", *b as f64 / events))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if failed {
        std::process::exit(1);
    }
}
