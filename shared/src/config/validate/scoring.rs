//! Thresholds, signals, fit rules and negative rules.

use super::{
    check_condition, check_positive_duration, check_rule_names, check_signal_name, is_blank, Issues,
};
use crate::config::model::{
    DispositionsConfig, FitRule, ModelConfig, NegativeEffect, NegativeRule, NegativeTrigger,
    ScoringConfig,
};
use crate::config::path::KeyPath;

fn within_percent(value: f64) -> bool {
    (0.0..=100.0).contains(&value)
}

pub(super) fn check_scoring(s: &ScoringConfig, out: &mut Issues) {
    let base = KeyPath::of(&["scoring"]);
    let mql_ok = within_percent(s.mql_threshold);
    if !mql_ok {
        out.at(
            base.key("mql_threshold"),
            format!("must be between 0 and 100, found {}", s.mql_threshold),
        );
    }
    check_tiers(s, out);
    check_demote_margin(s, mql_ok, out);

    for (key, max) in [("fit", s.fit.max), ("engagement", s.engagement.max)] {
        if !(max > 0.0 && max <= 100.0) {
            out.at(
                base.key(key).key("max"),
                format!("must be more than 0 and at most 100, found {max}"),
            );
        }
    }
    check_positive_duration(
        out,
        base.key("engagement").key("half_life"),
        s.engagement.half_life,
    );

    let signals = base.key("engagement").key("signals");
    for (name, signal) in &s.engagement.signals {
        let path = signals.key(name);
        check_signal_name(out, path.clone(), name);
        if !(signal.points > 0.0 && signal.points.is_finite()) {
            out.at(
                path.key("points"),
                format!("must be more than zero, found {}", signal.points),
            );
        }
        if let Some(cap) = signal.cap {
            if !(cap > 0.0 && cap.is_finite()) {
                out.at(
                    path.key("cap"),
                    format!("must be more than zero, found {cap}"),
                );
            }
        }
    }
}

fn check_tiers(s: &ScoringConfig, out: &mut Issues) {
    let tiers = KeyPath::of(&["scoring", "tiers"]);
    let t = s.tiers;
    let mut all_in_range = true;
    for (name, value) in [("A", t.a), ("B", t.b), ("C", t.c)] {
        if !within_percent(value) {
            all_in_range = false;
            out.at(
                tiers.key(name),
                format!("must be between 0 and 100, found {value}"),
            );
        }
    }
    if !all_in_range {
        return;
    }
    if t.b >= t.a {
        out.at(
            tiers.key("B"),
            format!("must be below scoring.tiers.A ({}), found {}", t.a, t.b),
        );
    }
    if t.c >= t.b {
        out.at(
            tiers.key("C"),
            format!("must be below scoring.tiers.B ({}), found {}", t.b, t.c),
        );
    }
}

/// The margin is subtracted from a threshold to demote; a margin as large as the threshold
/// would mean a lead once promoted is never demoted. Zero (no hysteresis) is always fine.
fn check_demote_margin(s: &ScoringConfig, mql_ok: bool, out: &mut Issues) {
    let path = KeyPath::of(&["scoring", "demote_margin"]);
    let margin = s.demote_margin;
    if !(margin >= 0.0 && margin.is_finite()) {
        out.at(path, format!("must be zero or more, found {margin}"));
        return;
    }
    let lowest = s.tiers.c;
    if within_percent(lowest) && margin > 0.0 && margin >= lowest {
        out.at(
            path.clone(),
            format!(
                "must be below the lowest tier threshold, scoring.tiers.C ({lowest}), found {margin}"
            ),
        );
    }
    if mql_ok && margin > 0.0 && margin >= s.mql_threshold {
        out.at(
            path,
            format!(
                "must be below scoring.mql_threshold ({}), found {margin}",
                s.mql_threshold
            ),
        );
    }
}

pub(super) fn check_fit_rules(rules: &[FitRule], out: &mut Issues) {
    let base = KeyPath::of(&["scoring", "fit", "rules"]);
    check_rule_names(out, &base, rules.iter().map(|r| r.name.as_str()));
    for (i, rule) in rules.iter().enumerate() {
        let path = base.index(i);
        if is_blank(&rule.condition.field) {
            out.at(path.key("field"), "must name a lead field");
        }
        if rule.points == 0.0 || !rule.points.is_finite() {
            out.at(
                path.key("points"),
                format!("must be a non-zero number, found {}", rule.points),
            );
        }
        check_condition(out, &rule.condition, &|key| path.key(key));
    }
}

pub(super) fn check_negative_rules(
    rules: &[NegativeRule],
    dispositions: Option<&DispositionsConfig>,
    out: &mut Issues,
) {
    let base = KeyPath::of(&["scoring", "negative"]);
    check_rule_names(out, &base, rules.iter().map(|r| r.name.as_str()));
    for (i, rule) in rules.iter().enumerate() {
        let path = base.index(i);
        match &rule.trigger {
            NegativeTrigger::Field(condition) => {
                if is_blank(&condition.field) {
                    out.at(path.key("field"), "must name a lead field");
                }
                check_condition(out, condition, &|key| path.key(key));
            }
            NegativeTrigger::Signal(signal) => check_signal_name(out, path.key("signal"), signal),
        }
        match &rule.effect {
            NegativeEffect::Penalty(points) => {
                if !(*points < 0.0 && points.is_finite()) {
                    out.at(
                        path.key("points"),
                        format!("must be below zero (a penalty), found {points}"),
                    );
                }
            }
            NegativeEffect::Disqualify(reason) => {
                if let Some(d) = dispositions {
                    if !d.disqualify_reasons.iter().any(|r| r == reason) {
                        out.at(
                            path.key("disqualify"),
                            format!(
                                "{reason:?} is not in dispositions.disqualify_reasons ({})",
                                d.disqualify_reasons.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// Most model features an explanation may list: a score is stored with its explanation.
pub(crate) const MAX_TOP_CONTRIBUTIONS: usize = 20;

/// `[model]`: a file named, a weight in [0, 1]. Whether the file loads is checked where files
/// are read (the CLI), not in this pure crate.
pub(super) fn check_model(m: &ModelConfig, out: &mut Issues) {
    let base = KeyPath::of(&["model"]);
    if is_blank(&m.path) {
        out.at(
            base.key("path"),
            "must name a model file (`leadflow train --out`)",
        );
    }
    if !(m.weight.is_finite() && (0.0..=1.0).contains(&m.weight)) {
        out.at(
            base.key("weight"),
            format!("must be between 0 and 1, found {}", m.weight),
        );
    }
    if m.top_contributions > MAX_TOP_CONTRIBUTIONS {
        out.at(
            base.key("top_contributions"),
            format!(
                "must be at most {MAX_TOP_CONTRIBUTIONS}, found {}",
                m.top_contributions
            ),
        );
    }
}
