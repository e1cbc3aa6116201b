//! `leadflow demo`'s synthetic world, as pure deterministic code (no I/O, no clock reads):
//!
//! - [`Scenario`]: a seeded roster of reps, companies and people, and the inbound events those
//!   people send over a few simulated weeks, with each person's hidden buying intent.
//! - [`SalesTeam`]: how the simulated reps answer an assignment, as dispositions to submit later.
//! - [`report`]: the text a sales leader reads when the simulation ends.
//!
//! The same seed always gives the same scenario and the same sales plans.

mod behaviour;
mod calendar;
mod catalog;
mod rng;
mod roster;
mod sales;
mod scenario;
mod world;

pub mod report;

pub use report::{render, ReportInput};
pub use sales::SalesTeam;
pub use scenario::{Scenario, ScenarioParams};
pub use world::{Persona, Segment};
