//! The lifecycle simulation in `cargo test`: a number of seeds × a few hundred operations on
//! the memory store and on SQLite, plus every seed that once failed. A failure prints the
//! seed and the operations shrunk to a minimum. `LEADFLOW_SIM_SEED=N` runs one seed only.

use std::time::Duration;

use leadflow_sim::shrink::{report, shrink};
use leadflow_sim::{ops_for, run, Kind};

/// Seeds that failed once (found by this harness); kept as regression cases.
const REGRESSION_SEEDS: &[u64] = &[];

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
    seeds.extend(REGRESSION_SEEDS.iter().filter(|s| **s > count));
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
