//! The configuration contract (`spec/leadflow.example.toml`): types, loading and validation.
//!
//! Loading is pure: the text and an environment lookup come in, a `Config` or every problem
//! (key path, line, message) comes out. Reading the file is the caller's job.

pub mod duration;
mod env;
mod error;
mod load;
mod locate;
pub mod model;
mod path;
mod summary;
mod validate;

pub use duration::ConfigDuration;
pub use env::{no_env, EnvLookup};
pub use error::{ConfigError, ConfigErrors};
pub use load::{line_of_key, load_for_serving, load_str, validate, validate_rep, EXAMPLE_SOURCE};
pub use model::*;
pub use summary::{describe_conditions, mask_secret, mask_url, summary};

/// The contract's example, the built-in default configuration.
pub const EXAMPLE_TOML: &str = include_str!("example.toml");

#[cfg(test)]
pub mod tests_support;
