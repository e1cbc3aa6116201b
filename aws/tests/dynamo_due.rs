//! The scheduled jobs read only what is due: the due-time indexes are sparse and the query
//! stops at `now`, so ten times more idle leads cost no extra reads.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::domain::Lead;
use leadflow::ports::{DueKind, DueTimes, LeadStore, LeadWrite};
use leadflow_aws::dynamo::{store_on_fresh_table, DynamoStore};
use leadflow_aws::score_queue::InMemoryScoreQueue;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

async fn add(store: &DynamoStore<InMemoryScoreQueue>, id: &str, due: DueTimes) {
    let lead = Lead::new(id.into(), None, None, t0());
    store.write_lead(LeadWrite::over(lead, due)).await.unwrap();
}

/// Idle leads: half with no due time at all, half due only after `now`.
async fn add_idle(store: &DynamoStore<InMemoryScoreQueue>, from: usize, count: usize) {
    for i in from..from + count {
        let due = if i % 2 == 0 {
            DueTimes::default()
        } else {
            DueTimes {
                sla: Some(t0() + TimeDelta::days(1)),
                decay: Some(t0() + TimeDelta::days(3)),
                route: None,
            }
        };
        add(store, &format!("ld_idle_{i:04}"), due).await;
    }
}

/// Items read by one `due` call.
async fn reads_of_due(
    store: &DynamoStore<InMemoryScoreQueue>,
    kind: DueKind,
) -> (Vec<String>, u64) {
    let before = store.items_read();
    let due = store.due(kind, t0(), 100).await.unwrap();
    (due, store.items_read() - before)
}

#[tokio::test]
async fn ten_times_more_idle_leads_cost_the_due_jobs_no_extra_reads() {
    let store = store_on_fresh_table().await;
    for i in 0..6 {
        let at = Some(t0() - TimeDelta::minutes(i));
        add(
            &store,
            &format!("ld_due_{i}"),
            DueTimes {
                sla: at,
                decay: at,
                route: None,
            },
        )
        .await;
    }
    add_idle(&store, 0, 6).await;
    let (sla_small, sla_reads_small) = reads_of_due(&store, DueKind::Sla).await;
    let (decay_small, decay_reads_small) = reads_of_due(&store, DueKind::Decay).await;
    assert_eq!(sla_small.len(), 6, "every due lead is found");
    assert_eq!(sla_small[0], "ld_due_5", "earliest first");

    add_idle(&store, 6, 60).await;
    let (sla_big, sla_reads_big) = reads_of_due(&store, DueKind::Sla).await;
    let (decay_big, decay_reads_big) = reads_of_due(&store, DueKind::Decay).await;
    assert_eq!((sla_big, decay_big), (sla_small, decay_small));
    assert_eq!(
        (sla_reads_small, decay_reads_small),
        (6, 6),
        "each job reads exactly the due items"
    );
    assert_eq!(
        (sla_reads_big, decay_reads_big),
        (sla_reads_small, decay_reads_small),
        "66 idle leads instead of 6 read no more items"
    );
}
