//! `sla-check` and `decay`: invoked by EventBridge Scheduler with the input the template gives
//! (`{"job": "sla-check", "limit": 1000}`). Each reads only the leads due, then relays the
//! outbox — which also publishes anything a crashed handler left there.

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::domain::LeadId;
use leadflow::ports::{DueKind, LeadStore, Outbox, Publisher, RepStore};
use leadflow::scoring::Scorer;
use leadflow::usecases::decay::run_decay;
use leadflow::usecases::route::route_lead;
use leadflow::usecases::sla_check::check_slas;
use leadflow::usecases::UseCaseError;
use serde::{Deserialize, Serialize};

use super::drain_outbox;

/// Leads one run looks at when the input names no limit; more wait for the next run.
pub const DEFAULT_LIMIT: usize = 1_000;

/// The Scheduler's input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledRun {
    /// Which job the schedule meant (a check that the input went to the right function).
    #[serde(default)]
    pub job: Option<String>,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("the schedule's input is not {{\"job\": ..., \"limit\": ...}}: {0}")]
    Input(String),
    #[error("the schedule's input names job {found:?}, but this function runs {expected:?}")]
    WrongJob { expected: String, found: String },
    #[error(transparent)]
    UseCase(#[from] UseCaseError),
}

impl ScheduledRun {
    /// Read the input (`null` or `{}` means the defaults) meant for `job`.
    pub fn parse(payload: &serde_json::Value, job: &str) -> Result<Self, ScheduleError> {
        let run: ScheduledRun = if payload.is_null() {
            ScheduledRun::default()
        } else {
            serde_json::from_value(payload.clone())
                .map_err(|e| ScheduleError::Input(e.to_string()))?
        };
        match &run.job {
            Some(found) if found != job => Err(ScheduleError::WrongJob {
                expected: job.to_string(),
                found: found.clone(),
            }),
            _ => Ok(run),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaRun {
    pub checked: usize,
    pub breached: usize,
    pub reassigned: usize,
    pub follow_ups_missed: usize,
    pub closed: usize,
    /// Qualified leads waiting in the fallback queue whose retry time came.
    pub routing_retries: usize,
    /// Leads left due for the next run, with why.
    pub failed: Vec<(LeadId, String)>,
    pub published: usize,
}

/// The SLA clocks due, then the fallback leads due for another routing try (as `serve`'s
/// SLA tick does), then the relay.
pub async fn handle_sla_check<S, P>(
    store: &S,
    publisher: &P,
    config: &Config,
    run: &ScheduledRun,
    now: DateTime<Utc>,
) -> Result<SlaRun, ScheduleError>
where
    S: LeadStore + RepStore + Outbox,
    P: Publisher,
{
    let report = check_slas(store, config, now, run.limit()).await?;
    let mut out = SlaRun {
        checked: report.checked,
        breached: report.breached,
        reassigned: report.reassigned,
        follow_ups_missed: report.follow_ups_missed,
        closed: report.closed,
        failed: report.failed,
        ..SlaRun::default()
    };
    let waiting = store
        .due(DueKind::Route, now, run.limit())
        .await
        .map_err(UseCaseError::from)?;
    for id in waiting {
        out.routing_retries += 1;
        // One lead that cannot be routed must not stop the others: it stays due.
        if let Err(e) = route_lead(store, &id, config, now).await {
            out.failed.push((id, e.to_string()));
        }
    }
    if !out.failed.is_empty() {
        tracing::error!(failed = ?out.failed, "SLA check left leads for the next run");
    }
    out.published = drain_outbox(store, publisher).await?;
    Ok(out)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DecayRun {
    pub checked: usize,
    pub tier_changes: usize,
    pub recycled: usize,
    pub failed: Vec<(LeadId, String)>,
    pub published: usize,
}

/// Re-tier the leads whose decaying score crossed a bound and recycle idle ones, then relay.
pub async fn handle_decay<S, P>(
    store: &S,
    publisher: &P,
    config: &Config,
    scorer: Scorer<'_>,
    run: &ScheduledRun,
    now: DateTime<Utc>,
) -> Result<DecayRun, ScheduleError>
where
    S: LeadStore + RepStore + Outbox,
    P: Publisher,
{
    let report = run_decay(store, config, scorer, now, run.limit()).await?;
    if !report.failed.is_empty() {
        tracing::error!(failed = ?report.failed, "decay left leads for the next run");
    }
    let published = drain_outbox(store, publisher).await?;
    Ok(DecayRun {
        checked: report.checked,
        tier_changes: report.tier_changes,
        recycled: report.recycled,
        failed: report.failed,
        published,
    })
}
