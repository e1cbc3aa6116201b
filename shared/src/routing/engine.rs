//! `route`: rule, account owner, eligibility and strategy put together into one decision.

use chrono::{DateTime, Utc};

use super::decision::{Candidate, FallbackReason, Outcome, RoutingDecision, Verdict, Via};
use super::eligibility::{availability, RepLoad, SkipReason};
use super::pool::{Pool, PoolStates};
use super::rules::first_match;
use super::strategy::{advance, choose, Contender};
use crate::config::{RoutingConfig, Strategy};
use crate::domain::Lead;

/// Decide who gets `lead`. Pure: the same arguments always give the same decision.
///
/// - `reps`: the whole roster with open-lead counts (any order; a repeated id counts once).
/// - `pools`: every team's rotation state.
/// - `account_owner`: the rep who owns the lead's `company_domain` account, as the store
///   found it; used only with `account_match`, whatever the team.
/// - `reassign_from`: the owner the lead is being taken from, if any.
///
/// Reps who owned this lead before (`previous_owners`, its current owner and `reassign_from`)
/// get it only when nobody else eligible can. On a reassignment, the reps who held it in the
/// current SLA episode (the clock's `episode_owners`, the owner, `reassign_from`) never get
/// it back: with nobody new the decision is a fallback, and the owner keeps the lead.
pub fn route(
    lead: &Lead,
    config: &RoutingConfig,
    reps: &[RepLoad],
    pools: &PoolStates,
    account_owner: Option<&str>,
    reassign_from: Option<&str>,
    now: DateTime<Utc>,
) -> RoutingDecision {
    let owned_before = |id: &str| {
        lead.previous_owners.iter().any(|p| p == id)
            || lead.owner_id() == Some(id)
            || reassign_from == Some(id)
    };
    let held_this_episode = |id: &str| {
        reassign_from.is_some()
            && (reassign_from == Some(id)
                || lead.owner_id() == Some(id)
                || lead
                    .sla
                    .as_ref()
                    .is_some_and(|c| c.episode_owners.iter().any(|p| p == id)))
    };
    let rule = first_match(&config.rules, lead);
    let team = rule.map(|r| r.team.as_str());
    let members = team_members(reps, team);
    let availabilities: Vec<Result<(), SkipReason>> = members
        .iter()
        .map(|m| rotation_availability(m, config, now))
        .collect();

    let account = match account_owner {
        Some(id) if config.account_match => Some(AccountOwner::assess(id, reps, config, now)),
        _ => None,
    };
    let account_fresh = account
        .as_ref()
        .is_some_and(|a| a.available() && !owned_before(&a.rep_id));
    let team_fresh = members
        .iter()
        .zip(&availabilities)
        .any(|(m, a)| a.is_ok() && !owned_before(&m.rep.id));
    let someone_fresh = account_fresh || team_fresh;

    let verdict_of = |id: &str, availability: Result<(), SkipReason>| match availability {
        Err(reason) => Verdict::Skipped { reason },
        Ok(()) if (someone_fresh && owned_before(id)) || held_this_episode(id) => {
            Verdict::Skipped {
                reason: SkipReason::PreviousOwner,
            }
        }
        Ok(()) => Verdict::Eligible,
    };
    let candidates: Vec<Candidate> = members
        .iter()
        .zip(&availabilities)
        .map(|(m, a)| candidate(m, verdict_of(&m.rep.id, *a)))
        .collect();
    let account_candidate = account.as_ref().map(|a| Candidate {
        rep_id: a.rep_id.clone(),
        open_leads: a.open_leads,
        capacity: a.capacity,
        verdict: verdict_of(&a.rep_id, a.availability),
    });

    let mut decision = RoutingDecision {
        outcome: Outcome::Fallback {
            queue: config.fallback.clone(),
            reason: match team {
                None => FallbackReason::NoRuleMatched,
                Some(_) if members.is_empty() => FallbackReason::NoRepInTeam,
                Some(_) => FallbackReason::NoEligibleRep,
            },
        },
        rule: rule.map(|r| r.name.clone()),
        team: team.map(str::to_string),
        strategy: config.strategy,
        account_owner: account_candidate,
        previous_owner_only: false,
        candidates,
        pool_update: None,
    };

    // Account owner first, then the team; reps who owned the lead before only as a last resort.
    let account_available = account.as_ref().filter(|a| a.available());
    if let Some(owner) = account_available.filter(|_| account_fresh) {
        decision.outcome = assigned(&owner.rep_id, Via::AccountOwner);
        return decision;
    }
    if let Some(team) = team {
        let pool = pools.team(team);
        let present: Vec<Contender> = members
            .iter()
            .zip(&availabilities)
            .filter(|(_, a)| a.is_ok())
            .map(|(m, _)| contender(m, pool))
            .collect();
        let fresh: Vec<Contender> = present
            .iter()
            .filter(|c| !owned_before(c.rep_id))
            .copied()
            .collect();
        if !fresh.is_empty() {
            rotate(&mut decision, config.strategy, pool, team, &present, &fresh);
            return decision;
        }
        let account_returning = account_available.filter(|o| !held_this_episode(&o.rep_id));
        if let Some(owner) = account_returning {
            decision.outcome = assigned(&owner.rep_id, Via::AccountOwner);
            decision.previous_owner_only = true;
            return decision;
        }
        let returning: Vec<Contender> = present
            .iter()
            .filter(|c| !held_this_episode(c.rep_id))
            .copied()
            .collect();
        if !returning.is_empty() {
            rotate(
                &mut decision,
                config.strategy,
                pool,
                team,
                &present,
                &returning,
            );
            decision.previous_owner_only = true;
            return decision;
        }
    } else if let Some(owner) = account_available.filter(|o| !held_this_episode(&o.rep_id)) {
        decision.outcome = assigned(&owner.rep_id, Via::AccountOwner);
        decision.previous_owner_only = true;
    }
    decision
}

/// The team's reps ordered by id, each id once (the first given), so that neither the
/// roster's order nor a duplicate changes the decision.
fn team_members<'a>(reps: &'a [RepLoad], team: Option<&str>) -> Vec<&'a RepLoad> {
    let Some(team) = team else {
        return Vec::new();
    };
    let mut members: Vec<&RepLoad> = reps.iter().filter(|r| r.rep.team == team).collect();
    members.sort_by(|a, b| a.rep.id.cmp(&b.rep.id));
    members.dedup_by(|later, first| later.rep.id == first.rep.id);
    members
}

/// Availability for the team's rotation: a rep of weight 0 has no share under `weighted`.
fn rotation_availability(
    load: &RepLoad,
    config: &RoutingConfig,
    now: DateTime<Utc>,
) -> Result<(), SkipReason> {
    availability(load, config.respect_working_hours, now)?;
    if config.strategy == Strategy::Weighted && load.rep.weight == 0 {
        return Err(SkipReason::NoWeight);
    }
    Ok(())
}

struct AccountOwner {
    rep_id: String,
    open_leads: u32,
    capacity: u32,
    availability: Result<(), SkipReason>,
}

impl AccountOwner {
    fn assess(id: &str, reps: &[RepLoad], config: &RoutingConfig, now: DateTime<Utc>) -> Self {
        match reps.iter().find(|r| r.rep.id == id) {
            Some(load) => AccountOwner {
                rep_id: load.rep.id.clone(),
                open_leads: load.open_leads,
                capacity: load.rep.capacity,
                availability: availability(load, config.respect_working_hours, now),
            },
            None => AccountOwner {
                rep_id: id.to_string(),
                open_leads: 0,
                capacity: 0,
                availability: Err(SkipReason::UnknownRep),
            },
        }
    }

    fn available(&self) -> bool {
        self.availability.is_ok()
    }
}

fn candidate(load: &RepLoad, verdict: Verdict) -> Candidate {
    Candidate {
        rep_id: load.rep.id.clone(),
        open_leads: load.open_leads,
        capacity: load.rep.capacity,
        verdict,
    }
}

fn contender<'a>(load: &'a RepLoad, pool: &Pool) -> Contender<'a> {
    Contender {
        rep_id: &load.rep.id,
        weight: load.rep.weight,
        open_leads: load.open_leads,
        capacity: load.rep.capacity,
        position: pool.position(&load.rep.id),
    }
}

fn assigned(rep_id: &str, via: Via) -> Outcome {
    Outcome::Assigned {
        rep_id: rep_id.to_string(),
        via,
    }
}

/// Give the lead to the strategy's choice among `contenders` and record the pool's move.
fn rotate(
    decision: &mut RoutingDecision,
    strategy: Strategy,
    pool: &Pool,
    team: &str,
    present: &[Contender],
    contenders: &[Contender],
) {
    let Some(i) = choose(strategy, contenders) else {
        return;
    };
    let chosen = &contenders[i];
    decision.outcome = assigned(chosen.rep_id, Via::Rotation);
    decision.pool_update = Some(advance(team, pool, strategy, present, chosen));
}
