//! The example config parsed as-is (`env:` strings left literal), for unit tests.

use super::{Config, ScoringConfig, EXAMPLE_TOML};

pub fn example() -> Config {
    toml::from_str(EXAMPLE_TOML).expect("the example config parses")
}

pub fn example_scoring() -> ScoringConfig {
    example().scoring
}
