//! Email alerts through SESv2 (moto): rendered content to the rep, the manager in CC, and a
//! refusal that retrying cannot fix reported as permanent.

mod support;

use leadflow::config::{AlertKind, AlertsConfig};
use leadflow::domain::Tier;
use leadflow::ports::{Alert, Notifier, NotifyError};
use leadflow_aws::ses::SesEmail;
use leadflow_aws::testing;
use support::moto_get_json;

async fn client() -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(&testing::sdk_config().await)
}

fn alert(event_id: &str, manager: Option<&str>) -> Alert {
    Alert {
        event_id: event_id.into(),
        kind: AlertKind::SlaBreached,
        lead_id: "ld_42".into(),
        rep_id: Some("ana".into()),
        rep_name: Some("Ana".into()),
        rep_email: Some("ana@acme.io".into()),
        slack_user: None,
        manager_email: manager.map(str::to_string),
        tier: Tier::A,
        score: 91.0,
        title: format!("SLA breached: Ana has not contacted Bo ({event_id})"),
        body: "Score 91 (tier A), lead ld_42".into(),
    }
}

/// The messages moto recorded as sent, as JSON objects.
fn sent_messages() -> Vec<serde_json::Value> {
    let data = moto_get_json("/moto-api/data.json");
    let mut found = Vec::new();
    collect_messages(&data["ses"], &mut found);
    found
}

fn collect_messages(value: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.contains_key("subject") || map.contains_key("destinations") {
                out.push(value.clone());
            }
            for v in map.values() {
                collect_messages(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_messages(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn an_alert_is_sent_from_a_verified_identity_with_its_subject_and_recipients() {
    let ses = client().await;
    let domain = format!("{}.example.com", testing::unique_name("alerts"));
    let from = format!("leadflow@{domain}");
    ses.create_email_identity()
        .email_identity(&domain)
        .send()
        .await
        .expect("moto creates the identity");
    let event_id = testing::unique_name("ev");
    let alerts = AlertsConfig {
        email_from: Some(from.clone()),
        ..AlertsConfig::default()
    };
    let email = SesEmail::from_alerts(ses, &alerts).expect("email_from turns email on");
    email
        .send(&alert(&event_id, Some("boss@acme.io")))
        .await
        .expect("SES takes the mail");
    let sent = sent_messages();
    let mine: Vec<&serde_json::Value> = sent
        .iter()
        .filter(|m| m.to_string().contains(&event_id))
        .collect();
    assert_eq!(mine.len(), 1, "one mail for the alert, in {sent:?}");
    let text = mine[0].to_string();
    assert!(text.contains("ana@acme.io"), "to the rep: {text}");
    assert!(text.contains("boss@acme.io"), "CC the manager: {text}");
    assert!(text.contains(&from), "from the identity: {text}");
}

#[tokio::test]
async fn without_email_from_there_is_no_email_channel() {
    assert!(SesEmail::from_alerts(client().await, &AlertsConfig::default()).is_none());
}

#[tokio::test]
async fn an_unverified_sender_is_a_permanent_refusal() {
    let from = format!("{}@unverified.example.com", testing::unique_name("nobody"));
    let email = SesEmail::new(client().await, &from);
    match email.send(&alert("ev_unverified", None)).await {
        Err(NotifyError::Permanent(e)) => {
            assert!(e.to_string().contains(&from), "names the sender: {e}")
        }
        other => panic!("expected a permanent refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_alert_without_a_rep_email_is_refused_before_sending() {
    let email = SesEmail::new(client().await, "leadflow@example.com");
    let mut a = alert("ev_nobody", None);
    a.rep_email = None;
    match email.send(&a).await {
        Err(NotifyError::Permanent(e)) => assert!(e.to_string().contains("rep_email"), "{e}"),
        other => panic!("expected a permanent refusal, got {other:?}"),
    }
}
