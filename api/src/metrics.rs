//! `GET /v1/metrics`: read the cohort and the roster, then the pure computation of
//! `leadflow::metrics`.

use chrono::{DateTime, Utc};
use leadflow::metrics::{compute, lead_facts, LeadFacts, Metrics};
use leadflow::ports::{LeadStore, RepStore, StoreError};

use crate::state::LeadScan;

/// The metrics of the leads created in `[since, until)`. Reads each lead's history (amounts,
/// breaches and assignments live there): one read per lead of the window.
pub async fn collect<S: LeadStore + RepStore + LeadScan>(
    store: &S,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Metrics, StoreError> {
    let leads = store.leads_created_between(since, until).await?;
    let mut facts: Vec<LeadFacts> = Vec::with_capacity(leads.len());
    for lead in &leads {
        let history = store.history(&lead.id).await?;
        facts.push(lead_facts(lead, &history));
    }
    let reps = store.reps().await?;
    let roster: Vec<String> = reps.into_iter().map(|r| r.rep.id).collect();
    Ok(compute(&facts, &roster, since, until))
}
