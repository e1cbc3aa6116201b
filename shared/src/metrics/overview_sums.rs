//! The overview's per-lead sums, added up in one pass over the cohort: the headline, speed to
//! lead, each rep's tally, recycled and reactivated by tier, and the score bands.
//!
//! One pass, because a dashboard cohort is a hundred thousand leads whose facts are scattered
//! over the heap: each extra walk over them costs as much as the arithmetic of all panels.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::overview::*;
use super::overview_compute::percentile;
use super::{band_of, median, ratio, LeadFacts, OpenClock};
use crate::config::Config;
use crate::domain::Tier;

/// The position of `tier` in `Tier::ALL`.
pub(crate) fn tier_slot(tier: Tier) -> usize {
    Tier::ALL.iter().position(|t| *t == tier).unwrap_or(0)
}

/// An open clock counts as breached once its deadline passed, flagged yet or not.
pub(crate) fn is_breached(clock: &OpenClock, now: DateTime<Utc>) -> bool {
    clock.breached_at.is_some() || now >= clock.due_at
}

/// The headline strip of one period.
#[derive(Default)]
pub(crate) struct HeadlineSums {
    leads: usize,
    first_responses: Vec<i64>,
    met: usize,
    decided: usize,
    mql: usize,
    contacted: usize,
    qualified: usize,
    breaches: usize,
    open_breaches: usize,
}

impl HeadlineSums {
    pub(crate) fn add(&mut self, f: &LeadFacts, now: DateTime<Utc>) {
        self.leads += 1;
        let answered = !f.responses.is_empty();
        let breached = !f.breaches.is_empty();
        if answered || breached {
            self.decided += 1;
            self.met += usize::from(answered && !breached);
        }
        self.first_responses
            .extend(f.responses.first().map(|(_, s)| *s));
        self.breaches += f.breaches.len();
        self.open_breaches +=
            usize::from(f.open_clock.as_ref().is_some_and(|c| is_breached(c, now)));
        if f.reached_mql {
            self.mql += 1;
            self.contacted += usize::from(f.contacted);
            self.qualified += usize::from(f.qualified);
        }
    }

    pub(crate) fn finish(mut self, q: &OverviewQuery) -> Headline {
        Headline {
            since: q.since,
            until: q.until,
            leads: self.leads,
            touched_within_sla_rate: ratio(self.met, self.decided),
            p50_first_response_seconds: median(&mut self.first_responses),
            p90_first_response_seconds: percentile(&mut self.first_responses, 90.0),
            breaches: self.breaches,
            open_breaches: self.open_breaches,
            mql_acceptance_rate: ratio(self.contacted, self.mql),
            mql_to_sql_rate: ratio(self.qualified, self.mql),
        }
    }
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

/// Speed to lead by tier.
#[derive(Default)]
pub(crate) struct SpeedSums {
    bands: [SpeedBands; 4],
    system: [Vec<i64>; 4],
    human: [Vec<i64>; 4],
}

impl SpeedSums {
    pub(crate) fn add(&mut self, f: &LeadFacts) {
        if !f.assigned {
            return;
        }
        let i = tier_slot(f.tier);
        let assigned_at = f.first_assigned_at;
        let start = f.accepted_at.or(assigned_at);
        if let (Some(accepted), Some(assigned)) = (f.accepted_at, assigned_at) {
            self.system[i].push((assigned - accepted).num_seconds());
        }
        // The rep's delay is the first answer's response time, as `/v1/metrics`.
        self.human[i].extend(f.responses.first().map(|(_, s)| *s));
        match (start, f.first_contact_at) {
            (Some(start), Some(contact)) => {
                speed_band(&mut self.bands[i], (contact - start).num_seconds())
            }
            _ if f.contacted => {
                // Contacted with no recorded instant: count the rep's delay alone.
                if let Some((_, s)) = f.responses.first() {
                    speed_band(&mut self.bands[i], *s)
                }
            }
            _ => self.bands[i].never += 1,
        }
    }

    pub(crate) fn finish(mut self) -> Vec<SpeedRow> {
        Tier::ALL
            .into_iter()
            .enumerate()
            .map(|(i, tier)| SpeedRow {
                tier,
                bands: self.bands[i],
                system_p50_seconds: median(&mut self.system[i]),
                system_p90_seconds: percentile(&mut self.system[i], 90.0),
                human_p50_seconds: median(&mut self.human[i]),
                human_p90_seconds: percentile(&mut self.human[i], 90.0),
            })
            .collect()
    }
}

/// Per rep: every response time, and (met, decided) first-response clocks.
#[derive(Default)]
pub(crate) struct RepTally {
    pub(crate) responses: Vec<i64>,
    pub(crate) met: usize,
    pub(crate) decided: usize,
    pub(crate) reassignments: usize,
}

fn tally_lead<'a>(out: &mut BTreeMap<&'a str, RepTally>, f: &'a LeadFacts) {
    let involved = f
        .responses
        .iter()
        .map(|(r, _)| r.as_str())
        .chain(f.breaches.iter().map(String::as_str));
    // A rep's clock on a lead is decided when they answered or breached it; met when
    // answered without a breach of theirs. Each rep once (a lead names a few reps at most:
    // no allocation to deduplicate them).
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

/// Leads, qualified, won and won amount in ten bands of 10 points.
fn empty_bands() -> Vec<ScoreBandRow> {
    (0..10u32)
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
        .collect()
}

/// Everything the overview adds up over the period's cohort besides `/v1/metrics`.
pub(crate) struct CohortSums<'a> {
    pub(crate) headline: HeadlineSums,
    pub(crate) speed: SpeedSums,
    pub(crate) tallies: BTreeMap<&'a str, RepTally>,
    pub(crate) recycled: [usize; 4],
    pub(crate) reactivated: [usize; 4],
    bands: Vec<ScoreBandRow>,
    now: DateTime<Utc>,
}

impl<'a> CohortSums<'a> {
    pub(crate) fn new(now: DateTime<Utc>) -> Self {
        CohortSums {
            headline: HeadlineSums::default(),
            speed: SpeedSums::default(),
            tallies: BTreeMap::new(),
            recycled: [0; 4],
            reactivated: [0; 4],
            bands: empty_bands(),
            now,
        }
    }

    pub(crate) fn add(&mut self, f: &'a LeadFacts) {
        self.headline.add(f, self.now);
        self.speed.add(f);
        tally_lead(&mut self.tallies, f);
        let slot = tier_slot(f.tier);
        self.recycled[slot] += usize::from(f.recycled);
        self.reactivated[slot] += usize::from(f.reactivated);
        let b = &mut self.bands[band_of(f.score)];
        b.leads += 1;
        b.qualified += usize::from(f.qualified);
        b.won += usize::from(f.won);
        b.won_amount += f.won_amount.unwrap_or(0.0);
    }

    /// The score histogram, with the thresholds to draw on it.
    pub(crate) fn score_trust(&mut self, config: &Config) -> ScoreTrust {
        let mut bands = std::mem::take(&mut self.bands);
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
}
