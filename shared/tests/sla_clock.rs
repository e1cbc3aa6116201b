//! The SLA clock: start, breach once, reassign timing, responses, follow-up cadence, next_due.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::{ConfigDuration, FollowUpConfig, SlaConfig, SlaTarget};
use leadflow::domain::{Status, Tier};
use leadflow::sla::{self, SlaAction, SlaClock, SlaOutcome};

fn t0() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn mins(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// A: 5m then reassign 15m later; B: 2h, no reassign; no target for C and D.
/// Follow-up: 3 touches within 7 days.
fn config() -> SlaConfig {
    SlaConfig {
        check_interval: ConfigDuration::from_secs(60),
        tiers: BTreeMap::from([
            (
                Tier::A,
                SlaTarget {
                    first_response: ConfigDuration::from_secs(300),
                    reassign_after: Some(ConfigDuration::from_secs(900)),
                },
            ),
            (
                Tier::B,
                SlaTarget {
                    first_response: ConfigDuration::from_secs(7200),
                    reassign_after: None,
                },
            ),
        ]),
        follow_up: Some(FollowUpConfig {
            touches: 3,
            within: ConfigDuration::from_secs(7 * 86_400),
        }),
    }
}

fn clock_a() -> SlaClock {
    sla::start(Tier::A, "ana", t0(), &config()).unwrap()
}

/// Apply every action `check` returns at `now`; return them.
fn run(clock: &mut SlaClock, status: Status, now: DateTime<Utc>) -> Vec<SlaAction> {
    let due = sla::check(clock, status, now);
    for action in &due {
        sla::apply(clock, *action, now);
    }
    due
}

#[test]
fn start_sets_the_deadline_from_the_tier() {
    let a = clock_a();
    assert_eq!(a.rep_id, "ana");
    assert_eq!(a.tier, Tier::A);
    assert_eq!(a.assigned_at, t0());
    assert_eq!(a.first_response_due_at, t0() + mins(5));
    assert_eq!(a.reassign_at, Some(t0() + mins(20)));
    assert_eq!(
        (a.responded_at, a.breached_at, a.closed_at),
        (None, None, None)
    );

    let b = sla::start(Tier::B, "bo", t0(), &config()).unwrap();
    assert_eq!(b.first_response_due_at, t0() + TimeDelta::hours(2));
    assert_eq!(b.reassign_at, None);
}

#[test]
fn no_clock_for_a_tier_without_target() {
    assert!(sla::start(Tier::C, "ana", t0(), &config()).is_none());
    assert!(sla::start(Tier::D, "ana", t0(), &config()).is_none());
}

#[test]
fn nothing_is_due_before_the_deadline() {
    let mut c = clock_a();
    assert!(run(&mut c, Status::Assigned, t0()).is_empty());
    assert!(run(
        &mut c,
        Status::Assigned,
        t0() + mins(5) - TimeDelta::seconds(1)
    )
    .is_empty());
    assert_eq!(c.breached_at, None);
}

#[test]
fn breaches_at_the_deadline_exactly_once() {
    let mut c = clock_a();
    let deadline = t0() + mins(5);
    assert_eq!(
        run(&mut c, Status::Assigned, deadline),
        vec![SlaAction::Breach]
    );
    assert_eq!(c.breached_at, Some(deadline));
    // Checking again, at the same time or later, repeats nothing until the reassign time.
    assert!(run(&mut c, Status::Assigned, deadline).is_empty());
    assert!(run(&mut c, Status::Assigned, deadline + mins(10)).is_empty());
    assert_eq!(c.breached_at, Some(deadline));
}

#[test]
fn a_breach_stays_at_its_first_instant_when_applied_twice() {
    let mut c = clock_a();
    sla::apply(&mut c, SlaAction::Breach, t0() + mins(6));
    sla::apply(&mut c, SlaAction::Breach, t0() + mins(9));
    assert_eq!(c.breached_at, Some(t0() + mins(6)));
}

#[test]
fn reassigns_reassign_after_past_the_deadline_then_closes() {
    let mut c = clock_a();
    assert_eq!(
        run(&mut c, Status::Assigned, t0() + mins(6)),
        vec![SlaAction::Breach]
    );
    assert!(run(
        &mut c,
        Status::Assigned,
        t0() + mins(20) - TimeDelta::seconds(1)
    )
    .is_empty());
    assert_eq!(
        run(&mut c, Status::Assigned, t0() + mins(20)),
        vec![SlaAction::Reassign]
    );
    assert_eq!(c.closed_at, Some(t0() + mins(20)));
    assert!(run(&mut c, Status::Assigned, t0() + days(3)).is_empty());
    assert_eq!(sla::next_due(&c), None);
}

#[test]
fn a_late_checker_gets_breach_and_reassign_together() {
    let mut c = clock_a();
    assert_eq!(
        run(&mut c, Status::Assigned, t0() + TimeDelta::hours(1)),
        vec![SlaAction::Breach, SlaAction::Reassign]
    );
    assert!(c.breached_at.is_some() && c.closed_at.is_some());
}

#[test]
fn no_reassign_without_reassign_after() {
    let mut b = sla::start(Tier::B, "bo", t0(), &config()).unwrap();
    assert_eq!(
        run(&mut b, Status::Assigned, t0() + TimeDelta::hours(2)),
        vec![SlaAction::Breach]
    );
    assert!(run(&mut b, Status::Assigned, t0() + days(30)).is_empty());
    assert_eq!(sla::next_due(&b), None);
}

#[test]
fn a_response_before_the_deadline_stops_the_clock() {
    let mut c = clock_a();
    let rt = sla::record_response(&mut c, t0() + mins(3), config().follow_up.as_ref());
    assert_eq!(rt, Some(mins(3)));
    assert_eq!(c.responded_at, Some(t0() + mins(3)));
    assert_eq!(c.first_response_seconds(), Some(180));
    assert!(run(&mut c, Status::Contacted, t0() + mins(5)).is_empty());
    assert!(run(&mut c, Status::Contacted, t0() + mins(30)).is_empty());
    assert_eq!(c.breached_at, None);
    assert_eq!(c.outcome(t0() + days(1)), SlaOutcome::Met);
}

#[test]
fn a_response_after_a_breach_stops_the_reassignment() {
    let mut c = clock_a();
    run(&mut c, Status::Assigned, t0() + mins(5));
    let rt = sla::record_response(&mut c, t0() + mins(8), None);
    assert_eq!(rt, Some(mins(8)));
    assert!(run(&mut c, Status::Contacted, t0() + mins(25)).is_empty());
    assert_eq!(c.closed_at, None);
    assert_eq!(c.outcome(t0() + mins(25)), SlaOutcome::Breached);
}

#[test]
fn only_the_first_response_counts_as_the_response() {
    let mut c = clock_a();
    sla::record_response(&mut c, t0() + mins(2), None);
    assert_eq!(sla::record_response(&mut c, t0() + mins(4), None), None);
    assert_eq!(c.responded_at, Some(t0() + mins(2)));
    // Without a cadence there is no window, so later dispositions are not touches.
    assert_eq!(c.touches, 0);
    assert_eq!(c.follow_up_due_at, None);
}

#[test]
fn outcomes_for_metrics() {
    let c = clock_a();
    assert_eq!(c.outcome(t0() + mins(4)), SlaOutcome::Pending);
    // Past the deadline with no answer, even before the checker ran.
    assert_eq!(c.outcome(t0() + mins(5)), SlaOutcome::Breached);
    assert_eq!(c.response_time(), None);

    let mut at_deadline = clock_a();
    sla::record_response(&mut at_deadline, t0() + mins(5), None);
    assert_eq!(at_deadline.outcome(t0() + mins(6)), SlaOutcome::Breached);

    // A breach stands even when a back-dated answer arrives afterwards.
    let mut flagged = clock_a();
    sla::apply(&mut flagged, SlaAction::Breach, t0() + mins(5));
    sla::record_response(&mut flagged, t0() + mins(4), None);
    assert_eq!(flagged.outcome(t0() + mins(6)), SlaOutcome::Breached);
}

#[test]
fn follow_up_window_opens_at_first_contact() {
    let mut c = clock_a();
    sla::record_response(&mut c, t0() + mins(1), config().follow_up.as_ref());
    assert_eq!(c.follow_up_due_at, Some(t0() + mins(1) + days(7)));
    assert_eq!(c.follow_up_touches, 3);
    assert_eq!(c.touches, 0);
}

#[test]
fn touches_inside_the_window_count_and_outside_do_not() {
    let cadence = config().follow_up;
    let mut c = clock_a();
    let first = t0() + mins(1);
    sla::record_response(&mut c, first, cadence.as_ref());
    sla::record_response(&mut c, first + days(1), cadence.as_ref());
    sla::record_response(
        &mut c,
        first + days(7) - TimeDelta::seconds(1),
        cadence.as_ref(),
    );
    assert_eq!(c.touches, 2);
    // At or after the window end, and before the first contact, are not touches.
    sla::record_response(&mut c, first + days(7), cadence.as_ref());
    sla::record_response(&mut c, first - TimeDelta::seconds(1), cadence.as_ref());
    assert_eq!(c.touches, 2);
}

#[test]
fn follow_up_missed_once_when_the_window_ends_short() {
    let cadence = config().follow_up;
    let mut c = clock_a();
    let first = t0() + mins(1);
    sla::record_response(&mut c, first, cadence.as_ref());
    sla::record_response(&mut c, first + days(2), cadence.as_ref());
    assert!(run(
        &mut c,
        Status::Contacted,
        first + days(7) - TimeDelta::seconds(1)
    )
    .is_empty());
    let end = first + days(7);
    assert_eq!(
        run(&mut c, Status::Contacted, end),
        vec![SlaAction::FollowUpMissed]
    );
    assert_eq!(c.follow_up_missed_at, Some(end));
    assert!(run(&mut c, Status::Qualified, end + days(30)).is_empty());
}

#[test]
fn follow_up_not_missed_when_the_cadence_is_kept() {
    let cadence = config().follow_up;
    let mut c = clock_a();
    let first = t0() + mins(1);
    sla::record_response(&mut c, first, cadence.as_ref());
    for d in 1..=3 {
        sla::record_response(&mut c, first + days(d), cadence.as_ref());
    }
    assert_eq!(c.touches, 3);
    assert!(run(&mut c, Status::Contacted, first + days(8)).is_empty());
    assert_eq!(c.follow_up_missed_at, None);
}

#[test]
fn a_lead_no_longer_owned_closes_the_clock_instead() {
    for status in [
        Status::Won,
        Status::Lost,
        Status::Disqualified,
        Status::Recycled,
        Status::Mql,
    ] {
        let mut c = clock_a();
        sla::record_response(&mut c, t0() + mins(1), config().follow_up.as_ref());
        let end = c.follow_up_due_at.unwrap();
        assert_eq!(run(&mut c, status, end), vec![SlaAction::Close], "{status}");
        assert_eq!(c.follow_up_missed_at, None);
        assert_eq!(sla::next_due(&c), None);
        assert!(run(&mut c, status, end + days(1)).is_empty());

        // And an unanswered clock of a lead gone elsewhere does not breach.
        let mut unanswered = clock_a();
        assert_eq!(
            run(&mut unanswered, status, t0() + mins(6)),
            vec![SlaAction::Close]
        );
        assert_eq!(unanswered.breached_at, None);
    }
}

#[test]
fn a_zero_touch_cadence_opens_no_window() {
    let cadence = FollowUpConfig {
        touches: 0,
        within: ConfigDuration::from_secs(86_400),
    };
    let mut c = clock_a();
    sla::record_response(&mut c, t0() + mins(1), Some(&cadence));
    assert_eq!(c.follow_up_due_at, None);
    assert_eq!(sla::next_due(&c), None);
}

#[test]
fn a_closed_clock_records_no_response() {
    let mut c = clock_a();
    sla::apply(&mut c, SlaAction::Reassign, t0() + mins(20));
    assert_eq!(sla::record_response(&mut c, t0() + mins(21), None), None);
    assert_eq!(c.responded_at, None);
}

#[test]
fn next_due_in_every_state() {
    let cadence = config().follow_up;
    // Unanswered, not breached: the deadline.
    let mut c = clock_a();
    assert_eq!(sla::next_due(&c), Some(t0() + mins(5)));
    // Breached, unanswered, reassign configured: the reassign time.
    sla::apply(&mut c, SlaAction::Breach, t0() + mins(5));
    assert_eq!(sla::next_due(&c), Some(t0() + mins(20)));
    // Answered: the end of the follow-up window.
    sla::record_response(&mut c, t0() + mins(7), cadence.as_ref());
    assert_eq!(sla::next_due(&c), Some(t0() + mins(7) + days(7)));
    // Follow-up flagged: nothing.
    sla::apply(&mut c, SlaAction::FollowUpMissed, t0() + mins(7) + days(7));
    assert_eq!(sla::next_due(&c), None);

    // Breached, unanswered, no reassign: nothing.
    let mut b = sla::start(Tier::B, "bo", t0(), &config()).unwrap();
    sla::apply(&mut b, SlaAction::Breach, t0() + TimeDelta::hours(2));
    assert_eq!(sla::next_due(&b), None);

    // Answered with the cadence kept: nothing.
    let mut kept = clock_a();
    sla::record_response(&mut kept, t0() + mins(1), cadence.as_ref());
    for d in 1..=3 {
        sla::record_response(&mut kept, t0() + days(d), cadence.as_ref());
    }
    assert_eq!(sla::next_due(&kept), None);

    // Answered without a cadence: nothing.
    let mut plain = clock_a();
    sla::record_response(&mut plain, t0() + mins(1), None);
    assert_eq!(sla::next_due(&plain), None);

    // Closed: nothing.
    let mut closed = clock_a();
    sla::apply(&mut closed, SlaAction::Close, t0());
    assert_eq!(sla::next_due(&closed), None);
}

#[test]
fn check_at_next_due_always_finds_something() {
    // next_due is the index key: a clock due at T must yield an action at T.
    let cadence = config().follow_up;
    let mut c = clock_a();
    let due = sla::next_due(&c).unwrap();
    assert!(!sla::check(&c, Status::Assigned, due).is_empty());
    sla::apply(&mut c, SlaAction::Breach, due);
    let due = sla::next_due(&c).unwrap();
    assert!(!sla::check(&c, Status::Assigned, due).is_empty());

    let mut answered = clock_a();
    sla::record_response(&mut answered, t0() + mins(1), cadence.as_ref());
    let due = sla::next_due(&answered).unwrap();
    assert_eq!(
        sla::check(&answered, Status::Contacted, due),
        vec![SlaAction::FollowUpMissed]
    );
}

#[test]
fn actions_name_their_alerts() {
    use leadflow::config::AlertKind;
    assert_eq!(SlaAction::Breach.alert_kind(), Some(AlertKind::SlaBreached));
    assert_eq!(
        SlaAction::Reassign.alert_kind(),
        Some(AlertKind::Reassigned)
    );
    assert_eq!(
        SlaAction::FollowUpMissed.alert_kind(),
        Some(AlertKind::FollowUpMissed)
    );
    assert_eq!(SlaAction::Close.alert_kind(), None);
}

#[test]
fn breach_entry_has_the_contract_kind() {
    let c = clock_a();
    let entry = sla::breach_entry(&c, t0() + mins(5));
    let json = serde_json::to_value(&entry).unwrap();
    assert_eq!(json["kind"], "sla_breached");
    assert_eq!(json["detail"]["rep_id"], "ana");
    assert_eq!(json["detail"]["tier"], "A");
    assert_eq!(
        json["detail"]["first_response_due_at"],
        "2026-11-23T10:05:00Z"
    );
}

#[test]
fn the_example_config_gives_the_documented_deadlines() {
    let doc: toml::Table = include_str!("../src/config/example.toml").parse().unwrap();
    let sla_config: SlaConfig = doc["sla"].clone().try_into().unwrap();
    let a = sla::start(Tier::A, "ana", t0(), &sla_config).unwrap();
    assert_eq!(a.first_response_due_at, t0() + mins(5));
    assert_eq!(a.reassign_at, Some(t0() + mins(20)));
    let c = sla::start(Tier::C, "ana", t0(), &sla_config).unwrap();
    assert_eq!(c.first_response_due_at, t0() + TimeDelta::hours(24));
    assert!(sla::start(Tier::D, "ana", t0(), &sla_config).is_none());
}

#[test]
fn a_clock_stored_before_the_new_fields_still_reads() {
    let json = serde_json::json!({
        "tier": "A", "rep_id": "ana", "assigned_at": "2026-11-23T10:00:00Z",
        "first_response_due_at": "2026-11-23T10:05:00Z",
        "responded_at": null, "breached_at": null, "reassign_at": null
    });
    let c: SlaClock = serde_json::from_value(json).unwrap();
    assert_eq!((c.touches, c.follow_up_touches, c.closed_at), (0, 0, None));
    assert_eq!(sla::next_due(&c), Some(t0() + mins(5)));
}
