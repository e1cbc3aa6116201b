//! Invariants of hybrid scoring (rules blended with a model), for any lead, weight and
//! model output.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::config::{Config, EXAMPLE_TOML};
use leadflow::domain::{AttrValue, Lead, Source};
use leadflow::scoring::{self, engagement, LeadModel, ModelBlend, ModelScore, Scorer};
use proptest::prelude::*;

struct Fixed(f64);

impl LeadModel for Fixed {
    fn version(&self) -> &str {
        "model-prop"
    }

    fn score(&self, _lead: &Lead) -> ModelScore {
        ModelScore {
            probability: self.0,
            contributions: vec![("a=b".to_string(), 1.5), ("c".to_string(), -0.25)],
        }
    }
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

const SIGNALS: [&str; 4] = [
    "demo_request",
    "pricing_page_view",
    "email_open",
    "page_view",
];

fn lead(cfg: &Config, events: &[(usize, i64)], senior: bool, personal: bool) -> Lead {
    let email = if personal { "x@gmail.com" } else { "x@acme.io" };
    let mut lead = Lead::new("ld_h".into(), Some(email.into()), None, base());
    if senior {
        lead.attributes
            .insert("title".into(), AttrValue::from("VP Sales"));
    }
    let half_life = cfg.scoring.engagement.half_life.delta();
    for (signal, minutes) in events {
        let name = SIGNALS[*signal];
        let points = cfg.scoring.engagement.signals[name].points;
        let at = base() + TimeDelta::minutes(*minutes);
        engagement::add_event(&mut lead.engagement, name, points, at, half_life);
    }
    lead
}

fn hundredths(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_explanation_adds_up_to_the_unclamped_blended_total(
        events in prop::collection::vec((0usize..4, 0i64..(60 * 24 * 60)), 0..20),
        senior in any::<bool>(),
        personal in any::<bool>(),
        probability in 0.0f64..=1.0,
        weight in 0.0f64..=1.0,
        top in 0usize..4,
    ) {
        let cfg: Config = toml::from_str(EXAMPLE_TOML).unwrap();
        let now = base() + TimeDelta::days(30);
        let lead = lead(&cfg, &events, senior, personal);
        let blend = ModelBlend { model: Arc::new(Fixed(probability)), weight, top_contributions: top };
        let scorer = Scorer { version: "v", model: Some(&blend) };
        let e = scoring::evaluate_with(&lead, &cfg.scoring, scorer, now);
        let lines: i64 = e.score.explanation.iter().map(|c| hundredths(c.points)).sum();
        let parts = hundredths(e.score.fit) + hundredths(e.score.engagement)
            + hundredths(e.score.negative) + hundredths(e.score.model);
        prop_assert_eq!(lines, parts);
        prop_assert_eq!(hundredths(e.score.total), parts.clamp(0, 10_000));
        // Lines are rounded together, so the model's line may take a hundredth of the others'.
        prop_assert!((hundredths(e.score.model) - hundredths(weight * probability * 100.0)).abs() <= 1);
        let features = e.score.explanation.iter()
            .filter(|c| c.source == Source::Model && c.log_odds.is_some())
            .count();
        prop_assert_eq!(features, top.min(2));

        // Blending moves the total between the rules total and the model score.
        let rules = scoring::evaluate(&lead, &cfg.scoring, "v", now);
        let rules_unclamped: f64 = rules.score.explanation.iter().map(|c| c.points).sum();
        let expected = (1.0 - weight) * rules_unclamped + weight * probability * 100.0;
        prop_assert!((e.score.total - expected.clamp(0.0, 100.0)).abs() <= 0.02,
            "total {} expected {}", e.score.total, expected);
    }
}
