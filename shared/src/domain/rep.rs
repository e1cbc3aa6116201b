//! Sales reps: who may receive leads, how many at once, and when.

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most open leads a rep holds when no capacity is given (the contract's example value).
pub const DEFAULT_CAPACITY: u32 = 25;

pub type RepId = String;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rep {
    pub id: RepId,
    pub name: String,
    pub email: String,
    pub team: String,
    /// Most open (assigned, not yet closed) leads at once.
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    /// Share under the weighted strategy.
    #[serde(default = "default_weight")]
    pub weight: u32,
    #[serde(default = "default_active")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_office_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_user: Option<String>,
}

fn default_capacity() -> u32 {
    DEFAULT_CAPACITY
}

fn default_weight() -> u32 {
    1
}

fn default_active() -> bool {
    true
}

impl Rep {
    /// A rep of `team` with every optional field at its default.
    pub fn new(id: &str, team: &str) -> Self {
        Rep {
            id: id.to_string(),
            name: id.to_string(),
            email: format!("{id}@example.com"),
            team: team.to_string(),
            capacity: DEFAULT_CAPACITY,
            weight: 1,
            active: true,
            out_of_office_until: None,
            working_hours: None,
            manager_email: None,
            slack_user: None,
        }
    }

    pub fn is_out_of_office(&self, now: DateTime<Utc>) -> bool {
        self.out_of_office_until.is_some_and(|until| now < until)
    }
}

/// When a rep works, in their own time zone. `end` before `start` spans midnight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    #[serde(with = "tz_name")]
    pub timezone: Tz,
    #[serde(with = "weekday_names")]
    pub days: Vec<Weekday>,
    #[serde(with = "clock_time")]
    pub start: NaiveTime,
    #[serde(with = "clock_time")]
    pub end: NaiveTime,
}

impl WorkingHours {
    /// The first instant after `now` at which a shift starts (within the next eight days;
    /// `None` with no working day). A start that falls in a DST gap is taken at the gap's end.
    pub fn next_shift_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&self.timezone).date_naive();
        (0..=8)
            .filter_map(|d| today.checked_add_days(chrono::Days::new(d)))
            .filter(|day| self.days.contains(&day.weekday()))
            .filter_map(|day| {
                let local = day.and_time(self.start);
                self.timezone
                    .from_local_datetime(&local)
                    .earliest()
                    .or_else(|| {
                        let later = local + chrono::TimeDelta::hours(1);
                        self.timezone.from_local_datetime(&later).earliest()
                    })
            })
            .map(|start| start.with_timezone(&Utc))
            .find(|start| *start > now)
    }

    /// Whether `now` falls in a working shift. A shift belongs to the day it starts on.
    pub fn is_working(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.timezone);
        let time = local.time();
        let today = local.weekday();
        if self.start < self.end {
            self.days.contains(&today) && time >= self.start && time < self.end
        } else {
            // Overnight shift: the evening part belongs to today, the morning part to yesterday.
            (self.days.contains(&today) && time >= self.start)
                || (self.days.contains(&today.pred()) && time < self.end)
        }
    }
}

mod tz_name {
    use super::*;

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Tz>().map_err(|_| {
            serde::de::Error::custom(format!(
                "{name:?} is not an IANA time zone (e.g. \"Europe/Paris\")"
            ))
        })
    }
}

mod weekday_names {
    use super::*;

    const NAMES: [(&str, Weekday); 7] = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<&str> = days
            .iter()
            .map(|d| {
                NAMES
                    .iter()
                    .find(|(_, w)| w == d)
                    .map(|(n, _)| *n)
                    .unwrap_or("?")
            })
            .collect();
        names.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|n| {
                let key = n.trim().to_ascii_lowercase();
                NAMES
                    .iter()
                    .find(|(name, _)| key.starts_with(name))
                    .map(|(_, w)| *w)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!(
                            "{n:?} is not a day; use mon, tue, wed, thu, fri, sat, sun"
                        ))
                    })
            })
            .collect()
    }
}

mod clock_time {
    use super::*;

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
            serde::de::Error::custom(format!("{text:?} is not a time of day; write \"HH:MM\""))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn paris_office() -> WorkingHours {
        serde_json::from_value(serde_json::json!({
            "timezone": "Europe/Paris", "days": ["mon","tue","wed","thu","fri"],
            "start": "09:00", "end": "18:00"
        }))
        .unwrap()
    }

    #[test]
    fn working_hours_are_read_in_the_reps_time_zone() {
        let wh = paris_office();
        // Tuesday 2026-11-24 08:30 UTC is 09:30 in Paris (UTC+1 in winter).
        assert!(wh.is_working(Utc.with_ymd_and_hms(2026, 11, 24, 8, 30, 0).unwrap()));
        // 07:30 UTC is 08:30 in Paris: not yet.
        assert!(!wh.is_working(Utc.with_ymd_and_hms(2026, 11, 24, 7, 30, 0).unwrap()));
        // 17:00 UTC is 18:00 in Paris: the end is exclusive.
        assert!(!wh.is_working(Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap()));
        // Saturday.
        assert!(!wh.is_working(Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()));
    }

    #[test]
    fn overnight_shift_belongs_to_the_day_it_starts() {
        let wh = WorkingHours {
            timezone: chrono_tz::UTC,
            days: vec![Weekday::Fri],
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(6, 0, 0).unwrap(),
        };
        // Friday 23:00 and Saturday 05:00 are in Friday's shift; Friday 05:00 is not.
        assert!(wh.is_working(Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap()));
        assert!(wh.is_working(Utc.with_ymd_and_hms(2026, 11, 28, 5, 0, 0).unwrap()));
        assert!(!wh.is_working(Utc.with_ymd_and_hms(2026, 11, 27, 5, 0, 0).unwrap()));
    }

    #[test]
    fn refuses_unknown_zone_and_day() {
        let bad_zone = serde_json::from_value::<WorkingHours>(serde_json::json!({
            "timezone": "Mars/Olympus", "days": ["mon"], "start": "09:00", "end": "17:00"}));
        assert!(bad_zone.unwrap_err().to_string().contains("IANA"));
        let bad_day = serde_json::from_value::<WorkingHours>(serde_json::json!({
            "timezone": "UTC", "days": ["funday"], "start": "09:00", "end": "17:00"}));
        assert!(bad_day.unwrap_err().to_string().contains("not a day"));
    }
}
