//! Tiers and MQL status from a total, with `demote_margin` hysteresis: a tier or MQL status is
//! earned at its threshold and lost only below (threshold - margin), so a lead hovering at a
//! threshold does not flap.

use crate::config::{ScoringConfig, TierThresholds};
use crate::domain::Tier;

/// The tier a total earns with no history.
pub fn plain_tier(total: f64, thresholds: &TierThresholds) -> Tier {
    Tier::ALL
        .into_iter()
        .find(|t| thresholds.floor(*t).is_some_and(|floor| total >= floor))
        .unwrap_or(Tier::D)
}

/// The tier after a change of total, given the tier the lead had.
pub fn next_tier(total: f64, previous: Tier, thresholds: &TierThresholds, margin: f64) -> Tier {
    let earned = plain_tier(total, thresholds);
    // Tiers between the previous one (inclusive) and the earned one (exclusive) may be kept.
    Tier::ALL
        .into_iter()
        .filter(|t| *t >= previous && t.is_above(earned))
        .find(|t| {
            thresholds
                .floor(*t)
                .is_some_and(|floor| total >= floor - margin)
        })
        .unwrap_or(earned)
}

/// Whether the lead is an MQL after a change of total.
pub fn next_mql(total: f64, was_mql: bool, config: &ScoringConfig) -> bool {
    total >= config.mql_threshold
        || (was_mql && total >= config.mql_threshold - config.demote_margin)
}

/// The totals below which the lead loses something it holds now (its tier, its MQL status),
/// highest first: the decaying score will cross the first of them first.
pub fn demotion_bounds(tier: Tier, mql: bool, config: &ScoringConfig) -> Vec<f64> {
    let mut bounds = Vec::with_capacity(2);
    if let Some(floor) = config.tiers.floor(tier) {
        bounds.push(floor - config.demote_margin);
    }
    if mql {
        bounds.push(config.mql_threshold - config.demote_margin);
    }
    bounds.sort_by(|a, b| b.total_cmp(a));
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> TierThresholds {
        TierThresholds {
            a: 80.0,
            b: 60.0,
            c: 40.0,
        }
    }

    #[test]
    fn plain_tiers_follow_the_floors() {
        let th = thresholds();
        assert_eq!(plain_tier(80.0, &th), Tier::A);
        assert_eq!(plain_tier(79.99, &th), Tier::B);
        assert_eq!(plain_tier(40.0, &th), Tier::C);
        assert_eq!(plain_tier(39.0, &th), Tier::D);
        assert_eq!(plain_tier(0.0, &th), Tier::D);
    }

    #[test]
    fn a_tier_is_kept_within_the_margin_and_lost_below_it() {
        let th = thresholds();
        assert_eq!(next_tier(76.0, Tier::A, &th, 5.0), Tier::A);
        assert_eq!(next_tier(75.0, Tier::A, &th, 5.0), Tier::A);
        assert_eq!(next_tier(74.9, Tier::A, &th, 5.0), Tier::B);
        // A big drop keeps the highest tier still within its margin.
        assert_eq!(next_tier(57.0, Tier::A, &th, 5.0), Tier::B);
        assert_eq!(next_tier(54.0, Tier::A, &th, 5.0), Tier::C);
        assert_eq!(next_tier(10.0, Tier::A, &th, 5.0), Tier::D);
    }

    #[test]
    fn promotion_needs_the_full_threshold() {
        let th = thresholds();
        assert_eq!(next_tier(78.0, Tier::B, &th, 5.0), Tier::B);
        assert_eq!(next_tier(80.0, Tier::B, &th, 5.0), Tier::A);
        assert_eq!(next_tier(59.0, Tier::D, &th, 5.0), Tier::C);
    }

    #[test]
    fn demotion_bounds_are_highest_first() {
        let cfg = crate::config::tests_support::example_scoring();
        assert_eq!(demotion_bounds(Tier::A, true, &cfg), vec![75.0, 55.0]);
        assert_eq!(demotion_bounds(Tier::C, true, &cfg), vec![55.0, 35.0]);
        assert_eq!(demotion_bounds(Tier::D, false, &cfg), Vec::<f64>::new());
    }
}
