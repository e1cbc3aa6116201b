//! A deterministic simulation of leadflow's lifecycle: seeded random operations (events,
//! dispositions, roster changes, time jumps, restarts) run on a virtual clock through the real
//! use cases over the memory store and the SQLite store, with the lifecycle's invariants
//! checked after every step, and failures shrunk to a short list of operations.

pub mod ops;
pub mod setup;
pub mod shrink;
pub mod sim;
pub mod storage;
pub mod store;
pub mod watch;

pub use ops::{generate, Op};
pub use sim::{Failure, Sim, Stats};
pub use storage::Storage;
pub use store::Kind;

/// Run `ops` on a fresh world; a panic in a use case counts as a failure.
pub fn run(kind: Kind, seed: u64, ops: &[Op]) -> Result<Stats, Failure> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut sim = Sim::new(kind, seed).map_err(|e| Failure {
            step: 0,
            op: "setup".into(),
            invariant: "the world starts",
            detail: e,
        })?;
        sim.tolerate = tolerated_invariants();
        sim.run(ops)
    }));
    match outcome {
        Ok(r) => r,
        Err(panic) => Err(Failure {
            step: 0,
            op: "?".into(),
            invariant: "no panic",
            detail: panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        }),
    }
}

/// `LEADFLOW_SIM_TOLERATE="name,name"`: invariants whose violations a diagnostic run counts
/// and goes past (to see what else fails behind them). The tests never set it.
pub fn tolerated_invariants() -> Vec<String> {
    std::env::var("LEADFLOW_SIM_TOLERATE")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// How many ops a seed runs and on which roster.
pub fn ops_for(seed: u64, steps: usize) -> Vec<Op> {
    generate(seed, steps, setup::roster().len())
}
