//! Record a disposition (`POST /v1/leads/{id}/dispositions`): check it against the lead, stop
//! the SLA clock, move the status, and write it with the load change and events.

use chrono::{DateTime, Utc};

use super::{due_times, load_changes, with_retries, UseCaseError};
use crate::config::Config;
use crate::domain::Lead;
use crate::lifecycle::disposition::{apply_disposition, Disposition};
use crate::ports::{LeadStore, LeadWrite, StoreError};

pub async fn record_disposition<S: LeadStore>(
    store: &S,
    lead_id: &str,
    disposition: &Disposition,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Lead, UseCaseError> {
    with_retries(lead_id, || {
        attempt(store, lead_id, disposition, config, now)
    })
    .await
}

async fn attempt<S: LeadStore>(
    store: &S,
    lead_id: &str,
    disposition: &Disposition,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Lead, UseCaseError> {
    let lead = store
        .lead(lead_id)
        .await?
        .ok_or_else(|| UseCaseError::LeadNotFound(lead_id.to_string()))?;
    let out = apply_disposition(&lead, disposition, &config.dispositions, &config.sla, now)?;
    let mut write = LeadWrite::over(out.lead, Default::default());
    write.due = due_times(&write.lead, config);
    write.rep_load = load_changes(&lead, &write.lead);
    write.history = out.history;
    // A disposition sent again with the same `occurred_at` (a client retry) is applied once.
    if disposition.occurred_at.is_some() {
        write.applied_event = out.events.first().map(|e| e.event_id.clone());
    }
    write.events = out.events;
    let written = write.lead.clone();
    match store.write_lead(write).await {
        Ok(()) => Ok(written),
        Err(StoreError::AlreadyApplied(_)) => Ok(lead),
        Err(e) => Err(e.into()),
    }
}
