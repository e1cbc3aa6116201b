//! The Slack adapter against a local webhook receiver: payload, retries, rate limits, refusals,
//! unreachable hosts, and that the secret URL never shows in errors.

#[path = "support/slack_receiver.rs"]
mod slack_receiver;

use std::error::Error;
use std::time::{Duration, Instant};

use leadflow::config::AlertKind;
use leadflow::domain::Tier;
use leadflow::ports::{Alert, Notifier, NotifyError};
use leadflow_notify::{RetryPolicy, SlackWebhook};
use serde_json::json;
use slack_receiver::{closed_port, Reply, SlackReceiver, SECRET_PATH};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(2),
    }
}

fn alert() -> Alert {
    Alert {
        event_id: "ev-1".into(),
        kind: AlertKind::Assigned,
        lead_id: "lead-42".into(),
        rep_id: Some("r1".into()),
        rep_name: Some("Jane Roe".into()),
        rep_email: Some("jane@example.com".into()),
        slack_user: Some("U024BE7LH".into()),
        manager_email: None,
        tier: Tier::A,
        score: 87.4,
        title: "New tier A lead for Jane Roe: Ann Lee, CTO at R&D <Labs>".into(),
        body: "Score 87 (tier A), lead lead-42\nWhy: demo_request (+30), title_cxo (+20)".into(),
    }
}

/// Every message in an error's chain, so a check covers the sources too.
fn full_message(error: &NotifyError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(" | ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[tokio::test]
async fn one_alert_is_one_post_of_the_expected_message() {
    let receiver = SlackReceiver::start(vec![]).await;
    let slack = SlackWebhook::new(&receiver.url, fast_retries()).unwrap();

    slack.send(&alert()).await.unwrap();

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, SECRET_PATH);
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        request.body,
        json!({
            "text": "<@U024BE7LH> New tier A lead for Jane Roe: Ann Lee, CTO at R&amp;D &lt;Labs&gt;",
            "blocks": [
                {
                    "type": "header",
                    "text": {
                        "type": "plain_text",
                        "text": "New tier A lead for Jane Roe: Ann Lee, CTO at R&D <Labs>",
                        "emoji": false
                    }
                },
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "<@U024BE7LH>\nScore 87 (tier A), lead lead-42\nWhy: demo_request (+30), title_cxo (+20)"
                    }
                },
                {
                    "type": "section",
                    "fields": [
                        { "type": "mrkdwn", "text": "*Tier*\nA" },
                        { "type": "mrkdwn", "text": "*Score*\n87" }
                    ]
                },
                {
                    "type": "context",
                    "elements": [{ "type": "mrkdwn", "text": "Lead assigned · lead `lead-42`" }]
                }
            ]
        })
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_delivered() {
    let receiver =
        SlackReceiver::start(vec![Reply::status(500, "oops"), Reply::status(503, "busy")]).await;
    let slack = SlackWebhook::new(&receiver.url, fast_retries()).unwrap();

    slack.send(&alert()).await.unwrap();

    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.body == requests[0].body));
    // Backoff: at least half of 10 ms, then half of 20 ms.
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(5));
    assert!(requests[2].at - requests[1].at >= Duration::from_millis(10));
}

#[tokio::test]
async fn server_errors_on_every_attempt_are_transient() {
    let receiver = SlackReceiver::start(vec![Reply::status(502, "bad gateway"); 5]).await;
    let slack = SlackWebhook::new(&receiver.url, fast_retries()).unwrap();

    let error = slack.send(&alert()).await.unwrap_err();

    assert!(matches!(error, NotifyError::Transient(_)), "{error}");
    assert_eq!(receiver.requests().len(), 3);
    let message = full_message(&error);
    assert!(message.contains("answered 502: bad gateway"), "{message}");
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after() {
    let receiver = SlackReceiver::start(vec![Reply {
        retry_after: Some("1"),
        ..Reply::status(429, "rate_limited")
    }])
    .await;
    let slack = SlackWebhook::new(&receiver.url, fast_retries()).unwrap();

    slack.send(&alert()).await.unwrap();

    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
}

#[tokio::test]
async fn a_long_retry_after_is_capped() {
    let receiver = SlackReceiver::start(vec![Reply {
        retry_after: Some("3600"),
        ..Reply::status(429, "rate_limited")
    }])
    .await;
    let policy = RetryPolicy {
        max_retry_after: Duration::from_millis(50),
        ..fast_retries()
    };
    let slack = SlackWebhook::new(&receiver.url, policy).unwrap();

    let started = Instant::now();
    slack.send(&alert()).await.unwrap();

    assert_eq!(receiver.requests().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_client_error_is_permanent_and_not_retried() {
    let receiver = SlackReceiver::start(vec![Reply::status(400, "invalid_payload")]).await;
    let slack = SlackWebhook::new(&receiver.url, fast_retries()).unwrap();

    let error = slack.send(&alert()).await.unwrap_err();

    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert_eq!(receiver.requests().len(), 1);
    let message = full_message(&error);
    assert!(
        message.contains("Slack webhook at 127.0.0.1 answered 400: invalid_payload"),
        "{message}"
    );
    assert!(!message.contains("XSECRETX"), "{message}");
}

#[tokio::test]
async fn an_unreachable_webhook_is_transient_after_every_attempt() {
    let url = format!("http://127.0.0.1:{}{SECRET_PATH}", closed_port().await);
    let slack = SlackWebhook::new(&url, fast_retries()).unwrap();

    let started = Instant::now();
    let error = slack.send(&alert()).await.unwrap_err();

    assert!(matches!(error, NotifyError::Transient(_)), "{error}");
    // Two backoff waits happened: at least 5 ms + 10 ms.
    assert!(started.elapsed() >= Duration::from_millis(15));
    let message = full_message(&error);
    assert!(
        message.contains("Slack webhook at 127.0.0.1 could not be reached"),
        "{message}"
    );
    assert!(!message.contains("XSECRETX"), "{message}");
    assert!(!format!("{error:?}").contains("XSECRETX"));
}

#[tokio::test]
async fn a_slow_webhook_times_out_and_is_retried() {
    let slow = Reply {
        delay: Duration::from_secs(2),
        ..Reply::status(200, "ok")
    };
    let receiver = SlackReceiver::start(vec![slow.clone(), slow]).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let slack = SlackWebhook::with_client(&receiver.url, client, fast_retries()).unwrap();

    slack.send(&alert()).await.unwrap();

    assert_eq!(receiver.requests().len(), 3);
}
