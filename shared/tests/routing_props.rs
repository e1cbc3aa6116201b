//! Properties of routing that must hold for any roster and any sequence of leads.
//!
//! Weighted bound (proved in the comment on `weighted_shares_converge_to_the_weights`): with
//! every rep always eligible, after N leads rep i of weight w_i (W the sum of weights, R the
//! number of reps) holds n_i leads with
//!     N·w_i/W − min(R − 1, R·w_i/W)  ≤  n_i  ≤  N·w_i/W + 1.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use leadflow::config::{RoutingConfig, RoutingRule, Strategy};
use leadflow::domain::condition::{FieldCondition, Matcher, Scalar};
use leadflow::domain::{AttrValue, Lead, Rep};
use leadflow::routing::{route, Outcome, PoolStates, RepLoad, Verdict, Via};

const TEAM: &str = "inbound";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

fn one_team(strategy: Strategy) -> RoutingConfig {
    RoutingConfig {
        strategy,
        account_match: false,
        respect_working_hours: false,
        fallback: "unassigned".into(),
        rules: vec![RoutingRule {
            name: "everyone".into(),
            when: vec![],
            team: TEAM.into(),
        }],
    }
}

fn lead() -> Lead {
    Lead::new("ld_1".into(), Some("kim@acme.io".into()), None, now())
}

/// Reps r00, r01, ... of one team with the given weights and no capacity limit.
fn unbounded_team(weights: &[u32]) -> Vec<RepLoad> {
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut rep = Rep::new(&format!("r{i:02}"), TEAM);
            rep.weight = *w;
            rep.capacity = u32::MAX;
            RepLoad::new(rep, 0)
        })
        .collect()
}

/// Route one lead, apply the decision, and return the index of the rep who got it.
fn route_one(
    config: &RoutingConfig,
    reps: &mut [RepLoad],
    pools: &mut PoolStates,
) -> Option<usize> {
    let decision = route(&lead(), config, reps, pools, None, None, now());
    decision.apply(reps, pools).unwrap();
    let owner = decision.assigned_rep()?;
    reps.iter().position(|r| r.rep.id == owner)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Equal-weight round robin, everyone always eligible: counts never differ by more than one.
    #[test]
    fn round_robin_counts_never_differ_by_more_than_one(reps in 1usize..=12, leads in 0usize..=200) {
        let config = one_team(Strategy::RoundRobin);
        let mut team = unbounded_team(&vec![1; reps]);
        let mut pools = PoolStates::default();
        for _ in 0..leads {
            prop_assert!(route_one(&config, &mut team, &mut pools).is_some());
            let max = team.iter().map(|r| r.open_leads).max().unwrap();
            let min = team.iter().map(|r| r.open_leads).min().unwrap();
            prop_assert!(max - min <= 1, "counts {:?}", team.iter().map(|r| r.open_leads).collect::<Vec<_>>());
        }
    }

    /// Proof of the bound. Weights 1..=24 have exact strides s_i = U/w_i. With everyone
    /// always eligible nobody is ever clamped, so rep i's pass is n_i·s_i. Let m be the
    /// smallest pass. Invariant: m ≤ pass_i ≤ m + s_i for all i (true at 0; the chosen rep
    /// had pass m and moves to m + s_i; m never decreases). Hence n_i ≤ m·w_i/U + 1, and
    /// N = Σ n_j ≥ m·W/U gives n_i ≤ N·w_i/W + 1. From below, n_i ≥ m·w_i/U with
    /// N ≤ m·W/U + R gives n_i ≥ (N − R)·w_i/W, and n_i = N − Σ_{j≠i} n_j with the upper
    /// bound on each other rep gives n_i ≥ N·w_i/W − (R − 1). Checked after every lead, in
    /// integers (multiplied by W).
    #[test]
    fn weighted_shares_converge_to_the_weights(
        weights in prop::collection::vec(1u32..=24, 1..=8),
        leads in 0usize..=300,
    ) {
        let config = one_team(Strategy::Weighted);
        let mut team = unbounded_team(&weights);
        let mut pools = PoolStates::default();
        let total_weight: i64 = weights.iter().map(|w| i64::from(*w)).sum();
        let reps = weights.len() as i64;
        for n in 1..=leads as i64 {
            prop_assert!(route_one(&config, &mut team, &mut pools).is_some());
            for (r, w) in team.iter().zip(&weights) {
                let (got, w) = (i64::from(r.open_leads) * total_weight, i64::from(*w));
                let fair = n * w;
                prop_assert!(got <= fair + total_weight, "{} over its share after {n}: {got} > {fair} + {total_weight}", r.rep.id);
                prop_assert!(got + (reps - 1) * total_weight >= fair, "{} under its share after {n}", r.rep.id);
                prop_assert!(got + reps * w >= fair, "{} under (N-R) share after {n}", r.rep.id);
            }
        }
    }

    /// No rep ever holds more open leads than its capacity, whatever the strategy and the
    /// order of assignments and closes.
    #[test]
    fn no_rep_ever_exceeds_capacity(
        strategy in prop_oneof![Just(Strategy::RoundRobin), Just(Strategy::Weighted), Just(Strategy::LeastLoaded)],
        capacities in prop::collection::vec(0u32..=4, 1..=6),
        weights in prop::collection::vec(0u32..=5, 6),
        // Some(i): close one open lead of rep i; None: route a new lead.
        ops in prop::collection::vec(prop::option::of(0usize..6), 0..=120),
    ) {
        let config = one_team(strategy);
        let mut team: Vec<RepLoad> = capacities
            .iter()
            .zip(&weights)
            .enumerate()
            .map(|(i, (c, w))| {
                let mut rep = Rep::new(&format!("r{i}"), TEAM);
                rep.capacity = *c;
                rep.weight = *w;
                RepLoad::new(rep, 0)
            })
            .collect();
        let mut pools = PoolStates::default();
        for op in ops {
            match op {
                Some(i) => {
                    let r = &mut team[i % capacities.len()];
                    r.open_leads = r.open_leads.saturating_sub(1);
                }
                None => {
                    route_one(&config, &mut team, &mut pools);
                }
            }
            for r in &team {
                prop_assert!(r.open_leads <= r.rep.capacity, "{} holds {} > {}", r.rep.id, r.open_leads, r.rep.capacity);
            }
        }
    }

    /// Every routed lead gets exactly one owner who could take it, or the fallback queue when
    /// nobody could; applying the decision counts exactly that one lead.
    #[test]
    fn every_lead_gets_exactly_one_owner_or_the_fallback(
        strategy in prop_oneof![Just(Strategy::RoundRobin), Just(Strategy::Weighted), Just(Strategy::LeastLoaded)],
        roster in prop::collection::vec((0usize..3, any::<bool>(), any::<bool>(), 0u32..=3, 0u32..=3, 0u32..=3), 0..=9),
        country in 0usize..4,
        account_owner in prop::option::of(0usize..10),
        previous in prop::collection::vec(0usize..10, 0..=3),
        leads in 1usize..=20,
    ) {
        let teams = ["north", "south", "west"];
        let config = RoutingConfig {
            strategy,
            account_match: true,
            respect_working_hours: false,
            fallback: "waiting".into(),
            rules: teams
                .iter()
                .enumerate()
                .map(|(i, t)| RoutingRule {
                    name: format!("rule {t}"),
                    when: vec![FieldCondition {
                        field: "country".into(),
                        matcher: Matcher::In(vec![Scalar::Text(format!("C{i}"))]),
                    }],
                    team: t.to_string(),
                })
                .collect(),
        };
        let mut reps: Vec<RepLoad> = roster
            .iter()
            .enumerate()
            .map(|(i, (team, active, away, capacity, open, weight))| {
                let mut rep = Rep::new(&format!("r{i}"), teams[*team]);
                rep.active = *active;
                rep.out_of_office_until = away.then(|| now() + Duration::hours(1));
                rep.capacity = *capacity;
                rep.weight = *weight;
                RepLoad::new(rep, (*open).min(*capacity))
            })
            .collect();
        let mut lead = lead();
        lead.attributes.insert("country".into(), AttrValue::Text(format!("C{country}")));
        lead.previous_owners = previous.iter().map(|p| format!("r{p}")).collect();
        let owner_id = account_owner.map(|a| format!("r{a}"));
        let mut pools = PoolStates::default();

        for _ in 0..leads {
            let d = route(&lead, &config, &reps, &pools, owner_id.as_deref(), None, now());
            let before: Vec<u32> = reps.iter().map(|r| r.open_leads).collect();
            d.apply(&mut reps, &mut pools).unwrap();
            let gained: Vec<usize> = (0..reps.len()).filter(|&i| reps[i].open_leads != before[i]).collect();
            let anyone_eligible = d.candidates.iter().any(|c| c.verdict == Verdict::Eligible)
                || d.account_owner.as_ref().is_some_and(|c| c.verdict == Verdict::Eligible);
            match &d.outcome {
                Outcome::Assigned { rep_id, via } => {
                    prop_assert_eq!(gained.len(), 1);
                    let i = gained[0];
                    prop_assert_eq!(&reps[i].rep.id, rep_id);
                    prop_assert_eq!(reps[i].open_leads, before[i] + 1);
                    prop_assert!(before[i] < reps[i].rep.capacity && reps[i].rep.active && reps[i].rep.out_of_office_until.is_none());
                    let considered = match via {
                        Via::Rotation => {
                            prop_assert_eq!(Some(&reps[i].rep.team), d.team.as_ref());
                            prop_assert!(d.pool_update.is_some());
                            d.candidates.iter().find(|c| &c.rep_id == rep_id)
                        }
                        Via::AccountOwner => {
                            prop_assert_eq!(Some(rep_id), owner_id.as_ref());
                            prop_assert!(d.pool_update.is_none());
                            d.account_owner.as_ref()
                        }
                    };
                    prop_assert_eq!(considered.map(|c| c.verdict), Some(Verdict::Eligible));
                }
                Outcome::Fallback { queue, .. } => {
                    prop_assert_eq!(queue, "waiting");
                    prop_assert!(gained.is_empty());
                    prop_assert!(d.pool_update.is_none());
                    prop_assert!(!anyone_eligible, "fallback while someone was eligible: {:?}", d);
                }
            }
        }
    }

    /// A rep who stays eligible while the others come and go at random is never starved:
    /// between two of its leads (and before its first) nobody else gets two, so it gets at
    /// least one lead in every window of (number of reps) leads.
    #[test]
    fn flapping_never_starves_a_rep_who_stays_eligible(
        reps in 2usize..=8,
        steady in 0usize..8,
        // Per lead, bit i set: rep i is away (the steady rep's bit is ignored).
        away in prop::collection::vec(any::<u8>(), 1..=200),
        use_leave in any::<bool>(),
    ) {
        let steady = steady % reps;
        let config = one_team(Strategy::RoundRobin);
        let mut team = unbounded_team(&vec![1; reps]);
        let mut pools = PoolStates::default();
        let mut owners = Vec::new();
        let mut since_steady = vec![0u32; reps];
        for mask in away {
            for (i, r) in team.iter_mut().enumerate() {
                let is_away = i != steady && mask & (1 << i) != 0;
                // Unavailable either by leave or by being switched off.
                r.rep.active = !is_away || use_leave;
                r.rep.out_of_office_until = (is_away && use_leave).then(|| now() + Duration::hours(1));
            }
            let owner = route_one(&config, &mut team, &mut pools);
            prop_assert!(owner.is_some(), "the steady rep is always eligible");
            let owner = owner.unwrap();
            if owner == steady {
                since_steady.iter_mut().for_each(|c| *c = 0);
            } else {
                since_steady[owner] += 1;
                prop_assert!(since_steady[owner] <= 1, "{} got two leads while r{steady:02} waited", team[owner].rep.id);
            }
            owners.push(owner);
        }
        for window in owners.windows(reps) {
            prop_assert!(window.contains(&steady), "r{steady:02} starved in {window:?}");
        }
    }
}
