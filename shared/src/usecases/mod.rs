//! The use cases: each the body of one Lambda function and one `leadflow serve` worker,
//! generic over the ports. They read, call the pure domain, and write one atomic `LeadWrite`,
//! retrying when someone else wrote the lead in between (optimistic locking).

pub mod assign;
pub mod decay;
pub mod disposition;
pub mod ingest;
pub mod notify;
pub mod relay;
pub mod route;
pub mod score;
pub mod sla_check;
pub mod wake;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::{Lead, LeadId, RepId};
use crate::lifecycle::activity;
use crate::lifecycle::disposition::DispositionError;
use crate::ports::{DueTimes, NotifyError, PublishError, StoreError};

/// How many times a use case re-reads and retries after a write conflict before giving up
/// (the message is then retried by its queue).
pub const MAX_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("lead {0} not found")]
    LeadNotFound(LeadId),
    #[error(transparent)]
    Disposition(#[from] DispositionError),
    #[error("lead {0} kept changing: gave up after {MAX_ATTEMPTS} attempts")]
    TooManyConflicts(LeadId),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// When the scheduled jobs must look at `lead` next.
pub fn due_times(lead: &Lead, config: &Config) -> DueTimes {
    DueTimes {
        sla: lead.sla.as_ref().and_then(crate::sla::next_due),
        decay: activity::decay_due_at(lead, config),
        route: lead
            .route_retry_at
            .filter(|_| lead.status == crate::domain::Status::Mql && lead.owner.is_none()),
    }
}

/// The open-lead count changes between two states of a lead: a rep holds a lead while it is
/// owned (assigned, contacted, qualified) by them.
pub fn load_changes(before: &Lead, after: &Lead) -> Vec<(RepId, i32)> {
    let holder = |l: &Lead| {
        l.owner_id()
            .filter(|_| l.status.is_owned())
            .map(str::to_string)
    };
    match (holder(before), holder(after)) {
        (a, b) if a == b => Vec::new(),
        (Some(a), Some(b)) => vec![(a, -1), (b, 1)],
        (Some(a), None) => vec![(a, -1)],
        (None, Some(b)) => vec![(b, 1)],
        (None, None) => Vec::new(),
    }
}

/// Run `attempt` until it does not end in a write conflict.
pub(crate) async fn with_retries<T, F, Fut>(
    lead_id: &str,
    mut attempt: F,
) -> Result<T, UseCaseError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, UseCaseError>>,
{
    for _ in 0..MAX_ATTEMPTS {
        match attempt().await {
            Err(UseCaseError::Store(e)) if e.is_conflict() => continue,
            other => return other,
        }
    }
    Err(UseCaseError::TooManyConflicts(lead_id.to_string()))
}

/// A cause id for events produced at `now` by a scheduled job on a lead version: retried
/// runs over the same version derive the same event ids.
pub(crate) fn cause(job: &str, lead: &Lead, now: DateTime<Utc>) -> String {
    format!(
        "{job}:{}:{}:{}",
        lead.id,
        lead.version,
        now.timestamp_millis()
    )
}

#[cfg(test)]
mod tests;
