//! Rules no single key can break alone: tiers in order, teams that have reps, reasons that
//! exist, ... Each problem is reported at the key to change, and every one is reported.

use std::collections::BTreeSet;

mod operations;
mod routing;
mod scoring;

use super::model::{
    AlertsConfig, AuthConfig, Config, DecayConfig, DispositionsConfig, FitRule, ModelConfig,
    NegativeRule, NegativeTrigger, RoutingConfig, RoutingRule, ScoringConfig, SegmentConfig,
    SlaConfig,
};
use super::path::KeyPath;
use super::ConfigDuration;
use crate::domain::condition::{FieldCondition, Matcher, Scalar};
use crate::domain::rep::Rep;

pub(crate) use routing::rep_issues;

/// One semantic problem, at a path of the loaded (cleaned-up) tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub(crate) path: KeyPath,
    pub(crate) message: String,
}

#[derive(Debug, Default)]
pub(crate) struct Issues(pub(crate) Vec<Issue>);

impl Issues {
    pub(crate) fn at(&mut self, path: KeyPath, message: impl Into<String>) {
        self.0.push(Issue {
            path,
            message: message.into(),
        });
    }
}

/// The parts of a configuration the checks read. A part that failed to load is `None` and
/// the checks that need it are skipped: its own errors are already reported.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sections<'a> {
    pub(crate) auth: Option<&'a AuthConfig>,
    pub(crate) scoring: Option<&'a ScoringConfig>,
    pub(crate) fit_rules: Option<&'a [FitRule]>,
    pub(crate) negative_rules: Option<&'a [NegativeRule]>,
    pub(crate) routing: Option<&'a RoutingConfig>,
    pub(crate) routing_rules: Option<&'a [RoutingRule]>,
    pub(crate) reps: Option<&'a [Rep]>,
    pub(crate) sla: Option<&'a SlaConfig>,
    pub(crate) decay: Option<&'a DecayConfig>,
    pub(crate) dispositions: Option<&'a DispositionsConfig>,
    pub(crate) alerts: Option<&'a AlertsConfig>,
    pub(crate) segment: Option<&'a SegmentConfig>,
    pub(crate) model: Option<&'a ModelConfig>,
    /// The team of every rep as written, read before the reps are deserialized, so that a rep
    /// that failed to load does not make its team look empty. `None` when some rep's team
    /// cannot be read: routing teams are then checked against the loaded reps only if they
    /// all loaded, and not at all otherwise.
    pub(crate) declared_teams: Option<&'a [String]>,
    /// Whether every element of `reps` loaded.
    pub(crate) reps_complete: bool,
    /// The `signal` of every negative rule as written, read before the rules are
    /// deserialized; `None` when one cannot be read (the Segment mapping is then not checked).
    pub(crate) negative_signals: Option<&'a [String]>,
}

impl<'a> Sections<'a> {
    pub(crate) fn of(config: &'a Config) -> Self {
        Sections {
            auth: Some(&config.auth),
            scoring: Some(&config.scoring),
            fit_rules: Some(&config.scoring.fit.rules),
            negative_rules: Some(&config.scoring.negative),
            routing: Some(&config.routing),
            routing_rules: Some(&config.routing.rules),
            reps: Some(&config.reps),
            sla: Some(&config.sla),
            decay: Some(&config.decay),
            dispositions: Some(&config.dispositions),
            alerts: Some(&config.alerts),
            segment: Some(&config.segment),
            model: config.model.as_ref(),
            declared_teams: None,
            reps_complete: true,
            negative_signals: None,
        }
    }
}

/// Every semantic problem of `sections`.
pub(crate) fn check(s: &Sections<'_>) -> Vec<Issue> {
    let mut out = Issues::default();
    if let Some(auth) = s.auth {
        operations::check_auth(auth, &mut out);
    }
    if let Some(scoring) = s.scoring {
        scoring::check_scoring(scoring, &mut out);
    }
    if let Some(model) = s.model {
        scoring::check_model(model, &mut out);
    }
    if let Some(rules) = s.fit_rules {
        scoring::check_fit_rules(rules, &mut out);
    }
    if let Some(rules) = s.negative_rules {
        scoring::check_negative_rules(rules, s.dispositions, &mut out);
    }
    if let Some(routing) = s.routing {
        routing::check_routing(routing, &mut out);
    }
    if let Some(rules) = s.routing_rules {
        let teams: Option<BTreeSet<&str>> = match (s.reps, s.declared_teams) {
            (Some(reps), _) if s.reps_complete => {
                Some(reps.iter().map(|r| r.team.as_str()).collect())
            }
            (_, Some(declared)) => Some(declared.iter().map(String::as_str).collect()),
            _ => None,
        };
        routing::check_routing_rules(rules, teams.as_ref(), &mut out);
    }
    if let Some(reps) = s.reps {
        routing::check_reps(reps, &mut out);
    }
    if let Some(sla) = s.sla {
        operations::check_sla(sla, &mut out);
    }
    if let Some(decay) = s.decay {
        operations::check_decay(decay, &mut out);
    }
    if let Some(dispositions) = s.dispositions {
        operations::check_dispositions(dispositions, &mut out);
    }
    if let Some(alerts) = s.alerts {
        operations::check_alerts(alerts, &mut out);
    }
    if let Some(segment) = s.segment {
        let negative: Option<BTreeSet<&str>> = match (s.negative_signals, s.negative_rules) {
            (Some(declared), _) => Some(declared.iter().map(String::as_str).collect()),
            (None, Some(rules)) => Some(
                rules
                    .iter()
                    .filter_map(|r| match &r.trigger {
                        NegativeTrigger::Signal(signal) => Some(signal.as_str()),
                        NegativeTrigger::Field(_) => None,
                    })
                    .collect(),
            ),
            (None, None) => None,
        };
        let known = s.scoring.zip(negative.as_ref());
        operations::check_segment(segment, known, &mut out);
    }
    out.0
}

/// The event type every lead-attribute update uses; no signal may take its name.
const RESERVED_EVENT_TYPE: &str = "identify";

/// Signal names are event types: lowercase letters, digits and `_`.
fn check_signal_name(out: &mut Issues, path: KeyPath, name: &str) {
    if name.is_empty() {
        out.at(path, "a signal name must not be empty");
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        out.at(
            path,
            format!(
                "signal {name:?} is not a valid event type: use lowercase letters, digits and _"
            ),
        );
    } else if name == RESERVED_EVENT_TYPE {
        out.at(
            path,
            format!("{RESERVED_EVENT_TYPE:?} is the event type of attribute updates; a signal cannot take it"),
        );
    }
}

/// Rule names: present, and unique within their list (`base[i].name`).
fn check_rule_names<'n>(out: &mut Issues, base: &KeyPath, names: impl Iterator<Item = &'n str>) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in names.enumerate() {
        let path = base.index(i).key("name");
        let trimmed = name.trim();
        if trimmed.is_empty() {
            out.at(path, "a rule needs a name");
        } else if let Some(j) = seen.iter().position(|n| *n == trimmed) {
            out.at(
                path,
                format!("rule name {trimmed:?} is already used by {}", base.index(j)),
            );
        }
        seen.push(trimmed);
    }
}

fn check_positive_duration(out: &mut Issues, path: KeyPath, value: ConfigDuration) {
    if value.is_zero() {
        out.at(path, "must be longer than zero");
    }
}

/// A `between`/`at_least`/`at_most` bound that is not a number (nan, inf) never matches sanely.
fn check_bound(out: &mut Issues, path: KeyPath, value: f64) {
    if !value.is_finite() {
        out.at(path, format!("must be a finite number, found {value}"));
    }
}

/// The values of one condition. `at(matcher_key)` is where the matcher is written.
fn check_condition(out: &mut Issues, condition: &FieldCondition, at: &dyn Fn(&str) -> KeyPath) {
    match &condition.matcher {
        Matcher::ContainsAny(needles) => {
            for (k, needle) in needles.iter().enumerate() {
                if needle.trim().is_empty() {
                    out.at(
                        at("contains_any").index(k),
                        "is blank: it would match every value",
                    );
                }
            }
        }
        Matcher::In(options) => {
            for (k, option) in options.iter().enumerate() {
                match option {
                    Scalar::Text(t) if t.trim().is_empty() => out.at(
                        at("in").index(k),
                        "is blank: a rule cannot match a missing value",
                    ),
                    Scalar::Number(n) => check_bound(out, at("in").index(k), *n),
                    Scalar::Text(_) => {}
                }
            }
        }
        Matcher::Between(lo, hi) => {
            check_bound(out, at("between").index(0), *lo);
            check_bound(out, at("between").index(1), *hi);
        }
        Matcher::AtLeast(n) => check_bound(out, at("at_least"), *n),
        Matcher::AtMost(n) => check_bound(out, at("at_most"), *n),
        Matcher::Exists => {}
    }
}

/// A plausible `http(s)://host...`-like URL of one of `schemes`. The message never repeats
/// the URL: it may carry a secret (a webhook token, an SMTP password).
fn check_url(out: &mut Issues, path: KeyPath, url: &str, schemes: &[&str]) {
    let wanted = schemes
        .iter()
        .map(|s| format!("{s}://"))
        .collect::<Vec<_>>()
        .join(" or ");
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        out.at(path, format!("must be a URL starting with {wanted}"));
        return;
    };
    if !schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        out.at(
            path,
            format!("must be a URL starting with {wanted}, found a {scheme}:// URL"),
        );
        return;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        out.at(
            path,
            format!("is not a valid {scheme}:// URL (no host, or spaces)"),
        );
    }
}

fn check_email(out: &mut Issues, path: KeyPath, email: &str) {
    if let Err(why) = crate::domain::identity::normalize_email(email) {
        out.at(path, why);
    }
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}
