//! Turn a routing decision into the lead's new state: owner, status, SLA clock, history (with
//! the whole decision, recorded when it is made) and the `LeadAssigned`/`LeadReassigned`
//! event. Shared by routing a qualified lead and by the SLA checker's reassignment.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::config::Config;
use crate::domain::lead::Owner;
use crate::domain::{DomainEvent, DomainEventKind, HistoryEntry, HistoryKind, Lead, RepId, Status};
use crate::routing::{Outcome, PoolUpdate, RoutingDecision};
use crate::sla;

/// A lead with a new owner, and what that writes beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub lead: Lead,
    pub history: Vec<HistoryEntry>,
    pub events: Vec<DomainEvent>,
    pub pool: Option<PoolUpdate>,
    pub account_owner: Option<(String, RepId)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AssignResult {
    Assigned(Box<Assignment>),
    /// Nobody could take it: the lead waits in the fallback queue until `route_retry_at`
    /// (with a `routing_fallback` entry when it starts waiting).
    Fallback {
        lead: Box<Lead>,
        history: Option<HistoryEntry>,
    },
    /// A reassignment found nobody but the current owner: the lead stays where it is.
    Unchanged,
}

/// Longest wait between two routing attempts of a lead nobody can take.
pub const MAX_ROUTE_RETRY: TimeDelta = TimeDelta::minutes(30);

/// How long a waiting lead waits before the next routing attempt: the SLA check interval at
/// first, then half the time it has waited so far, up to `MAX_ROUTE_RETRY` — a lead waiting
/// for the morning shift is not re-routed every minute of the night.
pub fn retry_delay(waited: TimeDelta, config: &Config) -> TimeDelta {
    let first = config.sla.check_interval.delta();
    (waited / 2).clamp(first, MAX_ROUTE_RETRY.max(first))
}

/// Apply `decision` to `lead` at `now`. `cause` names what triggered it, for event ids.
pub fn assign(
    mut lead: Lead,
    decision: &RoutingDecision,
    config: &Config,
    cause: &str,
    now: DateTime<Utc>,
) -> AssignResult {
    let decision_json = serde_json::to_value(decision).expect("a routing decision serialises");
    let current = lead
        .owner
        .as_ref()
        .filter(|_| lead.status.is_owned())
        .map(|o| o.rep_id.clone());
    let rep_id = match &decision.outcome {
        Outcome::Assigned { rep_id, .. } => rep_id.clone(),
        Outcome::Fallback { .. } if current.is_some() => return AssignResult::Unchanged,
        Outcome::Fallback { .. } => {
            // Recorded when the lead starts waiting, not again at every retry.
            let history = lead
                .waiting_since
                .is_none()
                .then(|| HistoryEntry::new(now, HistoryKind::RoutingFallback, decision_json));
            let since = *lead.waiting_since.get_or_insert(now);
            lead.route_retry_at = Some(now + retry_delay(now - since, config));
            return AssignResult::Fallback {
                lead: Box::new(lead),
                history,
            };
        }
    };
    if current.as_deref() == Some(rep_id.as_str()) {
        return AssignResult::Unchanged;
    }

    if let Some(old) = lead.owner.take() {
        if lead.previous_owners.last() != Some(&old.rep_id) {
            lead.previous_owners.push(old.rep_id);
        }
    }
    // A reassignment continues the SLA episode: whoever had the lead in it is remembered on
    // the next clock. Routing an unowned lead starts a new episode.
    let mut episode_owners = Vec::new();
    if let Some(clock) = lead.sla.as_mut() {
        sla::apply(clock, sla::SlaAction::Close, now);
        if let Some(from) = &current {
            episode_owners = clock.episode_owners.clone();
            if !episode_owners.contains(from) {
                episode_owners.push(from.clone());
            }
        }
    }
    lead.owner = Some(Owner {
        rep_id: rep_id.clone(),
        assigned_at: now,
    });
    lead.status = Status::Assigned;
    lead.sla = sla::start(lead.tier, &rep_id, now, &config.sla).map(|mut clock| {
        clock.episode_owners = episode_owners;
        clock
    });
    lead.route_retry_at = None;
    lead.waiting_since = None;

    let (history_kind, event_kind) = match &current {
        Some(_) => (HistoryKind::Reassigned, DomainEventKind::LeadReassigned),
        None => (HistoryKind::Assigned, DomainEventKind::LeadAssigned),
    };
    let mut detail = decision_json;
    if let (Some(from), Some(map)) = (&current, detail.as_object_mut()) {
        map.insert("from".into(), json!(from));
    }
    let event = DomainEvent::new(
        cause,
        event_kind,
        &lead.id,
        now,
        json!({
            "rep_id": rep_id,
            "from": current,
            "tier": lead.tier,
            "score": lead.score.total,
            "first_response_due_at": lead.sla.as_ref().map(|c| c.first_response_due_at),
        }),
    );
    AssignResult::Assigned(Box::new(Assignment {
        account_owner: lead.company_domain().map(|d| (d, rep_id.clone())),
        history: vec![HistoryEntry::new(now, history_kind, detail)],
        events: vec![event],
        pool: decision.pool_update.clone(),
        lead,
    }))
}
