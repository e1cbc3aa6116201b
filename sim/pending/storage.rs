//! NOT COMPILED YET — move to `sim/tests/storage.rs` once the `storage` branch (retention and
//! pruning in store-sqlite) is merged. On the current store it fails: nothing is ever pruned,
//! so the database grows with every event (≈80 KB per accepted event in the simulation,
//! history lines with whole scores, the outbox and the delivered-alert log included).
//!
//! Storage stays bounded for a fixed lead population: the same seed run for N and for 2N
//! operations (the first N identical, the population the same 14 leads) must end with
//! databases of about the same size once pruning runs. If pruning has to be called (rather
//! than running inside the store), call it from `Sim::tick` where the schedules run.

use leadflow_sim::{ops_for, run, Kind};

const STEPS: usize = 1_500;

#[test]
fn sqlite_storage_stays_bounded_for_a_fixed_population() {
    for seed in [1u64, 2, 3] {
        let ops = ops_for(seed, 2 * STEPS);
        let half = run(Kind::Sqlite, seed, &ops[..STEPS]).unwrap_or_else(|f| panic!("seed {seed}: {f}"));
        let full = run(Kind::Sqlite, seed, &ops).unwrap_or_else(|f| panic!("seed {seed}: {f}"));
        assert!(
            full.db_bytes <= half.db_bytes + half.db_bytes / 4,
            "seed {seed}: the database grew from {} bytes after {STEPS} operations to {} after {} (events {} -> {})",
            half.db_bytes,
            full.db_bytes,
            2 * STEPS,
            half.events_accepted,
            full.events_accepted
        );
    }
}
