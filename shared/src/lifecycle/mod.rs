//! The lead lifecycle: how events, the decay schedule, routing and sales' dispositions move a
//! lead between statuses. Each function takes the lead, its input and `now`, and returns the
//! new lead with the history entries and domain events the change produced.

pub mod activity;
pub mod disposition;

use crate::domain::{DomainEvent, HistoryEntry, Lead};

/// A lead after a change, and what the change produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub lead: Lead,
    pub history: Vec<HistoryEntry>,
    pub events: Vec<DomainEvent>,
}

impl Transition {
    pub fn unchanged(lead: Lead) -> Self {
        Transition {
            lead,
            history: Vec::new(),
            events: Vec::new(),
        }
    }
}
