//! Local time: turning a local wall-clock time into an instant, and finding when a rep is next
//! at work.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use leadflow::domain::rep::WorkingHours;

/// The instant of a local wall-clock time. A time skipped by a daylight-saving change is taken
/// an hour later; a repeated one at its first occurrence.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        // Only reachable for a zone whose rules skip more than an hour: read it as UTC.
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// The first instant at or after `t` when the rep is at work; `t` itself when they are.
/// Without working days configured there is no next shift: `t` is returned.
pub fn next_working_instant(hours: &WorkingHours, t: DateTime<Utc>) -> DateTime<Utc> {
    if hours.is_working(t) {
        return t;
    }
    let today = t.with_timezone(&hours.timezone).date_naive();
    (0..=8)
        .filter_map(|d| today.checked_add_signed(TimeDelta::days(d)))
        .filter(|day| hours.days.contains(&day.weekday()))
        .map(|day| local_instant(hours.timezone, day, hours.start))
        .find(|start| *start > t)
        .unwrap_or(t)
}

/// How long one shift lasts (an overnight shift spans midnight).
pub fn shift_length(hours: &WorkingHours) -> TimeDelta {
    let length = hours.end.signed_duration_since(hours.start);
    if length <= TimeDelta::zero() {
        length + TimeDelta::days(1)
    } else {
        length
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn paris() -> WorkingHours {
        WorkingHours {
            timezone: chrono_tz::Europe::Paris,
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn inside_a_shift_nothing_moves() {
        let t = utc("2026-11-24T10:00:00Z");
        assert_eq!(next_working_instant(&paris(), t), t);
    }

    #[test]
    fn the_evening_waits_for_the_next_morning_in_the_reps_zone() {
        // Tuesday 19:00 Paris -> Wednesday 09:00 Paris (08:00 UTC in winter).
        let t = utc("2026-11-24T18:00:00Z");
        assert_eq!(
            next_working_instant(&paris(), t),
            utc("2026-11-25T08:00:00Z")
        );
    }

    #[test]
    fn the_weekend_waits_for_monday() {
        let t = utc("2026-11-28T12:00:00Z"); // Saturday
        assert_eq!(
            next_working_instant(&paris(), t),
            utc("2026-11-30T08:00:00Z")
        );
    }

    #[test]
    fn a_skipped_local_time_is_read_an_hour_later() {
        // 02:30 on 2026-03-29 does not exist in Paris.
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let t = local_instant(
            chrono_tz::Europe::Paris,
            day,
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(t, utc("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn shift_length_spans_midnight() {
        let mut night = paris();
        night.start = NaiveTime::from_hms_opt(22, 0, 0).unwrap();
        night.end = NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        assert_eq!(shift_length(&night), TimeDelta::hours(8));
        assert_eq!(shift_length(&paris()), TimeDelta::hours(9));
    }
}
