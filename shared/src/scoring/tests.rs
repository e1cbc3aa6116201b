use chrono::{TimeDelta, TimeZone};

use super::*;
use crate::config::tests_support::example_scoring;
use crate::config::{FitRule, ScoringConfig};
use crate::domain::attributes::AttrValue;
use crate::domain::condition::{FieldCondition, Matcher};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn lead(attrs: &[(&str, AttrValue)], email: &str) -> Lead {
    let mut l = Lead::new("ld_test".into(), Some(email.into()), None, t0());
    for (k, v) in attrs {
        l.attributes.insert(k.to_string(), v.clone());
    }
    l
}

fn ideal_lead() -> Lead {
    lead(
        &[
            ("title", "VP Marketing".into()),
            ("company_size", 250i64.into()),
            ("industry", "Software".into()),
            ("country", "US".into()),
        ],
        "ana@acme.io",
    )
}

fn signal(l: &mut Lead, cfg: &ScoringConfig, name: &str, at: DateTime<Utc>) {
    let points = cfg.engagement.signals.get(name).map_or(0.0, |s| s.points);
    engagement::add_event(
        &mut l.engagement,
        name,
        points,
        at,
        cfg.engagement.half_life.delta(),
    );
}

fn sum_of_lines(e: &Evaluation) -> f64 {
    rounding::round2(e.score.explanation.iter().map(|c| c.points).sum())
}

#[test]
fn the_ideal_lead_with_a_demo_request_is_tier_a() {
    let cfg = example_scoring();
    let mut l = ideal_lead();
    signal(&mut l, &cfg, "demo_request", t0());
    let e = evaluate(&l, &cfg, "rules-x", t0());
    assert_eq!(e.score.fit, 50.0);
    assert_eq!(e.score.engagement, 40.0);
    assert_eq!(e.score.total, 90.0);
    assert_eq!(e.tier, Tier::A);
    assert!(e.mql);
    assert_eq!(sum_of_lines(&e), 90.0);
    let rules: Vec<&str> = e
        .score
        .explanation
        .iter()
        .map(|c| c.rule.as_str())
        .collect();
    assert_eq!(
        rules,
        [
            "senior title",
            "target company size",
            "ICP industry",
            "served country",
            "demo_request"
        ]
    );
    assert_eq!(e.score.model_version, "rules-x");
}

#[test]
fn fit_is_capped_with_a_visible_line() {
    let mut cfg = example_scoring();
    cfg.fit.max = 40.0;
    let e = evaluate(&ideal_lead(), &cfg, "v", t0());
    assert_eq!(e.score.fit, 40.0);
    let cap = e
        .score
        .explanation
        .iter()
        .find(|c| c.rule == FIT_CAP_RULE)
        .unwrap();
    assert_eq!(cap.points, -10.0);
    assert_eq!(sum_of_lines(&e), e.score.total);
}

#[test]
fn a_signal_cap_limits_that_signals_decayed_sum() {
    let cfg = example_scoring();
    let mut l = lead(&[], "x@acme.io");
    for _ in 0..5 {
        signal(&mut l, &cfg, "pricing_page_view", t0());
    }
    let e = evaluate(&l, &cfg, "v", t0());
    assert_eq!(e.score.engagement, 30.0);
}

#[test]
fn engagement_is_capped_at_its_max() {
    let cfg = example_scoring();
    let mut l = lead(&[], "x@acme.io");
    signal(&mut l, &cfg, "demo_request", t0());
    signal(&mut l, &cfg, "webinar_attended", t0());
    signal(&mut l, &cfg, "webinar_attended", t0());
    let e = evaluate(&l, &cfg, "v", t0());
    assert_eq!(e.score.engagement, 60.0);
    let cap = e
        .score
        .explanation
        .iter()
        .find(|c| c.rule == ENGAGEMENT_CAP_RULE)
        .unwrap();
    assert_eq!(cap.points, -10.0);
    assert_eq!(sum_of_lines(&e), 60.0);
}

#[test]
fn engagement_decays_with_the_half_life() {
    let cfg = example_scoring();
    let mut l = ideal_lead();
    signal(&mut l, &cfg, "demo_request", t0());
    let e = evaluate(&l, &cfg, "v", t0() + TimeDelta::days(14));
    assert_eq!(e.score.engagement, 20.0);
    assert_eq!(e.score.total, 70.0);
}

#[test]
fn a_personal_email_is_a_penalty() {
    let cfg = example_scoring();
    let e = evaluate(
        &lead(&[("title", "VP Sales".into())], "ana@gmail.com"),
        &cfg,
        "v",
        t0(),
    );
    assert_eq!(e.score.negative, -20.0);
    assert_eq!(e.score.total, 0.0, "clamped at zero");
    assert_eq!(sum_of_lines(&e), 0.0, "20 fit - 20 penalty");
}

#[test]
fn the_explanation_adds_up_to_the_total_before_clamping() {
    let cfg = example_scoring();
    let e = evaluate(&lead(&[], "ana@gmail.com"), &cfg, "v", t0());
    assert_eq!(e.score.total, 0.0);
    assert_eq!(sum_of_lines(&e), -20.0);
}

#[test]
fn a_competitor_is_disqualified_whatever_its_score() {
    let cfg = example_scoring();
    let mut l = ideal_lead();
    l.attributes
        .insert("company_domain".into(), "RivalCorp.com".into());
    signal(&mut l, &cfg, "demo_request", t0());
    let e = evaluate(&l, &cfg, "v", t0());
    assert_eq!(e.tier, Tier::D);
    assert!(!e.mql);
    assert_eq!(
        e.disqualification,
        Some(Disqualification {
            rule: "competitor".into(),
            reason: "competitor".into()
        })
    );
    assert_eq!(e.next_crossing_at, None);
    let line = e
        .score
        .explanation
        .iter()
        .find(|c| c.rule == "competitor")
        .unwrap();
    assert_eq!(
        (line.points, line.disqualify.as_deref()),
        (0.0, Some("competitor"))
    );
}

#[test]
fn a_negative_signal_disqualifies() {
    let cfg = example_scoring();
    let mut l = ideal_lead();
    signal(&mut l, &cfg, "careers_page_view", t0());
    let e = evaluate(&l, &cfg, "v", t0());
    assert_eq!(e.disqualification.unwrap().reason, "job_seeker");
    assert_eq!(
        e.score.engagement, 0.0,
        "a negative-only signal scores no points"
    );
}

#[test]
fn mql_status_has_hysteresis() {
    let cfg = example_scoring();
    let mut l = lead(&[("title", "Director".into())], "x@acme.io");
    signal(&mut l, &cfg, "demo_request", t0()); // 20 + 40 = 60
    let e = evaluate(&l, &cfg, "v", t0());
    assert!(e.mql);
    assert_eq!(e.tier, Tier::B);
    l.mql = e.mql;
    l.tier = e.tier;
    // 3 days later engagement is 40·2^(-3/14) ≈ 34.5: total ≈ 54.5, still within 60 - 5? No.
    let later = evaluate(&l, &cfg, "v", t0() + TimeDelta::days(3));
    assert!(later.score.total < 55.0);
    assert!(!later.mql);
    // One day later, ≈ 57.7: kept.
    let soon = evaluate(&l, &cfg, "v", t0() + TimeDelta::days(1));
    assert!(soon.score.total > 55.0 && soon.score.total < 60.0);
    assert!(soon.mql);
    assert_eq!(soon.tier, Tier::B);
}

#[test]
fn the_next_crossing_is_when_the_total_falls_below_the_first_bound() {
    let cfg = example_scoring();
    let mut l = lead(&[("title", "Director".into())], "x@acme.io");
    signal(&mut l, &cfg, "demo_request", t0());
    let e = evaluate(&l, &cfg, "v", t0());
    let at = e.next_crossing_at.expect("a decaying lead crosses");
    // B and MQL are both lost below 55: engagement below 35 => 14d·log2(40/35) ≈ 2.697 days.
    let days = (at - t0()).num_milliseconds() as f64 / 86_400_000.0;
    assert!(
        (days - 14.0 * (40.0f64 / 34.995).log2()).abs() < 1e-6,
        "{days}"
    );
    l.mql = e.mql;
    l.tier = e.tier;
    let just_before = evaluate(&l, &cfg, "v", at - TimeDelta::milliseconds(2));
    assert!(just_before.mql && just_before.tier == Tier::B);
    let after = evaluate(&l, &cfg, "v", at);
    assert!(!after.mql && after.tier == Tier::C);
}

#[test]
fn a_lead_held_up_by_fit_never_crosses() {
    let cfg = example_scoring();
    let e = evaluate(&ideal_lead(), &cfg, "v", t0());
    assert_eq!(e.tier, Tier::C); // 50 fit, no engagement
    assert_eq!(e.next_crossing_at, None);
}

#[test]
fn rules_version_is_stable_and_tracks_changes() {
    let cfg = example_scoring();
    assert_eq!(rules_version(&cfg), rules_version(&example_scoring()));
    let mut changed = cfg.clone();
    changed.fit.rules.push(FitRule {
        name: "has phone".into(),
        condition: FieldCondition {
            field: "phone".into(),
            matcher: Matcher::Exists,
        },
        points: 5.0,
    });
    assert_ne!(rules_version(&cfg), rules_version(&changed));
    assert!(rules_version(&cfg).starts_with("rules-"));
}
