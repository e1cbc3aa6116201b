//! What changed between two scoring configurations, in lines a sales team can read
//! ("tier A threshold 80 → 85"). The changelog of published versions records them.

use std::collections::BTreeMap;

use crate::config::{FitRule, NegativeRule, ScoringConfig, SignalConfig};

/// The differences from `old` to `new`, one readable line each; `old` is `None` for the first
/// published configuration, which is summarised instead. Empty when nothing that scores differs.
pub fn describe_changes(old: Option<&ScoringConfig>, new: &ScoringConfig) -> Vec<String> {
    let Some(old) = old else {
        return vec![summary(new)];
    };
    let mut lines = Vec::new();
    number(
        &mut lines,
        "MQL threshold",
        old.mql_threshold,
        new.mql_threshold,
    );
    number(
        &mut lines,
        "demote margin",
        old.demote_margin,
        new.demote_margin,
    );
    number(&mut lines, "tier A threshold", old.tiers.a, new.tiers.a);
    number(&mut lines, "tier B threshold", old.tiers.b, new.tiers.b);
    number(&mut lines, "tier C threshold", old.tiers.c, new.tiers.c);
    number(&mut lines, "fit maximum", old.fit.max, new.fit.max);
    fit_rules(&mut lines, &old.fit.rules, &new.fit.rules);
    number(
        &mut lines,
        "engagement maximum",
        old.engagement.max,
        new.engagement.max,
    );
    if old.engagement.half_life != new.engagement.half_life {
        lines.push(format!(
            "half-life {} → {}",
            old.engagement.half_life, new.engagement.half_life
        ));
    }
    signals(&mut lines, &old.engagement.signals, &new.engagement.signals);
    negative_rules(&mut lines, &old.negative, &new.negative);
    lines
}

fn summary(config: &ScoringConfig) -> String {
    format!(
        "first published rules: {} fit rules, {} signals, {} negative rules; \
         tiers A {} / B {} / C {}; MQL threshold {}; half-life {}",
        config.fit.rules.len(),
        config.engagement.signals.len(),
        config.negative.len(),
        config.tiers.a,
        config.tiers.b,
        config.tiers.c,
        config.mql_threshold,
        config.engagement.half_life
    )
}

fn number(lines: &mut Vec<String>, what: &str, old: f64, new: f64) {
    if old != new {
        lines.push(format!("{what} {old} → {new}"));
    }
}

fn fit_rules(lines: &mut Vec<String>, old: &[FitRule], new: &[FitRule]) {
    for rule in new {
        match old.iter().find(|o| o.name == rule.name) {
            None => lines.push(format!(
                "fit rule \"{}\" added ({} points)",
                rule.name, rule.points
            )),
            Some(before) => {
                if before.points != rule.points {
                    lines.push(format!(
                        "fit rule \"{}\": {} → {} points",
                        rule.name, before.points, rule.points
                    ));
                }
                if before.condition != rule.condition {
                    lines.push(format!("fit rule \"{}\": condition changed", rule.name));
                }
            }
        }
    }
    for rule in old.iter().filter(|o| !new.iter().any(|n| n.name == o.name)) {
        lines.push(format!("fit rule \"{}\" removed", rule.name));
    }
}

fn signals(
    lines: &mut Vec<String>,
    old: &BTreeMap<String, SignalConfig>,
    new: &BTreeMap<String, SignalConfig>,
) {
    for (name, signal) in new {
        match old.get(name) {
            None => lines.push(format!("signal {name} added ({} points)", signal.points)),
            Some(before) => {
                if before.points != signal.points {
                    lines.push(format!(
                        "signal {name}: {} → {} points",
                        before.points, signal.points
                    ));
                }
                if before.cap != signal.cap {
                    lines.push(format!(
                        "signal {name} cap {} → {}",
                        cap(before.cap),
                        cap(signal.cap)
                    ));
                }
            }
        }
    }
    for name in old.keys().filter(|n| !new.contains_key(*n)) {
        lines.push(format!("signal {name} removed"));
    }
}

fn cap(cap: Option<f64>) -> String {
    cap.map_or_else(|| "none".to_string(), |c| c.to_string())
}

fn negative_rules(lines: &mut Vec<String>, old: &[NegativeRule], new: &[NegativeRule]) {
    for rule in new {
        match old.iter().find(|o| o.name == rule.name) {
            None => lines.push(format!("negative rule \"{}\" added", rule.name)),
            Some(before) if before != rule => {
                lines.push(format!("negative rule \"{}\" changed", rule.name));
            }
            Some(_) => {}
        }
    }
    for rule in old.iter().filter(|o| !new.iter().any(|n| n.name == o.name)) {
        lines.push(format!("negative rule \"{}\" removed", rule.name));
    }
}

#[cfg(test)]
#[path = "changes_tests.rs"]
mod tests;
