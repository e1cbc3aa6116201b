//! Out-of-sample evaluation: ranking (AUC), probability quality (log loss, Brier),
//! calibration by decile, and conversion and lift by tier.

use leadflow::config::TierThresholds;
use leadflow::domain::Tier;
use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[EPSILON, 1 - EPSILON]` in the log loss.
const LOG_LOSS_EPSILON: f64 = 1e-15;

/// Area under the ROC curve: the chance a random positive scores above a random negative,
/// ties counting one half (Mann-Whitney with average ranks). `None` without both classes.
pub fn auc(scores: &[f64], outcomes: &[bool]) -> Option<f64> {
    let positives = outcomes.iter().filter(|&&o| o).count();
    let negatives = outcomes.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start..end (1-based: start+1..=end) share their average.
        let average_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end].iter().filter(|&&i| outcomes[i]).count();
        positive_rank_sum += average_rank * tied_positives as f64;
        start = end;
    }
    let p = positives as f64;
    Some((positive_rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Mean negative log-likelihood.
pub fn log_loss(probabilities: &[f64], outcomes: &[bool]) -> f64 {
    let total: f64 = probabilities
        .iter()
        .zip(outcomes)
        .map(|(&p, &o)| {
            let p = p.clamp(LOG_LOSS_EPSILON, 1.0 - LOG_LOSS_EPSILON);
            if o {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / probabilities.len() as f64
}

/// Mean squared difference between probability and outcome.
pub fn brier(probabilities: &[f64], outcomes: &[bool]) -> f64 {
    let total: f64 = probabilities
        .iter()
        .zip(outcomes)
        .map(|(&p, &o)| (p - f64::from(u8::from(o))).powi(2))
        .sum();
    total / probabilities.len() as f64
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// 1 = lowest predicted probabilities.
    pub decile: usize,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Rows sorted by predicted probability and cut into ten groups of (nearly) equal size.
pub fn calibration_by_decile(probabilities: &[f64], outcomes: &[bool]) -> Vec<CalibrationBin> {
    let mut order: Vec<usize> = (0..probabilities.len()).collect();
    order.sort_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]));
    let n = order.len();
    (0..10)
        .filter_map(|decile| {
            let group = &order[decile * n / 10..(decile + 1) * n / 10];
            if group.is_empty() {
                return None;
            }
            let count = group.len();
            let predicted: f64 = group.iter().map(|&i| probabilities[i]).sum();
            let observed = group.iter().filter(|&&i| outcomes[i]).count();
            Some(CalibrationBin {
                decile: decile + 1,
                count,
                mean_predicted: predicted / count as f64,
                observed_rate: observed as f64 / count as f64,
            })
        })
        .collect()
}

/// The 0-100 score of a probability.
pub fn score_of(probability: f64) -> f64 {
    probability * 100.0
}

/// The tier of a 0-100 score: the hottest tier whose floor it reaches, else D.
pub fn tier_of(score: f64, thresholds: &TierThresholds) -> Tier {
    Tier::ALL
        .into_iter()
        .find(|&tier| thresholds.floor(tier).is_some_and(|floor| score >= floor))
        .unwrap_or(Tier::D)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierOutcome {
    pub tier: Tier,
    pub leads: usize,
    pub conversions: usize,
    /// `None` for a tier without leads.
    pub conversion_rate: Option<f64>,
    /// Conversion rate over the overall rate.
    pub lift: Option<f64>,
}

/// Leads, conversions, rate and lift of every tier, hottest first.
pub fn tier_outcomes(
    probabilities: &[f64],
    outcomes: &[bool],
    thresholds: &TierThresholds,
) -> Vec<TierOutcome> {
    let overall_rate =
        outcomes.iter().filter(|&&o| o).count() as f64 / outcomes.len().max(1) as f64;
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let in_tier: Vec<bool> = probabilities
                .iter()
                .zip(outcomes)
                .filter(|(&p, _)| tier_of(score_of(p), thresholds) == tier)
                .map(|(_, &o)| o)
                .collect();
            let leads = in_tier.len();
            let conversions = in_tier.iter().filter(|&&o| o).count();
            let conversion_rate = (leads > 0).then(|| conversions as f64 / leads as f64);
            TierOutcome {
                tier,
                leads,
                conversions,
                conversion_rate,
                lift: conversion_rate
                    .filter(|_| overall_rate > 0.0)
                    .map(|rate| rate / overall_rate),
            }
        })
        .collect()
}

/// Everything measured on the held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub rows: usize,
    pub positives: usize,
    pub auc: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub calibration: Vec<CalibrationBin>,
    pub tier_thresholds: TierThresholds,
    pub tiers: Vec<TierOutcome>,
}

impl Evaluation {
    /// `None` when the outcomes hold only one class (AUC undefined).
    pub fn of(
        probabilities: &[f64],
        outcomes: &[bool],
        thresholds: &TierThresholds,
    ) -> Option<Evaluation> {
        Some(Evaluation {
            rows: outcomes.len(),
            positives: outcomes.iter().filter(|&&o| o).count(),
            auc: auc(probabilities, outcomes)?,
            log_loss: log_loss(probabilities, outcomes),
            brier: brier(probabilities, outcomes),
            calibration: calibration_by_decile(probabilities, outcomes),
            tier_thresholds: *thresholds,
            tiers: tier_outcomes(probabilities, outcomes, thresholds),
        })
    }
}
