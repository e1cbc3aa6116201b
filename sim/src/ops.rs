//! The operations a run is made of: a plain enum, generated from a seeded ChaCha RNG, printed
//! one per line when a failure is reported.

use std::fmt;

use leadflow::lifecycle::disposition::Outcome;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::setup::{LEADS, SIGNALS};

/// What a disposition's `reason` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// One of the config's codes for the outcome (none for outcomes that take none).
    Valid,
    /// Left out where the outcome needs one.
    Missing,
    /// A code the config does not know.
    Bogus,
}

/// A roster change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepChange {
    Capacity(u32),
    Active(bool),
    /// Out of office for this many seconds from now; `None` clears it.
    OutOfOffice(Option<u32>),
    /// Working hours on (09:00–17:00 UTC weekdays) or off.
    Hours(bool),
}

/// Where a crash stops the pipeline before the store is dropped and reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// After the events were scored (lead written, outbox filled), before the score queue was
    /// acknowledged and the outbox relayed.
    BeforeRelay,
    /// After the relayed events were handled (routed, alerted), before they were marked
    /// published: they are relayed again.
    BeforeMarkPublished,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A new inbound event for lead `lead`, of `SIGNALS[signal]`, stamped `age_s` seconds
    /// before now (so possibly before earlier operations). `student` gives it a disqualifying
    /// title.
    Event {
        lead: usize,
        signal: usize,
        age_s: u32,
        student: bool,
    },
    /// An event sent before, sent again unchanged (the `nth` sent so far, modulo).
    Duplicate {
        nth: usize,
    },
    /// A disposition on lead `lead`; by its owner when `rep` is `None`, else by roster rep
    /// `rep`; stamped `back_s` before now, or with no `occurred_at`.
    Dispose {
        lead: usize,
        outcome: Outcome,
        rep: Option<usize>,
        reason: Reason,
        back_s: Option<u32>,
    },
    Rep {
        rep: usize,
        change: RepChange,
    },
    /// Let simulated time pass, running every schedule at each instant something is due.
    Advance {
        secs: u32,
    },
    /// Drop the store and open it again from the same directory (SQLite; the memory store
    /// keeps its state).
    Restart,
    /// An event for `lead` whose processing stops at `point`, then a restart.
    Crash {
        lead: usize,
        signal: usize,
        point: CrashPoint,
    },
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Event {
                lead,
                signal,
                age_s,
                student,
            } => write!(
                f,
                "event lead{lead} {}{} stamped {age_s}s ago",
                SIGNALS[*signal],
                if *student { " (title: student)" } else { "" }
            ),
            Op::Duplicate { nth } => write!(f, "resend the sent event #{nth} (mod count)"),
            Op::Dispose {
                lead,
                outcome,
                rep,
                reason,
                back_s,
            } => write!(
                f,
                "disposition lead{lead} {outcome} by {} reason {reason:?} at {}",
                rep.map_or("the owner".to_string(), |r| format!("rep #{r}")),
                back_s.map_or("(none)".to_string(), |b| format!("now-{b}s"))
            ),
            Op::Rep { rep, change } => write!(f, "rep #{rep}: {change:?}"),
            Op::Advance { secs } => write!(f, "advance {secs}s"),
            Op::Restart => write!(f, "restart"),
            Op::Crash {
                lead,
                signal,
                point,
            } => write!(
                f,
                "event lead{lead} {} then crash {point:?}",
                SIGNALS[*signal]
            ),
        }
    }
}

/// `steps` operations from `seed`, for a roster of `reps` reps.
pub fn generate(seed: u64, steps: usize, reps: usize) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..steps).map(|_| one(&mut rng, reps)).collect()
}

fn one(rng: &mut ChaCha8Rng, reps: usize) -> Op {
    let lead = rng.random_range(0..LEADS);
    match rng.random_range(0..100) {
        0..=33 => Op::Event {
            lead,
            signal: rng.random_range(0..SIGNALS.len()),
            age_s: match rng.random_range(0..10) {
                0..=4 => rng.random_range(0..60),
                5..=6 => rng.random_range(60..6 * 3600),
                _ => rng.random_range(6 * 3600..4 * 86_400),
            },
            student: rng.random_range(0..60) == 0,
        },
        34..=37 => Op::Duplicate {
            nth: rng.random_range(0..10_000),
        },
        38..=57 => Op::Dispose {
            lead,
            outcome: match rng.random_range(0..20) {
                0..=7 => Outcome::Contacted,
                8..=9 => Outcome::MeetingBooked,
                10..=11 => Outcome::Qualified,
                12..=14 => Outcome::Recycled,
                15 => Outcome::Disqualified,
                16..=17 => Outcome::Won,
                _ => Outcome::Lost,
            },
            rep: (rng.random_range(0..6) == 0).then(|| rng.random_range(0..reps)),
            reason: match rng.random_range(0..12) {
                0 => Reason::Missing,
                1 => Reason::Bogus,
                _ => Reason::Valid,
            },
            back_s: match rng.random_range(0..4) {
                0 => None,
                1 => Some(rng.random_range(0..600)),
                _ => Some(0),
            },
        },
        58..=69 => Op::Rep {
            rep: rng.random_range(0..reps),
            change: match rng.random_range(0..8) {
                0..=2 => RepChange::Capacity(rng.random_range(0..=3)),
                3..=4 => RepChange::Active(rng.random_bool(0.6)),
                5..=6 => RepChange::OutOfOffice(
                    rng.random_bool(0.6).then(|| rng.random_range(30..4 * 3600)),
                ),
                _ => RepChange::Hours(rng.random_bool(0.5)),
            },
        },
        70..=94 => Op::Advance {
            secs: match rng.random_range(0..20) {
                0..=7 => rng.random_range(1..60),
                8..=12 => rng.random_range(60..600),
                13..=15 => rng.random_range(600..4 * 3600),
                16..=18 => rng.random_range(4 * 3600..86_400),
                _ => rng.random_range(86_400..4 * 86_400),
            },
        },
        95..=97 => Op::Restart,
        _ => Op::Crash {
            lead,
            signal: rng.random_range(0..SIGNALS.len()),
            point: if rng.random_bool(0.5) {
                CrashPoint::BeforeRelay
            } else {
                CrashPoint::BeforeMarkPublished
            },
        },
    }
}
