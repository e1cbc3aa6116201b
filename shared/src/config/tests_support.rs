//! The built-in example config (`env:` values unset), for unit tests.

use super::{Config, ScoringConfig};

pub fn example() -> Config {
    Config::default()
}

pub fn example_scoring() -> ScoringConfig {
    example().scoring
}
