//! Routing one lead among 50 reps: one team of 50, and five rules over five teams of 10.
//! The pools are warmed up first so that every rep holds a slot, as in steady operation.

use std::hint::black_box;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};

use leadflow::config::{RoutingConfig, RoutingRule, Strategy};
use leadflow::domain::condition::{FieldCondition, Matcher, Scalar};
use leadflow::domain::{AttrValue, Lead, Rep};
use leadflow::routing::{route, PoolStates, RepLoad};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

fn roster(teams: usize, per_team: usize) -> Vec<RepLoad> {
    (0..teams * per_team)
        .map(|i| {
            let mut rep = Rep::new(&format!("rep{i:03}"), &format!("team{}", i / per_team));
            rep.capacity = 1_000_000;
            rep.weight = 1 + (i % 3) as u32;
            RepLoad::new(rep, (i % 7) as u32)
        })
        .collect()
}

/// Rules on `country`, in order; the lead matches the last one, so all five are evaluated.
fn config(strategy: Strategy, teams: usize) -> RoutingConfig {
    RoutingConfig {
        strategy,
        account_match: true,
        respect_working_hours: false,
        fallback: "unassigned".into(),
        rules: (0..teams)
            .map(|t| RoutingRule {
                name: format!("rule {t}"),
                when: vec![FieldCondition {
                    field: "country".into(),
                    matcher: Matcher::In(vec![
                        Scalar::Text(format!("C{t}")),
                        Scalar::Text("XX".into()),
                    ]),
                }],
                team: format!("team{t}"),
            })
            .collect(),
    }
}

fn lead(country: &str) -> Lead {
    let mut lead = Lead::new("ld_1".into(), Some("kim@acme.io".into()), None, now());
    lead.attributes
        .insert("country".into(), AttrValue::Text(country.into()));
    lead
}

/// Pools after every rep has had a few leads.
fn warm(config: &RoutingConfig, reps: &[RepLoad], lead: &Lead) -> PoolStates {
    let mut reps = reps.to_vec();
    let mut pools = PoolStates::default();
    for _ in 0..200 {
        let d = route(lead, config, &reps, &pools, None, None, now());
        d.apply(&mut reps, &mut pools).expect("fresh pools");
    }
    pools
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("route one lead among 50 reps");
    let cases = [
        ("one team of 50", 1, 50, "C0"),
        ("5 rules, 5 teams of 10", 5, 10, "C4"),
    ];
    for (name, teams, per_team, country) in cases {
        for strategy in [
            Strategy::RoundRobin,
            Strategy::Weighted,
            Strategy::LeastLoaded,
        ] {
            let config = config(strategy, teams);
            let reps = roster(teams, per_team);
            let lead = lead(country);
            let pools = warm(&config, &reps, &lead);
            group.bench_function(format!("{name}/{}", strategy.as_str()), |b| {
                b.iter(|| route(black_box(&lead), &config, &reps, &pools, None, None, now()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
