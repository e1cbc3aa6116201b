//! A human summary of a loaded configuration, for `leadflow config check`. Secrets (API keys,
//! the signing secret, webhook and SMTP URLs) are never printed in full.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::model::{Config, NegativeEffect, NegativeTrigger};
use crate::domain::condition::FieldCondition;
use crate::domain::tier::Tier;

/// The configuration in words: what scores, where leads go, what is timed, who is alerted.
pub fn summary(config: &Config) -> String {
    let mut out = String::new();
    auth(config, &mut out);
    scoring(config, &mut out);
    routing(config, &mut out);
    operations(config, &mut out);
    out
}

/// `ab12…` and the length: enough to tell keys apart, not enough to use one.
pub fn mask_secret(secret: &str) -> String {
    let length = secret.chars().count();
    if length < 12 {
        return format!("*** ({length} characters)");
    }
    let head: String = secret.chars().take(4).collect();
    format!("{head}… ({length} characters)")
}

/// Scheme and host only: the path of a webhook is its token, the user part of an SMTP URL its
/// password.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (user, host) = match authority.rsplit_once('@') {
        Some((_, host)) => ("***@", host),
        None => ("", authority),
    };
    let tail = if rest.len() > authority.len() {
        "/…"
    } else {
        ""
    };
    format!("{scheme}://{user}{host}{tail}")
}

/// Conditions in words: `always` for none, else each `field matcher`, joined by "and".
pub fn describe_conditions(conditions: &[FieldCondition]) -> String {
    if conditions.is_empty() {
        return "always".to_string();
    }
    conditions
        .iter()
        .map(|c| format!("{} {}", c.field, c.matcher.describe()))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn auth(config: &Config, out: &mut String) {
    let auth = &config.auth;
    let _ = writeln!(out, "Auth");
    if auth.api_keys.is_empty() {
        let _ = writeln!(out, "  API keys: none set (`serve` generates one at start)");
    } else {
        let keys: Vec<String> = auth.api_keys.iter().map(|k| mask_secret(k)).collect();
        let _ = writeln!(out, "  API keys: {}", keys.join(", "));
    }
    let signing = match &auth.signing_secret {
        Some(secret) => format!("required, secret {}", mask_secret(secret)),
        None => "off".to_string(),
    };
    let _ = writeln!(out, "  Event signatures: {signing}");
}

fn scoring(config: &Config, out: &mut String) {
    let s = &config.scoring;
    let t = &s.tiers;
    let _ = writeln!(out, "\nScoring");
    let _ = writeln!(
        out,
        "  Tiers: A from {}, B from {}, C from {}, D below {}",
        t.a, t.b, t.c, t.c
    );
    let _ = writeln!(
        out,
        "  MQL at {}; demoted only below threshold - {}",
        s.mql_threshold, s.demote_margin
    );
    let _ = writeln!(out, "  Fit (who the lead is), capped at {}:", s.fit.max);
    if s.fit.rules.is_empty() {
        let _ = writeln!(out, "    (no rules)");
    }
    for rule in &s.fit.rules {
        let _ = writeln!(
            out,
            "    {:+} {}: {}",
            rule.points,
            rule.name,
            describe_conditions(std::slice::from_ref(&rule.condition))
        );
    }
    let e = &s.engagement;
    let _ = writeln!(
        out,
        "  Engagement (what the lead does), capped at {}, half-life {}:",
        e.max, e.half_life
    );
    if e.signals.is_empty() {
        let _ = writeln!(out, "    (no signals)");
    }
    for (name, signal) in &e.signals {
        let cap = signal
            .cap
            .map(|c| format!(" (at most {c})"))
            .unwrap_or_default();
        let _ = writeln!(out, "    {:+} {name}{cap}", signal.points);
    }
    let _ = writeln!(out, "  Negative rules:");
    if s.negative.is_empty() {
        let _ = writeln!(out, "    (none)");
    }
    for rule in &s.negative {
        let effect = match &rule.effect {
            NegativeEffect::Penalty(p) => format!("{p:+}"),
            NegativeEffect::Disqualify(reason) => format!("disqualify ({reason})"),
        };
        let trigger = match &rule.trigger {
            NegativeTrigger::Field(c) => describe_conditions(std::slice::from_ref(c)),
            NegativeTrigger::Signal(signal) => format!("on a {signal} event"),
        };
        let _ = writeln!(out, "    {effect} {}: {trigger}", rule.name);
    }
}

fn routing(config: &Config, out: &mut String) {
    let r = &config.routing;
    let mut teams: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for rep in &config.reps {
        teams
            .entry(rep.team.as_str())
            .or_default()
            .push(rep.id.as_str());
    }
    let _ = writeln!(out, "\nRouting");
    let _ = writeln!(
        out,
        "  Strategy {}; account match {}; working hours {}; waiting queue {:?}",
        r.strategy.as_str(),
        if r.account_match { "on" } else { "off" },
        if r.respect_working_hours {
            "respected"
        } else {
            "ignored"
        },
        r.fallback
    );
    for (i, rule) in r.rules.iter().enumerate() {
        let members = teams
            .get(rule.team.as_str())
            .map(|ids| ids.join(", "))
            .unwrap_or_else(|| "no reps".to_string());
        let _ = writeln!(
            out,
            "  {}. {}: {} => team {} ({members})",
            i + 1,
            rule.name,
            describe_conditions(&rule.when),
            rule.team
        );
    }
    let _ = writeln!(out, "  Reps ({}):", config.reps.len());
    for rep in &config.reps {
        let mut notes = Vec::new();
        if !rep.active {
            notes.push("inactive".to_string());
        }
        if let Some(hours) = &rep.working_hours {
            let days: Vec<String> = hours
                .days
                .iter()
                .map(|d| d.to_string().to_lowercase())
                .collect();
            notes.push(format!(
                "works {} {}-{} {}",
                days.join(","),
                hours.start.format("%H:%M"),
                hours.end.format("%H:%M"),
                hours.timezone.name()
            ));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("; {}", notes.join("; "))
        };
        let _ = writeln!(
            out,
            "    {} ({}), team {}, capacity {}, weight {}{notes}",
            rep.id, rep.name, rep.team, rep.capacity, rep.weight
        );
    }
}

fn operations(config: &Config, out: &mut String) {
    let sla = &config.sla;
    let _ = writeln!(out, "\nSLA (checked every {})", sla.check_interval);
    for tier in Tier::ALL {
        let line = match sla.tiers.get(&tier) {
            Some(target) => {
                let reassign = target
                    .reassign_after
                    .map(|d| format!(", reassigned {d} after a breach"))
                    .unwrap_or_default();
                format!("first response within {}{reassign}", target.first_response)
            }
            None => "no target".to_string(),
        };
        let _ = writeln!(out, "  {tier}: {line}");
    }
    if let Some(f) = &sla.follow_up {
        let _ = writeln!(
            out,
            "  Follow-up: {} touches within {}",
            f.touches, f.within
        );
    }

    let d = &config.decay;
    let _ = writeln!(
        out,
        "\nDecay: re-tiered every {}; an idle owned lead is recycled after {}",
        d.check_interval, d.recycle_after
    );

    let reasons = &config.dispositions;
    let _ = writeln!(out, "\nDisposition reasons");
    let _ = writeln!(
        out,
        "  disqualify: {}",
        reasons.disqualify_reasons.join(", ")
    );
    let _ = writeln!(out, "  recycle: {}", reasons.recycle_reasons.join(", "));
    let _ = writeln!(out, "  lost: {}", reasons.lost_reasons.join(", "));

    let a = &config.alerts;
    let _ = writeln!(out, "\nAlerts");
    let on = if a.notify_on.is_empty() {
        "nothing".to_string()
    } else {
        alert_names(a)
    };
    let _ = writeln!(out, "  On: {on}");
    let slack = a
        .slack_webhook_url
        .as_deref()
        .map(mask_url)
        .unwrap_or_else(|| "off".to_string());
    let _ = writeln!(out, "  Slack: {slack}");
    let email = match (&a.email_from, &a.smtp_url) {
        (Some(from), Some(smtp)) => format!("from {from} via {}", mask_url(smtp)),
        (Some(from), None) => format!("from {from} (SES on AWS; no smtp_url for local runs)"),
        (None, _) => "off".to_string(),
    };
    let _ = writeln!(out, "  Email: {email}");

    let _ = writeln!(out, "\nSegment track events");
    if config.segment.track_events.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for (event, signal) in &config.segment.track_events {
        let _ = writeln!(out, "  {event:?} => {signal}");
    }
}

fn alert_names(a: &super::model::AlertsConfig) -> String {
    a.notify_on
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_show_a_prefix_and_length_only() {
        assert_eq!(mask_secret("lf_0123456789abcdef"), "lf_0… (19 characters)");
        assert_eq!(mask_secret("short"), "*** (5 characters)");
    }

    #[test]
    fn urls_keep_scheme_and_host_only() {
        assert_eq!(
            mask_url("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            mask_url("smtp://user:pw@mail.local:2525"),
            "smtp://***@mail.local:2525"
        );
        assert_eq!(mask_url("not a url"), "***");
    }
}
