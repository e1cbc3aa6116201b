//! A lead's history: what happened to it, when, and the detail a person needs to trust it
//! (the explanation of each score, the routing decision, the disposition). Entries are
//! produced by the lifecycle functions and stored beside the lead, never recomputed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Event,
    Scored,
    TierChanged,
    Assigned,
    Reassigned,
    SlaBreached,
    Disposition,
    Recycled,
    Reactivated,
    Disqualified,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub kind: HistoryKind,
    pub detail: serde_json::Value,
}

impl HistoryEntry {
    pub fn new(at: DateTime<Utc>, kind: HistoryKind, detail: serde_json::Value) -> Self {
        HistoryEntry { at, kind, detail }
    }
}
