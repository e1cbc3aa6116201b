//! The overview's figures from the lead facts, the roster and the rotation state.
//!
//! The funnel, the rep counts and the score histogram come from [`super::compute`] over the
//! filtered cohort, so they are `/v1/metrics`' figures for the same leads; the rest adds up
//! the same facts with the same definitions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::overview::*;
use super::overview_sums::{is_breached, tier_slot, CohortSums, HeadlineSums, RepTally};
use super::{compute, median, ratio, LeadFacts, Metrics};
use crate::config::{Config, Strategy};
use crate::domain::RepId;
use crate::routing::strategy::{choose, Contender};
use crate::routing::{availability, PoolStates, RepLoad};

/// The `p`-th percentile (0 < p <= 100) by nearest rank: the smallest value with at least
/// `p`% of the values at or below it.
pub(crate) fn percentile(values: &mut [i64], p: f64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

/// Everything the overview reads besides the facts.
pub struct OverviewContext<'a> {
    /// The roster with each rep's open-lead count now.
    pub reps: &'a [RepLoad],
    pub pools: &'a PoolStates,
    pub config: &'a Config,
    pub now: DateTime<Utc>,
    /// Every lead whose first-response clock is open, whenever it was created: the at-risk
    /// queue is about what is waiting now, not about the period's cohort. Others are ignored.
    pub open_clocks: &'a [&'a LeadFacts],
}

/// The overview of `query`. `facts` may hold any leads: those created in the query's period
/// or the previous one that pass the filters are used; a store hands over at least
/// `[query.previous().since, query.until)`.
pub fn compute_overview<'a>(
    facts: impl IntoIterator<Item = &'a LeadFacts>,
    context: &OverviewContext<'_>,
    query: &OverviewQuery,
) -> Overview {
    let team_of: BTreeMap<&str, &str> = context
        .reps
        .iter()
        .map(|r| (r.rep.id.as_str(), r.rep.team.as_str()))
        .collect();
    let previous_query = query.previous();
    // One pass over the facts: the period's leads into the overview's sums (and kept for
    // `/v1/metrics`' computation), the previous period's into its headline.
    let mut current: Vec<&LeadFacts> = Vec::new();
    let mut sums = CohortSums::new(context.now);
    let mut previous = HeadlineSums::default();
    for f in facts {
        if !passes(f, query, &team_of) {
            continue;
        }
        if f.created_at >= query.since && f.created_at < query.until {
            current.push(f);
            sums.add(f);
        } else if f.created_at >= previous_query.since && f.created_at < previous_query.until {
            previous.add(f, context.now);
        }
    }
    let roster: Vec<&RepId> = context
        .reps
        .iter()
        .filter(|r| rep_in_scope(&r.rep.id, &r.rep.team, query))
        .map(|r| &r.rep.id)
        .collect();
    let metrics = compute(current.iter().copied(), roster, query.since, query.until);
    let reps = rep_rows(&sums.tallies, &metrics, context);
    Overview {
        query: query.clone(),
        as_of: context.now,
        score: sums.score_trust(context.config),
        headline: std::mem::take(&mut sums.headline).finish(query),
        previous: previous.finish(&previous_query),
        queue: queue(query, &team_of, context),
        speed: std::mem::take(&mut sums.speed).finish(),
        teams: team_rows(&reps, &sums.tallies),
        fairness: fairness(&metrics, context, query),
        funnel: funnel(&sums, &metrics),
        reps,
    }
}

fn passes(f: &LeadFacts, q: &OverviewQuery, team_of: &BTreeMap<&str, &str>) -> bool {
    let owner = f.owner.as_deref();
    q.tier.is_none_or(|t| f.tier == t)
        && q.source
            .as_deref()
            .is_none_or(|s| f.source.as_deref() == Some(s))
        && q.rep.as_deref().is_none_or(|r| owner == Some(r))
        && q.team
            .as_deref()
            .is_none_or(|t| owner.and_then(|o| team_of.get(o).copied()) == Some(t))
}

fn rep_in_scope(rep: &str, team: &str, q: &OverviewQuery) -> bool {
    q.rep.as_deref().is_none_or(|r| r == rep) && q.team.as_deref().is_none_or(|t| t == team)
}

/// Open clocks by time left, breaches first; the owner, team, tier and source filters apply,
/// the period does not.
fn queue(
    query: &OverviewQuery,
    team_of: &BTreeMap<&str, &str>,
    context: &OverviewContext<'_>,
) -> Vec<QueueRow> {
    let now = context.now;
    let name_of: BTreeMap<&str, &str> = context
        .reps
        .iter()
        .map(|r| (r.rep.id.as_str(), r.rep.name.as_str()))
        .collect();
    let mut rows: Vec<QueueRow> = context
        .open_clocks
        .iter()
        .filter(|f| passes(f, query, team_of))
        .filter_map(|f| {
            let clock = f.open_clock.as_ref()?;
            Some(QueueRow {
                lead_id: f.lead_id.clone(),
                name: f.name.clone(),
                email: f.email.clone(),
                tier: f.tier,
                score: f.score,
                owner: clock.rep_id.clone(),
                owner_name: name_of.get(clock.rep_id.as_str()).map(|n| n.to_string()),
                assigned_at: clock.assigned_at,
                deadline: clock.due_at,
                seconds_left: (clock.due_at - now).num_seconds(),
                breached: is_breached(clock, now),
            })
        })
        .collect();
    // Breached first; within each group the least time left (most overdue) first.
    rows.sort_by(|a, b| {
        b.breached
            .cmp(&a.breached)
            .then(a.deadline.cmp(&b.deadline))
            .then_with(|| a.lead_id.cmp(&b.lead_id))
    });
    rows
}

fn rep_rows(
    tallies: &BTreeMap<&str, RepTally>,
    metrics: &Metrics,
    ctx: &OverviewContext<'_>,
) -> Vec<RepRow> {
    let roster: BTreeMap<&str, &RepLoad> =
        ctx.reps.iter().map(|r| (r.rep.id.as_str(), r)).collect();
    let mut rows: Vec<RepRow> = metrics
        .by_rep
        .iter()
        .map(|(id, m)| {
            let load = roster.get(id.as_str());
            let t = tallies.get(id.as_str());
            let mut responses = t.map(|t| t.responses.clone()).unwrap_or_default();
            RepRow {
                rep_id: id.clone(),
                name: load.map_or(id.clone(), |l| l.rep.name.clone()),
                team: load.map_or(String::new(), |l| l.rep.team.clone()),
                active: load.is_some_and(|l| l.rep.active),
                assigned: m.assigned,
                open: m.open,
                capacity: load.map_or(0, |l| l.rep.capacity),
                open_now: load.map_or(0, |l| l.open_leads),
                median_first_response_seconds: m.median_first_response_seconds,
                p90_first_response_seconds: percentile(&mut responses, 90.0),
                sla_met_rate: t.and_then(|t| ratio(t.met, t.decided)),
                breaches: m.breaches,
                reassignments: t.map_or(0, |t| t.reassignments),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.team.cmp(&b.team).then_with(|| a.rep_id.cmp(&b.rep_id)));
    rows
}

fn team_rows(reps: &[RepRow], tallies: &BTreeMap<&str, RepTally>) -> Vec<TeamRow> {
    let mut teams: BTreeMap<&str, (TeamRow, Vec<i64>, usize, usize)> = BTreeMap::new();
    for r in reps {
        let (row, responses, met, decided) = teams.entry(r.team.as_str()).or_insert_with(|| {
            let row = TeamRow {
                team: r.team.clone(),
                reps: 0,
                assigned: 0,
                open: 0,
                capacity: 0,
                open_now: 0,
                median_first_response_seconds: None,
                p90_first_response_seconds: None,
                sla_met_rate: None,
                breaches: 0,
                reassignments: 0,
            };
            (row, Vec::new(), 0, 0)
        });
        row.reps += 1;
        row.assigned += r.assigned;
        row.open += r.open;
        row.capacity += r.capacity;
        row.open_now += r.open_now;
        row.breaches += r.breaches;
        row.reassignments += r.reassignments;
        if let Some(t) = tallies.get(r.rep_id.as_str()) {
            responses.extend(&t.responses);
            *met += t.met;
            *decided += t.decided;
        }
    }
    teams
        .into_values()
        .map(|(mut row, mut responses, met, decided)| {
            row.median_first_response_seconds = median(&mut responses);
            row.p90_first_response_seconds = percentile(&mut responses, 90.0);
            row.sla_met_rate = ratio(met, decided);
            row
        })
        .collect()
}

fn fairness(metrics: &Metrics, ctx: &OverviewContext<'_>, q: &OverviewQuery) -> Vec<TeamFairness> {
    let strategy = ctx.config.routing.strategy;
    let respect_hours = ctx.config.routing.respect_working_hours;
    let mut by_team: BTreeMap<&str, Vec<&RepLoad>> = BTreeMap::new();
    for r in ctx.reps {
        if q.team.as_deref().is_none_or(|t| t == r.rep.team) {
            by_team.entry(r.rep.team.as_str()).or_default().push(r);
        }
    }
    by_team
        .into_iter()
        .map(|(team, members)| {
            let pool = ctx.pools.team(team);
            let assigned = |id: &str| metrics.by_rep.get(id).map_or(0, |m| m.assigned);
            let total: usize = members.iter().map(|r| assigned(&r.rep.id)).sum();
            let promised = |r: &RepLoad| -> Option<f64> {
                let takes_part = |r: &RepLoad| {
                    r.rep.active && (strategy != Strategy::Weighted || r.rep.weight > 0)
                };
                let share_of = |r: &RepLoad| match strategy {
                    Strategy::Weighted => f64::from(r.rep.weight),
                    _ => 1.0,
                };
                let whole: f64 = members
                    .iter()
                    .filter(|m| takes_part(m))
                    .map(|m| share_of(m))
                    .sum();
                match strategy {
                    Strategy::LeastLoaded => None,
                    _ if !takes_part(r) || whole == 0.0 => Some(0.0),
                    _ => Some(share_of(r) / whole),
                }
            };
            let available = |r: &RepLoad| {
                availability(r, respect_hours, ctx.now).is_ok()
                    && (strategy != Strategy::Weighted || r.rep.weight > 0)
            };
            let mut contenders: Vec<Contender> = members
                .iter()
                .filter(|r| available(r))
                .map(|r| Contender {
                    rep_id: &r.rep.id,
                    weight: r.rep.weight,
                    open_leads: r.open_leads,
                    capacity: r.rep.capacity,
                    position: pool.position(&r.rep.id),
                })
                .collect();
            // The order the strategy would pick them in: its own choice, again and again.
            let mut turns: BTreeMap<&str, u32> = BTreeMap::new();
            let mut turn = 1;
            while let Some(i) = choose(strategy, &contenders) {
                turns.insert(contenders.remove(i).rep_id, turn);
                turn += 1;
            }
            let next = turns
                .iter()
                .find(|(_, t)| **t == 1)
                .map(|(id, _)| id.to_string());
            TeamFairness {
                team: team.to_string(),
                strategy,
                assignments: total,
                virtual_time: pool.virtual_time,
                picks: pool.picks,
                next,
                reps: members
                    .iter()
                    .map(|r| FairShare {
                        rep_id: r.rep.id.clone(),
                        weight: r.rep.weight,
                        assigned: assigned(&r.rep.id),
                        share: ratio(assigned(&r.rep.id), total),
                        expected_share: promised(r),
                        available: available(r),
                        pass: pool.position(&r.rep.id).slot.pass,
                        turn: turns.get(r.rep.id.as_str()).copied(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn funnel(sums: &CohortSums<'_>, metrics: &Metrics) -> Vec<FunnelRow> {
    let mut rows: Vec<FunnelRow> = Vec::new();
    let mut total = FunnelRow::default();
    for (tier, m) in &metrics.by_tier {
        let row = FunnelRow {
            tier: Some(*tier),
            leads: m.leads,
            mql: m.mql,
            assigned: m.assigned,
            contacted: m.contacted,
            qualified: m.qualified,
            won: m.won,
            recycled: sums.recycled[tier_slot(*tier)],
            reactivated: sums.reactivated[tier_slot(*tier)],
            pipeline_amount: m.pipeline_amount,
            won_amount: m.won_amount,
        };
        total.leads += row.leads;
        total.mql += row.mql;
        total.assigned += row.assigned;
        total.contacted += row.contacted;
        total.qualified += row.qualified;
        total.won += row.won;
        total.recycled += row.recycled;
        total.reactivated += row.reactivated;
        total.pipeline_amount += row.pipeline_amount;
        total.won_amount += row.won_amount;
        rows.push(row);
    }
    rows.push(total);
    rows
}
