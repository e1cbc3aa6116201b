//! The overview's figures from the lead facts, the roster and the rotation state.
//!
//! The funnel, the rep counts and the score histogram come from [`super::compute`] over the
//! filtered cohort, so they are `/v1/metrics`' figures for the same leads; the rest adds up
//! the same facts with the same definitions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::overview::*;
use super::{band_of, compute, median, ratio, LeadFacts, Metrics, OpenClock};
use crate::config::{Config, Strategy};
use crate::domain::{RepId, Tier};
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
    let mut current: Vec<&LeadFacts> = Vec::new();
    let mut previous: Vec<&LeadFacts> = Vec::new();
    for f in facts {
        if !passes(f, query, &team_of) {
            continue;
        }
        if f.created_at >= query.since && f.created_at < query.until {
            current.push(f);
        } else if f.created_at >= previous_query.since && f.created_at < previous_query.until {
            previous.push(f);
        }
    }
    let roster: Vec<&RepId> = context
        .reps
        .iter()
        .filter(|r| rep_in_scope(&r.rep.id, &r.rep.team, query))
        .map(|r| &r.rep.id)
        .collect();
    let metrics = compute(current.iter().copied(), roster, query.since, query.until);
    let tallies = tally(&current);
    let reps = rep_rows(&tallies, &metrics, context);
    Overview {
        query: query.clone(),
        as_of: context.now,
        headline: headline(&current, query, context.now),
        previous: headline(&previous, &previous_query, context.now),
        queue: queue(query, &team_of, context),
        speed: speed(&current),
        teams: team_rows(&reps, &tallies),
        fairness: fairness(&metrics, context, query),
        funnel: funnel(&current, &metrics),
        score: score_trust(&current, context.config),
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

/// An open clock counts as breached once its deadline passed, flagged yet or not.
fn is_breached(clock: &OpenClock, now: DateTime<Utc>) -> bool {
    clock.breached_at.is_some() || now >= clock.due_at
}

fn headline(cohort: &[&LeadFacts], q: &OverviewQuery, now: DateTime<Utc>) -> Headline {
    let mut first_responses: Vec<i64> = Vec::new();
    let (mut met, mut decided, mut mql, mut contacted, mut qualified) = (0, 0, 0, 0, 0);
    let (mut breaches, mut open_breaches) = (0, 0);
    for f in cohort {
        let answered = !f.responses.is_empty();
        let breached = !f.breaches.is_empty();
        if answered || breached {
            decided += 1;
            met += usize::from(answered && !breached);
        }
        first_responses.extend(f.responses.first().map(|(_, s)| *s));
        breaches += f.breaches.len();
        open_breaches += usize::from(f.open_clock.as_ref().is_some_and(|c| is_breached(c, now)));
        if f.reached_mql {
            mql += 1;
            contacted += usize::from(f.contacted);
            qualified += usize::from(f.qualified);
        }
    }
    Headline {
        since: q.since,
        until: q.until,
        leads: cohort.len(),
        touched_within_sla_rate: ratio(met, decided),
        p50_first_response_seconds: median(&mut first_responses),
        p90_first_response_seconds: percentile(&mut first_responses, 90.0),
        breaches,
        open_breaches,
        mql_acceptance_rate: ratio(contacted, mql),
        mql_to_sql_rate: ratio(qualified, mql),
    }
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

/// The band of a speed to lead, in seconds.
fn speed_band(bands: &mut SpeedBands, seconds: i64) {
    let slot = match seconds {
        s if s < 5 * 60 => &mut bands.under_5m,
        s if s < 15 * 60 => &mut bands.from_5m_to_15m,
        s if s < 60 * 60 => &mut bands.from_15m_to_60m,
        s if s < 24 * 3600 => &mut bands.from_1h_to_24h,
        _ => &mut bands.over_24h,
    };
    *slot += 1;
}

/// The position of `tier` in `Tier::ALL`.
fn tier_slot(tier: Tier) -> usize {
    Tier::ALL.iter().position(|t| *t == tier).unwrap_or(0)
}

fn speed(cohort: &[&LeadFacts]) -> Vec<SpeedRow> {
    // One pass over the cohort, each lead into its tier's row.
    let mut bands: [SpeedBands; 4] = Default::default();
    let mut system: [Vec<i64>; 4] = Default::default();
    let mut human: [Vec<i64>; 4] = Default::default();
    for f in cohort.iter().filter(|f| f.assigned) {
        let i = tier_slot(f.tier);
        let assigned_at = f.first_assigned_at;
        let start = f.accepted_at.or(assigned_at);
        if let (Some(accepted), Some(assigned)) = (f.accepted_at, assigned_at) {
            system[i].push((assigned - accepted).num_seconds());
        }
        // The rep's delay is the first answer's response time, as `/v1/metrics`.
        human[i].extend(f.responses.first().map(|(_, s)| *s));
        match (start, f.first_contact_at) {
            (Some(start), Some(contact)) => {
                speed_band(&mut bands[i], (contact - start).num_seconds())
            }
            _ if f.contacted => {
                // Contacted with no recorded instant: count the rep's delay alone.
                if let Some((_, s)) = f.responses.first() {
                    speed_band(&mut bands[i], *s)
                }
            }
            _ => bands[i].never += 1,
        }
    }
    Tier::ALL
        .into_iter()
        .enumerate()
        .map(|(i, tier)| SpeedRow {
            tier,
            bands: bands[i],
            system_p50_seconds: median(&mut system[i]),
            system_p90_seconds: percentile(&mut system[i], 90.0),
            human_p50_seconds: median(&mut human[i]),
            human_p90_seconds: percentile(&mut human[i], 90.0),
        })
        .collect()
}

/// Per rep: every response time, and (met, decided) first-response clocks.
#[derive(Default)]
struct RepTally {
    responses: Vec<i64>,
    met: usize,
    decided: usize,
    reassignments: usize,
}

fn tally<'a>(cohort: &[&'a LeadFacts]) -> BTreeMap<&'a str, RepTally> {
    let mut out: BTreeMap<&'a str, RepTally> = BTreeMap::new();
    for f in cohort {
        let involved = f
            .responses
            .iter()
            .map(|(r, _)| r.as_str())
            .chain(f.breaches.iter().map(String::as_str));
        // A rep's clock on a lead is decided when they answered or breached it; met when
        // answered without a breach of theirs. Each rep once (a lead names a few reps at
        // most: no allocation to deduplicate them).
        for (i, rep) in involved.clone().enumerate() {
            if involved.clone().take(i).any(|seen| seen == rep) {
                continue;
            }
            let answered = f.responses.iter().any(|(r, _)| r == rep);
            let breached = f.breaches.iter().any(|r| r == rep);
            let t = out.entry(rep).or_default();
            t.decided += 1;
            t.met += usize::from(answered && !breached);
        }
        for (rep, secs) in &f.responses {
            out.entry(rep).or_default().responses.push(*secs);
        }
        for rep in &f.history.reassigned_from {
            out.entry(rep).or_default().reassignments += 1;
        }
    }
    out
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

fn funnel(cohort: &[&LeadFacts], metrics: &Metrics) -> Vec<FunnelRow> {
    let mut rows: Vec<FunnelRow> = Vec::new();
    let mut total = FunnelRow::default();
    // Recycled and reactivated by tier, in one pass.
    let (mut recycled, mut reactivated) = ([0usize; 4], [0usize; 4]);
    for f in cohort {
        recycled[tier_slot(f.tier)] += usize::from(f.recycled);
        reactivated[tier_slot(f.tier)] += usize::from(f.reactivated);
    }
    for (tier, m) in &metrics.by_tier {
        let row = FunnelRow {
            tier: Some(*tier),
            leads: m.leads,
            mql: m.mql,
            assigned: m.assigned,
            contacted: m.contacted,
            qualified: m.qualified,
            won: m.won,
            recycled: recycled[tier_slot(*tier)],
            reactivated: reactivated[tier_slot(*tier)],
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

fn score_trust(cohort: &[&LeadFacts], config: &Config) -> ScoreTrust {
    let mut bands: Vec<ScoreBandRow> = (0..10u32)
        .map(|i| ScoreBandRow {
            from: i * 10,
            to: i * 10 + 10,
            leads: 0,
            qualified: 0,
            won: 0,
            win_rate: None,
            qualification_rate: None,
            won_amount: 0.0,
        })
        .collect();
    for f in cohort {
        let b = &mut bands[band_of(f.score)];
        b.leads += 1;
        b.qualified += usize::from(f.qualified);
        b.won += usize::from(f.won);
        b.won_amount += f.won_amount.unwrap_or(0.0);
    }
    for b in &mut bands {
        b.win_rate = ratio(b.won, b.leads);
        b.qualification_rate = ratio(b.qualified, b.leads);
    }
    let tiers = &config.scoring.tiers;
    ScoreTrust {
        bands,
        mql_threshold: config.scoring.mql_threshold,
        tier_a: tiers.a,
        tier_b: tiers.b,
        tier_c: tiers.c,
    }
}
