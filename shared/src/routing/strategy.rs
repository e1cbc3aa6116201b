//! The three strategies: which eligible rep of a team gets the lead, and how the pool moves.

use std::cmp::Ordering;

use super::pool::{stride, Change, Pool, PoolUpdate, Position};
use crate::config::Strategy;

/// An eligible rep as the strategies see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contender<'a> {
    pub rep_id: &'a str,
    pub weight: u32,
    pub open_leads: u32,
    pub capacity: u32,
    pub position: Position,
}

impl Contender<'_> {
    /// The stride order: smallest pass, first come on a tie, then rep id.
    fn rotation_cmp(&self, other: &Self) -> Ordering {
        let key = |c: &Self| (c.position.slot.pass, c.position.slot.queued_at);
        key(self)
            .cmp(&key(other))
            .then_with(|| self.rep_id.cmp(other.rep_id))
    }

    /// Lower open/capacity ratio first (compared exactly), then fewer open leads.
    fn load_cmp(&self, other: &Self) -> Ordering {
        let mine = u64::from(self.open_leads) * u64::from(other.capacity);
        let theirs = u64::from(other.open_leads) * u64::from(self.capacity);
        mine.cmp(&theirs)
            .then_with(|| self.open_leads.cmp(&other.open_leads))
    }
}

/// How far a pick moves the chosen rep: weighted uses the rep's weight; round robin and
/// least loaded (where the pass only breaks ties) count every rep as weight 1.
pub fn stride_of(strategy: Strategy, weight: u32) -> u64 {
    match strategy {
        Strategy::Weighted => stride(weight),
        Strategy::RoundRobin | Strategy::LeastLoaded => stride(1),
    }
}

/// The contender who gets the lead, by index; `None` when there is nobody.
pub fn choose(strategy: Strategy, contenders: &[Contender]) -> Option<usize> {
    let order = |a: &Contender, b: &Contender| match strategy {
        Strategy::RoundRobin | Strategy::Weighted => a.rotation_cmp(b),
        Strategy::LeastLoaded => a.load_cmp(b).then_with(|| a.rotation_cmp(b)),
    };
    contenders
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| order(a, b))
        .map(|(i, _)| i)
}

/// The pool change of giving the lead to `chosen`. `present` are all the team's reps able
/// to take a lead now (the contenders and anyone held back for this lead only): the
/// rotation stands at the smallest of their passes, and those who were new or behind take
/// the current position.
pub fn advance(
    team: &str,
    pool: &Pool,
    strategy: Strategy,
    present: &[Contender],
    chosen: &Contender,
) -> PoolUpdate {
    let from = pool.virtual_time;
    let to = present
        .iter()
        .map(|c| c.position.slot.pass)
        .min()
        .unwrap_or(from)
        .max(from);
    let pass_from = chosen.position.slot.pass;
    PoolUpdate {
        team: team.to_string(),
        pick: pool.picks,
        virtual_time: Change { from, to },
        rep_id: chosen.rep_id.to_string(),
        pass: Change {
            from: pass_from,
            to: pass_from.saturating_add(stride_of(strategy, chosen.weight)),
        },
        rejoined: present
            .iter()
            .filter(|c| c.position.rejoins && c.rep_id != chosen.rep_id)
            .map(|c| c.rep_id.to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::pool::{PoolStates, Slot};

    const TEAM: &str = "inbound";

    struct Rep {
        id: &'static str,
        weight: u32,
        open: u32,
        capacity: u32,
    }

    fn rep(id: &'static str, weight: u32) -> Rep {
        Rep {
            id,
            weight,
            open: 0,
            capacity: u32::MAX,
        }
    }

    /// Route `n` leads with everyone always eligible; the ids in order.
    fn run(strategy: Strategy, reps: &mut [Rep], n: usize) -> Vec<&'static str> {
        let mut pools = PoolStates::default();
        let mut got = Vec::new();
        for _ in 0..n {
            let pool = pools.team(TEAM).clone();
            let contenders: Vec<Contender> = reps
                .iter()
                .map(|r| Contender {
                    rep_id: r.id,
                    weight: r.weight,
                    open_leads: r.open,
                    capacity: r.capacity,
                    position: pool.position(r.id),
                })
                .collect();
            let i = choose(strategy, &contenders).unwrap();
            let update = advance(TEAM, &pool, strategy, &contenders, &contenders[i]);
            pools.apply(&update).unwrap();
            reps[i].open += 1;
            got.push(reps[i].id);
        }
        got
    }

    #[test]
    fn round_robin_cycles_in_id_order_and_ignores_weights() {
        let mut reps = [rep("cy", 5), rep("ana", 1), rep("ben", 3)];
        let got = run(Strategy::RoundRobin, &mut reps, 7);
        assert_eq!(got, ["ana", "ben", "cy", "ana", "ben", "cy", "ana"]);
    }

    #[test]
    fn weighted_shares_follow_the_weights() {
        let mut reps = [rep("ana", 3), rep("ben", 1)];
        let got = run(Strategy::Weighted, &mut reps, 8);
        assert_eq!(got.iter().filter(|id| **id == "ana").count(), 6);
        assert_eq!(got.iter().filter(|id| **id == "ben").count(), 2);
        // Interleaved, not in blocks: ben gets one lead in each half.
        assert!(got[..4].contains(&"ben") && got[4..].contains(&"ben"));
    }

    #[test]
    fn least_loaded_takes_the_lowest_ratio_then_the_rotation() {
        let mut reps = [
            Rep {
                id: "ana",
                weight: 1,
                open: 4,
                capacity: 10,
            },
            Rep {
                id: "ben",
                weight: 1,
                open: 3,
                capacity: 4,
            },
            Rep {
                id: "cy",
                weight: 1,
                open: 5,
                capacity: 10,
            },
        ];
        // ana 0.4 < cy 0.5 < ben 0.75. Then ana 5/10 ties cy 5/10 with as many open leads:
        // the rotation decides, and ana just had a turn.
        assert_eq!(run(Strategy::LeastLoaded, &mut reps, 2), ["ana", "cy"]);
    }

    #[test]
    fn least_loaded_ties_rotate() {
        let mut reps = [rep("ana", 1), rep("ben", 1)];
        for r in reps.iter_mut() {
            r.capacity = 100;
        }
        let got = run(Strategy::LeastLoaded, &mut reps, 4);
        assert_eq!(got, ["ana", "ben", "ana", "ben"]);
    }

    #[test]
    fn equal_ratio_prefers_fewer_open() {
        let mut reps = [
            Rep {
                id: "ana",
                weight: 1,
                open: 2,
                capacity: 4,
            },
            Rep {
                id: "ben",
                weight: 1,
                open: 1,
                capacity: 2,
            },
        ];
        assert_eq!(run(Strategy::LeastLoaded, &mut reps, 1), ["ben"]);
    }

    #[test]
    fn pass_ties_go_first_come_first_served() {
        let contender = |id, pass, queued_at| Contender {
            rep_id: id,
            weight: 1,
            open_leads: 0,
            capacity: 10,
            position: Position {
                slot: Slot { pass, queued_at },
                rejoins: false,
            },
        };
        let cs = [
            contender("ana", 7, 5),
            contender("zed", 7, 2),
            contender("bob", 8, 0),
        ];
        assert_eq!(choose(Strategy::RoundRobin, &cs), Some(1));
        assert_eq!(choose(Strategy::RoundRobin, &[]), None);
    }
}
