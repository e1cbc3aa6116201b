//! Scoring: fit (who the lead is), engagement (what it does, decaying) and negative signals
//! (penalties and disqualifiers) make a total within 0–100, explained line by line; the total
//! gives the tier and MQL status, with hysteresis; and the decaying total's next threshold
//! crossing tells the decay job when to look at the lead again.

pub mod changes;
pub mod crossing;
pub mod engagement;
pub mod hybrid;
pub mod published;
pub mod rounding;
pub mod tiering;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::{NegativeEffect, NegativeTrigger, ScoringConfig};
use crate::domain::lead::{Contribution, Lead, Score, Source};
use crate::domain::Tier;
use crossing::{DecayingTerm, ScoreShape};
pub use hybrid::{scoring_version, LeadModel, ModelBlend, ModelScore, Scorer};

/// Rule names of the lines that apply `fit.max` and `engagement.max`.
pub const FIT_CAP_RULE: &str = "fit.max";
pub const ENGAGEMENT_CAP_RULE: &str = "engagement.max";

/// A disqualifying rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disqualification {
    pub rule: String,
    pub reason: String,
}

/// The score of a lead at an instant, and what it implies.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub score: Score,
    pub tier: Tier,
    pub mql: bool,
    pub disqualification: Option<Disqualification>,
    /// When the decaying total will next fall below a bound that demotes the lead.
    pub next_crossing_at: Option<DateTime<Utc>>,
}

/// A stable version of a rules config: the same scoring rules always give the same version,
/// so each score records which rules computed it.
pub fn rules_version(config: &ScoringConfig) -> String {
    let json = serde_json::to_vec(config).expect("a scoring config serialises");
    crate::domain::hex::prefixed("rules-", &Sha256::digest(&json)[..4])
}

/// Score `lead` as of `now`, from its attributes and decayed engagement, with the tier and
/// MQL status it had as the starting point for hysteresis.
pub fn evaluate(
    lead: &Lead,
    config: &ScoringConfig,
    version: &str,
    now: DateTime<Utc>,
) -> Evaluation {
    evaluate_with(lead, config, Scorer::rules(version), now)
}

/// [`evaluate`], blending in a model when `scorer` has one: every rule line is scaled by
/// `1 - weight`, a [`Source::Model`] line adds `weight * probability * 100`, and the model's
/// largest contributions follow as 0-point lines carrying their log-odds, so the points
/// still add up to the unclamped total.
pub fn evaluate_with(
    lead: &Lead,
    config: &ScoringConfig,
    scorer: Scorer<'_>,
    now: DateTime<Utc>,
) -> Evaluation {
    let version = scorer.version;
    let mut lines: Vec<Contribution> = Vec::with_capacity(16);
    let mut line = |source, rule: &str, points: f64, disqualify: Option<String>| {
        lines.push(Contribution {
            source,
            rule: rule.to_string(),
            points,
            disqualify,
            log_odds: None,
        })
    };

    // Fit: matching rules, capped at fit.max.
    let mut fit_raw = 0.0;
    for rule in &config.fit.rules {
        if rule
            .condition
            .matcher
            .matches_value(lead.field_value(&rule.condition.field))
        {
            fit_raw += rule.points;
            line(Source::Fit, &rule.name, rule.points, None);
        }
    }
    let fit = fit_raw.min(config.fit.max);
    if fit_raw > config.fit.max {
        line(Source::Fit, FIT_CAP_RULE, config.fit.max - fit_raw, None);
    }

    // Engagement: each signal's decayed sum within its cap, the whole within engagement.max.
    let half_life = config.engagement.half_life.delta();
    let mut terms = Vec::with_capacity(lead.engagement.signals.len());
    let mut engagement_raw = 0.0;
    for (signal, state) in &lead.engagement.signals {
        let Some(signal_config) = config.engagement.signals.get(signal) else {
            continue; // a negative-only signal, or one no longer configured
        };
        let decayed = engagement::value_at(state, now, half_life);
        let counted = signal_config.cap.map_or(decayed, |cap| decayed.min(cap));
        terms.push(DecayingTerm {
            value: decayed,
            cap: signal_config.cap,
        });
        engagement_raw += counted;
        if counted >= 0.005 {
            line(Source::Engagement, signal, counted, None);
        }
    }
    if engagement_raw > config.engagement.max {
        line(
            Source::Engagement,
            ENGAGEMENT_CAP_RULE,
            config.engagement.max - engagement_raw,
            None,
        );
    }

    // Negative: penalties and disqualifiers, from fields or from signals the lead has shown.
    let mut negative = 0.0;
    let mut disqualification = None;
    for rule in &config.negative {
        let triggered = match &rule.trigger {
            NegativeTrigger::Field(c) => c.matcher.matches_value(lead.field_value(&c.field)),
            NegativeTrigger::Signal(s) => lead
                .engagement
                .signals
                .get(s)
                .is_some_and(|st| st.count > 0),
        };
        if !triggered {
            continue;
        }
        match &rule.effect {
            NegativeEffect::Penalty(points) => {
                negative += points;
                line(Source::Negative, &rule.name, *points, None);
            }
            NegativeEffect::Disqualify(reason) => {
                disqualification.get_or_insert_with(|| Disqualification {
                    rule: rule.name.clone(),
                    reason: reason.clone(),
                });
                line(Source::Negative, &rule.name, 0.0, Some(reason.clone()));
            }
        }
    }

    let model_points = scorer
        .model
        .map(|blend| blend_model(&mut lines, blend, lead));

    // Shown to two decimals, the lines adding up to the unclamped total.
    let exact: Vec<f64> = lines.iter().map(|l| l.points).collect();
    for (l, shown) in lines.iter_mut().zip(rounding::round_together(&exact)) {
        l.points = shown;
    }
    // One pass over the lines: the sum of each source's shown points.
    let mut sums = [0.0; 4];
    for l in &lines {
        let slot = match l.source {
            Source::Fit => 0,
            Source::Engagement => 1,
            Source::Negative => 2,
            Source::Model => 3,
        };
        sums[slot] += l.points;
    }
    let [fit_shown, engagement_shown, negative_shown, model_shown] = sums.map(rounding::round2);
    let total = rounding::round2(fit_shown + engagement_shown + negative_shown + model_shown)
        .clamp(0.0, 100.0);

    let (tier, mql) = if disqualification.is_some() {
        (Tier::D, false)
    } else {
        (
            tiering::next_tier(total, lead.tier, &config.tiers, config.demote_margin),
            tiering::next_mql(total, lead.mql, config),
        )
    };

    let next_crossing_at = if disqualification.is_some() {
        None
    } else {
        let shape = ScoreShape {
            constant: fit + negative,
            terms,
            engagement_max: config.engagement.max,
            at: now,
            half_life,
        };
        let bound = tiering::demotion_bounds(tier, mql, config).first().copied();
        match (bound, scorer.model, model_points) {
            (None, _, _) => None,
            (Some(bound), None, _) | (Some(bound), _, None) => shape.time_below(bound),
            // Only the rules part decays. The blended total, shown to two decimals, is below
            // `bound` when (1 - w) * rules + model < bound - 0.005; `time_below(b)` finds
            // rules < b - 0.005, so b is that rules bound plus the half hundredth.
            (Some(bound), Some(blend), Some(model_points)) => {
                let rules_share = 1.0 - blend.weight;
                (rules_share > 0.0)
                    .then(|| {
                        let rules_bound = (bound - 0.005 - model_points) / rules_share;
                        shape.time_below(rules_bound + 0.005)
                    })
                    .flatten()
            }
        }
    };

    Evaluation {
        score: Score {
            total,
            fit: fit_shown,
            engagement: engagement_shown,
            negative: negative_shown,
            model: model_shown,
            model_version: version.to_string(),
            computed_at: now,
            explanation: lines,
        },
        tier,
        mql,
        disqualification,
        next_crossing_at,
    }
}

/// Scales the rule lines by `1 - weight` and appends the model's lines; returns the model's
/// points, `weight * probability * 100`.
fn blend_model(lines: &mut Vec<Contribution>, blend: &ModelBlend, lead: &Lead) -> f64 {
    let weight = blend.weight;
    for l in lines.iter_mut() {
        l.points *= 1.0 - weight;
    }
    let predicted = blend.model.score(lead);
    let points = weight * predicted.probability * 100.0;
    lines.push(Contribution {
        source: Source::Model,
        rule: blend.model.version().to_string(),
        points,
        disqualify: None,
        log_odds: None,
    });
    for (feature, log_odds) in predicted
        .contributions
        .into_iter()
        .take(blend.top_contributions)
    {
        lines.push(Contribution {
            source: Source::Model,
            rule: feature,
            points: 0.0,
            disqualify: None,
            log_odds: Some(log_odds),
        });
    }
    points
}

#[cfg(test)]
mod tests;
