//! `GET /v1/metrics` and the dashboard's overview: read the cohort's facts (kept by the store
//! on write), the roster and the rotation, then the pure computations of `leadflow::metrics`.

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::metrics::overview::{Overview, OverviewQuery};
use leadflow::metrics::{compute, compute_overview, Metrics, OverviewContext};
use leadflow::ports::{LeadStore, RepStore, StoreError};

use crate::state::LeadScan;

/// The metrics of the leads created in `[since, until)`.
pub async fn collect<S: LeadStore + RepStore + LeadScan>(
    store: &S,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Metrics, StoreError> {
    let facts = store.facts_created_between(since, until).await?;
    let reps = store.reps().await?;
    let roster: Vec<String> = reps.into_iter().map(|r| r.rep.id).collect();
    Ok(compute(facts.iter().map(|f| &**f), &roster, since, until))
}

/// The dashboard's overview of `query` as of `now`: one read of the facts of both periods
/// (the query's and the previous one), the roster and the rotation.
pub async fn overview<S: LeadStore + RepStore + LeadScan>(
    store: &S,
    config: &Config,
    query: &OverviewQuery,
    now: DateTime<Utc>,
) -> Result<Overview, StoreError> {
    let facts = store
        .facts_created_between(query.previous().since, query.until)
        .await?;
    let reps = store.reps().await?;
    let pools = store.pools().await?;
    let context = OverviewContext {
        reps: &reps,
        pools: &pools,
        config,
        now,
    };
    Ok(compute_overview(
        facts.iter().map(|f| &**f),
        &context,
        query,
    ))
}
