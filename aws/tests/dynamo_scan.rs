//! Leads by creation time on DynamoDB: the metrics window and the listing order.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::domain::Lead;
use leadflow::ports::{DueTimes, LeadQuery, LeadStore, LeadWrite};
use leadflow_api::LeadScan;
use leadflow_aws::dynamo::store_on_fresh_table;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

#[tokio::test]
async fn leads_created_in_a_window_include_its_start_and_exclude_its_end() {
    let store = store_on_fresh_table().await;
    for h in 0..10 {
        let lead = Lead::new(format!("ld_{h}"), None, None, t0() + TimeDelta::hours(h));
        store
            .write_lead(LeadWrite::over(lead, DueTimes::default()))
            .await
            .unwrap();
    }
    let window = store
        .leads_created_between(t0() + TimeDelta::hours(2), t0() + TimeDelta::hours(5))
        .await
        .unwrap();
    let ids: Vec<&str> = window.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["ld_2", "ld_3", "ld_4"]);
    assert!(store
        .leads_created_between(t0() + TimeDelta::hours(5), t0() + TimeDelta::hours(5))
        .await
        .unwrap()
        .is_empty());

    let page = store
        .list_leads(&LeadQuery {
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    let newest: Vec<&str> = page.leads.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(newest, ["ld_9", "ld_8", "ld_7"], "listing is newest first");
    let invalid = store
        .list_leads(&LeadQuery {
            limit: 3,
            cursor: Some("not-a-cursor".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(invalid.to_string().contains("not-a-cursor"), "{invalid}");
}
