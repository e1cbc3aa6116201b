//! The simulated sales team: deterministic plans, valid dispositions, working hours, and a
//! realistic share of leads nobody picks up.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::domain::{Rep, Tier};
use leadflow::lifecycle::disposition::{apply_disposition, Disposition, Outcome};
use leadflow_demo::{Persona, SalesTeam, Scenario};

use common::{assigned_lead, example_config, scenario};

/// (email, persona, tier, rep, assigned_at) for many leads of the scenario, assigned across
/// its roster at the times their people first showed up.
fn assignments(s: &Scenario, n: usize) -> Vec<(String, Persona, Tier, Rep, DateTime<Utc>)> {
    let mut seen = std::collections::HashSet::new();
    s.events
        .iter()
        .filter_map(|e| e.email.clone().map(|m| (m, e.occurred_at)))
        .filter(|(m, _)| seen.insert(m.clone()))
        .take(n)
        .enumerate()
        .map(|(i, (email, at))| {
            let persona = s.truth[&email].clone();
            let tier = [Tier::A, Tier::B, Tier::B, Tier::C][i % 4];
            let rep = s.reps[i % s.reps.len()].clone();
            (email, persona, tier, rep, at)
        })
        .collect()
}

fn plans(s: &Scenario, team: &SalesTeam, n: usize) -> Vec<(Rep, DateTime<Utc>, Vec<Disposition>)> {
    let config = example_config();
    assignments(s, n)
        .into_iter()
        .map(|(email, persona, tier, rep, at)| {
            let lead = assigned_lead(&email, tier, &rep, at, &config);
            let plan = team.plan(&lead, &rep, at, Some(&persona));
            (rep, at, plan)
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_plans_in_any_order() {
    let s = scenario(11);
    let config = example_config();
    let team = SalesTeam::new(&s, &config);
    let forward = plans(&s, &team, 300);
    let again = plans(&s, &SalesTeam::new(&s, &config), 300);
    assert_eq!(forward, again);

    // Asked in reverse order, each lead still gets the same plan.
    let mut backward: Vec<_> = assignments(&s, 300)
        .into_iter()
        .rev()
        .map(|(email, persona, tier, rep, at)| {
            let lead = assigned_lead(&email, tier, &rep, at, &config);
            (rep.clone(), at, team.plan(&lead, &rep, at, Some(&persona)))
        })
        .collect();
    backward.reverse();
    assert_eq!(forward, backward);

    let other = scenario(12);
    assert_ne!(
        plans(&other, &SalesTeam::new(&other, &config), 300),
        forward
    );
}

#[test]
fn every_plan_is_accepted_by_the_real_disposition_rules() {
    let s = scenario(3);
    let config = example_config();
    let team = SalesTeam::new(&s, &config);
    let mut outcomes = std::collections::HashMap::new();
    for (email, persona, tier, rep, at) in assignments(&s, 1500) {
        let mut lead = assigned_lead(&email, tier, &rep, at, &config);
        let mut last = at;
        for d in team.plan(&lead, &rep, at, Some(&persona)) {
            assert_eq!(d.rep_id, rep.id);
            let when = d.occurred_at.expect("every disposition has its time");
            assert!(when > last, "{email}: dispositions go forward in time");
            last = when;
            let applied = apply_disposition(&lead, &d, &config.dispositions, &config.sla, when)
                .unwrap_or_else(|e| panic!("{email}: {:?} refused: {e}", d.outcome));
            lead = applied.lead;
            *outcomes.entry(d.outcome).or_insert(0usize) += 1;
        }
    }
    // Every kind of ending happens.
    for outcome in Outcome::ALL {
        assert!(
            outcomes.get(&outcome).copied().unwrap_or(0) > 0,
            "no {outcome}"
        );
    }
}

#[test]
fn reps_work_only_in_their_hours_and_not_while_away() {
    let s = scenario(5);
    let team = SalesTeam::new(&s, &example_config());
    let absences: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = s
        .roster_changes
        .iter()
        .filter_map(|(at, r)| r.out_of_office_until.map(|u| (r.id.clone(), *at, u)))
        .collect();
    assert!(!absences.is_empty(), "the scenario has absences");
    let mut checked = 0;
    for (rep, _, plan) in plans(&s, &team, 1500) {
        let hours = rep
            .working_hours
            .as_ref()
            .expect("generated reps have hours");
        for d in plan {
            let at = d.occurred_at.unwrap();
            assert!(hours.is_working(at), "{} works at {at}", rep.id);
            let away = absences
                .iter()
                .any(|(id, from, until)| *id == rep.id && at >= *from && at < *until);
            assert!(!away, "{} works at {at} while away", rep.id);
            checked += 1;
        }
    }
    assert!(checked > 3000, "only {checked} dispositions checked");
}

#[test]
fn a_few_leads_are_never_contacted_and_a_leads_are_answered_fastest() {
    let s = scenario(8);
    let team = SalesTeam::new(&s, &example_config());
    let all = plans(&s, &team, 2000);
    let never = all.iter().filter(|(_, _, p)| p.is_empty()).count();
    let rate = never as f64 / all.len() as f64;
    assert!((0.01..=0.07).contains(&rate), "never contacted: {rate:.3}");

    // Median time to first contact during working hours, by tier: A well before B, B before C.
    let config = example_config();
    let mut by_tier: std::collections::BTreeMap<Tier, Vec<TimeDelta>> = Default::default();
    for (email, persona, tier, rep, at) in assignments(&s, 2000) {
        if !rep.working_hours.as_ref().unwrap().is_working(at) {
            continue;
        }
        let lead = assigned_lead(&email, tier, &rep, at, &config);
        if let Some(first) = team.plan(&lead, &rep, at, Some(&persona)).first() {
            by_tier
                .entry(tier)
                .or_default()
                .push(first.occurred_at.unwrap() - at);
        }
    }
    let median = |t: Tier| {
        let mut v = by_tier[&t].clone();
        v.sort();
        v[v.len() / 2]
    };
    assert!(
        median(Tier::A) < TimeDelta::minutes(10),
        "A: {}",
        median(Tier::A)
    );
    assert!(median(Tier::A) < median(Tier::B));
    assert!(median(Tier::B) < median(Tier::C));
}

#[test]
fn outcomes_follow_the_truth() {
    let s = scenario(9);
    let team = SalesTeam::new(&s, &example_config());
    let config = example_config();
    let (mut buyers_won, mut buyers, mut others_won) = (0, 0, 0);
    for (email, persona, tier, rep, at) in assignments(&s, 2000) {
        let lead = assigned_lead(&email, tier, &rep, at, &config);
        let plan = team.plan(&lead, &rep, at, Some(&persona));
        let won = plan.iter().find(|d| d.outcome == Outcome::Won);
        if persona.will_convert {
            buyers += 1;
            buyers_won += usize::from(won.is_some());
        } else {
            others_won += usize::from(won.is_some());
        }
        if let Some(w) = won {
            let amount = w.amount.expect("a win has an amount");
            assert!(amount <= persona.deal_size && amount >= 0.8 * persona.deal_size);
        }
        if !persona.segment.can_buy() {
            let last = plan.last();
            assert!(last.is_none_or(|d| d.outcome == Outcome::Disqualified));
        }
    }
    assert_eq!(others_won, 0, "only buyers win");
    assert!(
        buyers_won * 10 >= buyers * 7,
        "{buyers_won} of {buyers} buyers won"
    );
}
