//! First-response SLAs by tier: deadlines at assignment, breach detection, reassignment after
//! a grace period, and the follow-up cadence after first contact.

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
}
