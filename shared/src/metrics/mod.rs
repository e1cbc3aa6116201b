//! `GET /v1/metrics`, as a pure function: the funnel, SLA and revenue figures of the leads
//! created in a window, by tier and by rep. The dashboard shows the same figures.
//!
//! Two steps, so that a store may keep the per-lead summary instead of re-reading history:
//! [`lead_facts`] sums up one lead (its state and history), [`compute`] adds the summaries up.
//!
//! Definitions:
//! - The cohort is the leads created in the window; every figure is about them, as of now.
//! - A lead counts in the tier it was routed with (its SLA clock's tier), else its current tier.
//! - `mql`: reached MQL at some point; `assigned`: had an owner; `contacted`: a disposition was
//!   recorded (any disposition stops the first-response clock); `qualified`: reached SQL
//!   (qualified, or won straight from contacted); `won`: status won.
//! - `sla_met_rate`: of the leads whose first response is decided (answered or breached), the
//!   share answered without a breach. `null` when none is decided, as are rates and medians
//!   with nothing to measure.
//! - `pipeline_amount` / `won_amount`: the latest amount of a lead's `qualified` / `won`
//!   disposition.
//! - `recycled` / `reactivated`: leads of the cohort recycled / reactivated at least once.
//! - `score_distribution`: current totals in ten bands of 10 points; 100 falls in the last.

mod facts;
pub mod overview;
mod overview_compute;
mod overview_csv;
mod overview_sums;
#[cfg(test)]
mod overview_tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{RepId, Tier};

pub use facts::{lead_facts, HistoryFacts, LeadFacts, OpenClock};
pub use overview_compute::{compute_overview, OverviewContext};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TierMetrics {
    pub leads: usize,
    pub mql: usize,
    pub assigned: usize,
    pub contacted: usize,
    pub qualified: usize,
    pub won: usize,
    pub mql_to_sql_rate: Option<f64>,
    pub median_first_response_seconds: Option<i64>,
    pub sla_met_rate: Option<f64>,
    pub breaches: usize,
    pub pipeline_amount: f64,
    pub won_amount: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepMetrics {
    pub assigned: usize,
    pub open: usize,
    pub median_first_response_seconds: Option<i64>,
    pub breaches: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreBand {
    pub from: u32,
    pub to: u32,
    pub leads: usize,
}

/// The body of `GET /v1/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Added to the contract: the window the figures are about.
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub leads: usize,
    pub by_tier: BTreeMap<Tier, TierMetrics>,
    pub by_rep: BTreeMap<RepId, RepMetrics>,
    pub recycled: usize,
    pub reactivated: usize,
    pub score_distribution: Vec<ScoreBand>,
}

/// Add up the facts of the cohort created in `[since, until)`. Every rep of `roster` appears in
/// `by_rep` (with zeros when idle), as does any other rep the leads name; every tier appears in
/// `by_tier`.
pub fn compute<'a>(
    facts: impl IntoIterator<Item = &'a LeadFacts>,
    roster: impl IntoIterator<Item = &'a RepId>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Metrics {
    let mut by_tier: BTreeMap<Tier, TierMetrics> = Tier::ALL
        .into_iter()
        .map(|t| (t, TierMetrics::default()))
        .collect();
    // Keyed by borrowed ids while adding up: no allocation per lead.
    let mut by_rep: BTreeMap<&'a str, RepMetrics> = roster
        .into_iter()
        .map(|r| (r.as_str(), RepMetrics::default()))
        .collect();
    let mut tier_responses: BTreeMap<Tier, Vec<i64>> = BTreeMap::new();
    let mut rep_responses: BTreeMap<&'a str, Vec<i64>> = BTreeMap::new();
    let mut tier_sla: BTreeMap<Tier, (usize, usize)> = BTreeMap::new();
    let mut bands = [0usize; 10];
    let (mut leads, mut recycled, mut reactivated) = (0, 0, 0);

    for f in facts {
        leads += 1;
        recycled += usize::from(f.recycled);
        reactivated += usize::from(f.reactivated);
        let t = by_tier.entry(f.tier).or_default();
        t.leads += 1;
        t.mql += usize::from(f.reached_mql);
        t.assigned += usize::from(f.assigned);
        t.contacted += usize::from(f.contacted);
        t.qualified += usize::from(f.qualified);
        t.won += usize::from(f.won);
        t.breaches += f.breaches.len();
        t.pipeline_amount += f.pipeline_amount.unwrap_or(0.0);
        t.won_amount += f.won_amount.unwrap_or(0.0);

        let answered = !f.responses.is_empty();
        let breached = !f.breaches.is_empty();
        if answered || breached {
            let (met, decided) = tier_sla.entry(f.tier).or_default();
            *decided += 1;
            *met += usize::from(answered && !breached);
        }
        // The lead's first response is its first answer, whoever gave it.
        if let Some((_, secs)) = f.responses.first() {
            tier_responses.entry(f.tier).or_default().push(*secs);
        }
        for (rep, secs) in &f.responses {
            rep_responses.entry(rep).or_default().push(*secs);
            by_rep.entry(rep).or_default();
        }
        for rep in &f.assignments {
            by_rep.entry(rep).or_default().assigned += 1;
        }
        for rep in &f.breaches {
            by_rep.entry(rep).or_default().breaches += 1;
        }
        if let Some(rep) = &f.open_with {
            by_rep.entry(rep).or_default().open += 1;
        }
        bands[band_of(f.score)] += 1;
    }

    for (tier, m) in by_tier.iter_mut() {
        m.mql_to_sql_rate = ratio(m.qualified, m.mql);
        m.median_first_response_seconds = tier_responses.get_mut(tier).and_then(|v| median(v));
        m.sla_met_rate = tier_sla
            .get(tier)
            .and_then(|(met, decided)| ratio(*met, *decided));
    }
    for (rep, m) in by_rep.iter_mut() {
        m.median_first_response_seconds = rep_responses.get_mut(rep).and_then(|v| median(v));
    }
    let by_rep: BTreeMap<RepId, RepMetrics> = by_rep
        .into_iter()
        .map(|(rep, m)| (rep.to_string(), m))
        .collect();

    Metrics {
        since,
        until,
        leads,
        by_tier,
        by_rep,
        recycled,
        reactivated,
        score_distribution: bands
            .iter()
            .enumerate()
            .map(|(i, &leads)| ScoreBand {
                from: i as u32 * 10,
                to: i as u32 * 10 + 10,
                leads,
            })
            .collect(),
    }
}

/// The band of a score: [0,10) is 0, ..., [90,100] is 9.
pub(crate) fn band_of(score: f64) -> usize {
    if score.is_nan() {
        return 0;
    }
    ((score.clamp(0.0, 100.0) / 10.0).floor() as usize).min(9)
}

pub(crate) fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The median in whole seconds; the mean of the two middle values when the count is even.
pub(crate) fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]).div_euclid(2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{HistoryEntry, HistoryKind, Lead, Owner, Status};
    use crate::sla::SlaClock;
    use serde_json::{json, Value};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn lead(id: &str, tier: Tier, status: Status, total: f64) -> Lead {
        let mut l = Lead::new(id.into(), None, None, at("2026-11-23T09:00:00Z"));
        l.tier = tier;
        l.status = status;
        l.score.total = total;
        l
    }

    fn owned(mut l: Lead, rep: &str, responded_after: Option<i64>, breached: bool) -> Lead {
        let assigned_at = at("2026-11-23T10:00:00Z");
        l.owner = Some(Owner {
            rep_id: rep.into(),
            assigned_at,
        });
        l.mql = true;
        l.sla = Some(SlaClock {
            responded_at: responded_after.map(|s| assigned_at + chrono::TimeDelta::seconds(s)),
            breached_at: breached.then(|| assigned_at + chrono::TimeDelta::minutes(5)),
            ..SlaClock::waiting(
                l.tier,
                rep,
                assigned_at,
                assigned_at + chrono::TimeDelta::minutes(5),
            )
        });
        l
    }

    fn entry(kind: HistoryKind, detail: Value) -> HistoryEntry {
        HistoryEntry::new(at("2026-11-23T10:00:00Z"), kind, detail)
    }

    #[test]
    fn funnel_rates_medians_and_amounts_by_tier() {
        let since = at("2026-11-01T00:00:00Z");
        let until = at("2026-12-01T00:00:00Z");
        let won = owned(
            lead("l1", Tier::A, Status::Won, 95.0),
            "ana",
            Some(100),
            false,
        );
        let won_history = vec![
            entry(HistoryKind::Assigned, json!({"rep_id": "ana"})),
            entry(
                HistoryKind::Disposition,
                json!({"outcome": "contacted", "rep_id": "ana", "to": "contacted",
                       "response_seconds": 100}),
            ),
            entry(
                HistoryKind::Disposition,
                json!({"outcome": "qualified", "rep_id": "ana", "to": "qualified", "amount": 5000.0}),
            ),
            entry(
                HistoryKind::Disposition,
                json!({"outcome": "won", "rep_id": "ana", "to": "won", "amount": 4000.0}),
            ),
        ];
        let breached = owned(
            lead("l2", Tier::A, Status::Assigned, 81.0),
            "ben",
            None,
            true,
        );
        let breached_history = vec![
            entry(HistoryKind::Assigned, json!({"rep_id": "ben"})),
            entry(HistoryKind::SlaBreached, json!({"rep_id": "ben"})),
        ];
        let late = owned(
            lead("l3", Tier::A, Status::Contacted, 85.0),
            "ben",
            Some(300),
            false,
        );
        let nurture = lead("l4", Tier::C, Status::Nurture, 12.0);
        let facts = vec![
            lead_facts(&won, &won_history),
            lead_facts(&breached, &breached_history),
            lead_facts(&late, &[]),
            lead_facts(&nurture, &[]),
        ];
        let roster = ["ana".to_string(), "ben".to_string(), "cy".to_string()];
        let m = compute(&facts, &roster, since, until);

        assert_eq!(m.leads, 4);
        let a = &m.by_tier[&Tier::A];
        assert_eq!((a.leads, a.mql, a.assigned, a.contacted), (3, 3, 3, 2));
        assert_eq!((a.qualified, a.won, a.breaches), (1, 1, 1));
        assert_eq!(a.mql_to_sql_rate, Some(1.0 / 3.0));
        assert_eq!(a.median_first_response_seconds, Some(200));
        assert_eq!(a.sla_met_rate, Some(2.0 / 3.0));
        assert_eq!((a.pipeline_amount, a.won_amount), (5000.0, 4000.0));
        let c = &m.by_tier[&Tier::C];
        assert_eq!((c.leads, c.mql, c.assigned), (1, 0, 0));
        assert_eq!(c.mql_to_sql_rate, None);
        assert_eq!(m.by_tier[&Tier::B], TierMetrics::default());

        assert_eq!(m.by_rep["ana"].assigned, 1);
        assert_eq!(m.by_rep["ana"].open, 0);
        assert_eq!(m.by_rep["ben"].assigned, 2);
        assert_eq!(m.by_rep["ben"].open, 2);
        assert_eq!(m.by_rep["ben"].breaches, 1);
        assert_eq!(m.by_rep["ben"].median_first_response_seconds, Some(300));
        assert_eq!(m.by_rep["cy"], RepMetrics::default());

        let bands: Vec<usize> = m.score_distribution.iter().map(|b| b.leads).collect();
        assert_eq!(bands, vec![0, 1, 0, 0, 0, 0, 0, 0, 2, 1]);
        assert_eq!(m.score_distribution[9].to, 100);
    }

    #[test]
    fn a_lead_counts_in_the_tier_it_was_routed_with() {
        // Routed as A, since decayed to C: it stays in A's funnel.
        let mut l = owned(
            lead("l1", Tier::A, Status::Contacted, 40.0),
            "ana",
            Some(60),
            false,
        );
        l.tier = Tier::C;
        assert_eq!(lead_facts(&l, &[]).tier, Tier::A);
    }

    #[test]
    fn recycled_and_reactivated_are_counted_once_per_lead() {
        let l = lead("l1", Tier::B, Status::Mql, 70.0);
        let h = vec![
            entry(HistoryKind::Recycled, json!({"rep_id": "ana"})),
            entry(HistoryKind::Reactivated, json!({})),
            entry(HistoryKind::Recycled, json!({"rep_id": "ben"})),
        ];
        let m = compute(
            &[lead_facts(&l, &h)],
            &[],
            at("2026-11-01T00:00:00Z"),
            at("2026-12-01T00:00:00Z"),
        );
        assert_eq!((m.recycled, m.reactivated), (1, 1));
        assert_eq!(m.by_tier[&Tier::B].mql, 1);
    }

    #[test]
    fn bands_and_median_edges() {
        assert_eq!(band_of(0.0), 0);
        assert_eq!(band_of(9.99), 0);
        assert_eq!(band_of(10.0), 1);
        assert_eq!(band_of(100.0), 9);
        assert_eq!(band_of(-5.0), 0);
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1]), Some(2));
    }

    #[test]
    fn serialises_with_the_contract_keys() {
        let m = compute(
            &[],
            &[],
            at("2026-11-01T00:00:00Z"),
            at("2026-12-01T00:00:00Z"),
        );
        let v = serde_json::to_value(&m).unwrap();
        for key in [
            "leads",
            "by_tier",
            "by_rep",
            "recycled",
            "reactivated",
            "score_distribution",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        let a = &v["by_tier"]["A"];
        for key in [
            "leads",
            "mql",
            "assigned",
            "contacted",
            "qualified",
            "won",
            "mql_to_sql_rate",
            "median_first_response_seconds",
            "sla_met_rate",
            "breaches",
            "pipeline_amount",
            "won_amount",
        ] {
            assert!(a.get(key).is_some(), "{key}");
        }
        assert_eq!(
            v["score_distribution"][0],
            json!({"from": 0, "to": 10, "leads": 0})
        );
    }
}
