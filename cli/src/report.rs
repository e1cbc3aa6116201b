//! The report `demo` and `replay` print, gathered from the store after the run.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::ports::{LeadStore, RepStore, StoreError};
use leadflow_demo::ReportInput;
use leadflow_store_sqlite::SqliteStore;

pub async fn gather(
    store: &SqliteStore,
    config: &Config,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
) -> Result<ReportInput, StoreError> {
    let leads = store.leads_created_between(None, None).await?;
    let mut history = HashMap::with_capacity(leads.len());
    for lead in &leads {
        history.insert(lead.id.clone(), store.history(&lead.id).await?);
    }
    let reps = store
        .reps()
        .await?
        .into_iter()
        .map(|r| (r.rep, r.open_leads))
        .collect();
    Ok(ReportInput {
        leads,
        history,
        reps,
        sla_targets: config.sla.tiers.clone(),
        started,
        ended,
    })
}
