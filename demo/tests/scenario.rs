//! The scenario: deterministic for a seed, the right size and shape, valid per the HTTP
//! contract, and with behaviour that follows the hidden intent.

mod common;

use std::collections::{HashMap, HashSet};

use chrono::TimeDelta;
use leadflow::config::validate_rep;
use leadflow::domain::identity::normalize_email;
use leadflow::domain::{AttrValue, Lead, Tier};
use leadflow::lifecycle::activity::{apply_event, EventInput, EventKind};
use leadflow::scoring::rules_version;
use leadflow_demo::{Scenario, ScenarioParams, Segment};

use common::{example_config, scenario, start};

#[test]
fn the_same_seed_gives_the_same_scenario() {
    let a = scenario(42);
    assert_eq!(a, scenario(42));
    let b = scenario(43);
    assert_ne!(a.events, b.events);
}

#[test]
fn four_weeks_has_the_expected_volume() {
    let s = scenario(1);
    let leads = s.truth.len();
    assert!((1_500..=3_000).contains(&leads), "{leads} leads");
    assert!(
        (15_000..=30_000).contains(&s.events.len()),
        "{} events",
        s.events.len()
    );
    assert!((8..=12).contains(&s.reps.len()), "{} reps", s.reps.len());
    assert_eq!(s.end - s.start, TimeDelta::weeks(4));
}

#[test]
fn volume_follows_the_parameters() {
    let config = example_config();
    let params = ScenarioParams {
        weeks: 2,
        leads_per_week: 100,
    };
    let s = Scenario::generate_with(7, params, start(), &config);
    assert_eq!(s.truth.len(), 200);
    assert_eq!(s.end - s.start, TimeDelta::weeks(2));
    assert!(s.events.iter().all(|e| e.occurred_at < s.end));
}

#[test]
fn events_are_sorted_unique_and_valid_per_the_contract() {
    let s = scenario(2);
    let config = example_config();
    let signals = &config.scoring.engagement.signals;
    assert!(s
        .events
        .windows(2)
        .all(|w| w[0].occurred_at <= w[1].occurred_at));
    let mut ids = HashSet::new();
    for e in &s.events {
        assert!(ids.insert(e.id.clone()), "duplicate id {}", e.id);
        assert!((1..=128).contains(&e.id.len()));
        assert!(e.occurred_at >= s.start && e.occurred_at < s.end);
        let known = e.event_type == "identify"
            || signals.contains_key(&e.event_type)
            || e.event_type == "careers_page_view";
        assert!(known, "unknown type {}", e.event_type);
        match &e.email {
            Some(email) => assert_eq!(normalize_email(email).as_deref(), Ok(email.as_str())),
            None => assert!(e.external_id.is_some(), "{} has no identity", e.id),
        }
        if let Some(country) = e.attributes.get("country") {
            let code = country.as_text().expect("country is text");
            assert!(code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()));
        }
        if let Some(size) = e.attributes.get("company_size") {
            let AttrValue::Number(n) = size else {
                panic!("company_size is a number")
            };
            assert!(*n >= 0.0 && n.fract() == 0.0, "company_size {n}");
        }
        if e.event_type != "identify" {
            assert!(e.attributes.is_empty(), "only identify carries attributes");
        }
    }
    // Every person identifies once, with attributes, and is in the truth.
    let identifies: Vec<_> = s
        .events
        .iter()
        .filter(|e| e.event_type == "identify")
        .collect();
    assert_eq!(identifies.len(), s.truth.len());
    for e in identifies {
        assert!(s.truth.contains_key(e.email.as_ref().unwrap()));
        assert!(e.attributes.contains_key("title"));
    }
}

#[test]
fn the_roster_is_valid_and_covers_every_routed_team() {
    let s = scenario(4);
    let config = example_config();
    for rep in &s.reps {
        validate_rep(rep).unwrap_or_else(|e| panic!("{}: {e}", rep.id));
        assert!(rep.working_hours.is_some());
    }
    let ids: HashSet<_> = s.reps.iter().map(|r| &r.id).collect();
    assert_eq!(ids.len(), s.reps.len(), "rep ids are unique");
    for rule in &config.routing.rules {
        assert!(
            s.reps.iter().any(|r| r.team == rule.team && r.active),
            "no active rep for team {}",
            rule.team
        );
    }
    let capacities: HashSet<u32> = s.reps.iter().map(|r| r.capacity).collect();
    assert!(capacities.len() > 1, "capacities differ");
    assert!(s.roster_changes.windows(2).all(|w| w[0].0 <= w[1].0));
    let away = s
        .roster_changes
        .iter()
        .filter(|(at, r)| r.out_of_office_until.is_some_and(|u| u > *at))
        .count();
    assert!(away >= 2, "{away} absences");
    for (at, rep) in &s.roster_changes {
        assert!(*at >= s.start && *at < s.end);
        assert!(
            ids.contains(&rep.id),
            "a change to an unknown rep {}",
            rep.id
        );
    }
}

#[test]
fn segments_cover_the_config_s_negative_rules() {
    let s = scenario(6);
    let count = |seg: Segment| s.truth.values().filter(|p| p.segment == seg).count();
    for seg in Segment::ALL {
        assert!(count(seg) > 0, "no {}", seg.as_str());
    }
    let emails: Vec<&String> = s.truth.keys().collect();
    assert!(emails.iter().any(|e| e.ends_with("@rivalcorp.com")));
    assert!(emails.iter().any(|e| e.ends_with("@gmail.com")));
    assert!(s.events.iter().any(|e| e.event_type == "careers_page_view"));
    assert!(
        s.events.iter().any(|e| e.email.is_none()),
        "anonymous browsing"
    );
}

#[test]
fn ideal_buyers_engage_more_deeply_than_the_rest() {
    let s = scenario(10);
    let high_value = ["demo_request", "pricing_page_view", "webinar_attended"];
    let mut per_lead: HashMap<&str, usize> = HashMap::new();
    for e in &s.events {
        if let (Some(email), true) = (&e.email, high_value.contains(&e.event_type.as_str())) {
            *per_lead.entry(email.as_str()).or_default() += 1;
        }
    }
    let mean = |seg: Segment| {
        let people: Vec<&String> = s
            .truth
            .iter()
            .filter(|(_, p)| p.segment == seg)
            .map(|(e, _)| e)
            .collect();
        let events: usize = people
            .iter()
            .map(|e| per_lead.get(e.as_str()).copied().unwrap_or(0))
            .sum();
        events as f64 / people.len() as f64
    };
    let buyers = mean(Segment::IcpBuyer);
    let off = mean(Segment::OffProfile);
    assert!(
        buyers > 2.0 * off,
        "ICP buyers {buyers:.2} vs off-profile {off:.2}"
    );
    let mean_intent = |seg: Segment| {
        let v: Vec<f64> = s
            .truth
            .values()
            .filter(|p| p.segment == seg)
            .map(|p| p.intent)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean_intent(Segment::IcpBuyer) > mean_intent(Segment::IcpNear));
    assert!(mean_intent(Segment::IcpNear) > mean_intent(Segment::OffProfile));
    let converts = |seg: Segment| {
        s.truth
            .values()
            .filter(|p| p.segment == seg && p.will_convert)
            .count()
    };
    assert_eq!(
        converts(Segment::Competitor) + converts(Segment::Student),
        0
    );
}

/// Scored by the real rules of the example config, the scenario gives sales a realistic
/// flow: a minority of leads become MQLs, some of them tier A, and buyers score higher.
#[test]
fn under_the_example_rules_a_minority_become_mqls() {
    let s = scenario(21);
    let config = example_config();
    let version = rules_version(&config.scoring);
    let mut email_of: HashMap<String, String> = HashMap::new();
    for e in &s.events {
        if let (Some(m), Some(x)) = (&e.email, &e.external_id) {
            email_of.insert(x.clone(), m.clone());
        }
    }
    let mut leads: HashMap<String, Lead> = HashMap::new();
    for e in &s.events {
        let key = e
            .email
            .clone()
            .or_else(|| {
                e.external_id
                    .as_ref()
                    .and_then(|x| email_of.get(x).cloned())
            })
            .expect("every person identifies in time");
        let lead = leads
            .remove(&key)
            .unwrap_or_else(|| Lead::new(key.clone(), Some(key.clone()), None, e.occurred_at));
        let kind = match e.event_type.as_str() {
            "identify" => EventKind::Identify,
            signal => EventKind::Signal(signal),
        };
        let input = EventInput {
            event_id: &e.id,
            kind,
            occurred_at: e.occurred_at,
            attributes: &e.attributes,
        };
        let t = apply_event(lead, &input, &config, &version, e.occurred_at);
        leads.insert(key, t.lead);
    }
    let mqls = leads.values().filter(|l| l.mql).count();
    let share = mqls as f64 / leads.len() as f64;
    assert!((0.08..=0.35).contains(&share), "MQL share {share:.3}");
    let tier_a = leads.values().filter(|l| l.tier == Tier::A).count();
    assert!(tier_a >= 50, "{tier_a} tier A leads");
    let buyer_mql = leads
        .iter()
        .filter(|(m, _)| s.truth[*m].segment == Segment::IcpBuyer)
        .filter(|(_, l)| l.mql)
        .count();
    let buyers = s
        .truth
        .values()
        .filter(|p| p.segment == Segment::IcpBuyer)
        .count();
    assert!(
        buyer_mql as f64 / buyers as f64 > 2.0 * share,
        "buyers become MQLs more often"
    );
    // The negative rules catch the competitor, students and job seekers.
    for (email, lead) in &leads {
        let seg = s.truth[email].segment;
        if matches!(seg, Segment::Competitor | Segment::Student) {
            assert!(
                lead.disqualify_reason.is_some(),
                "{email} ({seg:?}) not disqualified"
            );
        }
    }
}
