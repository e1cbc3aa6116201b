//! When will a decaying score next cross a threshold? Engagement only decays between events,
//! so the total is non-increasing in time; the first bound below the current total is crossed
//! at a single instant, found here without stepping through time. The decay job indexes
//! leads by this instant and reads only those due.

use chrono::{DateTime, TimeDelta, Utc};

/// One signal's contribution at the reference time, and its cap.
#[derive(Debug, Clone, Copy)]
pub struct DecayingTerm {
    pub value: f64,
    pub cap: Option<f64>,
}

/// The score's parts that matter for its future: constant fit and penalties, and decaying
/// engagement terms (all measured at `at`).
#[derive(Debug, Clone)]
pub struct ScoreShape {
    pub constant: f64,
    pub terms: Vec<DecayingTerm>,
    pub engagement_max: f64,
    pub at: DateTime<Utc>,
    pub half_life: TimeDelta,
}

impl ScoreShape {
    /// Engagement after the terms decayed by factor `u` in (0, 1].
    fn engagement(&self, u: f64) -> f64 {
        self.capped_sum(u).min(self.engagement_max)
    }

    /// The capped sum of the terms (before `engagement_max`) after decay by factor `u`.
    fn capped_sum(&self, u: f64) -> f64 {
        self.terms
            .iter()
            .map(|t| {
                let v = t.value * u;
                t.cap.map_or(v, |c| v.min(c))
            })
            .sum()
    }

    /// The decay factor at which engagement comes down to `need` (0 < need <= engagement now).
    /// min(sum, max) < need holds exactly when sum < need (for need <= max), and the capped
    /// sum is piecewise linear in u with a kink where each term drops below its cap: between
    /// two kinks it is a line, so the crossing is found exactly by interpolation.
    fn decay_to_reach(&self, need: f64) -> f64 {
        if need > self.engagement_max {
            return 1.0;
        }
        let mut points: Vec<f64> = Vec::with_capacity(self.terms.len() + 2);
        points.push(1.0);
        points.extend(self.terms.iter().filter_map(|t| match t.cap {
            Some(cap) if t.value > cap && cap > 0.0 => Some(cap / t.value),
            _ => None,
        }));
        points.push(0.0);
        points.sort_by(|a, b| b.total_cmp(a));
        let mut upper = (1.0, self.capped_sum(1.0));
        for &u in &points[1..] {
            let lower = (u, self.capped_sum(u));
            if lower.1 < need {
                let (hi, lo) = (upper, lower);
                if hi.1 - lo.1 <= 0.0 {
                    return hi.0;
                }
                return lo.0 + (need - lo.1) * (hi.0 - lo.0) / (hi.1 - lo.1);
            }
            upper = lower;
        }
        0.0
    }

    /// The unclamped total after decay by factor `u`.
    pub fn total(&self, u: f64) -> f64 {
        self.constant + self.engagement(u)
    }

    /// The first instant at which the total, shown to two decimals, falls below `bound`;
    /// `None` when it never will (what does not decay already holds it up).
    pub fn time_below(&self, bound: f64) -> Option<DateTime<Utc>> {
        // Shown to two decimals, x < bound exactly when x < bound - 0.005.
        let target = bound - 0.005;
        if target <= 0.0 || self.constant >= target {
            return None;
        }
        if self.total(1.0) < target {
            return Some(self.at);
        }
        let u = self.decay_to_reach(target - self.constant);
        // u = 2^(-elapsed / half_life)  =>  elapsed = -half_life * log2(u).
        // Rounded up to the next millisecond, so the instant is past the crossing.
        let half_life_ms = self.half_life.num_milliseconds() as f64;
        let elapsed_ms = (-half_life_ms * u.log2()).ceil();
        if !elapsed_ms.is_finite() || elapsed_ms > 1e15 {
            return None;
        }
        Some(self.at + TimeDelta::milliseconds(elapsed_ms as i64 + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shape(constant: f64, terms: &[(f64, Option<f64>)], max: f64) -> ScoreShape {
        ScoreShape {
            constant,
            terms: terms
                .iter()
                .map(|&(value, cap)| DecayingTerm { value, cap })
                .collect(),
            engagement_max: max,
            at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            half_life: TimeDelta::days(14),
        }
    }

    #[test]
    fn a_single_term_halves_to_the_bound_in_one_half_life() {
        // 20 fit + 40 engagement = 60; shown below 40 once engagement < 19.995: just after
        // one half-life (14d·log2(40/19.995)).
        let s = shape(20.0, &[(40.0, None)], 60.0);
        let at = s.time_below(40.0).unwrap();
        let elapsed = at - s.at;
        let expected_ms = 14.0 * 86_400_000.0 * (40.0f64 / 19.995).log2();
        assert!(
            (elapsed.num_milliseconds() as f64 - expected_ms).abs() <= 2.0,
            "{elapsed}"
        );
        let u_after = (-(elapsed.num_milliseconds() as f64) / (14.0 * 86_400_000.0)).exp2();
        assert!(s.total(u_after) < 39.995);
    }

    #[test]
    fn caps_delay_the_crossing_until_the_term_drops_below_its_cap() {
        // 100 points capped at 30: stays at 30 until it has decayed by 70%.
        let s = shape(0.0, &[(100.0, Some(30.0))], 60.0);
        let at = s.time_below(15.0).unwrap();
        // 100·u = 15 => u = 0.15 => elapsed = 14d·log2(1/0.15) ≈ 38.3 days.
        let days = (at - s.at).num_seconds() as f64 / 86_400.0;
        assert!(
            (days - 14.0 * (1.0 / 0.15f64).log2()).abs() < 0.01,
            "{days}"
        );
    }

    #[test]
    fn never_when_the_constant_part_holds_it_up() {
        let s = shape(50.0, &[(30.0, None)], 60.0);
        assert_eq!(s.time_below(45.0), None);
        assert_eq!(s.time_below(0.0), None);
    }

    #[test]
    fn already_below_means_now() {
        let s = shape(10.0, &[(5.0, None)], 60.0);
        assert_eq!(s.time_below(40.0), Some(s.at));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_crossing_is_the_first_instant_below_the_bound(
            constant in -20.0f64..60.0,
            terms in prop::collection::vec((0.0f64..120.0, prop::option::of(1.0f64..40.0)), 1..8),
            max in 10.0f64..100.0,
            bound in 1.0f64..100.0,
        ) {
            let shape = ScoreShape {
                constant,
                terms: terms.iter().map(|&(value, cap)| DecayingTerm { value, cap }).collect(),
                engagement_max: max,
                at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                half_life: TimeDelta::days(14),
            };
            let u_at = |t: DateTime<Utc>| {
                let ms = (t - shape.at).num_milliseconds() as f64;
                (-ms / shape.half_life.num_milliseconds() as f64).exp2()
            };
            match shape.time_below(bound) {
                None => prop_assert!(shape.constant >= bound - 0.005 || bound - 0.005 <= 0.0),
                Some(at) if at == shape.at => prop_assert!(shape.total(1.0) < bound - 0.005),
                Some(at) => {
                    prop_assert!(shape.total(u_at(at)) < bound - 0.005);
                    let before = at - TimeDelta::milliseconds(3);
                    prop_assert!(shape.total(u_at(before)) >= bound - 0.005 - 1e-9);
                }
            }
        }
    }
}
