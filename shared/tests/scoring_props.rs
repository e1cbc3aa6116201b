//! Invariants of scoring, for any lead and any events.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::config::{Config, EXAMPLE_TOML};
use leadflow::domain::{AttrValue, Attributes, Lead};
use leadflow::lifecycle::activity::{apply_event, EventInput, EventKind};
use leadflow::scoring::{self, engagement};
use proptest::prelude::*;

fn config() -> Config {
    toml::from_str(EXAMPLE_TOML).unwrap()
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

const SIGNALS: [&str; 8] = [
    "demo_request",
    "pricing_page_view",
    "webinar_attended",
    "content_download",
    "email_click",
    "email_open",
    "page_view",
    "careers_page_view",
];

#[derive(Debug, Clone)]
struct Ev {
    signal: Option<&'static str>,
    minutes: i64,
    attrs: Vec<(&'static str, AttrValue)>,
}

fn attr_strategy() -> impl Strategy<Value = (&'static str, AttrValue)> {
    prop_oneof![
        prop::sample::select(vec![
            "VP Sales",
            "Engineer",
            "Head of Data",
            "Student",
            "Chief of Staff"
        ])
        .prop_map(|t| ("title", AttrValue::from(t))),
        (0i64..20_000).prop_map(|n| ("company_size", AttrValue::from(n))),
        prop::sample::select(vec!["software", "fintech", "retail", "Healthcare"])
            .prop_map(|i| ("industry", AttrValue::from(i))),
        prop::sample::select(vec!["US", "GB", "FR", "IN"])
            .prop_map(|c| ("country", AttrValue::from(c))),
        prop::sample::select(vec!["acme.io", "rivalcorp.com"])
            .prop_map(|d| ("company_domain", AttrValue::from(d))),
    ]
}

fn event_strategy() -> impl Strategy<Value = Ev> {
    (
        prop::option::weighted(0.8, prop::sample::select(SIGNALS.to_vec())),
        0i64..(90 * 24 * 60),
        prop::collection::vec(attr_strategy(), 0..3),
    )
        .prop_map(|(signal, minutes, attrs)| Ev {
            signal,
            minutes,
            attrs,
        })
}

fn apply_all(events: &[Ev], email: &str, cfg: &Config, now: DateTime<Utc>) -> Lead {
    let mut lead = Lead::new("ld_p".into(), Some(email.into()), None, base());
    for (i, ev) in events.iter().enumerate() {
        let attrs: Attributes = ev
            .attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let id = format!("e{i}");
        let input = EventInput {
            event_id: &id,
            kind: ev.signal.map_or(EventKind::Identify, EventKind::Signal),
            occurred_at: base() + TimeDelta::minutes(ev.minutes),
            attributes: &attrs,
        };
        lead = apply_event(lead, &input, cfg, "v", now).lead;
    }
    lead
}

fn hundredths(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_explanation_adds_up_to_the_unclamped_total(
        events in prop::collection::vec(event_strategy(), 0..25),
        personal in any::<bool>(),
        later_days in 0i64..120,
    ) {
        let cfg = config();
        let email = if personal { "x@gmail.com" } else { "x@acme.io" };
        let now = base() + TimeDelta::days(90 + later_days);
        let lead = apply_all(&events, email, &cfg, now);
        let e = scoring::evaluate(&lead, &cfg.scoring, "v", now);
        let lines: i64 = e.score.explanation.iter().map(|c| hundredths(c.points)).sum();
        let parts = hundredths(e.score.fit) + hundredths(e.score.engagement) + hundredths(e.score.negative);
        prop_assert_eq!(lines, parts);
        prop_assert_eq!(hundredths(e.score.total), parts.clamp(0, 10_000));
        prop_assert!(e.score.fit <= cfg.scoring.fit.max);
        prop_assert!(e.score.engagement <= cfg.scoring.engagement.max);
    }

    #[test]
    fn decay_brought_forward_in_steps_equals_decay_brought_forward_at_once(
        events in prop::collection::vec(event_strategy(), 1..20),
        steps in prop::collection::vec(1i64..(40 * 24 * 60), 1..10),
    ) {
        let cfg = config();
        let half_life = cfg.scoring.engagement.half_life.delta();
        let now = base() + TimeDelta::days(90);
        let lead = apply_all(&events, "x@acme.io", &cfg, now);
        let mut stepped = lead.engagement.clone();
        let mut at = now;
        for m in &steps {
            at += TimeDelta::minutes(*m);
            engagement::bring_forward(&mut stepped, at, half_life);
        }
        let mut once = lead.engagement.clone();
        engagement::bring_forward(&mut once, at, half_life);
        for (signal, s) in &once.signals {
            let v = stepped.signals[signal].value;
            prop_assert!((v - s.value).abs() <= 1e-9 * s.value.max(1.0), "{}: {} vs {}", signal, v, s.value);
        }
        // And the score read at `at` is the same either way.
        let mut a = lead.clone();
        a.engagement = stepped;
        let mut b = lead;
        b.engagement = once;
        let ea = scoring::evaluate(&a, &cfg.scoring, "v", at);
        let eb = scoring::evaluate(&b, &cfg.scoring, "v", at);
        prop_assert!((ea.score.total - eb.score.total).abs() <= 0.01);
    }

    #[test]
    fn the_order_in_which_events_arrive_does_not_change_the_score(
        events in prop::collection::vec(event_strategy(), 1..20),
        seed in any::<u64>(),
    ) {
        let cfg = config();
        let now = base() + TimeDelta::days(91);
        let in_order = apply_all(&events, "x@acme.io", &cfg, now);
        let mut shuffled = events.clone();
        // A seeded xorshift Fisher–Yates, so a failing permutation is reproducible.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let other = apply_all(&shuffled, "x@acme.io", &cfg, now);
        let (a, b) = (
            scoring::evaluate(&in_order, &cfg.scoring, "v", now),
            scoring::evaluate(&other, &cfg.scoring, "v", now),
        );
        prop_assert_eq!(&in_order.attributes, &other.attributes);
        prop_assert!((a.score.total - b.score.total).abs() <= 0.01, "{} vs {}", a.score.total, b.score.total);
        prop_assert_eq!(a.disqualification, b.disqualification);
        let half_life = cfg.scoring.engagement.half_life.delta();
        for (signal, s) in &in_order.engagement.signals {
            let o = &other.engagement.signals[signal];
            prop_assert_eq!(s.count, o.count);
            let (va, vb) = (engagement::value_at(s, now, half_life), engagement::value_at(o, now, half_life));
            prop_assert!((va - vb).abs() <= 1e-9 * va.max(1.0));
        }
    }
}
