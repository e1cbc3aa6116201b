//! Duration strings of the config contract: "3s", "5m", "2h", "14d" (and combinations such as
//! "1h30m"). Parsed with `humantime`, kept as a `chrono::TimeDelta` because every domain
//! computation is on `DateTime<Utc>`.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative span of time written as a duration string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigDuration(TimeDelta);

impl ConfigDuration {
    pub fn from_secs(secs: i64) -> Self {
        Self(TimeDelta::seconds(secs))
    }

    pub fn from_millis(ms: i64) -> Self {
        Self(TimeDelta::milliseconds(ms))
    }

    pub fn delta(self) -> TimeDelta {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0.num_milliseconds() as f64 / 1000.0
    }

    pub fn to_std(self) -> std::time::Duration {
        self.0.to_std().unwrap_or_default()
    }
}

impl std::str::FromStr for ConfigDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(format!(
                "{text:?} is negative; a duration must be zero or more"
            ));
        }
        let std = humantime::parse_duration(trimmed).map_err(|e| {
            format!("{text:?} is not a duration ({e}); write e.g. \"30s\", \"5m\", \"2h\", \"14d\"")
        })?;
        let delta = TimeDelta::from_std(std).map_err(|_| format!("{text:?} is too long"))?;
        Ok(Self(delta))
    }
}

impl fmt::Display for ConfigDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.num_milliseconds();
        const UNITS: [(i64, &str); 5] = [
            (86_400_000, "d"),
            (3_600_000, "h"),
            (60_000, "m"),
            (1_000, "s"),
            (1, "ms"),
        ];
        if ms == 0 {
            return f.write_str("0s");
        }
        let mut rest = ms;
        for (size, unit) in UNITS {
            if rest >= size {
                write!(f, "{}{}", rest / size, unit)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for ConfigDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_units() {
        assert_eq!(
            "3s".parse::<ConfigDuration>().unwrap(),
            ConfigDuration::from_secs(3)
        );
        assert_eq!(
            "5m".parse::<ConfigDuration>().unwrap(),
            ConfigDuration::from_secs(300)
        );
        assert_eq!(
            "2h".parse::<ConfigDuration>().unwrap(),
            ConfigDuration::from_secs(7200)
        );
        assert_eq!(
            "14d".parse::<ConfigDuration>().unwrap(),
            ConfigDuration::from_secs(14 * 86_400)
        );
        assert_eq!(
            "1h30m".parse::<ConfigDuration>().unwrap(),
            ConfigDuration::from_secs(5400)
        );
    }

    #[test]
    fn refuses_negative_and_garbage() {
        assert!("-14d"
            .parse::<ConfigDuration>()
            .unwrap_err()
            .contains("negative"));
        assert!("fortnight".parse::<ConfigDuration>().is_err());
        assert!("14".parse::<ConfigDuration>().is_err());
    }

    #[test]
    fn displays_in_the_units_it_was_written_in() {
        assert_eq!(ConfigDuration::from_secs(14 * 86_400).to_string(), "14d");
        assert_eq!(ConfigDuration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(ConfigDuration::from_millis(1500).to_string(), "1s500ms");
    }
}
