//! Concurrent requests for one lead: each event is applied exactly once, whatever the
//! interleaving, and re-sent ids change nothing.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};
use support::{event, fit_lead, Api, Server};

const REQUESTS: usize = 100;
const EMAIL: &str = "busy@acme.io";

fn page_view(i: usize) -> Value {
    event(&format!("evt-pv-{i}"), "page_view", fit_lead(EMAIL))
}

/// POST each event in its own request, all at once; the answers.
async fn send_concurrently(api: &Api, events: Vec<Value>) -> Vec<Value> {
    let tasks: Vec<_> = events
        .into_iter()
        .map(|e| {
            let api = api.clone();
            tokio::spawn(async move { api.send_events(vec![e]).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a request task"));
    }
    answers
}

/// How many times each event id appears among the lead's `event` history entries.
fn applied_events(lead: &Value) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for entry in lead["history"].as_array().unwrap() {
        if entry["kind"] == "event" {
            let id = entry["detail"]["event_id"].as_str().unwrap().to_string();
            *seen.entry(id).or_insert(0) += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_events_for_one_lead_are_each_applied_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = Server::start(&dir.path().join("data"));
    let api = server.api();

    let answers = send_concurrently(&api, (0..REQUESTS).map(page_view).collect()).await;
    let accepted: u64 = answers
        .iter()
        .map(|a| a["accepted"].as_u64().unwrap())
        .sum();
    assert_eq!(accepted, REQUESTS as u64, "{answers:?}");
    // Every request resolved the same (new) lead.
    let lead_ids: BTreeSet<&str> = answers
        .iter()
        .map(|a| a["leads"][0]["lead_id"].as_str().unwrap())
        .collect();
    assert_eq!(lead_ids.len(), 1, "one email, one lead: {lead_ids:?}");
    let lead_id = lead_ids.into_iter().next().unwrap().to_string();

    let lead = api
        .wait_for_lead(
            &lead_id,
            "100 events applied",
            Duration::from_secs(20),
            |l| support::history_count(l, "event") >= REQUESTS,
        )
        .await;
    let expected: BTreeMap<String, usize> =
        (0..REQUESTS).map(|i| (format!("evt-pv-{i}"), 1)).collect();
    assert_eq!(applied_events(&lead), expected, "each event once");
    // page_view is worth 1 point, capped at 5: the cap is reached, not exceeded.
    let engagement = lead["score"]["engagement"].as_f64().unwrap();
    assert!(
        (4.99..=5.0).contains(&engagement),
        "engagement {engagement}: {lead}"
    );
    assert_eq!(api.all_leads().await.len(), 1, "no lead created twice");

    // The same ids again, concurrently and then in one request: all duplicates.
    let again = send_concurrently(&api, (0..REQUESTS).map(page_view).collect()).await;
    let duplicates: u64 = again
        .iter()
        .map(|a| a["duplicates"].as_u64().unwrap())
        .sum();
    let accepted: u64 = again.iter().map(|a| a["accepted"].as_u64().unwrap()).sum();
    assert_eq!((accepted, duplicates), (0, REQUESTS as u64));
    let batch = api
        .send_events((0..REQUESTS).map(page_view).collect())
        .await;
    assert_eq!(
        (batch["accepted"].clone(), batch["duplicates"].clone()),
        (json!(0), json!(REQUESTS))
    );

    // A fresh event after them: once it is applied, anything queued before it would be too.
    api.send_events(vec![event("evt-sentinel", "email_open", fit_lead(EMAIL))])
        .await;
    let lead = api
        .wait_for_lead(
            &lead_id,
            "the sentinel applied",
            Duration::from_secs(10),
            |l| l["history"].to_string().contains("evt-sentinel"),
        )
        .await;
    let mut expected = expected;
    expected.insert("evt-sentinel".to_string(), 1);
    assert_eq!(applied_events(&lead), expected, "nothing applied twice");
}
