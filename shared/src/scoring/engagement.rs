//! Engagement: exponentially decaying points per signal type, stored as (value, as-of time)
//! and brought forward on read, so that no job ever replays a lead's events.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::lead::{EngagementState, SignalState};

/// 2^(-elapsed / half_life); elapsed at or below zero gives 1 (an event slightly in the
/// future counts its full points, never more).
pub fn decay_factor(elapsed: TimeDelta, half_life: TimeDelta) -> f64 {
    let elapsed_ms = elapsed.num_milliseconds();
    if elapsed_ms <= 0 {
        return 1.0;
    }
    (-(elapsed_ms as f64) / half_life.num_milliseconds() as f64).exp2()
}

/// A signal's decayed sum as of `at` (at or after its as-of time).
pub fn value_at(state: &SignalState, at: DateTime<Utc>, half_life: TimeDelta) -> f64 {
    state.value * decay_factor(at - state.as_of, half_life)
}

/// Add one event of `signal` worth `points`, in any arrival order: a later event brings the
/// accumulator forward first; an earlier one is added already decayed to the as-of time.
/// Either way the stored value is exactly Σ points·2^(-(as_of - occurred)/half_life).
pub fn add_event(
    engagement: &mut EngagementState,
    signal: &str,
    points: f64,
    occurred_at: DateTime<Utc>,
    half_life: TimeDelta,
) {
    match engagement.signals.get_mut(signal) {
        None => {
            engagement.signals.insert(
                signal.to_string(),
                SignalState {
                    value: points,
                    as_of: occurred_at,
                    count: 1,
                    last_at: occurred_at,
                },
            );
        }
        Some(state) => {
            if occurred_at >= state.as_of {
                state.value = value_at(state, occurred_at, half_life) + points;
                state.as_of = occurred_at;
            } else {
                state.value += points * decay_factor(state.as_of - occurred_at, half_life);
            }
            state.count = state.count.saturating_add(1);
            state.last_at = state.last_at.max(occurred_at);
        }
    }
}

/// Bring every accumulator forward to `to` (never backwards). Reading with `value_at` gives
/// the same figures; this only keeps stored numbers small and as-of times recent.
pub fn bring_forward(engagement: &mut EngagementState, to: DateTime<Utc>, half_life: TimeDelta) {
    for state in engagement.signals.values_mut() {
        if to > state.as_of {
            state.value = value_at(state, to, half_life);
            state.as_of = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    const DAY: TimeDelta = TimeDelta::days(1);

    #[test]
    fn points_halve_every_half_life() {
        let mut e = EngagementState::default();
        add_event(&mut e, "demo_request", 40.0, t(1, 0), DAY * 14);
        let s = &e.signals["demo_request"];
        assert!((value_at(s, t(15, 0), DAY * 14) - 20.0).abs() < 1e-9);
        assert!((value_at(s, t(29, 0), DAY * 14) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_future_event_counts_its_points_and_no_more() {
        let mut e = EngagementState::default();
        add_event(&mut e, "page_view", 1.0, t(2, 0), DAY);
        assert_eq!(value_at(&e.signals["page_view"], t(1, 0), DAY), 1.0);
    }

    #[test]
    fn late_arrivals_are_decayed_to_the_as_of_time() {
        let mut in_order = EngagementState::default();
        add_event(&mut in_order, "x", 10.0, t(1, 0), DAY);
        add_event(&mut in_order, "x", 10.0, t(3, 0), DAY);
        let mut reversed = EngagementState::default();
        add_event(&mut reversed, "x", 10.0, t(3, 0), DAY);
        add_event(&mut reversed, "x", 10.0, t(1, 0), DAY);
        let a = value_at(&in_order.signals["x"], t(4, 0), DAY);
        let b = value_at(&reversed.signals["x"], t(4, 0), DAY);
        assert!((a - b).abs() < 1e-9);
        assert!((a - (5.0 + 1.25)).abs() < 1e-9);
        assert_eq!(reversed.signals["x"].count, 2);
        assert_eq!(reversed.signals["x"].last_at, t(3, 0));
    }

    #[test]
    fn bringing_forward_never_goes_back() {
        let mut e = EngagementState::default();
        add_event(&mut e, "x", 8.0, t(5, 0), DAY);
        bring_forward(&mut e, t(4, 0), DAY);
        assert_eq!(e.signals["x"].value, 8.0);
        bring_forward(&mut e, t(6, 0), DAY);
        assert!((e.signals["x"].value - 4.0).abs() < 1e-9);
        assert_eq!(e.signals["x"].as_of, t(6, 0));
    }
}
