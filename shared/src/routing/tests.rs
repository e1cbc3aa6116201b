//! `route` end to end: rules, eligibility, strategies, account match, fallback, previous
//! owners, fairness when reps come back, determinism and the decision's JSON.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};

use super::*;
use crate::config::RoutingConfig;
use crate::domain::rep::WorkingHours;
use crate::domain::{AttrValue, Lead, Owner, Rep};

/// Tuesday 2026-11-24 10:00 UTC.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

fn config(strategy: &str, extra: &str) -> RoutingConfig {
    let text = format!(
        "strategy = \"{strategy}\"\n{extra}\n\
         [[rules]]\nname = \"enterprise\"\nwhen = {{ company_size = {{ at_least = 1000 }} }}\nteam = \"enterprise\"\n\
         [[rules]]\nname = \"emea\"\nwhen = {{ country = [\"GB\", \"DE\", \"FR\"] }}\nteam = \"emea\"\n\
         [[rules]]\nname = \"us\"\nwhen = {{ country = \"US\" }}\nteam = \"inbound\"\n"
    );
    toml::from_str(&text).unwrap()
}

fn roster(reps: &[(&str, &str)]) -> Vec<RepLoad> {
    reps.iter()
        .map(|(id, team)| RepLoad::new(Rep::new(id, team), 0))
        .collect()
}

fn lead(country: &str) -> Lead {
    let mut lead = Lead::new("ld_1".into(), Some("kim@acme.io".into()), None, now());
    lead.attributes
        .insert("country".into(), AttrValue::Text(country.into()));
    lead
}

fn rep_mut<'a>(reps: &'a mut [RepLoad], id: &str) -> &'a mut RepLoad {
    reps.iter_mut().find(|r| r.rep.id == id).unwrap()
}

fn verdict(decision: &RoutingDecision, id: &str) -> Verdict {
    decision
        .candidates
        .iter()
        .find(|c| c.rep_id == id)
        .unwrap()
        .verdict
}

fn skipped(reason: SkipReason) -> Verdict {
    Verdict::Skipped { reason }
}

/// Routes leads and applies each decision, like the route use case does.
struct Desk {
    config: RoutingConfig,
    reps: Vec<RepLoad>,
    pools: PoolStates,
}

impl Desk {
    fn new(config: RoutingConfig, reps: Vec<RepLoad>) -> Self {
        Desk {
            config,
            reps,
            pools: PoolStates::default(),
        }
    }

    fn route_at(
        &mut self,
        lead: &Lead,
        account_owner: Option<&str>,
        at: DateTime<Utc>,
    ) -> RoutingDecision {
        let d = route(
            lead,
            &self.config,
            &self.reps,
            &self.pools,
            account_owner,
            None,
            at,
        );
        d.apply(&mut self.reps, &mut self.pools).unwrap();
        d
    }

    fn owners(&mut self, lead: &Lead, n: usize, at: DateTime<Utc>) -> Vec<String> {
        (0..n)
            .map(|_| {
                self.route_at(lead, None, at)
                    .assigned_rep()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }
}

#[test]
fn the_first_matching_rule_picks_the_team() {
    let reps = roster(&[("ana", "inbound"), ("chloe", "emea"), ("dev", "enterprise")]);
    let cfg = config("round_robin", "");
    let mut big_fr = lead("FR");
    big_fr
        .attributes
        .insert("company_size".into(), AttrValue::Number(5000.0));
    let d = route(
        &big_fr,
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert_eq!(d.rule.as_deref(), Some("enterprise"));
    assert_eq!(d.team.as_deref(), Some("enterprise"));
    assert_eq!(d.assigned_rep(), Some("dev"));
    assert_eq!(d.candidates.len(), 1, "only the team's reps are candidates");
    let d = route(
        &lead("fr"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert_eq!(
        (d.rule.as_deref(), d.assigned_rep()),
        (Some("emea"), Some("chloe"))
    );
}

#[test]
fn every_skip_reason_is_recorded_and_the_eligible_rep_gets_the_lead() {
    let mut reps = roster(&[
        ("ana", "inbound"),
        ("ben", "inbound"),
        ("cy", "inbound"),
        ("dee", "inbound"),
        ("eve", "inbound"),
    ]);
    rep_mut(&mut reps, "ana").rep.active = false;
    rep_mut(&mut reps, "ben").rep.out_of_office_until = Some(now() + Duration::hours(2));
    rep_mut(&mut reps, "cy").open_leads = 25;
    rep_mut(&mut reps, "dee").rep.working_hours = Some(WorkingHours {
        timezone: chrono_tz::America::Los_Angeles,
        days: vec![Weekday::Tue],
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    });
    let cfg = config("round_robin", "respect_working_hours = true");
    let d = route(
        &lead("US"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert_eq!(verdict(&d, "ana"), skipped(SkipReason::Inactive));
    assert_eq!(verdict(&d, "ben"), skipped(SkipReason::OutOfOffice));
    assert_eq!(verdict(&d, "cy"), skipped(SkipReason::AtCapacity));
    // 10:00 UTC is 02:00 in Los Angeles.
    assert_eq!(verdict(&d, "dee"), skipped(SkipReason::OutsideWorkingHours));
    assert_eq!(verdict(&d, "eve"), Verdict::Eligible);
    assert_eq!(d.assigned_rep(), Some("eve"));
}

#[test]
fn working_hours_are_ignored_unless_respected_and_read_in_the_reps_zone() {
    let mut reps = roster(&[("chloe", "emea"), ("zoe", "emea")]);
    rep_mut(&mut reps, "chloe").rep.working_hours = Some(WorkingHours {
        timezone: chrono_tz::Europe::Paris,
        days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
    });
    let respected = config("round_robin", "respect_working_hours = true");
    let pools = PoolStates::default();
    // 08:30 UTC is 09:30 in Paris; 17:30 UTC is 18:30 there.
    let morning = Utc.with_ymd_and_hms(2026, 11, 24, 8, 30, 0).unwrap();
    let evening = Utc.with_ymd_and_hms(2026, 11, 24, 17, 30, 0).unwrap();
    let d = route(&lead("DE"), &respected, &reps, &pools, None, None, morning);
    assert_eq!(d.assigned_rep(), Some("chloe"));
    let d = route(&lead("DE"), &respected, &reps, &pools, None, None, evening);
    assert_eq!(
        verdict(&d, "chloe"),
        skipped(SkipReason::OutsideWorkingHours)
    );
    assert_eq!(d.assigned_rep(), Some("zoe"));
    let ignored = config("round_robin", "respect_working_hours = false");
    let d = route(&lead("DE"), &ignored, &reps, &pools, None, None, evening);
    assert_eq!(d.assigned_rep(), Some("chloe"));
}

#[test]
fn weighted_leaves_out_a_rep_of_weight_zero() {
    let mut reps = roster(&[("ana", "inbound"), ("ben", "inbound")]);
    rep_mut(&mut reps, "ana").rep.weight = 0;
    let mut desk = Desk::new(config("weighted", ""), reps);
    let d = desk.route_at(&lead("US"), None, now());
    assert_eq!(verdict(&d, "ana"), skipped(SkipReason::NoWeight));
    assert_eq!(desk.owners(&lead("US"), 3, now()), ["ben", "ben", "ben"]);
}

#[test]
fn strategies_through_route() {
    let team = [("ana", "inbound"), ("ben", "inbound"), ("cy", "inbound")];
    let mut rr = Desk::new(config("round_robin", ""), roster(&team));
    assert_eq!(
        rr.owners(&lead("US"), 4, now()),
        ["ana", "ben", "cy", "ana"]
    );

    let mut reps = roster(&team);
    rep_mut(&mut reps, "ana").rep.weight = 2;
    let mut weighted = Desk::new(config("weighted", ""), reps);
    let got = weighted.owners(&lead("US"), 8, now());
    let count = |id| got.iter().filter(|g| *g == id).count();
    assert_eq!((count("ana"), count("ben"), count("cy")), (4, 2, 2));

    let mut reps = roster(&team);
    rep_mut(&mut reps, "ana").open_leads = 3;
    rep_mut(&mut reps, "ben").open_leads = 1;
    rep_mut(&mut reps, "cy").open_leads = 2;
    let mut least = Desk::new(config("least_loaded", ""), reps);
    // ben (1) then ben/cy tie at 2 and ben just had a turn: cy; then all at 2 or 3.
    assert_eq!(
        least.owners(&lead("US"), 4, now()),
        ["ben", "cy", "ben", "ana"]
    );
}

#[test]
fn an_eligible_account_owner_gets_the_lead_whatever_the_team_and_the_rotation_stays() {
    let reps = roster(&[
        ("ana", "inbound"),
        ("ben", "inbound"),
        ("dev", "enterprise"),
    ]);
    let mut desk = Desk::new(config("round_robin", "account_match = true"), reps);
    let d = desk.route_at(&lead("US"), Some("dev"), now());
    assert_eq!(
        d.outcome,
        Outcome::Assigned {
            rep_id: "dev".into(),
            via: Via::AccountOwner
        }
    );
    assert_eq!(d.account_owner.as_ref().unwrap().verdict, Verdict::Eligible);
    assert_eq!(d.pool_update, None);
    assert_eq!(
        desk.pools,
        PoolStates::default(),
        "account matches are not rotation picks"
    );
    assert_eq!(rep_mut(&mut desk.reps, "dev").open_leads, 1);
    assert_eq!(desk.owners(&lead("US"), 2, now()), ["ana", "ben"]);
}

#[test]
fn an_ineligible_or_unknown_account_owner_falls_back_to_the_rotation() {
    let mut reps = roster(&[("ana", "inbound"), ("dev", "enterprise")]);
    rep_mut(&mut reps, "dev").rep.out_of_office_until = Some(now() + Duration::days(3));
    let cfg = config("round_robin", "account_match = true");
    let pools = PoolStates::default();
    let d = route(&lead("US"), &cfg, &reps, &pools, Some("dev"), None, now());
    assert_eq!(
        d.outcome,
        Outcome::Assigned {
            rep_id: "ana".into(),
            via: Via::Rotation
        }
    );
    assert_eq!(
        d.account_owner.unwrap().verdict,
        skipped(SkipReason::OutOfOffice)
    );
    assert!(d.pool_update.is_some());

    let d = route(&lead("US"), &cfg, &reps, &pools, Some("gone"), None, now());
    assert_eq!(
        d.account_owner.as_ref().unwrap().verdict,
        skipped(SkipReason::UnknownRep)
    );
    assert_eq!(d.assigned_rep(), Some("ana"));
}

#[test]
fn account_owner_is_ignored_without_account_match() {
    let reps = roster(&[("ana", "inbound"), ("dev", "enterprise")]);
    let cfg = config("round_robin", "account_match = false");
    let d = route(
        &lead("US"),
        &cfg,
        &reps,
        &PoolStates::default(),
        Some("dev"),
        None,
        now(),
    );
    assert_eq!(d.assigned_rep(), Some("ana"));
    assert_eq!(d.account_owner, None);
}

#[test]
fn an_account_owner_is_used_even_when_no_rule_matches() {
    let reps = roster(&[("dev", "enterprise")]);
    let cfg = config("round_robin", "account_match = true");
    let d = route(
        &lead("JP"),
        &cfg,
        &reps,
        &PoolStates::default(),
        Some("dev"),
        None,
        now(),
    );
    assert_eq!(d.rule, None);
    assert_eq!(d.assigned_rep(), Some("dev"));
}

#[test]
fn no_matching_rule_goes_to_the_fallback_queue() {
    let reps = roster(&[("ana", "inbound")]);
    let cfg = config("round_robin", "fallback = \"triage\"");
    let d = route(
        &lead("JP"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert_eq!(
        d.outcome,
        Outcome::Fallback {
            queue: "triage".into(),
            reason: FallbackReason::NoRuleMatched
        }
    );
    assert_eq!((d.rule, d.team, d.pool_update), (None, None, None));
    assert!(d.candidates.is_empty());
}

#[test]
fn a_team_with_nobody_eligible_or_nobody_at_all_goes_to_the_fallback_queue() {
    let mut reps = roster(&[("ana", "inbound"), ("ben", "inbound")]);
    rep_mut(&mut reps, "ana").rep.active = false;
    rep_mut(&mut reps, "ben").open_leads = 25;
    let cfg = config("round_robin", "");
    let d = route(
        &lead("US"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert_eq!(
        d.outcome,
        Outcome::Fallback {
            queue: "unassigned".into(),
            reason: FallbackReason::NoEligibleRep
        }
    );
    assert_eq!(d.team.as_deref(), Some("inbound"));
    assert_eq!(d.candidates.len(), 2);
    assert_eq!(d.pool_update, None);

    let d = route(
        &lead("GB"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert_eq!(
        d.outcome,
        Outcome::Fallback {
            queue: "unassigned".into(),
            reason: FallbackReason::NoRepInTeam
        }
    );
}

#[test]
fn reassignment_avoids_previous_and_current_owners_while_someone_else_is_eligible() {
    let reps = roster(&[("ana", "inbound"), ("ben", "inbound"), ("cy", "inbound")]);
    let cfg = config("round_robin", "");
    let mut l = lead("US");
    l.previous_owners = vec!["ana".into()];
    l.owner = Some(Owner {
        rep_id: "ben".into(),
        assigned_at: now(),
    });
    // The rotation would pick ana first.
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        Some("ben"),
        now(),
    );
    assert_eq!(d.assigned_rep(), Some("cy"));
    assert_eq!(verdict(&d, "ana"), skipped(SkipReason::PreviousOwner));
    assert_eq!(verdict(&d, "ben"), skipped(SkipReason::PreviousOwner));
    assert!(!d.previous_owner_only);
    // reassign_from alone is enough, with no owner recorded on the lead.
    l.owner = None;
    l.previous_owners.clear();
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        Some("ana"),
        now(),
    );
    assert_eq!(d.assigned_rep(), Some("ben"));
}

#[test]
fn a_previous_owner_is_chosen_when_nobody_else_is_eligible_and_the_decision_says_so() {
    let mut reps = roster(&[("ana", "inbound"), ("ben", "inbound"), ("cy", "inbound")]);
    rep_mut(&mut reps, "cy").rep.active = false;
    let cfg = config("round_robin", "");
    let mut l = lead("US");
    l.previous_owners = vec!["ana".into()];
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        Some("ben"),
        now(),
    );
    assert_eq!(d.assigned_rep(), Some("ana"));
    assert!(d.previous_owner_only);
    assert_eq!(verdict(&d, "ana"), Verdict::Eligible);
    // The rep the lead is taken from never gets it back in the same reassignment.
    assert_eq!(verdict(&d, "ben"), skipped(SkipReason::PreviousOwner));
    assert_eq!(verdict(&d, "cy"), skipped(SkipReason::Inactive));
}

#[test]
fn a_reassignment_never_goes_back_to_a_rep_who_had_the_lead_in_this_episode() {
    // ana had the lead, then ben; nobody else is in the team: no ping-pong back to ana.
    let reps = roster(&[("ana", "inbound"), ("ben", "inbound")]);
    let cfg = config("round_robin", "");
    let mut l = lead("US");
    l.previous_owners = vec!["ana".into()];
    let mut clock = crate::sla::SlaClock::waiting(l.tier, "ben", now(), now());
    clock.episode_owners = vec!["ana".into()];
    l.sla = Some(clock);
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        Some("ben"),
        now(),
    );
    assert_eq!(d.assigned_rep(), None, "{d:?}");
    assert_eq!(verdict(&d, "ana"), skipped(SkipReason::PreviousOwner));
    assert_eq!(verdict(&d, "ben"), skipped(SkipReason::PreviousOwner));
    // Not an account owner from the episode either.
    let cfg = config("round_robin", "account_match = true");
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        Some("ana"),
        Some("ben"),
        now(),
    );
    assert_eq!(d.assigned_rep(), None, "{d:?}");
    // Routing an unowned lead (a new episode) may still fall back on a previous owner.
    let mut fresh = l.clone();
    fresh.sla = None;
    fresh.previous_owners = vec!["ana".into(), "ben".into()];
    let d = route(
        &fresh,
        &config("round_robin", ""),
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    assert!(d.assigned_rep().is_some() && d.previous_owner_only, "{d:?}");
}

#[test]
fn an_account_owner_who_owned_the_lead_before_yields_to_the_team() {
    let reps = roster(&[("ana", "inbound"), ("dev", "enterprise")]);
    let cfg = config("round_robin", "account_match = true");
    let mut l = lead("US");
    l.previous_owners = vec!["dev".into()];
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        Some("dev"),
        None,
        now(),
    );
    assert_eq!(d.assigned_rep(), Some("ana"));
    assert_eq!(
        d.account_owner.as_ref().unwrap().verdict,
        skipped(SkipReason::PreviousOwner)
    );
    // With ana unavailable the account owner is the last resort.
    let mut reps = reps;
    rep_mut(&mut reps, "ana").rep.active = false;
    let d = route(
        &l,
        &cfg,
        &reps,
        &PoolStates::default(),
        Some("dev"),
        None,
        now(),
    );
    assert_eq!(
        d.outcome,
        Outcome::Assigned {
            rep_id: "dev".into(),
            via: Via::AccountOwner
        }
    );
    assert!(d.previous_owner_only);
}

#[test]
fn a_rep_back_from_leave_rejoins_without_a_burst() {
    let reps = roster(&[
        ("ana", "inbound"),
        ("ben", "inbound"),
        ("cy", "inbound"),
        ("abe", "inbound"),
    ]);
    let mut desk = Desk::new(config("round_robin", ""), reps);
    let back = now() + Duration::days(5);
    rep_mut(&mut desk.reps, "abe").rep.out_of_office_until = Some(back);
    let away = desk.owners(&lead("US"), 20, now());
    assert!(!away.contains(&"abe".to_string()));

    let rounds: Vec<String> = desk.owners(&lead("US"), 12, back);
    for round in rounds.chunks(4) {
        let count = |id: &str| round.iter().filter(|r| *r == id).count();
        let abe = count("abe");
        for other in ["ana", "ben", "cy"] {
            assert!(abe <= count(other) + 1, "burst in {round:?}");
        }
        assert!(abe >= 1, "abe starved in {round:?}");
    }
}

#[test]
fn the_same_state_gives_the_same_decision_whatever_the_roster_order() {
    let mut reps = roster(&[("cy", "inbound"), ("ana", "inbound"), ("ben", "inbound")]);
    rep_mut(&mut reps, "ana").open_leads = 4;
    let cfg = config("least_loaded", "");
    let mut desk = Desk::new(cfg.clone(), reps.clone());
    desk.owners(&lead("US"), 5, now());
    let first = route(
        &lead("US"),
        &cfg,
        &desk.reps,
        &desk.pools,
        None,
        None,
        now(),
    );
    let again = route(
        &lead("US"),
        &cfg,
        &desk.reps,
        &desk.pools,
        None,
        None,
        now(),
    );
    assert_eq!(first, again);
    let mut reversed = desk.reps.clone();
    reversed.reverse();
    let shuffled = route(&lead("US"), &cfg, &reversed, &desk.pools, None, None, now());
    assert_eq!(first, shuffled);
    let ids: Vec<&str> = first.candidates.iter().map(|c| c.rep_id.as_str()).collect();
    assert_eq!(ids, ["ana", "ben", "cy"]);
}

#[test]
fn the_decision_serialises_for_the_history() {
    let mut reps = roster(&[("ana", "inbound"), ("ben", "inbound")]);
    rep_mut(&mut reps, "ben").rep.active = false;
    let cfg = config("round_robin", "");
    let d = route(
        &lead("US"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["outcome"], "assigned");
    assert_eq!(json["rep_id"], "ana");
    assert_eq!(json["via"], "rotation");
    assert_eq!(json["rule"], "us");
    assert_eq!(json["team"], "inbound");
    assert_eq!(json["strategy"], "round_robin");
    assert_eq!(
        json["candidates"],
        serde_json::json!([
            {"rep_id": "ana", "open_leads": 0, "capacity": 25, "verdict": "eligible"},
            {"rep_id": "ben", "open_leads": 0, "capacity": 25, "verdict": "skipped", "reason": "inactive"}
        ])
    );
    assert_eq!(json["pool_update"]["rep_id"], "ana");
    assert_eq!(json["pool_update"]["pass"]["to"], STRIDE_UNIT);
    let back: RoutingDecision = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);

    let fallback = route(
        &lead("JP"),
        &cfg,
        &reps,
        &PoolStates::default(),
        None,
        None,
        now(),
    );
    let json = serde_json::to_value(&fallback).unwrap();
    assert_eq!(json["outcome"], "fallback");
    assert_eq!(json["queue"], "unassigned");
    assert_eq!(json["reason"], "no_rule_matched");
    assert_eq!(
        serde_json::from_value::<RoutingDecision>(json).unwrap(),
        fallback
    );
}

#[test]
fn applying_checks_the_pool_and_the_owner_before_changing_anything() {
    let reps = roster(&[("ana", "inbound")]);
    let cfg = config("round_robin", "");
    let mut pools = PoolStates::default();
    let d = route(&lead("US"), &cfg, &reps, &pools, None, None, now());
    let mut loads = reps.clone();
    d.apply(&mut loads, &mut pools).unwrap();
    assert_eq!(loads[0].open_leads, 1);
    // The same decision again: the pool has moved on.
    let err = d.apply(&mut loads, &mut pools).unwrap_err();
    assert!(matches!(err, ApplyError::StalePool(_)), "{err}");
    assert_eq!(loads[0].open_leads, 1);
    let err = d.apply(&mut [], &mut PoolStates::default()).unwrap_err();
    assert_eq!(err, ApplyError::UnknownRep("ana".into()));
}
