//! Routing rules and the rep roster.

use std::collections::BTreeSet;

use super::{check_condition, check_email, check_rule_names, is_blank, Issues};
use crate::config::model::{RoutingConfig, RoutingRule};
use crate::config::path::KeyPath;
use crate::domain::limits;
use crate::domain::rep::Rep;

pub(super) fn check_routing(routing: &RoutingConfig, out: &mut Issues) {
    if is_blank(&routing.fallback) {
        out.at(
            KeyPath::of(&["routing", "fallback"]),
            "must name the queue where leads wait when no rep is eligible",
        );
    }
}

/// `teams` (the teams reps belong to) is `None` when they are not known: teams are then not
/// checked.
pub(super) fn check_routing_rules(
    rules: &[RoutingRule],
    teams: Option<&BTreeSet<&str>>,
    out: &mut Issues,
) {
    let base = KeyPath::of(&["routing", "rules"]);
    check_rule_names(out, &base, rules.iter().map(|r| r.name.as_str()));
    let mut catch_all: Option<usize> = None;
    for (i, rule) in rules.iter().enumerate() {
        let path = base.index(i);
        if let Some(first) = catch_all {
            out.at(
                path.clone(),
                format!(
                    "unreachable: {} ({:?}) has no `when` and matches every lead before this rule",
                    base.index(first),
                    rules[first].name
                ),
            );
        } else if rule.when.is_empty() {
            catch_all = Some(i);
        }
        for condition in &rule.when {
            let at = path.key("when").key(&condition.field);
            if is_blank(&condition.field) {
                out.at(at.clone(), "must name a lead field");
            }
            check_condition(out, condition, &|_| at.clone());
        }
        if is_blank(&rule.team) {
            out.at(path.key("team"), "must name a team");
        } else if let Some(teams) = teams.filter(|t| !t.contains(rule.team.as_str())) {
            let known = if teams.is_empty() {
                "there are no [[reps]]".to_string()
            } else {
                format!(
                    "teams with reps: {}",
                    teams.iter().copied().collect::<Vec<_>>().join(", ")
                )
            };
            out.at(
                path.key("team"),
                format!("no rep is in team {:?}; {known}", rule.team),
            );
        }
    }
}

pub(super) fn check_reps(reps: &[Rep], out: &mut Issues) {
    let base = KeyPath::of(&["reps"]);
    for (i, rep) in reps.iter().enumerate() {
        let path = base.index(i);
        out.0.extend(rep_issues(rep, &path));
        if let Some(j) = reps[..i].iter().position(|other| other.id == rep.id) {
            out.at(
                path.key("id"),
                format!("rep id {:?} is already used by {}", rep.id, base.index(j)),
            );
        }
    }
}

fn is_url_safe(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The problems of one rep on its own (ids unique across reps is the caller's check), at
/// paths under `base`. Also what `PUT /v1/reps/{id}` needs to check.
pub(crate) fn rep_issues(rep: &Rep, base: &KeyPath) -> Vec<super::Issue> {
    let mut out = Issues::default();
    if rep.id.is_empty() {
        out.at(base.key("id"), "must not be empty");
    } else if let Err(why) = limits::check_chars(&rep.id, limits::MAX_ID_CHARS) {
        out.at(base.key("id"), why);
    } else if !is_url_safe(&rep.id) {
        out.at(
            base.key("id"),
            format!(
                "{:?} is not URL-safe: use letters, digits, '_', '.' and '-'",
                rep.id
            ),
        );
    }
    if is_blank(&rep.name) {
        out.at(base.key("name"), "must not be empty");
    }
    // Free text a rep carries everywhere (API answers, alerts, the dashboard): bounded.
    let texts = [
        ("name", Some(&rep.name)),
        ("team", Some(&rep.team)),
        ("slack_user", rep.slack_user.as_ref()),
    ];
    for (key, text) in texts {
        if let Some(Err(why)) = text.map(|t| limits::check_chars(t, limits::MAX_TEXT_CHARS)) {
            out.at(base.key(key), why);
        }
    }
    if let Some(Err(why)) = rep.out_of_office_until.map(limits::check_time) {
        out.at(base.key("out_of_office_until"), why);
    }
    check_email(&mut out, base.key("email"), &rep.email);
    if let Some(manager) = &rep.manager_email {
        check_email(&mut out, base.key("manager_email"), manager);
    }
    if is_blank(&rep.team) {
        out.at(base.key("team"), "must name a team");
    }
    if rep.capacity == 0 {
        out.at(
            base.key("capacity"),
            "must be more than zero (to stop a rep receiving leads, set active = false)",
        );
    }
    if rep.weight == 0 {
        out.at(
            base.key("weight"),
            "must be more than zero (to stop a rep receiving leads, set active = false)",
        );
    }
    if let Some(hours) = &rep.working_hours {
        let at = base.key("working_hours");
        if hours.start == hours.end {
            out.at(
                at.key("end"),
                format!(
                    "must differ from start ({}): a shift needs a length",
                    hours.start.format("%H:%M")
                ),
            );
        }
        if hours.days.is_empty() {
            out.at(at.key("days"), "must list at least one day");
        }
        for (k, day) in hours.days.iter().enumerate() {
            if hours.days[..k].contains(day) {
                out.at(at.key("days").index(k), format!("{day} is listed twice"));
            }
        }
    }
    out.0
}
