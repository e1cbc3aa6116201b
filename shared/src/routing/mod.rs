//! Routing: which rep gets a qualified lead.
//!
//! The first matching rule picks a team; the lead's account owner comes first when
//! `account_match` is on; otherwise the team's eligible reps share leads by the configured
//! strategy, through a stride-scheduled [`Pool`] per team. When nobody can take the lead it
//! waits in the fallback queue. Everything here is a pure function of its arguments; the
//! [`RoutingDecision`] records the reasoning for the lead's history.

pub mod decision;
pub mod eligibility;
pub mod engine;
pub mod pool;
pub mod rules;
pub mod strategy;

pub use decision::{ApplyError, Candidate, FallbackReason, Outcome, RoutingDecision, Verdict, Via};
pub use eligibility::{availability, next_available_at, RepLoad, SkipReason};
pub use engine::route;
pub use pool::{stride, Change, Pool, PoolStates, PoolUpdate, Slot, StalePool, STRIDE_UNIT};
pub use rules::{first_match, rule_matches};

#[cfg(test)]
mod tests;
