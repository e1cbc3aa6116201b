//! leadflow's domain: configuration, scoring, routing, SLAs and the lead lifecycle.
//!
//! Every decision here is a pure function of (state, input, now): no I/O, no clock reads.
//! The use cases, adapters and binaries build on these functions.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod lifecycle;
pub mod metrics;
pub mod ports;
pub mod routing;
pub mod scoring;
pub mod sla;
pub mod usecases;

pub use chrono::{DateTime, Utc};
