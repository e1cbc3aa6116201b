//! Auth, SLAs, decay, dispositions, alerts and the Segment mapping.

use std::collections::BTreeSet;

use super::{check_email, check_positive_duration, check_url, is_blank, Issues};
use crate::config::model::{
    AlertsConfig, AuthConfig, DecayConfig, DispositionsConfig, ScoringConfig, SegmentConfig,
    SlaConfig,
};
use crate::config::path::KeyPath;

/// Shorter keys can be guessed; `serve` generates longer ones.
pub(crate) const MIN_API_KEY_LEN: usize = 16;

pub(super) fn check_auth(auth: &AuthConfig, out: &mut Issues) {
    let base = KeyPath::of(&["auth", "api_keys"]);
    for (i, key) in auth.api_keys.iter().enumerate() {
        let path = base.index(i);
        let length = key.chars().count();
        if key.trim().is_empty() {
            out.at(path, "is empty");
        } else if length < MIN_API_KEY_LEN {
            out.at(
                path,
                format!("is a weak key: {length} characters, at least {MIN_API_KEY_LEN} needed"),
            );
        } else if let Some(j) = auth.api_keys[..i].iter().position(|k| k == key) {
            out.at(path, format!("is the same key as {}", base.index(j)));
        }
    }
    if let Some(secret) = &auth.signing_secret {
        if secret.trim().is_empty() {
            out.at(KeyPath::of(&["auth", "signing_secret"]), "is empty");
        }
    }
}

pub(super) fn check_sla(sla: &SlaConfig, out: &mut Issues) {
    let base = KeyPath::of(&["sla"]);
    check_positive_duration(out, base.key("check_interval"), sla.check_interval);
    for (tier, target) in &sla.tiers {
        let path = base.key("tiers").key(tier.as_str());
        check_positive_duration(out, path.key("first_response"), target.first_response);
        if let Some(after) = target.reassign_after {
            check_positive_duration(out, path.key("reassign_after"), after);
        }
    }
    if let Some(follow_up) = &sla.follow_up {
        let path = base.key("follow_up");
        if follow_up.touches == 0 {
            out.at(
                path.key("touches"),
                "must be more than zero (leave out [sla.follow_up] to track no cadence)",
            );
        }
        check_positive_duration(out, path.key("within"), follow_up.within);
    }
}

pub(super) fn check_decay(decay: &DecayConfig, out: &mut Issues) {
    let base = KeyPath::of(&["decay"]);
    check_positive_duration(out, base.key("check_interval"), decay.check_interval);
    check_positive_duration(out, base.key("recycle_after"), decay.recycle_after);
}

pub(super) fn check_dispositions(d: &DispositionsConfig, out: &mut Issues) {
    let base = KeyPath::of(&["dispositions"]);
    for (key, reasons) in [
        ("disqualify_reasons", &d.disqualify_reasons),
        ("recycle_reasons", &d.recycle_reasons),
        ("lost_reasons", &d.lost_reasons),
    ] {
        let path = base.key(key);
        if reasons.is_empty() {
            out.at(path.clone(), "must list at least one reason code");
        }
        for (i, reason) in reasons.iter().enumerate() {
            if is_blank(reason) {
                out.at(path.index(i), "is blank; a reason code needs a name");
            } else if let Some(j) = reasons[..i].iter().position(|r| r == reason) {
                out.at(
                    path.index(i),
                    format!("{reason:?} is listed twice (also at {})", path.index(j)),
                );
            }
        }
    }
}

pub(super) fn check_alerts(alerts: &AlertsConfig, out: &mut Issues) {
    let base = KeyPath::of(&["alerts"]);
    for (i, kind) in alerts.notify_on.iter().enumerate() {
        if let Some(j) = alerts.notify_on[..i].iter().position(|k| k == kind) {
            out.at(
                base.key("notify_on").index(i),
                format!(
                    "is listed twice (also at {})",
                    base.key("notify_on").index(j)
                ),
            );
        }
    }
    if let Some(url) = &alerts.slack_webhook_url {
        check_url(out, base.key("slack_webhook_url"), url, &["https", "http"]);
    }
    if let Some(url) = &alerts.smtp_url {
        check_url(out, base.key("smtp_url"), url, &["smtp", "smtps"]);
    }
    match &alerts.email_from {
        Some(from) => check_email(out, base.key("email_from"), from),
        None if alerts.smtp_url.is_some() => out.at(
            base.key("email_from"),
            "is required when alerts.smtp_url is set: it is the sender of alert emails",
        ),
        None => {}
    }
}

/// `known` is the scoring section and the signals of the negative rules, when both are known.
pub(super) fn check_segment(
    segment: &SegmentConfig,
    known: Option<(&ScoringConfig, &BTreeSet<&str>)>,
    out: &mut Issues,
) {
    let base = KeyPath::of(&["segment", "track_events"]);
    let signals: Option<BTreeSet<&str>> = known.map(|(scoring, negative)| {
        let scored = scoring.engagement.signals.keys().map(String::as_str);
        scored.chain(negative.iter().copied()).collect()
    });
    for (event, signal) in &segment.track_events {
        let path = base.key(event);
        if is_blank(event) {
            out.at(path.clone(), "a track event name must not be empty");
        }
        if let Some(signals) = &signals {
            if !signals.contains(signal.as_str()) {
                out.at(
                    path,
                    format!(
                        "maps to {signal:?}, which is neither a signal of [scoring.engagement.signals] nor the `signal` of a [[scoring.negative]] rule"
                    ),
                );
            }
        }
    }
}
