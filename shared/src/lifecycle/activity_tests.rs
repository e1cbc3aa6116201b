use chrono::{TimeDelta, TimeZone};

use super::*;
use crate::config::tests_support::example;
use crate::domain::lead::Owner;
use crate::domain::{AttrValue, Tier};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn attrs(pairs: &[(&str, AttrValue)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn ideal() -> Attributes {
    attrs(&[
        ("title", "VP Marketing".into()),
        ("company_size", 250i64.into()),
        ("industry", "software".into()),
        ("country", "US".into()),
        ("company_domain", "acme.io".into()),
    ])
}

fn new_lead() -> Lead {
    Lead::new("ld_1".into(), Some("ana@acme.io".into()), None, t0())
}

fn event<'a>(
    id: &'a str,
    kind: EventKind<'a>,
    at: DateTime<Utc>,
    a: &'a Attributes,
) -> EventInput<'a> {
    EventInput {
        event_id: id,
        kind,
        occurred_at: at,
        attributes: a,
    }
}

fn kinds(t: &Transition) -> Vec<Ev> {
    t.events.iter().map(|e| e.kind).collect()
}

fn owned(mut lead: Lead, rep: &str, at: DateTime<Utc>) -> Lead {
    lead.status = Status::Assigned;
    lead.owner = Some(Owner {
        rep_id: rep.into(),
        assigned_at: at,
    });
    lead
}

#[test]
fn an_identify_scores_fit_and_nurtures_below_mql() {
    let cfg = example();
    let a = ideal();
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Identify, t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    assert_eq!(t.lead.status, Status::Nurture);
    assert_eq!(t.lead.score.total, 50.0);
    assert_eq!(t.lead.tier, Tier::C);
    assert_eq!(kinds(&t), [Ev::LeadScored]);
    let hk: Vec<H> = t.history.iter().map(|h| h.kind).collect();
    assert_eq!(hk, [H::Event, H::Scored, H::TierChanged]);
    assert_eq!(decay_due_at(&t.lead, &cfg), None, "nothing decays");
}

#[test]
fn a_demo_request_qualifies_once() {
    let cfg = example();
    let a = ideal();
    let none = Attributes::new();
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Identify, t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    let t = apply_event(
        t.lead,
        &event("e2", EventKind::Signal("demo_request"), t0(), &none),
        &cfg,
        "v1",
        t0(),
    );
    assert_eq!(t.lead.status, Status::Mql);
    assert_eq!(t.lead.tier, Tier::A);
    assert_eq!(kinds(&t), [Ev::LeadScored, Ev::LeadQualified]);
    assert!(decay_due_at(&t.lead, &cfg).is_some());
    assert_eq!(t.lead.last_activity_at, Some(t0()));
    let t = apply_event(
        t.lead,
        &event("e3", EventKind::Signal("page_view"), t0(), &none),
        &cfg,
        "v1",
        t0(),
    );
    assert_eq!(
        kinds(&t),
        [Ev::LeadScored],
        "already an MQL: not qualified again"
    );
}

#[test]
fn event_ids_are_derived_from_the_cause() {
    let cfg = example();
    let a = ideal();
    let run = || {
        apply_event(
            new_lead(),
            &event("e1", EventKind::Signal("demo_request"), t0(), &a),
            &cfg,
            "v1",
            t0(),
        )
    };
    let (x, y) = (run(), run());
    assert_eq!(x.events, y.events);
}

#[test]
fn a_negative_signal_disqualifies_even_an_owned_lead() {
    let cfg = example();
    let a = ideal();
    let lead = owned(new_lead(), "ana", t0());
    let t = apply_event(
        lead,
        &event("e1", EventKind::Signal("careers_page_view"), t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    assert_eq!(t.lead.status, Status::Disqualified);
    assert_eq!(t.lead.disqualify_reason.as_deref(), Some("job_seeker"));
    assert_eq!(t.lead.owner_id(), Some("ana"), "kept on record");
    assert!(!t.lead.status.is_owned(), "no longer open for the rep");
    assert_eq!(t.lead.tier, Tier::D);
    assert!(kinds(&t).contains(&Ev::LeadDisqualified));
    assert_eq!(decay_due_at(&t.lead, &cfg), None);
}

#[test]
fn a_waiting_mql_decays_back_to_nurture() {
    let cfg = example();
    let a = attrs(&[("title", "Director".into())]);
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Signal("demo_request"), t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    assert_eq!(t.lead.status, Status::Mql);
    let due = decay_due_at(&t.lead, &cfg).unwrap();
    let early = reevaluate(t.lead.clone(), &cfg, "v1", due - TimeDelta::seconds(1));
    assert_eq!(early.lead.status, Status::Mql);
    assert!(
        early.history.is_empty(),
        "nothing changed: nothing recorded"
    );
    let later = reevaluate(t.lead, &cfg, "v1", due);
    assert_eq!(later.lead.status, Status::Nurture);
    assert_eq!(later.lead.tier, Tier::C);
    assert!(
        decay_due_at(&later.lead, &cfg).unwrap() > due,
        "next due is the C bound"
    );
}

#[test]
fn an_owned_lead_nobody_works_is_recycled_after_recycle_after() {
    let cfg = example();
    let a = ideal();
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Signal("demo_request"), t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    let lead = owned(t.lead, "ana", t0() + TimeDelta::minutes(1));
    let due = super::recycle_due_at(&lead, &cfg).unwrap();
    assert_eq!(due, t0() + TimeDelta::minutes(1) + TimeDelta::days(30));
    let before = reevaluate(lead.clone(), &cfg, "v1", due - TimeDelta::seconds(1));
    assert_eq!(before.lead.status, Status::Assigned);
    let after = reevaluate(lead, &cfg, "v1", due);
    assert_eq!(after.lead.status, Status::Recycled);
    assert_eq!(after.lead.owner, None);
    assert_eq!(after.lead.previous_owners, ["ana"]);
    assert!(!after.lead.mql);
    assert!(kinds(&after).contains(&Ev::LeadRecycled));
    assert_eq!(after.history[0].kind, H::Recycled);
}

#[test]
fn recent_activity_postpones_recycling() {
    let cfg = example();
    let none = Attributes::new();
    let lead = owned(new_lead(), "ana", t0());
    let later = t0() + TimeDelta::days(20);
    let t = apply_event(
        lead,
        &event("e1", EventKind::Signal("email_open"), later, &none),
        &cfg,
        "v1",
        later,
    );
    assert_eq!(
        super::recycle_due_at(&t.lead, &cfg),
        Some(later + TimeDelta::days(30))
    );
}

#[test]
fn a_recycled_lead_is_reactivated_only_by_crossing_the_threshold_again() {
    let cfg = example();
    let a = ideal();
    let none = Attributes::new();
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Signal("demo_request"), t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    let mut lead = owned(t.lead, "ana", t0());
    super::recycle(&mut lead, t0() + TimeDelta::hours(1));
    // Still above 60 from the old demo request: a new event is no crossing.
    let at = t0() + TimeDelta::hours(2);
    let t = apply_event(
        lead,
        &event("e2", EventKind::Signal("email_open"), at, &none),
        &cfg,
        "v1",
        at,
    );
    assert_eq!(t.lead.status, Status::Recycled);
    assert!(!kinds(&t).contains(&Ev::LeadReactivated));
    // Sixty days on the score has decayed to fit only (50); a demo request crosses 60 again.
    let at = t0() + TimeDelta::days(60);
    let t = apply_event(
        t.lead,
        &event("e3", EventKind::Signal("demo_request"), at, &none),
        &cfg,
        "v1",
        at,
    );
    assert_eq!(t.lead.status, Status::Mql);
    assert_eq!(
        kinds(&t),
        [Ev::LeadScored, Ev::LeadReactivated, Ev::LeadQualified]
    );
    assert!(t.history.iter().any(|h| h.kind == H::Reactivated));
}

#[test]
fn the_decay_job_never_reactivates() {
    let cfg = example();
    let a = ideal();
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Signal("demo_request"), t0(), &a),
        &cfg,
        "v1",
        t0(),
    );
    let mut lead = owned(t.lead, "ana", t0());
    super::recycle(&mut lead, t0());
    let t = reevaluate(lead, &cfg, "v1", t0() + TimeDelta::hours(1));
    assert_eq!(t.lead.status, Status::Recycled);
}

#[test]
fn an_older_event_does_not_overwrite_newer_attributes() {
    let cfg = example();
    let new_title = attrs(&[("title", "VP Sales".into())]);
    let old_title = attrs(&[("title", "Intern".into()), ("country", "US".into())]);
    let t = apply_event(
        new_lead(),
        &event("e1", EventKind::Identify, t0(), &new_title),
        &cfg,
        "v1",
        t0(),
    );
    let old = t0() - TimeDelta::days(1);
    let t = apply_event(
        t.lead,
        &event("e2", EventKind::Identify, old, &old_title),
        &cfg,
        "v1",
        t0(),
    );
    assert_eq!(
        t.lead.attributes["title"],
        AttrValue::Text("VP Sales".into())
    );
    assert_eq!(t.lead.attributes["country"], AttrValue::Text("US".into()));
    assert_eq!(
        t.lead.status,
        Status::Nurture,
        "not disqualified as a student"
    );
}

#[test]
fn terminal_leads_are_left_alone_by_the_decay_job() {
    let cfg = example();
    let mut lead = new_lead();
    lead.status = Status::Won;
    lead.next_crossing_at = Some(t0());
    let t = reevaluate(lead, &cfg, "v1", t0());
    assert_eq!(decay_due_at(&t.lead, &cfg), None);
    assert!(t.events.is_empty());
}
