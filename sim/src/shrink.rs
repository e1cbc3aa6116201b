//! Shrinking a failing run: delete operations while the same invariant still fails (a
//! delta-debugging loop: chunks of halving size, then single operations), within a budget.

use std::time::{Duration, Instant};

use crate::ops::Op;
use crate::sim::Failure;
use crate::{run, Kind};

/// The smallest failing list found, and its failure.
pub fn shrink(
    kind: Kind,
    seed: u64,
    ops: &[Op],
    failure: &Failure,
    budget: Duration,
) -> (Vec<Op>, Failure) {
    let started = Instant::now();
    // Nothing after the failing step matters.
    let mut current: Vec<Op> = ops[..=failure.step.min(ops.len().saturating_sub(1))].to_vec();
    let mut last = failure.clone();
    let same = |f: &Failure| f.invariant == failure.invariant;
    let mut chunk = current.len().div_ceil(2).max(1);
    loop {
        let mut removed_any = false;
        let mut i = 0;
        while i < current.len() {
            if started.elapsed() > budget {
                return (current, last);
            }
            let end = (i + chunk).min(current.len());
            let mut candidate = current[..i].to_vec();
            candidate.extend_from_slice(&current[end..]);
            match run(kind, seed, &candidate) {
                Err(f) if same(&f) => {
                    candidate.truncate(f.step + 1);
                    current = candidate;
                    last = f;
                    removed_any = true;
                }
                _ => i += chunk,
            }
        }
        if chunk == 1 && !removed_any {
            return (current, last);
        }
        chunk = (chunk / 2).max(1);
    }
}

/// A failure as a report: the seed, how to rerun it, the shrunk operations one per line.
pub fn report(
    kind: Kind,
    seed: u64,
    failure: &Failure,
    shrunk: &[Op],
    shrunk_failure: &Failure,
) -> String {
    let mut out = format!(
        "leadflow-sim {kind} seed {seed}: {failure}\n  rerun: LEADFLOW_SIM_SEED={seed} cargo test -p leadflow-sim --test lifecycle\n  shrunk to {} op(s), failing with: {shrunk_failure}\n",
        shrunk.len()
    );
    for (i, op) in shrunk.iter().enumerate() {
        out.push_str(&format!("    {i:>3}. {op}\n"));
    }
    out
}
