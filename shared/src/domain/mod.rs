//! Plain data of the domain and the small pure functions that belong to it.

pub mod attributes;
pub mod condition;
pub mod events;
pub mod hex;
pub mod history;
pub mod identity;
pub mod lead;
pub mod limits;
pub mod rep;
pub mod status;
pub mod tier;

pub use attributes::{AttrValue, Attributes, FieldValue};
pub use events::{DomainEvent, DomainEventKind};
pub use history::{HistoryEntry, HistoryKind};
pub use lead::{Contribution, Lead, LeadId, Owner, Score, Source};
pub use rep::{Rep, RepId};
pub use status::Status;
pub use tier::Tier;
