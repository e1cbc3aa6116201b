//! What is due on a clock at a given instant, and recording it so that it is due only once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SlaClock;
use crate::config::model::AlertKind;
use crate::domain::history::{HistoryEntry, HistoryKind};
use crate::domain::Status;

/// Something the SLA checker must act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaAction {
    /// The first-response deadline passed with no response: alert, once per assignment.
    Breach,
    /// `reassign_after` passed since the deadline, still no response: route the lead anew,
    /// leaving out every rep who had it in this episode. The new assignment starts a new
    /// clock; with nobody new eligible the owner keeps it and the manager is alerted
    /// ([`escalate`]).
    Reassign,
    /// The follow-up window ended with fewer touches than the cadence asks, on an open lead.
    FollowUpMissed,
    /// The lead left the owned statuses (closed, recycled or disqualified elsewhere): nothing
    /// will be due on this clock any more.
    Close,
}

impl SlaAction {
    /// The alert this action may raise (subject to `alerts.notify_on`).
    pub fn alert_kind(self) -> Option<AlertKind> {
        match self {
            SlaAction::Breach => Some(AlertKind::SlaBreached),
            SlaAction::Reassign => Some(AlertKind::Reassigned),
            SlaAction::FollowUpMissed => Some(AlertKind::FollowUpMissed),
            SlaAction::Close => None,
        }
    }
}

/// What is due on `clock` at `now`, for a lead in `status`, in the order to apply it.
///
/// Empty once every due action has been [`apply`]-ed, at `now` or any later instant until the
/// next step of the clock falls due. A checker that ran late gets `Breach` and `Reassign`
/// together.
pub fn check(clock: &SlaClock, status: Status, now: DateTime<Utc>) -> Vec<SlaAction> {
    if clock.closed_at.is_some() {
        return Vec::new();
    }
    if !status.is_owned() {
        return vec![SlaAction::Close];
    }
    let mut due = Vec::new();
    if clock.responded_at.is_none() {
        if clock.breached_at.is_none() && now >= clock.first_response_due_at {
            due.push(SlaAction::Breach);
        }
        // reassign_at is never before the deadline, so a breach is recorded first. Once a
        // reassignment found nobody new (escalated), it is not tried again on this clock.
        if clock.escalated_at.is_none() && clock.reassign_at.is_some_and(|at| now >= at) {
            due.push(SlaAction::Reassign);
        }
    } else if follow_up_missed(clock, now) {
        due.push(SlaAction::FollowUpMissed);
    }
    due
}

fn follow_up_missed(clock: &SlaClock, now: DateTime<Utc>) -> bool {
    clock.follow_up_missed_at.is_none()
        && clock.touches < clock.follow_up_touches
        && clock.follow_up_due_at.is_some_and(|end| now >= end)
}

/// Record on the clock that `action` was taken at `now`. Applying an action twice keeps the
/// first instant. After `Reassign` the clock is closed; the caller starts the next one.
/// (A reassignment that found nobody is recorded with [`escalate`] instead.)
pub fn apply(clock: &mut SlaClock, action: SlaAction, now: DateTime<Utc>) {
    let slot = match action {
        SlaAction::Breach => &mut clock.breached_at,
        SlaAction::FollowUpMissed => &mut clock.follow_up_missed_at,
        SlaAction::Reassign | SlaAction::Close => &mut clock.closed_at,
    };
    slot.get_or_insert(now);
}

/// The `sla_breached` history entry of a breach flagged at `now`.
pub fn breach_entry(clock: &SlaClock, now: DateTime<Utc>) -> HistoryEntry {
    HistoryEntry::new(
        now,
        HistoryKind::SlaBreached,
        serde_json::json!({
            "rep_id": clock.rep_id,
            "tier": clock.tier,
            "assigned_at": clock.assigned_at,
            "first_response_due_at": clock.first_response_due_at,
        }),
    )
}

/// Record that a reassignment fell due at `now` with nobody new to take the lead: the clock
/// stays open for the owner's first response, and no reassignment is due on it any more.
/// Returns whether this is the first such record (the escalation alerts once).
pub fn escalate(clock: &mut SlaClock, now: DateTime<Utc>) -> bool {
    let first = clock.escalated_at.is_none();
    clock.escalated_at.get_or_insert(now);
    first
}
