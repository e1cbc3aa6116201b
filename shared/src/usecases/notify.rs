//! Alerts: turn `LeadAssigned`, `SlaBreached`, `LeadReassigned` and `FollowUpMissed` into a
//! message for the rep (and their manager on a breach), sent at most once per event and
//! channel even when the event is delivered twice.

use serde_json::Value;

use super::UseCaseError;
use crate::config::{AlertKind, Config};
use crate::domain::{DomainEvent, DomainEventKind, Lead, Rep};
use crate::ports::{Alert, DeliveryLog, LeadStore, Notifier, RepStore};

/// The alert an event raises, if `[alerts].notify_on` asks for it.
pub fn alert_for(
    event: &DomainEvent,
    lead: &Lead,
    rep: Option<&Rep>,
    config: &Config,
) -> Option<Alert> {
    let kind = match event.kind {
        DomainEventKind::LeadAssigned => AlertKind::Assigned,
        DomainEventKind::SlaBreached => AlertKind::SlaBreached,
        DomainEventKind::LeadReassigned => AlertKind::Reassigned,
        DomainEventKind::FollowUpMissed => AlertKind::FollowUpMissed,
        DomainEventKind::SlaEscalated => AlertKind::Escalated,
        _ => return None,
    };
    let notify_on = &config.alerts.notify_on;
    let wanted = notify_on.contains(&kind)
        || (kind == AlertKind::Escalated && notify_on.contains(&AlertKind::SlaBreached));
    if !wanted {
        return None;
    }
    let who = lead_label(lead);
    let rep_name = rep.map_or_else(|| "nobody".to_string(), |r| r.name.clone());
    let due = event
        .detail
        .get("first_response_due_at")
        .and_then(Value::as_str);
    let title = match kind {
        AlertKind::Assigned => format!("New tier {} lead for {rep_name}: {who}", lead.tier),
        AlertKind::SlaBreached => format!(
            "SLA breached: {rep_name} has not contacted {who} (tier {})",
            lead.tier
        ),
        AlertKind::Reassigned => {
            let from = event
                .detail
                .get("from")
                .and_then(Value::as_str)
                .unwrap_or("?");
            format!("Reassigned to {rep_name} (from {from}): {who}")
        }
        AlertKind::FollowUpMissed => format!("Follow-up cadence missed by {rep_name} on {who}"),
        AlertKind::Escalated => {
            let team = event
                .detail
                .get("team")
                .and_then(Value::as_str)
                .map_or_else(|| "the team".to_string(), |t| format!("the {t} team"));
            format!(
                "Escalation: {rep_name} still has not contacted {who} (tier {}), and nobody else in {team} can take the lead, so it stays with {rep_name}",
                lead.tier
            )
        }
    };
    let mut body = format!(
        "Score {:.0} (tier {}), lead {}",
        lead.score.total, lead.tier, lead.id
    );
    if let Some(due) = due {
        body.push_str(&format!("\nFirst response due by {due}"));
    }
    let top: Vec<String> = lead
        .score
        .explanation
        .iter()
        .filter(|c| c.points > 0.0)
        .take(3)
        .map(|c| format!("{} (+{:.0})", c.rule, c.points))
        .collect();
    if !top.is_empty() {
        body.push_str(&format!("\nWhy: {}", top.join(", ")));
    }
    Some(Alert {
        event_id: event.event_id.clone(),
        kind,
        lead_id: lead.id.clone(),
        rep_id: rep.map(|r| r.id.clone()),
        rep_name: rep.map(|r| r.name.clone()),
        rep_email: rep.map(|r| r.email.clone()),
        slack_user: rep.and_then(|r| r.slack_user.clone()),
        manager_email: rep
            .and_then(|r| r.manager_email.clone())
            .filter(|_| matches!(kind, AlertKind::SlaBreached | AlertKind::Escalated)),
        tier: lead.tier,
        score: lead.score.total,
        title,
        body,
    })
}

fn lead_label(lead: &Lead) -> String {
    let text = |k: &str| lead.attributes.get(k).map(|v| v.to_string());
    let name = match (text("first_name"), text("last_name")) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    };
    let person = name
        .or_else(|| lead.email.clone())
        .unwrap_or_else(|| lead.id.clone());
    match (text("title"), text("company")) {
        (Some(t), Some(c)) => format!("{person}, {t} at {c}"),
        (None, Some(c)) => format!("{person} ({c})"),
        _ => person,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Sent before (the event was delivered again).
    AlreadySent,
    /// This event raises no alert.
    NoAlert,
}

/// Deliver the alert of `event` on one channel (`"slack"`, `"email"`), once.
pub async fn deliver<S, N, L>(
    store: &S,
    notifier: &N,
    log: &L,
    channel: &str,
    event: &DomainEvent,
    config: &Config,
) -> Result<Delivery, UseCaseError>
where
    S: LeadStore + RepStore,
    N: Notifier,
    L: DeliveryLog,
{
    let key = format!("alert:{channel}:{}", event.event_id);
    if log.is_delivered(&key).await? {
        return Ok(Delivery::AlreadySent);
    }
    let Some(lead) = store.lead(&event.lead_id).await? else {
        return Ok(Delivery::NoAlert);
    };
    let rep_id = event.detail.get("rep_id").and_then(Value::as_str);
    let reps = store.reps().await?;
    let rep = rep_id
        .and_then(|id| reps.iter().find(|r| r.rep.id == id))
        .map(|r| &r.rep);
    let Some(alert) = alert_for(event, &lead, rep, config) else {
        return Ok(Delivery::NoAlert);
    };
    notifier.send(&alert).await?;
    log.record_delivered(&key).await?;
    Ok(Delivery::Sent)
}
