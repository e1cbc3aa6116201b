//! The configuration contract (`spec/leadflow.example.toml`): types, loading and validation.

pub mod duration;
pub mod model;

pub use duration::ConfigDuration;
pub use model::*;

/// The contract's example, the built-in default configuration.
pub const EXAMPLE_TOML: &str = include_str!("example.toml");

#[cfg(test)]
pub mod tests_support;
