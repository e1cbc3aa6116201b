//! Adapters that need nothing outside this crate: the memory store (tests, simulations), and
//! the contract every store adapter must honour, as a runnable suite.

pub mod contract;
pub mod memory;
