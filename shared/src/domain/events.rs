//! Domain events: what the rest of the system (routing, alerts, metrics, the bus) reacts to.
//! Ids are derived from the cause (the inbound event id, the scheduled check, ...) so that a
//! retried handler publishes the same ids and consumers drop the duplicates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::lead::LeadId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DomainEventKind {
    LeadScored,
    LeadQualified,
    LeadAssigned,
    LeadReassigned,
    SlaBreached,
    LeadRecycled,
    LeadReactivated,
    LeadDisqualified,
    DispositionRecorded,
    /// Added to the contract's list: the follow-up cadence after first contact was missed.
    FollowUpMissed,
    /// Added: a reassignment fell due with nobody new eligible; the owner keeps the lead and
    /// their manager is alerted, once per SLA clock.
    SlaEscalated,
}

impl DomainEventKind {
    /// The name on the bus (`detail-type`).
    pub fn name(self) -> &'static str {
        match self {
            DomainEventKind::LeadScored => "LeadScored",
            DomainEventKind::LeadQualified => "LeadQualified",
            DomainEventKind::LeadAssigned => "LeadAssigned",
            DomainEventKind::LeadReassigned => "LeadReassigned",
            DomainEventKind::SlaBreached => "SlaBreached",
            DomainEventKind::LeadRecycled => "LeadRecycled",
            DomainEventKind::LeadReactivated => "LeadReactivated",
            DomainEventKind::LeadDisqualified => "LeadDisqualified",
            DomainEventKind::DispositionRecorded => "DispositionRecorded",
            DomainEventKind::FollowUpMissed => "FollowUpMissed",
            DomainEventKind::SlaEscalated => "SlaEscalated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub event_id: String,
    pub kind: DomainEventKind,
    pub lead_id: LeadId,
    pub occurred_at: DateTime<Utc>,
    pub detail: serde_json::Value,
}

impl DomainEvent {
    /// An event of `kind` caused by `cause` (an id unique to what triggered it).
    pub fn new(
        cause: &str,
        kind: DomainEventKind,
        lead_id: &str,
        occurred_at: DateTime<Utc>,
        detail: serde_json::Value,
    ) -> Self {
        DomainEvent {
            event_id: derived_event_id(cause, kind, lead_id),
            kind,
            lead_id: lead_id.to_string(),
            occurred_at,
            detail,
        }
    }
}

/// `ev_` and 24 hex digits of SHA-256(cause, kind, lead): the same cause gives the same id.
pub fn derived_event_id(cause: &str, kind: DomainEventKind, lead_id: &str) -> String {
    let mut h = Sha256::new();
    for part in [cause, kind.name(), lead_id] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    super::hex::prefixed("ev_", &h.finalize()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_derived_from_the_cause() {
        let a = derived_event_id("evt-1", DomainEventKind::LeadScored, "ld_1");
        assert_eq!(
            a,
            derived_event_id("evt-1", DomainEventKind::LeadScored, "ld_1")
        );
        assert_ne!(
            a,
            derived_event_id("evt-2", DomainEventKind::LeadScored, "ld_1")
        );
        assert_ne!(
            a,
            derived_event_id("evt-1", DomainEventKind::LeadQualified, "ld_1")
        );
        assert_ne!(
            a,
            derived_event_id("evt-1", DomainEventKind::LeadScored, "ld_2")
        );
    }
}
