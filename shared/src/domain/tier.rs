//! Score tiers: A is the hottest, D is below the lowest threshold (or disqualified).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    A,
    B,
    C,
    D,
}

impl Tier {
    /// From the hottest to the coldest.
    pub const ALL: [Tier; 4] = [Tier::A, Tier::B, Tier::C, Tier::D];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
            Tier::D => "D",
        }
    }

    /// Whether `self` is a hotter tier than `other`.
    pub fn is_above(self, other: Tier) -> bool {
        self < other
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Tier {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(Tier::A),
            "B" => Ok(Tier::B),
            "C" => Ok(Tier::C),
            "D" => Ok(Tier::D),
            _ => Err(format!("{s:?} is not a tier; use A, B, C or D")),
        }
    }
}
