//! Dispositions: every outcome from every status, reason codes, amounts, the owner check,
//! occurred_at, and what a disposition does to the lead, its SLA clock and its history.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::{ConfigDuration, DispositionsConfig, FollowUpConfig, SlaConfig, SlaTarget};
use leadflow::domain::history::HistoryKind;
use leadflow::domain::{Lead, Owner, Status, Tier};
use leadflow::lifecycle::disposition::{
    apply_disposition, Disposition, DispositionError, DispositionOutcome, ErrorKind, Outcome,
};
use leadflow::sla;

fn t0() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn mins(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn reasons() -> DispositionsConfig {
    DispositionsConfig {
        disqualify_reasons: vec!["no_budget".into(), "student".into()],
        recycle_reasons: vec!["not_ready".into(), "no_response".into()],
        lost_reasons: vec!["price".into(), "timing".into()],
    }
}

fn sla_config() -> SlaConfig {
    SlaConfig {
        check_interval: ConfigDuration::from_secs(60),
        tiers: BTreeMap::from([(
            Tier::A,
            SlaTarget {
                first_response: ConfigDuration::from_secs(300),
                reassign_after: Some(ConfigDuration::from_secs(900)),
            },
        )]),
        follow_up: Some(FollowUpConfig {
            touches: 2,
            within: ConfigDuration::from_secs(86_400),
        }),
    }
}

/// A tier-A lead owned by ana since t0, with its SLA clock, in `status`.
fn lead(status: Status) -> Lead {
    let mut lead = Lead::new(
        "ld_1".into(),
        Some("x@acme.io".into()),
        None,
        t0() - mins(60),
    );
    lead.status = status;
    lead.tier = Tier::A;
    lead.owner = Some(Owner {
        rep_id: "ana".into(),
        assigned_at: t0(),
    });
    lead.sla = sla::start(Tier::A, "ana", t0(), &sla_config());
    lead
}

/// A disposition by ana at t0 + 3m with whatever the outcome needs to be valid.
fn valid(outcome: Outcome) -> Disposition {
    let d = Disposition::new(outcome, "ana", t0() + mins(3));
    match outcome {
        Outcome::Disqualified => d.with_reason("no_budget"),
        Outcome::Recycled => d.with_reason("not_ready"),
        Outcome::Lost => d.with_reason("price"),
        _ => d,
    }
}

fn apply(lead: &Lead, d: &Disposition) -> Result<DispositionOutcome, DispositionError> {
    apply_disposition(lead, d, &reasons(), &sla_config(), t0() + mins(10))
}

fn kinds(outcome: &DispositionOutcome) -> Vec<HistoryKind> {
    outcome.history.iter().map(|h| h.kind).collect()
}

#[test]
fn every_outcome_from_every_status() {
    use Outcome::*;
    use Status as S;
    // Columns: contacted, meeting_booked, qualified, disqualified, recycled, won, lost.
    // None: refused with a conflict.
    let table: [(Status, [Option<Status>; 7]); 10] = [
        (S::New, [None; 7]),
        (S::Nurture, [None; 7]),
        (S::Mql, [None; 7]),
        (
            S::Assigned,
            [
                Some(S::Contacted),
                Some(S::Contacted),
                Some(S::Qualified),
                Some(S::Disqualified),
                Some(S::Recycled),
                None,
                None,
            ],
        ),
        (
            S::Contacted,
            [
                Some(S::Contacted),
                Some(S::Contacted),
                Some(S::Qualified),
                Some(S::Disqualified),
                Some(S::Recycled),
                Some(S::Won),
                Some(S::Lost),
            ],
        ),
        (
            S::Qualified,
            [
                Some(S::Qualified),
                Some(S::Qualified),
                None,
                Some(S::Disqualified),
                Some(S::Recycled),
                Some(S::Won),
                Some(S::Lost),
            ],
        ),
        (S::Disqualified, [None; 7]),
        (S::Recycled, [None; 7]),
        (S::Won, [None; 7]),
        (S::Lost, [None; 7]),
    ];
    let outcomes = [
        Contacted,
        MeetingBooked,
        Qualified,
        Disqualified,
        Recycled,
        Won,
        Lost,
    ];
    assert_eq!(outcomes, Outcome::ALL);
    for (from, row) in table {
        for (outcome, expected) in outcomes.into_iter().zip(row) {
            let result = apply(&lead(from), &valid(outcome));
            match expected {
                Some(to) => {
                    let done = result.unwrap_or_else(|e| panic!("{outcome} from {from}: {e}"));
                    assert_eq!(done.lead.status, to, "{outcome} from {from}");
                    assert_eq!(done.previous_status, from);
                    assert_eq!(kinds(&done)[0], HistoryKind::Disposition);
                }
                None => {
                    let err = result.expect_err(&format!("{outcome} from {from} must be refused"));
                    assert_eq!(
                        err,
                        DispositionError::NotAllowed {
                            outcome,
                            status: from
                        }
                    );
                    assert_eq!(err.kind(), ErrorKind::Conflict);
                    assert_eq!(err.field(), "outcome");
                }
            }
        }
    }
}

#[test]
fn a_lead_nobody_owns_refuses_every_outcome() {
    for outcome in Outcome::ALL {
        let mut l = lead(Status::Mql);
        l.owner = None;
        let err = apply(&l, &valid(outcome)).unwrap_err();
        assert_eq!(err, DispositionError::NoOwner, "{outcome}");
        assert_eq!(err.kind(), ErrorKind::Conflict);
    }
    // Even in an owned status, a missing owner is a conflict.
    let mut l = lead(Status::Assigned);
    l.owner = None;
    assert_eq!(
        apply(&l, &valid(Outcome::Contacted)).unwrap_err(),
        DispositionError::NoOwner
    );
}

#[test]
fn only_the_owner_may_record_a_disposition() {
    let mut d = valid(Outcome::Contacted);
    d.rep_id = "bo".into();
    let err = apply(&lead(Status::Assigned), &d).unwrap_err();
    assert_eq!(
        err,
        DispositionError::NotOwner {
            rep_id: "bo".into(),
            owner: "ana".into()
        }
    );
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.field(), "rep_id");
    assert!(err.to_string().contains("\"ana\""));
}

#[test]
fn reasons_are_required_from_the_matching_list() {
    let cases = [
        (Outcome::Disqualified, "no_budget", "not_ready"),
        (Outcome::Recycled, "no_response", "price"),
        (Outcome::Lost, "timing", "student"),
    ];
    for (outcome, good, from_another_list) in cases {
        let from = Status::Contacted;
        let allowed = outcome.reasons(&reasons()).unwrap().to_vec();

        let missing = apply(&lead(from), &Disposition::new(outcome, "ana", t0())).unwrap_err();
        assert_eq!(
            missing,
            DispositionError::MissingReason {
                outcome,
                allowed: allowed.clone()
            }
        );
        assert_eq!(
            (missing.kind(), missing.field()),
            (ErrorKind::Invalid, "reason")
        );
        for code in &allowed {
            assert!(missing.to_string().contains(code.as_str()), "{missing}");
        }

        let blank = Disposition::new(outcome, "ana", t0()).with_reason("  ");
        assert!(matches!(
            apply(&lead(from), &blank),
            Err(DispositionError::MissingReason { .. })
        ));

        let wrong = Disposition::new(outcome, "ana", t0()).with_reason(from_another_list);
        let err = apply(&lead(from), &wrong).unwrap_err();
        assert_eq!(
            err,
            DispositionError::InvalidReason {
                outcome,
                reason: from_another_list.into(),
                allowed: allowed.clone()
            }
        );
        assert_eq!((err.kind(), err.field()), (ErrorKind::Invalid, "reason"));
        assert!(err.to_string().contains(&allowed.join(", ")), "{err}");

        let padded = format!(" {good} ");
        let ok = apply(
            &lead(from),
            &Disposition::new(outcome, "ana", t0()).with_reason(&padded),
        )
        .unwrap();
        assert_eq!(ok.reason.as_deref(), Some(good));
    }
}

#[test]
fn outcomes_without_reason_codes_refuse_a_reason() {
    for outcome in [
        Outcome::Contacted,
        Outcome::MeetingBooked,
        Outcome::Qualified,
        Outcome::Won,
    ] {
        let d = valid(outcome).with_reason("no_budget");
        let err = apply(&lead(Status::Contacted), &d).unwrap_err();
        assert_eq!(
            err,
            DispositionError::FieldNotTaken {
                field: "reason",
                outcome
            }
        );
        assert_eq!((err.kind(), err.field()), (ErrorKind::Invalid, "reason"));
    }
}

#[test]
fn an_empty_reason_list_makes_the_reason_optional() {
    let none = DispositionsConfig::default();
    let l = lead(Status::Contacted);
    let bare = Disposition::new(Outcome::Lost, "ana", t0());
    let done = apply_disposition(&l, &bare, &none, &sla_config(), t0() + mins(10)).unwrap();
    assert_eq!((done.lead.status, done.reason), (Status::Lost, None));
    let free = bare.with_reason("went dark");
    let done = apply_disposition(&l, &free, &none, &sla_config(), t0() + mins(10)).unwrap();
    assert_eq!(done.reason.as_deref(), Some("went dark"));
}

#[test]
fn amounts_must_be_finite_and_not_negative() {
    for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = apply(
            &lead(Status::Contacted),
            &valid(Outcome::Won).with_amount(bad),
        )
        .unwrap_err();
        assert!(
            matches!(err, DispositionError::InvalidAmount { .. }),
            "{bad}: {err}"
        );
        assert_eq!((err.kind(), err.field()), (ErrorKind::Invalid, "amount"));
    }
    for outcome in [Outcome::Qualified, Outcome::Won, Outcome::Lost] {
        let done = apply(
            &lead(Status::Contacted),
            &valid(outcome).with_amount(12_000.0),
        )
        .unwrap();
        assert_eq!(done.amount, Some(12_000.0), "{outcome}");
        assert_eq!(done.history[0].detail()["amount"], 12_000.0);
    }
    let zero = apply(
        &lead(Status::Contacted),
        &valid(Outcome::Lost).with_amount(0.0),
    )
    .unwrap();
    assert_eq!(zero.amount, Some(0.0));
}

#[test]
fn only_qualified_won_and_lost_carry_an_amount() {
    for outcome in [
        Outcome::Contacted,
        Outcome::MeetingBooked,
        Outcome::Disqualified,
        Outcome::Recycled,
    ] {
        let err = apply(&lead(Status::Contacted), &valid(outcome).with_amount(5.0)).unwrap_err();
        assert_eq!(
            err,
            DispositionError::FieldNotTaken {
                field: "amount",
                outcome
            }
        );
        assert_eq!(err.field(), "amount");
    }
}

#[test]
fn occurred_at_before_the_assignment_is_invalid() {
    let d = Disposition::new(Outcome::Contacted, "ana", t0() - TimeDelta::seconds(1));
    let err = apply(&lead(Status::Assigned), &d).unwrap_err();
    assert_eq!(
        err,
        DispositionError::BeforeAssignment {
            occurred_at: t0() - TimeDelta::seconds(1),
            assigned_at: t0()
        }
    );
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::Invalid, "occurred_at")
    );
    // At the assignment itself is fine.
    assert!(apply(
        &lead(Status::Assigned),
        &Disposition::new(Outcome::Contacted, "ana", t0())
    )
    .is_ok());
}

#[test]
fn occurred_at_in_the_future_is_invalid_beyond_a_small_drift() {
    let now = t0() + mins(10);
    let drift = Disposition::new(Outcome::Contacted, "ana", now + TimeDelta::seconds(30));
    assert!(apply_disposition(
        &lead(Status::Assigned),
        &drift,
        &reasons(),
        &sla_config(),
        now
    )
    .is_ok());
    let ahead = Disposition::new(Outcome::Contacted, "ana", now + mins(2));
    let err = apply_disposition(
        &lead(Status::Assigned),
        &ahead,
        &reasons(),
        &sla_config(),
        now,
    )
    .unwrap_err();
    assert!(matches!(err, DispositionError::InFuture { .. }));
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::Invalid, "occurred_at")
    );
}

#[test]
fn a_missing_occurred_at_means_now() {
    let mut d = valid(Outcome::Contacted);
    d.occurred_at = None;
    let now = t0() + mins(4);
    let done =
        apply_disposition(&lead(Status::Assigned), &d, &reasons(), &sla_config(), now).unwrap();
    assert_eq!(done.occurred_at, now);
    assert_eq!(done.lead.last_activity_at, Some(now));
    assert_eq!(done.response_time, Some(mins(4)));
}

#[test]
fn the_first_contact_stops_the_clock_and_later_ones_are_touches() {
    let first = apply(&lead(Status::Assigned), &valid(Outcome::Contacted)).unwrap();
    assert_eq!(first.response_time, Some(mins(3)));
    assert_eq!(first.history[0].detail()["response_seconds"], 180);
    let clock = first.lead.sla.as_ref().unwrap();
    assert_eq!(clock.responded_at, Some(t0() + mins(3)));
    assert_eq!(
        clock.follow_up_due_at,
        Some(t0() + mins(3) + TimeDelta::days(1))
    );
    assert_eq!(clock.closed_at, None);

    let mut later = valid(Outcome::MeetingBooked);
    later.occurred_at = Some(t0() + mins(9));
    let second = apply(&first.lead, &later).unwrap();
    assert_eq!(second.response_time, None);
    assert!(second.history[0]
        .detail()
        .get("response_seconds")
        .cloned()
        .is_none());
    assert_eq!(second.lead.status, Status::Contacted);
    let clock = second.lead.sla.as_ref().unwrap();
    assert_eq!(
        (clock.responded_at, clock.touches),
        (Some(t0() + mins(3)), 1)
    );
    // The clock answered before its deadline never breaches.
    assert!(sla::check(clock, second.lead.status, t0() + mins(30)).is_empty());
}

#[test]
fn any_first_outcome_stops_the_clock() {
    for outcome in [Outcome::Qualified, Outcome::Disqualified, Outcome::Recycled] {
        let done = apply(&lead(Status::Assigned), &valid(outcome)).unwrap();
        assert_eq!(done.response_time, Some(mins(3)), "{outcome}");
    }
}

#[test]
fn a_clock_of_an_earlier_owner_is_not_answered_by_the_new_one() {
    let mut l = lead(Status::Assigned);
    l.sla = sla::start(Tier::A, "bo", t0(), &sla_config());
    let done = apply(&l, &valid(Outcome::Contacted)).unwrap();
    assert_eq!(done.response_time, None);
    assert_eq!(done.lead.sla.unwrap().responded_at, None);
}

#[test]
fn a_lead_without_a_clock_takes_dispositions() {
    let mut l = lead(Status::Assigned);
    l.sla = None;
    let done = apply(&l, &valid(Outcome::Contacted)).unwrap();
    assert_eq!((done.response_time, done.lead.sla), (None, None));
}

#[test]
fn recycling_hands_the_lead_back_to_marketing() {
    let mut l = lead(Status::Contacted);
    l.previous_owners = vec!["zed".into()];
    let done = apply(&l, &valid(Outcome::Recycled)).unwrap();
    assert_eq!(done.lead.status, Status::Recycled);
    assert_eq!(done.lead.owner, None);
    assert_eq!(
        done.lead.previous_owners,
        vec!["zed".to_string(), "ana".to_string()]
    );
    assert_eq!(done.lead.recycled_at, Some(t0() + mins(3)));
    assert_eq!(
        kinds(&done),
        vec![HistoryKind::Disposition, HistoryKind::Recycled]
    );
    assert_eq!(done.history[1].detail()["reason"], "not_ready");
    let clock = done.lead.sla.as_ref().unwrap();
    assert_eq!(clock.closed_at, Some(t0() + mins(3)));
    assert_eq!(sla::next_due(clock), None);
}

#[test]
fn disqualifying_records_the_reason_and_drops_to_tier_d() {
    let done = apply(&lead(Status::Assigned), &valid(Outcome::Disqualified)).unwrap();
    assert_eq!(done.lead.status, Status::Disqualified);
    assert_eq!(done.lead.disqualify_reason.as_deref(), Some("no_budget"));
    assert_eq!(done.lead.tier, Tier::D);
    assert_eq!(done.lead.owner_id(), Some("ana"));
    assert_eq!(
        kinds(&done),
        vec![
            HistoryKind::Disposition,
            HistoryKind::Disqualified,
            HistoryKind::TierChanged
        ]
    );
    assert_eq!(
        done.history[2].detail(),
        serde_json::json!({"from": "A", "to": "D"})
    );
    assert!(done.lead.sla.unwrap().closed_at.is_some());

    let mut tier_d = lead(Status::Assigned);
    tier_d.tier = Tier::D;
    let done = apply(&tier_d, &valid(Outcome::Disqualified)).unwrap();
    assert_eq!(
        kinds(&done),
        vec![HistoryKind::Disposition, HistoryKind::Disqualified]
    );
}

#[test]
fn closing_outcomes_close_the_clock_and_open_ones_do_not() {
    for (outcome, closes) in [
        (Outcome::Contacted, false),
        (Outcome::MeetingBooked, false),
        (Outcome::Qualified, false),
        (Outcome::Won, true),
        (Outcome::Lost, true),
    ] {
        let done = apply(&lead(Status::Contacted), &valid(outcome)).unwrap();
        assert_eq!(
            done.lead.sla.as_ref().unwrap().closed_at.is_some(),
            closes,
            "{outcome}"
        );
        assert_eq!(done.lead.owner_id(), Some("ana"));
        assert_eq!(kinds(&done), vec![HistoryKind::Disposition]);
    }
}

#[test]
fn the_history_entry_tells_the_whole_disposition() {
    let mut d = valid(Outcome::Lost).with_amount(900.0);
    d.note = Some("chose a cheaper tool".into());
    // The fixture's clock is unanswered, so this disposition also stops it.
    let done = apply(&lead(Status::Qualified), &d).unwrap();
    let entry = &done.history[0];
    assert_eq!(entry.at, t0() + mins(3));
    assert_eq!(
        entry.detail(),
        serde_json::json!({"outcome": "lost", "rep_id": "ana", "from": "qualified", "to": "lost",
                           "reason": "price", "amount": 900.0, "note": "chose a cheaper tool",
                           "response_seconds": 180})
    );
}

#[test]
fn last_activity_never_moves_back() {
    let mut l = lead(Status::Contacted);
    l.last_activity_at = Some(t0() + mins(8));
    let done = apply(&l, &valid(Outcome::Contacted)).unwrap();
    assert_eq!(done.lead.last_activity_at, Some(t0() + mins(8)));
    l.last_activity_at = Some(t0() + mins(1));
    let done = apply(&l, &valid(Outcome::Contacted)).unwrap();
    assert_eq!(done.lead.last_activity_at, Some(t0() + mins(3)));
}

#[test]
fn the_input_lead_is_left_as_it_was() {
    let l = lead(Status::Assigned);
    let before = l.clone();
    apply(&l, &valid(Outcome::Recycled)).unwrap();
    assert_eq!(l, before);
}

#[test]
fn reads_the_contract_request_body() {
    let body = serde_json::json!({"outcome": "contacted", "rep_id": "ana",
        "occurred_at": "2026-11-23T10:03:00Z", "reason": null, "amount": null,
        "note": "left a voicemail"});
    let d: Disposition = serde_json::from_value(body).unwrap();
    assert_eq!(d.outcome, Outcome::Contacted);
    assert_eq!(d.occurred_at, Some(t0() + mins(3)));
    assert_eq!(d.note.as_deref(), Some("left a voicemail"));
    let unknown = serde_json::json!({"outcome": "ghosted", "rep_id": "ana"});
    assert!(serde_json::from_value::<Disposition>(unknown).is_err());
    let extra = serde_json::json!({"outcome": "won", "rep_id": "ana", "price": 3});
    assert!(serde_json::from_value::<Disposition>(extra).is_err());
}

#[test]
fn outcomes_parse_their_own_names() {
    for o in Outcome::ALL {
        assert_eq!(o.as_str().parse::<Outcome>().unwrap(), o);
        assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
    }
    assert!("ghosted"
        .parse::<Outcome>()
        .unwrap_err()
        .contains("meeting_booked"));
}

#[test]
fn the_example_config_reason_codes_apply() {
    let doc: toml::Table = include_str!("../src/config/example.toml").parse().unwrap();
    let codes: DispositionsConfig = doc["dispositions"].clone().try_into().unwrap();
    let l = lead(Status::Contacted);
    let lost = Disposition::new(Outcome::Lost, "ana", t0()).with_reason("no_decision");
    assert!(apply_disposition(&l, &lost, &codes, &sla_config(), t0() + mins(10)).is_ok());
    let dq = Disposition::new(Outcome::Disqualified, "ana", t0()).with_reason("no_decision");
    let err = apply_disposition(&l, &dq, &codes, &sla_config(), t0() + mins(10)).unwrap_err();
    assert!(err.to_string().contains("job_seeker"), "{err}");
}

#[test]
fn dispositions_publish_events_with_ids_derived_from_the_disposition() {
    use leadflow::domain::DomainEventKind as Ev;
    let l = lead(Status::Contacted);
    let done = apply(&l, &valid(Outcome::Recycled)).unwrap();
    let kinds: Vec<Ev> = done.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![Ev::DispositionRecorded, Ev::LeadRecycled]);
    let again = apply(&l, &valid(Outcome::Recycled)).unwrap();
    assert_eq!(
        done.events, again.events,
        "a retried disposition gives the same ids"
    );
    let contacted = apply(&lead(Status::Assigned), &valid(Outcome::Contacted)).unwrap();
    let kinds: Vec<Ev> = contacted.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![Ev::DispositionRecorded]);
    assert!(
        !done.lead.mql,
        "a recycled lead must cross the MQL threshold again"
    );
}
