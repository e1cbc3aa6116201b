//! Backtesting: score historical leads with a rules configuration and/or a model before
//! publishing it, and see how well the score ranks the outcomes (AUC), how the tiers convert,
//! and how many leads would change tier against the version in use.
//!
//! Every CSV row becomes a [`Lead`] whose attributes are the row's columns (so a rules config
//! for such data names CSV columns as fields, e.g. `field = "Lead Origin"`). The target column
//! is never an attribute, and cells that mean "nothing entered" (see
//! [`crate::values::MISSING_PLACEHOLDERS`]) are left out, as an API client would leave out an
//! empty field. Rows carry no events: engagement is zero unless numeric activity columns are
//! mapped to signals with [`ActivityColumn`].

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use leadflow::config::{ScoringConfig, TierThresholds};
use leadflow::domain::lead::SignalState;
use leadflow::domain::{AttrValue, Lead, Tier};
use leadflow::scoring::{self, ModelBlend, Scorer};
use serde::Serialize;

use crate::error::PredictError;
use crate::metrics::{auc, tier_of};
use crate::model::Model;
use crate::table::Table;
use crate::values::{is_missing, parse_number, parse_outcome};

/// A numeric column read as a count of events of an engagement signal, all at the scoring
/// instant (no decay): `TotalVisits=page_view` gives a lead with 7 visits seven `page_view`
/// events, worth 7 × the signal's points, within its cap and `engagement.max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityColumn {
    pub column: String,
    pub signal: String,
}

impl ActivityColumn {
    /// `COLUMN=SIGNAL`; the column name may itself contain `=` only before the last one.
    pub fn parse(text: &str) -> Result<ActivityColumn, PredictError> {
        match text.rsplit_once('=') {
            Some((column, signal)) if !column.trim().is_empty() && !signal.trim().is_empty() => {
                Ok(ActivityColumn {
                    column: column.trim().to_string(),
                    signal: signal.trim().to_string(),
                })
            }
            _ => Err(PredictError::BadOption {
                option: "activity",
                reason: format!("{text:?} is not COLUMN=SIGNAL"),
            }),
        }
    }
}

/// The historical leads of a CSV and their outcomes, row by row.
#[derive(Debug, Clone)]
pub struct HistoricalLeads {
    pub leads: Vec<Lead>,
    pub outcomes: Vec<bool>,
}

impl HistoricalLeads {
    /// Each data row `n` (1-based) becomes lead `row-n`, created at `now`.
    pub fn from_table(
        table: &Table,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<HistoricalLeads, PredictError> {
        let target_column = table.column_index(target)?;
        let mut leads = Vec::with_capacity(table.rows.len());
        let mut outcomes = Vec::with_capacity(table.rows.len());
        for (row, cells) in table.rows.iter().enumerate() {
            let raw = &cells[target_column];
            let outcome = parse_outcome(raw).ok_or_else(|| PredictError::BadTarget {
                column: target.to_string(),
                row: row + 1,
                value: raw.clone(),
            })?;
            let mut lead = Lead::new(format!("row-{}", row + 1), None, None, now);
            for (column, (name, cell)) in table.headers.iter().zip(cells).enumerate() {
                if column != target_column && !is_missing(cell) {
                    lead.attributes
                        .insert(name.clone(), AttrValue::Text(cell.trim().to_string()));
                }
            }
            leads.push(lead);
            outcomes.push(outcome);
        }
        Ok(HistoricalLeads { leads, outcomes })
    }

    pub fn positives(&self) -> usize {
        self.outcomes.iter().filter(|&&o| o).count()
    }
}

/// One way of scoring a lead: the rules of a configuration, or a model on its own.
#[derive(Clone, Copy)]
pub enum Scoring<'a> {
    /// The rules, blended with a model when `model` is set (`[model]` of the config).
    Rules {
        scoring: &'a ScoringConfig,
        /// The version scores record (see [`scoring::scoring_version`]).
        version: &'a str,
        model: Option<&'a ModelBlend>,
        activity: &'a [ActivityColumn],
    },
    Model {
        model: &'a Model,
        /// Tiers of `probability × 100`.
        tiers: TierThresholds,
    },
}

/// A lead's score on the 0–100 scale and its tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub tier: Tier,
}

impl Scoring<'_> {
    pub fn version(&self) -> String {
        match self {
            Scoring::Rules { version, .. } => (*version).to_string(),
            Scoring::Model { model, .. } => model.model_version.clone(),
        }
    }

    /// Refuses an activity mapping whose signal the rules do not score.
    pub fn check(&self) -> Result<(), PredictError> {
        if let Scoring::Rules {
            scoring, activity, ..
        } = self
        {
            for mapping in activity.iter() {
                if !scoring.engagement.signals.contains_key(&mapping.signal) {
                    return Err(PredictError::BadOption {
                        option: "activity",
                        reason: format!(
                            "signal {:?} (for column {:?}) is not in scoring.engagement.signals ({})",
                            mapping.signal,
                            mapping.column,
                            scoring
                                .engagement
                                .signals
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn score(&self, lead: &Lead, now: DateTime<Utc>) -> Scored {
        match self {
            Scoring::Rules {
                scoring,
                version,
                model,
                activity,
            } => {
                let scorer = Scorer {
                    version,
                    model: *model,
                };
                let evaluation = if activity.is_empty() {
                    scoring::evaluate_with(lead, scoring, scorer, now)
                } else {
                    let mut active = lead.clone();
                    add_activity(&mut active, scoring, activity, now);
                    scoring::evaluate_with(&active, scoring, scorer, now)
                };
                Scored {
                    score: evaluation.score.total,
                    tier: evaluation.tier,
                }
            }
            Scoring::Model { model, tiers } => {
                let score = model.score(&model_input(lead)).score;
                Scored {
                    score,
                    tier: tier_of(score, tiers),
                }
            }
        }
    }
}

/// The lead's attributes as the raw strings a model reads.
pub fn model_input(lead: &Lead) -> HashMap<String, String> {
    lead.attributes
        .iter()
        .map(|(name, value)| (name.clone(), value.to_string()))
        .collect()
}

fn add_activity(
    lead: &mut Lead,
    scoring: &ScoringConfig,
    activity: &[ActivityColumn],
    now: DateTime<Utc>,
) {
    for mapping in activity {
        let Some(signal) = scoring.engagement.signals.get(&mapping.signal) else {
            continue; // refused by `Scoring::check`
        };
        let count = lead
            .attributes
            .get(&mapping.column)
            .and_then(|v| parse_number(&v.to_string()))
            .filter(|n| *n >= 1.0)
            .map_or(0, |n| n.floor().min(f64::from(u32::MAX)) as u32);
        if count == 0 {
            continue;
        }
        let state = lead
            .engagement
            .signals
            .entry(mapping.signal.clone())
            .or_insert(SignalState {
                value: 0.0,
                as_of: now,
                count: 0,
                last_at: now,
            });
        state.value += f64::from(count) * signal.points;
        state.count = state.count.saturating_add(count);
    }
}

/// Leads, conversions, rate and lift of one tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierConversion {
    pub tier: Tier,
    pub leads: usize,
    pub conversions: usize,
    pub conversion_rate: Option<f64>,
    /// Rate over the overall rate.
    pub lift: Option<f64>,
}

/// How one scoring did on the historical leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoringOutcome {
    pub label: String,
    pub version: String,
    /// AUC of the 0–100 score against the outcome; `None` without both outcomes.
    pub auc: Option<f64>,
    pub tiers: Vec<TierConversion>,
    #[serde(skip)]
    pub scored: Vec<Scored>,
}

impl ScoringOutcome {
    pub fn of(
        label: &str,
        scoring: &Scoring<'_>,
        data: &HistoricalLeads,
        now: DateTime<Utc>,
    ) -> Self {
        let scored: Vec<Scored> = data
            .leads
            .iter()
            .map(|lead| scoring.score(lead, now))
            .collect();
        let scores: Vec<f64> = scored.iter().map(|s| s.score).collect();
        ScoringOutcome {
            label: label.to_string(),
            version: scoring.version(),
            auc: auc(&scores, &data.outcomes),
            tiers: tier_conversion(&scored, &data.outcomes),
            scored,
        }
    }
}

fn tier_conversion(scored: &[Scored], outcomes: &[bool]) -> Vec<TierConversion> {
    let overall = outcomes.iter().filter(|&&o| o).count() as f64 / outcomes.len().max(1) as f64;
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let (leads, conversions) = scored
                .iter()
                .zip(outcomes)
                .filter(|(s, _)| s.tier == tier)
                .fold((0, 0), |(n, c), (_, &o)| (n + 1, c + usize::from(o)));
            let conversion_rate = (leads > 0).then(|| conversions as f64 / leads as f64);
            TierConversion {
                tier,
                leads,
                conversions,
                conversion_rate,
                lift: conversion_rate
                    .filter(|_| overall > 0.0)
                    .map(|r| r / overall),
            }
        })
        .collect()
}

/// How the tiers of the same leads move from the baseline to the candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierChanges {
    /// `moves[from][to]`, tiers in the order A, B, C, D.
    pub moves: [[usize; 4]; 4],
    pub changed: usize,
    /// Moved to a hotter tier.
    pub up: usize,
    pub down: usize,
}

impl TierChanges {
    pub fn between(baseline: &[Scored], candidate: &[Scored]) -> TierChanges {
        let mut moves = [[0; 4]; 4];
        let (mut up, mut down) = (0, 0);
        for (from, to) in baseline.iter().zip(candidate) {
            moves[tier_index(from.tier)][tier_index(to.tier)] += 1;
            if to.tier.is_above(from.tier) {
                up += 1;
            } else if from.tier.is_above(to.tier) {
                down += 1;
            }
        }
        TierChanges {
            moves,
            changed: up + down,
            up,
            down,
        }
    }
}

fn tier_index(tier: Tier) -> usize {
    Tier::ALL
        .iter()
        .position(|t| *t == tier)
        .expect("every tier is in Tier::ALL")
}

/// Everything `leadflow backtest` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    pub rows: usize,
    pub positives: usize,
    /// Each scoring under test, with its changes against the baseline when there is one.
    pub candidates: Vec<CandidateOutcome>,
    pub baseline: Option<ScoringOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateOutcome {
    pub outcome: ScoringOutcome,
    pub changes: Option<TierChanges>,
}

/// Scores `data` with each candidate (label, scoring) and the baseline, if any.
pub fn backtest(
    data: &HistoricalLeads,
    candidates: &[(&str, Scoring<'_>)],
    baseline: Option<(&str, Scoring<'_>)>,
    now: DateTime<Utc>,
) -> Result<BacktestReport, PredictError> {
    for (_, scoring) in candidates.iter().chain(baseline.iter()) {
        scoring.check()?;
    }
    let baseline = baseline.map(|(label, s)| ScoringOutcome::of(label, &s, data, now));
    let candidates = candidates
        .iter()
        .map(|(label, scoring)| {
            let outcome = ScoringOutcome::of(label, scoring, data, now);
            let changes = baseline
                .as_ref()
                .map(|b| TierChanges::between(&b.scored, &outcome.scored));
            CandidateOutcome { outcome, changes }
        })
        .collect();
    Ok(BacktestReport {
        rows: data.leads.len(),
        positives: data.positives(),
        candidates,
        baseline,
    })
}

impl BacktestReport {
    /// The human report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let overall = self.positives as f64 / self.rows.max(1) as f64;
        let _ = writeln!(
            out,
            "{} historical leads, {} converted ({:.1}%)",
            self.rows,
            self.positives,
            overall * 100.0
        );
        for candidate in &self.candidates {
            render_outcome(&mut out, &candidate.outcome);
            if let (Some(changes), Some(baseline)) = (&candidate.changes, &self.baseline) {
                render_changes(&mut out, changes, baseline, self.rows);
            }
        }
        if let Some(baseline) = &self.baseline {
            render_outcome(&mut out, baseline);
        }
        out
    }
}

fn render_outcome(out: &mut String, outcome: &ScoringOutcome) {
    let auc = outcome.auc.map_or("-".to_string(), |a| format!("{a:.4}"));
    let _ = writeln!(
        out,
        "\n{} ({}): AUC of the score {auc}",
        outcome.label, outcome.version
    );
    let _ = writeln!(out, "  tier  leads  conversions  rate    lift");
    for t in &outcome.tiers {
        let rate = t
            .conversion_rate
            .map_or("-".to_string(), |r| format!("{r:.3}"));
        let lift = t.lift.map_or("-".to_string(), |l| format!("{l:.2}"));
        let _ = writeln!(
            out,
            "  {:<4}  {:>5}  {:>11}  {:<6}  {}",
            t.tier, t.leads, t.conversions, rate, lift
        );
    }
}

fn render_changes(out: &mut String, changes: &TierChanges, baseline: &ScoringOutcome, rows: usize) {
    let _ = writeln!(
        out,
        "  against {} ({}): {} of {} leads change tier ({} up, {} down)",
        baseline.label, baseline.version, changes.changed, rows, changes.up, changes.down
    );
    let _ = writeln!(out, "    from \\ to      A      B      C      D");
    for (i, from) in Tier::ALL.iter().enumerate() {
        let row = &changes.moves[i];
        let _ = writeln!(
            out,
            "    {from:<9}  {:>5}  {:>5}  {:>5}  {:>5}",
            row[0], row[1], row[2], row[3]
        );
    }
}
