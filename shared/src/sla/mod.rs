//! First-response SLAs by tier: deadlines at assignment, breach detection, reassignment after
//! a grace period, and the follow-up cadence after first contact.
//!
//! One [`SlaClock`] per assignment. Its life:
//! - [`start`] at assignment: the deadline is `assigned_at + first_response` of the lead's tier
//!   (no clock when the tier has no target); `reassign_at` is fixed then too.
//! - [`check`] at [`next_due`] (the store's SLA index key) says what is due; [`apply`] records
//!   it on the clock, so that checking again at any later time repeats nothing.
//! - [`record_response`] on each disposition: the first stops the first-response clock and
//!   opens the follow-up window; later ones inside the window count as touches.
//! - The clock closes (`closed_at`) on reassignment, or when the lead leaves the owned statuses
//!   (a disposition closes it directly; otherwise `check` returns [`SlaAction::Close`]).
//!
//! The clock carries everything `check` and `next_due` need, so a config reload never leaves an
//! index key that the checker cannot settle.

mod check;
mod timing;

pub use check::{apply, breach_entry, check, escalate, SlaAction};
pub use timing::{next_due, record_response, start, SlaOutcome};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{RepId, Tier};

/// The SLA clock of one assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaClock {
    pub tier: Tier,
    pub rep_id: RepId,
    pub assigned_at: DateTime<Utc>,
    pub first_response_due_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    /// When an unanswered breached lead is reassigned (`reassign_after` past the deadline).
    pub reassign_at: Option<DateTime<Utc>>,
    /// Touches (dispositions) after the first contact.
    #[serde(default)]
    pub touches: u32,
    /// End of the follow-up window, set at first contact when a cadence is configured.
    #[serde(default)]
    pub follow_up_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub follow_up_missed_at: Option<DateTime<Utc>>,
    /// Touches expected before `follow_up_due_at`, copied from the config at first contact.
    #[serde(default)]
    pub follow_up_touches: u32,
    /// When the clock stopped for good: the lead was reassigned, closed or handed back.
    /// Nothing is due on a closed clock.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Reps who held the lead earlier in this SLA episode (from the routing of an unowned
    /// lead until its first response or until it leaves the owned statuses): a reassignment
    /// never gives it back to one of them, so a lead nobody answers cannot ping-pong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub episode_owners: Vec<RepId>,
    /// When a reassignment fell due with nobody new eligible: the owner keeps the lead, the
    /// manager was alerted once, and nothing more is due on this clock until a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<DateTime<Utc>>,
}

impl SlaClock {
    /// A clock waiting for its first response by `due`, with nothing else set (no
    /// reassignment, no follow-up): what [`timing::start`] makes before the config adds to it.
    pub fn waiting(
        tier: Tier,
        rep_id: &str,
        assigned_at: DateTime<Utc>,
        due: DateTime<Utc>,
    ) -> Self {
        SlaClock {
            tier,
            rep_id: rep_id.to_string(),
            assigned_at,
            first_response_due_at: due,
            responded_at: None,
            breached_at: None,
            reassign_at: None,
            touches: 0,
            follow_up_due_at: None,
            follow_up_missed_at: None,
            follow_up_touches: 0,
            closed_at: None,
            episode_owners: Vec::new(),
            escalated_at: None,
        }
    }
}
