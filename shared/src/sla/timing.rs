//! Starting a clock, recording responses, when a clock is due, and response-time figures.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::SlaClock;
use crate::config::model::{FollowUpConfig, SlaConfig};
use crate::domain::Tier;

/// The clock of an assignment made at `assigned_at`; `None` when the tier has no SLA target.
pub fn start(
    tier: Tier,
    rep_id: &str,
    assigned_at: DateTime<Utc>,
    config: &SlaConfig,
) -> Option<SlaClock> {
    let target = config.tiers.get(&tier)?;
    let due = assigned_at + target.first_response.delta();
    Some(SlaClock {
        reassign_at: target.reassign_after.map(|grace| due + grace.delta()),
        ..SlaClock::waiting(tier, rep_id, assigned_at, due)
    })
}

/// Record a disposition made at `at` by the clock's rep.
///
/// The first one stops the first-response clock and returns the response time (never negative:
/// a disposition cannot precede the assignment). With a cadence configured it also opens the
/// follow-up window. Later ones inside the window are touches. A closed clock records nothing.
pub fn record_response(
    clock: &mut SlaClock,
    at: DateTime<Utc>,
    follow_up: Option<&FollowUpConfig>,
) -> Option<TimeDelta> {
    if clock.closed_at.is_some() {
        return None;
    }
    match clock.responded_at {
        None => {
            clock.responded_at = Some(at);
            if let Some(cadence) = follow_up.filter(|c| c.touches > 0) {
                clock.follow_up_due_at = Some(at + cadence.within.delta());
                clock.follow_up_touches = cadence.touches;
            }
            clock.response_time()
        }
        Some(first) => {
            let in_window = clock
                .follow_up_due_at
                .is_some_and(|end| at >= first && at < end);
            if in_window {
                clock.touches = clock.touches.saturating_add(1);
            }
            None
        }
    }
}

/// The instant the checker must look at this clock next; `None` when nothing more can be due.
pub fn next_due(clock: &SlaClock) -> Option<DateTime<Utc>> {
    if clock.closed_at.is_some() {
        return None;
    }
    if clock.responded_at.is_none() {
        return match clock.breached_at {
            None => Some(clock.first_response_due_at),
            Some(_) => clock.reassign_at.filter(|_| clock.escalated_at.is_none()),
        };
    }
    if clock.follow_up_missed_at.is_none() && clock.touches < clock.follow_up_touches {
        return clock.follow_up_due_at;
    }
    None
}

/// How an assignment fared against its first-response target, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaOutcome {
    /// No response yet, and the deadline is still ahead.
    Pending,
    /// Answered before the deadline.
    Met,
    /// The checker flagged a breach, the answer came at or after the deadline, or the
    /// deadline has passed with no answer.
    Breached,
}

impl SlaClock {
    /// From assignment to the first response; `None` while unanswered.
    pub fn response_time(&self) -> Option<TimeDelta> {
        self.responded_at
            .map(|at| (at - self.assigned_at).max(TimeDelta::zero()))
    }

    /// The response time in whole seconds, as metrics report it.
    pub fn first_response_seconds(&self) -> Option<i64> {
        self.response_time().map(|t| t.num_seconds())
    }

    /// The outcome as of `now`. A breach stands once flagged, even if a back-dated answer
    /// arrives afterwards: the alert went out. An answer at the deadline itself is late, as the
    /// checker breaches at it.
    pub fn outcome(&self, now: DateTime<Utc>) -> SlaOutcome {
        if self.breached_at.is_some() {
            return SlaOutcome::Breached;
        }
        let due = self.first_response_due_at;
        match self.responded_at {
            Some(at) if at < due => SlaOutcome::Met,
            Some(_) => SlaOutcome::Breached,
            None if now < due => SlaOutcome::Pending,
            None => SlaOutcome::Breached,
        }
    }
}
