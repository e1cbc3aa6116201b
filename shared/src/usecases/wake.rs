//! Wake the leads waiting in the fallback queue when something may have made a rep eligible:
//! a rep's capacity went up, they became active or came back from leave, or one of their
//! leads closed, was recycled or disqualified. Without this a waiting lead would wait for its
//! next scheduled retry (up to [`MAX_ROUTE_RETRY`](super::assign::MAX_ROUTE_RETRY)).
//!
//! Time-based changes (a shift starting, leave ending) need no wake: routing caps a waiting
//! lead's retry time at the next such instant of its team.

use chrono::{DateTime, TimeDelta, Utc};

use super::route::{route_lead, RouteOutcome};
use super::UseCaseError;
use crate::config::Config;
use crate::domain::{Lead, LeadId, RepId, Status};
use crate::ports::{DueKind, LeadStore, RepStore};
use crate::routing;

/// Most waiting leads one wake looks at (the rest wait for their scheduled retry).
pub const WAKE_LIMIT: usize = 500;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WakeReport {
    /// Waiting leads of the team(s) tried, oldest first.
    pub tried: usize,
    pub assigned: Vec<(LeadId, RepId)>,
    /// Leads that could not be routed this time (they stay waiting and due).
    pub failed: Vec<(LeadId, String)>,
}

/// Route the leads waiting for an owner in `team` (every team with `None`), oldest first.
pub async fn wake_waiting<S: LeadStore + RepStore>(
    store: &S,
    team: Option<&str>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<WakeReport, UseCaseError> {
    // A waiting lead's retry is never further off than the longest backoff or the next shift
    // start, so every waiting lead is due within this horizon.
    let horizon = now + TimeDelta::days(30);
    let mut waiting: Vec<Lead> = Vec::new();
    for id in store.due(DueKind::Route, horizon, WAKE_LIMIT).await? {
        let Some(lead) = store.lead(&id).await? else {
            continue;
        };
        let lead_team = routing::first_match(&config.routing.rules, &lead).map(|r| &r.team);
        if lead.status == Status::Mql
            && lead.owner.is_none()
            && team.is_none_or(|t| lead_team.is_some_and(|lt| lt == t))
        {
            waiting.push(lead);
        }
    }
    waiting.sort_by_key(|l| (l.waiting_since.unwrap_or(l.created_at), l.id.clone()));
    let mut report = WakeReport {
        tried: waiting.len(),
        ..WakeReport::default()
    };
    for lead in waiting {
        match route_lead(store, &lead.id, config, now).await {
            Ok(RouteOutcome::Assigned { lead, .. }) => {
                let owner = lead.owner_id().unwrap_or_default().to_string();
                report.assigned.push((lead.id.clone(), owner));
            }
            Ok(_) => {}
            Err(e) => report.failed.push((lead.id, e.to_string())),
        }
    }
    Ok(report)
}

/// Route the waiting leads of the teams of `reps` (reps who just lost a lead: recycled by the
/// decay job, taken by a reassignment, disqualified by scoring), each team once. Returns how
/// many leads got an owner. The write that freed the place has succeeded, so a failure here
/// is logged, not returned: the waiting leads keep their scheduled retry.
pub async fn wake_teams_of<S: LeadStore + RepStore>(
    store: &S,
    reps: &[RepId],
    config: &Config,
    now: DateTime<Utc>,
) -> usize {
    match wake_teams(store, reps, config, now).await {
        Ok(assigned) => assigned,
        Err(e) => {
            tracing::warn!(error = %e, "waiting leads stay for their scheduled retry");
            0
        }
    }
}

async fn wake_teams<S: LeadStore + RepStore>(
    store: &S,
    reps: &[RepId],
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, UseCaseError> {
    if reps.is_empty() {
        return Ok(0);
    }
    let roster = store.reps().await?;
    let mut teams: Vec<&str> = roster
        .iter()
        .filter(|r| reps.contains(&r.rep.id))
        .map(|r| r.rep.team.as_str())
        .collect();
    teams.sort_unstable();
    teams.dedup();
    let mut assigned = 0;
    for team in teams {
        assigned += wake_waiting(store, Some(team), config, now)
            .await?
            .assigned
            .len();
    }
    Ok(assigned)
}

/// The reps a write's load changes take a lead from.
pub(crate) fn losing_reps(changes: &[(RepId, i32)]) -> impl Iterator<Item = &RepId> {
    changes.iter().filter(|(_, d)| *d < 0).map(|(id, _)| id)
}
