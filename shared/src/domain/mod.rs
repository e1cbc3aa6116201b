//! Plain data of the domain and the small pure functions that belong to it.

pub mod attributes;
pub mod condition;
pub mod history;
pub mod identity;
pub mod lead;
pub mod rep;
pub mod status;
pub mod tier;

pub use attributes::{AttrValue, Attributes};
pub use lead::{Contribution, Lead, LeadId, Owner, Score, Source};
pub use rep::{Rep, RepId};
pub use status::Status;
pub use tier::Tier;
