//! A lead's history: what happened to it, when, with the details the API shows. Entries are
//! outputs of the domain functions; the store appends them next to the lead.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of history entry, named as the API contract names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// Added to the contract's kinds: the follow-up cadence after first contact was missed.
    FollowUpMissed,
    /// Added: a qualified lead nobody could take waits in the fallback queue (with the
    /// routing decision that said so).
    RoutingFallback,
}

impl HistoryKind {
    pub const ALL: [HistoryKind; 12] = [
        HistoryKind::Event,
        HistoryKind::Scored,
        HistoryKind::TierChanged,
        HistoryKind::Assigned,
        HistoryKind::Reassigned,
        HistoryKind::SlaBreached,
        HistoryKind::Disposition,
        HistoryKind::Recycled,
        HistoryKind::Reactivated,
        HistoryKind::Disqualified,
        HistoryKind::FollowUpMissed,
        HistoryKind::RoutingFallback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Event => "event",
            HistoryKind::Scored => "scored",
            HistoryKind::TierChanged => "tier_changed",
            HistoryKind::Assigned => "assigned",
            HistoryKind::Reassigned => "reassigned",
            HistoryKind::SlaBreached => "sla_breached",
            HistoryKind::Disposition => "disposition",
            HistoryKind::Recycled => "recycled",
            HistoryKind::Reactivated => "reactivated",
            HistoryKind::Disqualified => "disqualified",
            HistoryKind::FollowUpMissed => "follow_up_missed",
            HistoryKind::RoutingFallback => "routing_fallback",
        }
    }
}

impl fmt::Display for HistoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a lead's history: `{"at": ..., "kind": "assigned", "detail": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub kind: HistoryKind,
    /// Kind-specific details (an object), shown as they are by the API.
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl HistoryEntry {
    pub fn new(at: DateTime<Utc>, kind: HistoryKind, detail: serde_json::Value) -> Self {
        HistoryEntry { at, kind, detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialize_as_the_contract_names_them() {
        for kind in HistoryKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::Value::String(kind.as_str().to_string()));
            assert_eq!(serde_json::from_value::<HistoryKind>(json).unwrap(), kind);
        }
        assert_eq!(HistoryKind::SlaBreached.to_string(), "sla_breached");
    }

    #[test]
    fn an_entry_has_the_contract_shape() {
        let at = "2026-11-23T10:00:00Z".parse().unwrap();
        let entry = HistoryEntry::new(
            at,
            HistoryKind::Assigned,
            serde_json::json!({"rep_id": "ana"}),
        );
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"at": "2026-11-23T10:00:00Z", "kind": "assigned",
                               "detail": {"rep_id": "ana"}})
        );
    }
}
