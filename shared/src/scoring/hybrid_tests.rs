use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::config::tests_support::example_scoring;
use crate::domain::attributes::AttrValue;
use crate::domain::lead::{Contribution, Source};
use crate::domain::Tier;
use crate::scoring::{engagement, evaluate, evaluate_with, rounding};

/// A model that gives every lead the same probability and contributions.
struct FixedModel {
    probability: f64,
}

impl LeadModel for FixedModel {
    fn version(&self) -> &str {
        "model-test"
    }

    fn score(&self, _lead: &Lead) -> ModelScore {
        ModelScore {
            probability: self.probability,
            contributions: vec![
                ("Lead Origin=lead add form".to_string(), 2.5),
                ("Do Not Email=yes".to_string(), -1.25),
                ("TotalVisits".to_string(), 0.5),
            ],
        }
    }
}

fn blend(probability: f64, weight: f64, top: usize) -> ModelBlend {
    ModelBlend {
        model: Arc::new(FixedModel { probability }),
        weight,
        top_contributions: top,
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

/// Fit 50 (capped) and a demo request (40 engagement): 90 by the rules.
fn ideal_lead_with_demo() -> Lead {
    let cfg = example_scoring();
    let mut l = Lead::new("ld_h".into(), Some("ana@acme.io".into()), None, t0());
    for (k, v) in [
        ("title", AttrValue::from("VP Marketing")),
        ("company_size", AttrValue::from(250i64)),
        ("industry", AttrValue::from("Software")),
        ("country", AttrValue::from("US")),
    ] {
        l.attributes.insert(k.to_string(), v);
    }
    engagement::add_event(
        &mut l.engagement,
        "demo_request",
        40.0,
        t0(),
        cfg.engagement.half_life.delta(),
    );
    l
}

fn with_model<'a>(blend: &'a ModelBlend) -> Scorer<'a> {
    Scorer {
        version: "rules-x+model-test@0.4",
        model: Some(blend),
    }
}

#[test]
fn the_total_blends_rules_and_model_and_the_lines_add_up() {
    let cfg = example_scoring();
    let b = blend(0.75, 0.4, 2);
    let e = evaluate_with(&ideal_lead_with_demo(), &cfg, with_model(&b), t0());
    // 0.6 * 90 + 0.4 * 75
    assert_eq!(e.score.total, 84.0);
    assert_eq!(e.score.fit, 30.0);
    assert_eq!(e.score.engagement, 24.0);
    assert_eq!(e.score.model, 30.0);
    assert_eq!(e.score.model_version, "rules-x+model-test@0.4");
    assert_eq!(e.tier, Tier::A);
    let lines: f64 = e.score.explanation.iter().map(|c| c.points).sum();
    assert_eq!(rounding::round2(lines), 84.0);

    let model_lines: Vec<&Contribution> = e
        .score
        .explanation
        .iter()
        .filter(|c| c.source == Source::Model)
        .collect();
    assert_eq!(
        model_lines.len(),
        3,
        "the blend line and the top 2 features"
    );
    assert_eq!(model_lines[0].rule, "model-test");
    assert_eq!(model_lines[0].points, 30.0);
    assert_eq!(model_lines[1].rule, "Lead Origin=lead add form");
    assert_eq!(model_lines[1].log_odds, Some(2.5));
    assert_eq!(model_lines[1].points, 0.0);
    assert_eq!(model_lines[2].log_odds, Some(-1.25));
}

#[test]
fn weight_zero_scores_as_the_rules_and_weight_one_as_the_model() {
    let cfg = example_scoring();
    let lead = ideal_lead_with_demo();
    let rules = evaluate(&lead, &cfg, "v", t0());
    let none = blend(0.2, 0.0, 0);
    let zero = evaluate_with(&lead, &cfg, with_model(&none), t0());
    assert_eq!(zero.score.total, rules.score.total);
    assert_eq!(zero.tier, rules.tier);
    assert_eq!(zero.next_crossing_at, rules.next_crossing_at);

    let all = blend(0.2, 1.0, 0);
    let one = evaluate_with(&lead, &cfg, with_model(&all), t0());
    assert_eq!(one.score.total, 20.0);
    assert_eq!(one.score.fit + one.score.engagement, 0.0);
    // Nothing of the total decays, so it never crosses a bound.
    assert_eq!(one.next_crossing_at, None);
}

#[test]
fn the_blended_total_is_demoted_when_the_decaying_rules_part_takes_it_below_its_tier() {
    let cfg = example_scoring();
    let lead = ideal_lead_with_demo();
    let b = blend(0.75, 0.4, 0);
    let e = evaluate_with(&lead, &cfg, with_model(&b), t0());
    assert_eq!(e.tier, Tier::A);
    let at = e.next_crossing_at.expect("the demo request decays");
    // Below A's floor minus the margin (75) at the crossing, not a moment before.
    let mut kept = lead.clone();
    kept.tier = Tier::A;
    let before = evaluate_with(&kept, &cfg, with_model(&b), at - TimeDelta::seconds(1));
    let after = evaluate_with(&kept, &cfg, with_model(&b), at + TimeDelta::seconds(1));
    assert!(before.score.total >= 75.0, "{}", before.score.total);
    assert!(after.score.total < 75.0, "{}", after.score.total);
    assert_eq!(after.tier, Tier::B);
}

#[test]
fn a_disqualified_lead_stays_tier_d_whatever_the_model_says() {
    let cfg = example_scoring();
    let mut lead = ideal_lead_with_demo();
    lead.attributes
        .insert("title".to_string(), AttrValue::from("Student"));
    let b = blend(0.99, 0.9, 1);
    let e = evaluate_with(&lead, &cfg, with_model(&b), t0());
    assert!(e.disqualification.is_some());
    assert_eq!(e.tier, Tier::D);
}

#[test]
fn the_version_names_rules_model_and_weight() {
    let b = blend(0.5, 0.25, 3);
    assert_eq!(
        scoring_version("rules-1234abcd", Some(&b)),
        "rules-1234abcd+model-test@0.25"
    );
    assert_eq!(scoring_version("rules-1234abcd", None), "rules-1234abcd");
}
