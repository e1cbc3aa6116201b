//! The SLA schedule of `leadflow serve`, on a real clock with short deadlines: a hot lead
//! nobody contacts raises one Slack alert and is reassigned; a lead contacted in time never
//! breaches.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{hot_event, owner_of, slack, Api, Server};

const KEY: &str = "a-test-key-of-enough-length";

/// The example configuration with 2 s deadlines for tier A, checked every second, alerts to
/// `webhook`, and a fixed key.
fn sla_config(webhook: &str) -> String {
    support::example_config_with(&[
        (
            r#"api_keys = ["env:LEADFLOW_API_KEY"]"#,
            &format!(r#"api_keys = ["{KEY}"]"#),
        ),
        (r#"check_interval = "1m""#, r#"check_interval = "1s""#),
        (r#"first_response = "5m""#, r#"first_response = "2s""#),
        (r#"reassign_after = "15m""#, r#"reassign_after = "2s""#),
        (
            r#"slack_webhook_url = "env:SLACK_WEBHOOK_URL""#,
            &format!(r#"slack_webhook_url = "{webhook}""#),
        ),
    ])
}

fn contacted(rep: &str) -> Value {
    json!({"outcome": "contacted", "rep_id": rep, "occurred_at": support::now_rfc3339()})
}

async fn wait_owned(api: &Api, id: &str) -> Value {
    api.wait_for_lead(id, "assigned", Duration::from_secs(10), |l| {
        owner_of(l).is_some()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_nobody_contacts_breaches_once_and_is_reassigned() {
    let (webhook, received) = slack::start().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("leadflow.toml");
    std::fs::write(&config, sla_config(&webhook)).unwrap();
    let server = Server::start_configured(&dir.path().join("data"), &config, KEY);
    let api = server.api();

    let answer = api
        .send_events(vec![
            hot_event("evt-ignored", "ignored@acme.io"),
            hot_event("evt-answered", "answered@initech.io"),
        ])
        .await;
    let ignored = answer["leads"][0]["lead_id"].as_str().unwrap().to_string();
    let answered = answer["leads"][1]["lead_id"].as_str().unwrap().to_string();

    // The answered lead: its owner reports contact right after the assignment (2 s to spare).
    let lead = wait_owned(&api, &answered).await;
    let owner = owner_of(&lead).unwrap().to_string();
    let (status, body) = api
        .post(
            &format!("/v1/leads/{answered}/dispositions"),
            &contacted(&owner),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The ignored lead: breached after 2 s, reassigned 2 s after that.
    let first = wait_owned(&api, &ignored).await;
    let first_owner = owner_of(&first).unwrap().to_string();
    let reassigned = api
        .wait_for_lead(&ignored, "reassigned", Duration::from_secs(12), |l| {
            owner_of(l).is_some_and(|o| o != first_owner)
        })
        .await;
    let new_owner = owner_of(&reassigned).unwrap().to_string();
    // The new owner answers at once, so the new clock does not breach in turn.
    let (status, body) = api
        .post(
            &format!("/v1/leads/{ignored}/dispositions"),
            &contacted(&new_owner),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        support::history_count(&reassigned, "sla_breached"),
        1,
        "{reassigned}"
    );
    assert_eq!(
        support::history_count(&reassigned, "reassigned"),
        1,
        "{reassigned}"
    );

    // Let several more SLA checks run: a breach alerted twice, or one for the answered lead,
    // would show up by then.
    let watch_until = Instant::now() + Duration::from_millis(3_500);
    while Instant::now() < watch_until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let breaches = received.matching("SLA breached", &ignored);
    assert_eq!(
        breaches.len(),
        1,
        "exactly one SLA alert for {ignored}; received: {:#?}",
        received.all()
    );
    assert!(
        breaches[0]["blocks"][0]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("SLA breached")),
        "the alert's title: {}",
        breaches[0]
    );
    assert_eq!(
        received.matching("Reassigned to", &ignored).len(),
        1,
        "one reassignment alert; received: {:#?}",
        received.all()
    );
    assert!(
        received.matching("SLA breached", &answered).is_empty(),
        "the lead contacted in time was alerted: {:#?}",
        received.all()
    );

    let answered_now = api.lead(&answered).await;
    assert!(
        answered_now["sla"]["breached_at"].is_null(),
        "{answered_now}"
    );
    assert!(
        answered_now["sla"]["responded_at"].is_string(),
        "{answered_now}"
    );
    assert_eq!(support::history_count(&answered_now, "sla_breached"), 0);
    assert_eq!(owner_of(&answered_now), Some(owner.as_str()));

    let ignored_now = api.lead(&ignored).await;
    assert_eq!(owner_of(&ignored_now), Some(new_owner.as_str()));
    assert_eq!(
        support::history_count(&ignored_now, "sla_breached"),
        1,
        "{ignored_now}"
    );
}
