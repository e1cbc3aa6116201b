//! The whole AWS flow on the emulator, with the real adapters: a webhook into the `ingest`
//! router → the SQS score queue → `score` on DynamoDB → an EventBridge rule puts
//! `LeadQualified` on the route queue → `route` owns the lead in DynamoDB and starts its SLA
//! clock → a rule puts `LeadAssigned` on the notify queue → `notify` posts to a local Slack
//! receiver, once per assignment.
//!
//! Every AWS call goes through one request meter; each test prints what a lead event costs,
//! service by service — the figures of the README's cost table:
//! - the mix: leads as the X-Education data shows them (`/work/shared/data/x-education-leads`:
//!   9,240 leads, median 3 website visits, 38.5% converted): each lead fills a form and then
//!   visits 3 times (4 events), and 10 leads in 26 (38.5%) go on to request a demo, qualify and
//!   are routed;
//! - the worst case: every event is a new lead that qualifies at once and is routed.
//!
//! Run: `cargo test -p leadflow-aws --features testing --test e2e_pipeline -- --nocapture`.

mod e2e;
mod support;

use leadflow::domain::Status;
use leadflow::ports::LeadStore;
use serde_json::{json, Value};

use e2e::cost::report;
use e2e::Stack;
use support::t0;

/// The architecture's target, all services included.
const TARGET_DOLLARS_PER_MILLION: f64 = 8.0;

fn at(minutes: i64) -> String {
    (t0() + chrono::TimeDelta::minutes(minutes)).to_rfc3339()
}

/// A form fill that identifies the lead: a good fit when `ideal`, a poor one otherwise.
fn form_fill(id: &str, email: &str, ideal: bool, minutes: i64) -> Value {
    let domain = email.split('@').nth(1).unwrap();
    let lead = if ideal {
        json!({"email": email, "first_name": "Ana", "title": "VP Marketing",
               "company_size": 250, "industry": "software", "country": "US",
               "company_domain": domain})
    } else {
        json!({"email": email, "first_name": "Sam", "title": "Analyst",
               "company_size": 8, "industry": "education", "country": "IN",
               "company_domain": domain})
    };
    json!({"events": [{"id": id, "type": "content_download", "occurred_at": at(minutes),
                       "lead": lead}]})
}

fn signal(id: &str, email: &str, kind: &str, minutes: i64) -> Value {
    json!({"events": [{"id": id, "type": kind, "occurred_at": at(minutes),
                       "lead": {"email": email}}]})
}

#[tokio::test]
async fn a_realistic_mix_of_lead_events_is_counted_and_costs_under_the_target() {
    const LEADS: usize = 26;
    const QUALIFYING: usize = 10;
    let mut stack = Stack::new().await;
    let email = |n: usize| format!("person{n}@firm{n}.example");
    let mut lead_ids = Vec::new();
    // Four rounds: the form fills, two visits, then a demo request (hot) or a third visit.
    for round in 0..4 {
        for n in 0..LEADS {
            let hot = n < QUALIFYING;
            let id = format!("mix-{n}-{round}");
            // A few hours of activity, ending now (the API refuses events from the future).
            let minutes = (round as i64 - 4) * 60;
            let body = match round {
                0 => form_fill(&id, &email(n), hot, minutes),
                3 if hot => signal(&id, &email(n), "demo_request", minutes),
                _ => signal(&id, &email(n), "page_view", minutes),
            };
            let ids = stack.webhook(body).await;
            if round == 0 {
                lead_ids.push(ids[0].clone());
            }
        }
        stack.drain().await;
    }

    for (n, id) in lead_ids.iter().enumerate() {
        let lead = stack.store.lead(id).await.unwrap().expect("the lead");
        let history = stack.store.history(id).await.unwrap();
        let events = history
            .iter()
            .filter(|h| h.kind.as_str() == "event")
            .count();
        assert_eq!(events, 4, "{id}: every event of the lead is in its history");
        if n < QUALIFYING {
            assert_eq!(lead.status, Status::Assigned, "{id} qualified and is owned");
            assert_eq!(stack.posts_about(id), 1, "{id}: its owner is alerted once");
        } else {
            assert!(
                lead.owner.is_none() && !lead.mql,
                "{id} stays with marketing"
            );
            assert_eq!(stack.posts_about(id), 0, "{id}: nobody is alerted");
        }
    }
    let dollars = report(
        "Mix (X-Education proportions)",
        &stack.meter.usage(),
        stack.counts,
    );
    let (stored, json) = stack.lead_item_sizes(&lead_ids).await;
    println!("  lead item after 4 events: {stored} bytes billed on average; the lead as JSON: {json} bytes");
    assert!(
        dollars <= TARGET_DOLLARS_PER_MILLION,
        "the mix costs ${dollars:.2} per million events, above the ${TARGET_DOLLARS_PER_MILLION} target"
    );
}

#[tokio::test]
async fn a_webhook_ends_owned_in_dynamodb_and_alerted_on_slack_once_and_the_calls_are_counted() {
    const LEADS: usize = 12;
    let mut stack = Stack::new().await;
    let mut lead_ids = Vec::new();
    for n in 0..LEADS {
        let mut body = form_fill(
            &format!("evt-{n}"),
            &format!("buyer{n}@acme{n}.io"),
            true,
            0,
        );
        body["events"][0]["type"] = json!("demo_request");
        lead_ids.extend(stack.webhook(body).await);
    }
    stack.drain().await;

    for id in &lead_ids {
        let lead = stack
            .store
            .lead(id)
            .await
            .unwrap()
            .expect("the lead is stored");
        assert_eq!(lead.status, Status::Assigned, "{id} is owned");
        assert!(lead.owner_id().is_some() && lead.sla.is_some(), "{id}");
        assert_eq!(
            stack.posts_about(id),
            1,
            "lead {id} is alerted exactly once"
        );
    }
    assert_eq!(
        stack.slack.lock().unwrap().len(),
        LEADS,
        "one post per assignment"
    );
    let usage = stack.meter.usage();
    let writes: u64 = usage.values().map(|u| u.all_write_units()).sum();
    let reads: f64 = usage.values().map(|u| u.read_units).sum();
    assert!(writes > 0 && reads > 0.0, "the meter saw DynamoDB's units");
    report(
        "Worst case (every event a new lead that qualifies)",
        &usage,
        stack.counts,
    );
    let (stored, json) = stack.lead_item_sizes(&lead_ids).await;
    println!(
        "  lead item when owned: {stored} bytes billed on average; the lead as JSON: {json} bytes"
    );
}
