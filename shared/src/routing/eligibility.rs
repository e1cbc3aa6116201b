//! Whether a rep may receive a lead now, and why not.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Rep;

/// A rep with the number of leads it holds open (assigned, not yet closed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepLoad {
    pub rep: Rep,
    pub open_leads: u32,
}

impl RepLoad {
    pub fn new(rep: Rep, open_leads: u32) -> Self {
        RepLoad { rep, open_leads }
    }

    pub fn is_at_capacity(&self) -> bool {
        self.open_leads >= self.rep.capacity
    }
}

/// Why a rep was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    Inactive,
    /// `out_of_office_until` is still in the future.
    OutOfOffice,
    /// Open leads >= capacity.
    AtCapacity,
    /// Only with `respect_working_hours`.
    OutsideWorkingHours,
    /// Weight 0 under the weighted strategy: no share of the rotation.
    NoWeight,
    /// Owned this lead before (or owns it now) while someone else is eligible.
    PreviousOwner,
    /// The account owner the store named is not in the roster.
    UnknownRep,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Inactive => "inactive",
            SkipReason::OutOfOffice => "out_of_office",
            SkipReason::AtCapacity => "at_capacity",
            SkipReason::OutsideWorkingHours => "outside_working_hours",
            SkipReason::NoWeight => "no_weight",
            SkipReason::PreviousOwner => "previous_owner",
            SkipReason::UnknownRep => "unknown_rep",
        }
    }
}

/// Whether the rep can take a lead at `now`: active, back from leave, below capacity and, when
/// `respect_working_hours`, on shift in its own time zone (a rep without hours is always on
/// shift). The first reason that applies, in that order.
pub fn availability(
    load: &RepLoad,
    respect_working_hours: bool,
    now: DateTime<Utc>,
) -> Result<(), SkipReason> {
    let rep = &load.rep;
    if !rep.active {
        return Err(SkipReason::Inactive);
    }
    if rep.is_out_of_office(now) {
        return Err(SkipReason::OutOfOffice);
    }
    if load.is_at_capacity() {
        return Err(SkipReason::AtCapacity);
    }
    if respect_working_hours
        && rep
            .working_hours
            .as_ref()
            .is_some_and(|wh| !wh.is_working(now))
    {
        return Err(SkipReason::OutsideWorkingHours);
    }
    Ok(())
}

/// The first instant after `now` at which the passing of time alone (leave ending, a shift
/// starting) could make the rep available; `None` when only a change to the rep or to their
/// leads can (inactive, at capacity), or when nothing waits on time.
pub fn next_available_at(
    load: &RepLoad,
    respect_working_hours: bool,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let rep = &load.rep;
    if !rep.active || load.is_at_capacity() {
        return None;
    }
    let back = rep.out_of_office_until.filter(|until| *until > now);
    let from = back.unwrap_or(now);
    let hours = rep.working_hours.as_ref().filter(|_| respect_working_hours);
    let at = match hours {
        Some(wh) if !wh.is_working(from) => wh.next_shift_start(from)?,
        _ => from,
    };
    (at > now).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rep::WorkingHours;
    use chrono::{Duration, NaiveTime, TimeZone, Weekday};

    fn now() -> DateTime<Utc> {
        // Tuesday 10:00 UTC.
        Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
    }

    fn load(open: u32) -> RepLoad {
        RepLoad::new(Rep::new("ana", "inbound"), open)
    }

    #[test]
    fn an_active_rep_below_capacity_is_available() {
        assert_eq!(availability(&load(0), true, now()), Ok(()));
    }

    #[test]
    fn inactive() {
        let mut l = load(0);
        l.rep.active = false;
        assert_eq!(availability(&l, false, now()), Err(SkipReason::Inactive));
    }

    #[test]
    fn out_of_office_until_a_future_instant_and_back_at_it() {
        let mut l = load(0);
        l.rep.out_of_office_until = Some(now() + Duration::seconds(1));
        assert_eq!(availability(&l, false, now()), Err(SkipReason::OutOfOffice));
        l.rep.out_of_office_until = Some(now());
        assert_eq!(availability(&l, false, now()), Ok(()));
    }

    #[test]
    fn at_capacity_when_open_reaches_capacity() {
        let mut l = load(24);
        assert_eq!(availability(&l, false, now()), Ok(()));
        l.open_leads = 25;
        assert_eq!(availability(&l, false, now()), Err(SkipReason::AtCapacity));
        l.rep.capacity = 0;
        l.open_leads = 0;
        assert_eq!(availability(&l, false, now()), Err(SkipReason::AtCapacity));
    }

    #[test]
    fn working_hours_count_only_when_respected_and_in_the_reps_zone() {
        let mut l = load(0);
        // 09:00–17:00 in Tokyo (UTC+9): Tuesday 10:00 UTC is 19:00 there.
        l.rep.working_hours = Some(WorkingHours {
            timezone: chrono_tz::Asia::Tokyo,
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        });
        assert_eq!(
            availability(&l, true, now()),
            Err(SkipReason::OutsideWorkingHours)
        );
        assert_eq!(availability(&l, false, now()), Ok(()));
        // 01:00 UTC is 10:00 in Tokyo.
        let tokyo_morning = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap();
        assert_eq!(availability(&l, true, tokyo_morning), Ok(()));
    }

    #[test]
    fn the_next_instant_time_alone_makes_a_rep_available() {
        let mut l = load(0);
        l.rep.working_hours = Some(WorkingHours {
            timezone: chrono_tz::Asia::Tokyo,
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        });
        // Tuesday 19:00 in Tokyo: Wednesday 09:00 there, 00:00 UTC.
        let wednesday = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        assert_eq!(next_available_at(&l, true, now()), Some(wednesday));
        assert_eq!(next_available_at(&l, false, now()), None, "available now");
        // On leave until Friday 12:00 UTC (21:00 in Tokyo): the Monday shift after.
        l.rep.out_of_office_until = Some(Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap());
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        assert_eq!(next_available_at(&l, true, now()), Some(monday));
        assert_eq!(
            next_available_at(&l, false, now()),
            l.rep.out_of_office_until
        );
        // Inactive or full: only a change to the rep or their leads helps.
        l.rep.active = false;
        assert_eq!(next_available_at(&l, true, now()), None);
        let mut full = load(25);
        full.rep.out_of_office_until = Some(now() + Duration::hours(1));
        assert_eq!(next_available_at(&full, false, now()), None);
    }

    #[test]
    fn the_first_reason_is_reported() {
        let mut l = load(30);
        l.rep.active = false;
        l.rep.out_of_office_until = Some(now() + Duration::days(1));
        assert_eq!(availability(&l, false, now()), Err(SkipReason::Inactive));
        l.rep.active = true;
        assert_eq!(availability(&l, false, now()), Err(SkipReason::OutOfOffice));
    }

    #[test]
    fn reasons_serialise_in_snake_case() {
        for r in [
            SkipReason::Inactive,
            SkipReason::OutOfOffice,
            SkipReason::AtCapacity,
            SkipReason::OutsideWorkingHours,
            SkipReason::NoWeight,
            SkipReason::PreviousOwner,
            SkipReason::UnknownRep,
        ] {
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
    }
}
