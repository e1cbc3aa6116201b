//! The lifecycle simulation in `cargo test`: a number of seeds × a few hundred operations on
//! the memory store and on SQLite, plus every seed that once failed. A failure prints the
//! seed and the operations shrunk to a minimum. `LEADFLOW_SIM_SEED=N` runs one seed only.

use std::time::Duration;

use leadflow_sim::shrink::{report, shrink};
use leadflow_sim::{ops_for, run, Kind};

/// Seeds that failed (found by this harness on the lifecycle defects of issue 12); kept as
/// regression cases, run whatever the seed counts below.
/// - 1: a reassignment due with nobody else eligible closes the clock (defect 1; a later
///   contact is then not recorded as the first response).
/// - 2: the lead goes back to a rep who had it in the same SLA episode (defect 2).
/// - 8: a waiting lead is not routed when a rep of its team becomes eligible (defect 3).
/// - 5: behind defects 1–3, an event stamped before the recycle that lifts a recycled lead
///   over the MQL threshold does not reactivate it (defect 4).
const REGRESSION_SEEDS: &[u64] = &[1, 2, 8, 5];

const MEMORY_SEEDS: u64 = 30;
const MEMORY_STEPS: usize = 400;
const SQLITE_SEEDS: u64 = 10;
const SQLITE_STEPS: usize = 300;

fn seeds(count: u64) -> Vec<u64> {
    if let Some(seed) = std::env::var("LEADFLOW_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![seed];
    }
    let mut seeds: Vec<u64> = (1..=count).collect();
    for seed in REGRESSION_SEEDS {
        if !seeds.contains(seed) {
            seeds.push(*seed);
        }
    }
    seeds
}

fn check(kind: Kind, count: u64, steps: usize) {
    let mut failures = Vec::new();
    for seed in seeds(count) {
        let ops = ops_for(seed, steps);
        if let Err(f) = run(kind, seed, &ops) {
            // Shrink the first failure fully; the others briefly, to keep the test short.
            let budget = if failures.is_empty() { 40 } else { 5 };
            let (small, sf) = shrink(kind, seed, &ops, &f, Duration::from_secs(budget));
            failures.push(report(kind, seed, &f, &small, &sf));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the {kind} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn lifecycle_on_the_memory_store() {
    check(Kind::Memory, MEMORY_SEEDS, MEMORY_STEPS);
}

#[test]
fn lifecycle_on_sqlite_with_restarts() {
    check(Kind::Sqlite, SQLITE_SEEDS, SQLITE_STEPS);
}
