//! What a lead item carries besides its indexed attributes, kept small because every score
//! rewrites it (DynamoDB bills a write per started KB of the item):
//! - `body`: one deflated JSON document (over a preset dictionary, see `deflate`) holding the lead and its history *tail* — the entries
//!   written since the last history item, so that a score appends its entries without a second
//!   item (and without a transaction). The score's explanation appears in the lead and in the
//!   tail's `scored` entries; deflate stores the repeats as back-references;
//! - `applied`: 8-byte digests of the last `APPLIED_KEPT` events applied to the lead, newest
//!   last, checked before a write; the version condition makes the check atomic;
//! - `outbox`: the lead's domain events not yet published (JSON), with `outbox_shard` and
//!   `outbox_sk` (the oldest one's order) while there are any — the sparse `outbox` index —
//!   and `outbox_rev`, which the relay bumps when it removes published events, so that a
//!   writer holding the older list is refused (and reads again) instead of putting them back.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use leadflow::domain::{DomainEvent, HistoryEntry, Lead};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codec::{describe, from_json, get_opt_n, Item};
use super::deflate::{self, deflate};
use super::error::DynamoError;

/// How many applied events a lead item remembers. A redelivery comes back within the score
/// queue's visibility timeout (or an intake retry, seconds later): far fewer events than this
/// reach one lead in between.
pub const APPLIED_KEPT: usize = 32;

pub(crate) const BODY: &str = "body";
pub(crate) const APPLIED: &str = "applied";
pub(crate) const OUTBOX: &str = "outbox";
pub(crate) const OUTBOX_REV: &str = "outbox_rev";

/// A domain event waiting on the lead item to be published, with its place in write order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PendingEvent {
    pub order: String,
    pub event: DomainEvent,
}

/// The lead's state as stored, besides the lead itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Extras {
    /// History entries not yet moved to a history item, oldest first.
    pub tail: Vec<HistoryEntry>,
    /// Digests of the most recently applied events, newest last.
    pub applied: Vec<[u8; 8]>,
    /// Domain events not yet published, in write order.
    pub outbox: Vec<PendingEvent>,
    /// How many times the relay removed published events from this item.
    pub outbox_rev: u64,
}

/// The digest an applied event is remembered by.
pub(crate) fn event_digest(event_id: &str) -> [u8; 8] {
    let hash = Sha256::digest(event_id.as_bytes());
    let mut d = [0u8; 8];
    d.copy_from_slice(&hash[..8]);
    d
}

impl Extras {
    pub(crate) fn has_applied(&self, event_id: &str) -> bool {
        self.applied.contains(&event_digest(event_id))
    }

    /// Remember `event_id` as applied, forgetting the oldest beyond `APPLIED_KEPT`.
    pub(crate) fn remember(&mut self, event_id: &str) {
        self.applied.push(event_digest(event_id));
        let excess = self.applied.len().saturating_sub(APPLIED_KEPT);
        self.applied.drain(..excess);
    }

    pub(crate) fn applied_attribute(&self) -> AttributeValue {
        AttributeValue::B(Blob::new(self.applied.concat()))
    }
}

#[derive(Serialize)]
struct BodyOut<'a> {
    lead: &'a Lead,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tail: &'a [HistoryEntry],
}

#[derive(Deserialize)]
struct BodyIn {
    lead: Lead,
    #[serde(default)]
    tail: Vec<HistoryEntry>,
}

/// The JSON of a binary attribute written by `deflate::deflate`.
pub(crate) fn inflate(item: &Item, attribute: &'static str) -> Result<Vec<u8>, DynamoError> {
    let Some(AttributeValue::B(blob)) = item.get(attribute) else {
        return Err(DynamoError::BadItem {
            key: describe(item),
            attribute,
            problem: "is missing or not binary".into(),
        });
    };
    deflate::inflate(blob.as_ref()).map_err(|e| DynamoError::BadItem {
        key: describe(item),
        attribute,
        problem: format!("does not inflate: {e}"),
    })
}

/// The deflated `body` of a lead with its history tail.
pub(crate) fn encode_body(lead: &Lead, tail: &[HistoryEntry]) -> Result<Vec<u8>, DynamoError> {
    let json =
        serde_json::to_vec(&BodyOut { lead, tail }).map_err(|source| DynamoError::Encode {
            what: "lead",
            source,
        })?;
    Ok(deflate(&json))
}

/// The lead and its extras from a lead item.
pub(crate) fn decode(item: &Item) -> Result<(Lead, Extras), DynamoError> {
    let json = inflate(item, BODY)?;
    let body: BodyIn = serde_json::from_slice(&json).map_err(|source| DynamoError::Decode {
        key: describe(item),
        attribute: BODY,
        source,
    })?;
    let applied = match item.get(APPLIED) {
        Some(AttributeValue::B(b)) => b
            .as_ref()
            .chunks_exact(8)
            .map(|c| c.try_into().expect("chunks of 8"))
            .collect(),
        _ => Vec::new(),
    };
    let outbox = match item.get(OUTBOX) {
        Some(_) => from_json(item, OUTBOX)?,
        None => Vec::new(),
    };
    Ok((
        body.lead,
        Extras {
            tail: body.tail,
            applied,
            outbox,
            outbox_rev: get_opt_n(item, OUTBOX_REV)?.unwrap_or(0),
        },
    ))
}

/// History entries of a history item, deflated JSON.
pub(crate) fn encode_entries(entries: &[HistoryEntry]) -> Result<Vec<u8>, DynamoError> {
    let json = serde_json::to_vec(entries).map_err(|source| DynamoError::Encode {
        what: "history entries",
        source,
    })?;
    Ok(deflate(&json))
}

pub(crate) fn decode_entries(
    item: &Item,
    attribute: &'static str,
) -> Result<Vec<HistoryEntry>, DynamoError> {
    let json = inflate(item, attribute)?;
    serde_json::from_slice(&json).map_err(|source| DynamoError::Decode {
        key: describe(item),
        attribute,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_applied_window_keeps_the_newest_events() {
        let mut extras = Extras::default();
        for i in 0..APPLIED_KEPT + 3 {
            extras.remember(&format!("evt-{i}"));
        }
        assert_eq!(extras.applied.len(), APPLIED_KEPT);
        assert!(!extras.has_applied("evt-2"), "the oldest are forgotten");
        assert!(
            extras.has_applied("evt-3") && extras.has_applied(&format!("evt-{}", APPLIED_KEPT + 2))
        );
        assert!(!extras.has_applied("evt-unknown"));
    }

    #[test]
    fn a_body_attribute_round_trips_and_a_bad_one_names_the_attribute() {
        let text = br#"{"a": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
        let mut item = Item::new();
        item.insert(BODY.into(), AttributeValue::B(Blob::new(deflate(text))));
        assert_eq!(inflate(&item, BODY).unwrap(), text);
        item.insert(BODY.into(), AttributeValue::B(Blob::new(vec![7, 0])));
        let err = inflate(&item, BODY).unwrap_err().to_string();
        assert!(err.contains("body"), "{err}");
    }
}
