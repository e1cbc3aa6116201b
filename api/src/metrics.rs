//! `GET /v1/metrics` and the dashboard's overview: read the cohort's facts (kept by the store
//! on write), the roster and the rotation, then the pure computations of `leadflow::metrics`.

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::metrics::overview::{Overview, OverviewQuery};
use leadflow::metrics::{compute, compute_overview, LeadFacts, Metrics, OverviewContext};
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
/// (the query's and the previous one), one of the open clocks, the roster and the rotation.
pub async fn overview<S: LeadStore + RepStore + LeadScan>(
    store: &S,
    config: &Config,
    query: &OverviewQuery,
    now: DateTime<Utc>,
) -> Result<Overview, StoreError> {
    let facts = store
        .facts_created_between(query.previous().since, query.until)
        .await?;
    let open = store.facts_with_open_clock().await?;
    let open: Vec<&LeadFacts> = open.iter().map(|f| &**f).collect();
    let reps = store.reps().await?;
    let pools = store.pools().await?;
    let context = OverviewContext {
        reps: &reps,
        pools: &pools,
        config,
        now,
        open_clocks: &open,
    };
    Ok(compute_overview(
        facts.iter().map(|f| &**f),
        &context,
        query,
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use leadflow::adapters::memory::MemoryStore;
    use leadflow::domain::{HistoryEntry, HistoryKind, Lead, Owner, Rep, Status, Tier};
    use leadflow::ports::{LeadStore, LeadWrite};
    use serde_json::json;

    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        "2026-11-02T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
    }

    /// Lead `n`: created at minute `n`, tier by `n`, every other one assigned and answered.
    async fn seed(store: &MemoryStore) {
        for rep in ["ana", "ben"] {
            store.put_rep(Rep::new(rep, "east")).await.unwrap();
        }
        for n in 0..12i64 {
            let mut lead = Lead::new(format!("ld_{n:02}"), None, None, at(n));
            lead.tier = Tier::ALL[(n % 4) as usize];
            lead.score.total = 10.0 * (n % 10) as f64;
            lead.mql = true;
            let mut w = LeadWrite::over(lead.clone(), Default::default());
            w.history = vec![HistoryEntry::new(at(n), HistoryKind::Event, json!({}))];
            store.write_lead(w).await.unwrap();
            if n % 2 == 0 {
                let rep = if n % 4 == 0 { "ana" } else { "ben" };
                lead.version = 1;
                lead.owner = Some(Owner {
                    rep_id: rep.into(),
                    assigned_at: at(n + 1),
                });
                lead.status = Status::Contacted;
                let mut w = LeadWrite::over(lead, Default::default());
                w.history = vec![
                    HistoryEntry::new(at(n + 1), HistoryKind::Assigned, json!({"rep_id": rep})),
                    HistoryEntry::new(
                        at(n + 3),
                        HistoryKind::Disposition,
                        json!({"rep_id": rep, "outcome": "contacted", "to": "contacted",
                               "response_seconds": 120 + n}),
                    ),
                ];
                store.write_lead(w).await.unwrap();
            }
        }
    }

    #[tokio::test]
    async fn the_overview_counts_what_v1_metrics_counts_for_the_same_window() {
        let store = MemoryStore::new();
        seed(&store).await;
        let config = Config::default();
        for (since, until) in [(at(0), at(12)), (at(4), at(9))] {
            let metrics = collect(&store, since, until).await.unwrap();
            let query = OverviewQuery::new(since, until).unwrap();
            let o = overview(&store, &config, &query, at(60)).await.unwrap();
            assert_eq!(o.headline.leads, metrics.leads);
            for row in o.funnel.iter().filter(|r| r.tier.is_some()) {
                let m = &metrics.by_tier[&row.tier.unwrap()];
                assert_eq!(
                    (row.leads, row.mql, row.assigned, row.contacted),
                    (m.leads, m.mql, m.assigned, m.contacted)
                );
            }
            for rep in &o.reps {
                let m = &metrics.by_rep[&rep.rep_id];
                assert_eq!((rep.assigned, rep.open), (m.assigned, m.open));
                assert_eq!(
                    rep.median_first_response_seconds,
                    m.median_first_response_seconds
                );
            }
        }
        let all = collect(&store, at(0), at(12)).await.unwrap();
        assert_eq!(all.by_rep["ana"].assigned, 3);
        assert_eq!(all.by_rep["ben"].median_first_response_seconds, Some(126));
    }
}
