//! Route a qualified lead (or reassign one whose SLA lapsed): pick its owner among the eligible
//! reps and write owner, load counts, rotation move and SLA clock in one conditional write.

use chrono::{DateTime, Utc};

use super::assign::{assign, AssignResult};
use super::{cause, due_times, load_changes, with_retries, UseCaseError};
use crate::config::Config;
use crate::domain::{DomainEvent, Lead, RepId, Status};
use crate::ports::{LeadStore, LeadWrite, RepStore};
use crate::routing;

#[derive(Debug, Clone, PartialEq)]
pub enum RouteOutcome {
    Assigned {
        lead: Box<Lead>,
        events: Vec<DomainEvent>,
    },
    /// Nobody eligible: the lead waits in the fallback queue and is retried.
    Waiting { lead: Box<Lead> },
    /// Nothing to do: the lead is not waiting for an owner (already routed, demoted, closed).
    NotNeeded { status: Status },
}

/// Route `lead_id` if it is a qualified lead without an owner.
pub async fn route_lead<S: LeadStore + RepStore>(
    store: &S,
    lead_id: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<RouteOutcome, UseCaseError> {
    with_retries(lead_id, || attempt(store, lead_id, None, config, now)).await
}

/// Take `lead_id` from `from` and give it to someone else eligible (the SLA's reassignment).
pub async fn reassign_lead<S: LeadStore + RepStore>(
    store: &S,
    lead_id: &str,
    from: &RepId,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<RouteOutcome, UseCaseError> {
    with_retries(lead_id, || attempt(store, lead_id, Some(from), config, now)).await
}

async fn attempt<S: LeadStore + RepStore>(
    store: &S,
    lead_id: &str,
    reassign_from: Option<&RepId>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<RouteOutcome, UseCaseError> {
    let lead = store
        .lead(lead_id)
        .await?
        .ok_or_else(|| UseCaseError::LeadNotFound(lead_id.to_string()))?;
    let wanted = match reassign_from {
        None => lead.status == Status::Mql && lead.owner.is_none(),
        Some(from) => lead.status == Status::Assigned && lead.owner_id() == Some(from.as_str()),
    };
    if !wanted {
        return Ok(RouteOutcome::NotNeeded {
            status: lead.status,
        });
    }
    let Some(write) = decide(store, lead, reassign_from, config, now).await?.write else {
        return Ok(RouteOutcome::NotNeeded {
            status: Status::Assigned,
        });
    };
    let lead = write.lead.clone();
    let events = write.events.clone();
    let assigned = lead.owner.is_some() && lead.status == Status::Assigned;
    store.write_lead(write).await?;
    Ok(if assigned {
        RouteOutcome::Assigned {
            lead: Box::new(lead),
            events,
        }
    } else {
        RouteOutcome::Waiting {
            lead: Box::new(lead),
        }
    })
}

/// A routing decision and the write that carries it out (`None` when the lead stays as it is).
pub(crate) struct Decided {
    pub decision: routing::RoutingDecision,
    pub write: Option<LeadWrite>,
}

/// Decide who gets `lead` and the write that routes it.
pub(crate) async fn decide<S: LeadStore + RepStore>(
    store: &S,
    lead: Lead,
    reassign_from: Option<&RepId>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Decided, UseCaseError> {
    let reps = store.reps().await?;
    let pools = store.pools().await?;
    let account_owner = match lead.company_domain() {
        Some(domain) if config.routing.account_match => store.account_owner(&domain).await?,
        _ => None,
    };
    let decision = routing::route(
        &lead,
        &config.routing,
        &reps,
        &pools,
        account_owner.as_deref(),
        reassign_from.map(String::as_str),
        now,
    );
    let before = lead.clone();
    let cause = cause("route", &lead, now);
    let write = match assign(lead, &decision, config, &cause, now) {
        AssignResult::Unchanged => None,
        AssignResult::Fallback { mut lead, history } => {
            // Try again no later than the instant a rep of the team comes on shift or back
            // from leave: a waiting lead is not left for the backoff's full length.
            let team = decision.team.as_deref();
            let comes_free = reps
                .iter()
                .filter(|r| Some(r.rep.team.as_str()) == team)
                .filter_map(|r| {
                    routing::next_available_at(r, config.routing.respect_working_hours, now)
                })
                .min();
            if let (Some(at), Some(retry)) = (comes_free, lead.route_retry_at) {
                lead.route_retry_at = Some(retry.min(at));
            }
            let mut w = LeadWrite::over(*lead, Default::default());
            w.due = due_times(&w.lead, config);
            w.history = history.into_iter().collect();
            Some(w)
        }
        AssignResult::Assigned(a) => {
            let a = *a;
            let mut w = LeadWrite::over(a.lead, Default::default());
            w.due = due_times(&w.lead, config);
            w.rep_load = load_changes(&before, &w.lead);
            w.history = a.history;
            w.events = a.events;
            w.pool = a.pool;
            w.account_owner = a.account_owner;
            Some(w)
        }
    };
    Ok(Decided { decision, write })
}
