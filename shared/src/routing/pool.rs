//! A team's rotation state: stride scheduling with a virtual clock.
//!
//! Each rep holds a *pass*; the rep with the smallest pass gets the next lead and its pass
//! grows by its *stride* (`STRIDE_UNIT / weight`), so over time each rep's share follows its
//! weight. The pool's `virtual_time` is where the rotation stands. A rep who is new, or who
//! comes back after being unavailable with a pass behind `virtual_time`, is placed at
//! `virtual_time`: it takes its turn in the current round and no catch-up burst follows.
//!
//! Ties on the pass go first-come first-served (`queued_at`, the pick at which the rep took
//! that pass), then by rep id. First-come first-served keeps the order of the rotation when
//! reps come and go, so that between two leads of a rep who stays eligible nobody gets two.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::RepId;

/// The stride of weight 1. It is lcm(1..=24), so strides of weights up to 24 are exact and
/// shares follow the weights without rounding error; a u64 pass lasts for ~3.4 billion leads.
pub const STRIDE_UNIT: u64 = 5_354_228_880;

/// How far a rep's pass moves when it gets a lead. Weight 0 counts as 1 here; the weighted
/// strategy never lets a rep of weight 0 into the rotation.
pub fn stride(weight: u32) -> u64 {
    (STRIDE_UNIT / u64::from(weight.max(1))).max(1)
}

/// One rep's place in the rotation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub pass: u64,
    /// The pool's pick counter when the rep took this pass: earlier comes first on a tie.
    pub queued_at: u64,
}

/// The rotation state of one team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    /// Where the rotation stands; never decreases.
    pub virtual_time: u64,
    /// Rotation picks made so far (account-matched leads are not picks).
    pub picks: u64,
    #[serde(default)]
    pub slots: BTreeMap<RepId, Slot>,
}

/// Where a rep stands for the next pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub slot: Slot,
    /// The rep was new or behind and is placed at the pool's current position.
    pub rejoins: bool,
}

static EMPTY_POOL: Pool = Pool {
    virtual_time: 0,
    picks: 0,
    slots: BTreeMap::new(),
};

impl Pool {
    /// A rep's effective place: its own slot, or the pool's current position when it has no
    /// slot or its pass fell behind while it was unavailable.
    pub fn position(&self, rep_id: &str) -> Position {
        match self.slots.get(rep_id) {
            Some(slot) if slot.pass >= self.virtual_time => Position {
                slot: *slot,
                rejoins: false,
            },
            _ => Position {
                slot: Slot {
                    pass: self.virtual_time,
                    queued_at: self.picks,
                },
                rejoins: true,
            },
        }
    }
}

/// The rotation state of every team, by team name. A team never routed to has an empty pool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PoolStates {
    pub teams: BTreeMap<String, Pool>,
}

impl PoolStates {
    pub fn team(&self, team: &str) -> &Pool {
        self.teams.get(team).unwrap_or(&EMPTY_POOL)
    }

    /// Apply a routing decision's pool change to the team's pool; nothing changes when the
    /// pool moved since the decision was made.
    pub fn apply(&mut self, update: &PoolUpdate) -> Result<(), StalePool> {
        update.check(self.team(&update.team))?;
        update.apply_to(self.teams.entry(update.team.clone()).or_default())
    }
}

/// A value before and after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub from: u64,
    pub to: u64,
}

/// How one rotation pick moves a team's pool: small enough to keep in the lead's history,
/// complete enough to bring the pool it was computed from to its new state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolUpdate {
    pub team: String,
    /// The pool's pick counter this decision was made at.
    pub pick: u64,
    pub virtual_time: Change,
    /// The chosen rep.
    pub rep_id: RepId,
    /// The chosen rep's effective pass and its pass after this lead.
    pub pass: Change,
    /// Eligible reps who were new or behind and now hold the pool's current position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejoined: Vec<RepId>,
}

/// The pool moved since the decision was computed: route again with the fresh pool.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "pool of team {team:?} is at pick {found_pick} (virtual_time {found_virtual_time}); \
     the routing decision was made at pick {expected_pick} (virtual_time {expected_virtual_time})"
)]
pub struct StalePool {
    pub team: String,
    pub expected_pick: u64,
    pub found_pick: u64,
    pub expected_virtual_time: u64,
    pub found_virtual_time: u64,
}

impl PoolUpdate {
    /// Whether `pool` is still the state this update was computed from.
    pub fn check(&self, pool: &Pool) -> Result<(), StalePool> {
        if pool.picks != self.pick || pool.virtual_time != self.virtual_time.from {
            return Err(StalePool {
                team: self.team.clone(),
                expected_pick: self.pick,
                found_pick: pool.picks,
                expected_virtual_time: self.virtual_time.from,
                found_virtual_time: pool.virtual_time,
            });
        }
        Ok(())
    }

    /// Bring `pool` (the state the decision was computed from) to its new state.
    pub fn apply_to(&self, pool: &mut Pool) -> Result<(), StalePool> {
        self.check(pool)?;
        let rejoined_at = Slot {
            pass: self.virtual_time.from,
            queued_at: self.pick,
        };
        for rep in &self.rejoined {
            pool.slots.insert(rep.clone(), rejoined_at);
        }
        pool.slots.insert(
            self.rep_id.clone(),
            Slot {
                pass: self.pass.to,
                queued_at: self.pick,
            },
        );
        pool.virtual_time = self.virtual_time.to;
        pool.picks = self.pick + 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_exact_for_weights_up_to_24() {
        for w in 1..=24u32 {
            assert_eq!(stride(w) * u64::from(w), STRIDE_UNIT, "weight {w}");
        }
        assert_eq!(stride(0), STRIDE_UNIT);
        assert_eq!(stride(u32::MAX), 1);
    }

    #[test]
    fn new_and_lagging_reps_take_the_current_position() {
        let mut pool = Pool {
            virtual_time: 50,
            picks: 7,
            ..Pool::default()
        };
        pool.slots.insert(
            "behind".into(),
            Slot {
                pass: 10,
                queued_at: 1,
            },
        );
        pool.slots.insert(
            "ahead".into(),
            Slot {
                pass: 60,
                queued_at: 6,
            },
        );
        let current = Slot {
            pass: 50,
            queued_at: 7,
        };
        assert_eq!(
            pool.position("new"),
            Position {
                slot: current,
                rejoins: true
            }
        );
        assert_eq!(
            pool.position("behind"),
            Position {
                slot: current,
                rejoins: true
            }
        );
        assert_eq!(
            pool.position("ahead"),
            Position {
                slot: Slot {
                    pass: 60,
                    queued_at: 6
                },
                rejoins: false
            }
        );
    }

    fn update(pick: u64, vt_from: u64) -> PoolUpdate {
        PoolUpdate {
            team: "inbound".into(),
            pick,
            virtual_time: Change {
                from: vt_from,
                to: 20,
            },
            rep_id: "ana".into(),
            pass: Change { from: 20, to: 30 },
            rejoined: vec!["ben".into()],
        }
    }

    #[test]
    fn applying_an_update_moves_the_pool() {
        let mut pools = PoolStates::default();
        pools.apply(&update(0, 0)).unwrap();
        let pool = pools.team("inbound");
        assert_eq!(pool.virtual_time, 20);
        assert_eq!(pool.picks, 1);
        assert_eq!(
            pool.slots["ana"],
            Slot {
                pass: 30,
                queued_at: 0
            }
        );
        assert_eq!(
            pool.slots["ben"],
            Slot {
                pass: 0,
                queued_at: 0
            }
        );
    }

    #[test]
    fn a_stale_update_is_refused_and_changes_nothing() {
        let mut pools = PoolStates::default();
        pools.apply(&update(0, 0)).unwrap();
        let before = pools.clone();
        let err = pools.apply(&update(0, 0)).unwrap_err();
        assert_eq!(err.found_pick, 1);
        assert!(err.to_string().contains("\"inbound\""));
        assert_eq!(pools, before);
        // A team with no pool yet is not created by a refused update.
        let mut empty = PoolStates::default();
        assert!(empty.apply(&update(3, 0)).is_err());
        assert_eq!(empty, PoolStates::default());
    }
}
