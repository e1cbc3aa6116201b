//! A lead's history: what happened to it, when, with the details the API shows. Entries are
//! outputs of the domain functions; the store appends them next to the lead.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::lead::Score;

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
    /// Added: a reassignment fell due but nobody new could take the lead; the owner keeps
    /// it and the manager is alerted (with the routing decision that said so).
    Escalated,
}

impl HistoryKind {
    pub const ALL: [HistoryKind; 13] = [
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
        HistoryKind::Escalated,
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
            HistoryKind::Escalated => "escalated",
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
    pub detail: Detail,
}

/// A history entry's detail. Entries are written far more often than read (every score
/// records its explanation), so a score is kept as it is and turned into JSON only when the
/// entry itself is serialised, by the store or the API; everything else is JSON text.
#[derive(Debug, Clone)]
pub enum Detail {
    Json(Box<RawValue>),
    Score(Box<Score>),
}

impl Detail {
    /// The detail as a JSON value, for reading fields.
    pub fn value(&self) -> serde_json::Value {
        match self {
            Detail::Json(raw) => serde_json::from_str(raw.get()).expect("history details are JSON"),
            Detail::Score(score) => serde_json::to_value(score).expect("a score serialises"),
        }
    }
}

impl PartialEq for Detail {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Detail::Json(a), Detail::Json(b)) => a.get() == b.get(),
            (Detail::Score(a), Detail::Score(b)) => a == b,
            _ => self.value() == other.value(),
        }
    }
}

impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Detail::Json(raw) => raw.serialize(s),
            Detail::Score(score) => score.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(Detail::Json)
    }
}

impl HistoryEntry {
    pub fn new(at: DateTime<Utc>, kind: HistoryKind, detail: serde_json::Value) -> Self {
        let raw = serde_json::value::to_raw_value(&detail).expect("a JSON value serialises");
        HistoryEntry {
            at,
            kind,
            detail: Detail::Json(raw),
        }
    }

    /// A `scored` entry: the whole score, explanation included, as it was computed.
    pub fn scored(at: DateTime<Utc>, score: Score) -> Self {
        HistoryEntry {
            at,
            kind: HistoryKind::Scored,
            detail: Detail::Score(Box::new(score)),
        }
    }

    /// The detail as a JSON value, for reading fields.
    pub fn detail(&self) -> serde_json::Value {
        self.detail.value()
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
