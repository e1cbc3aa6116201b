//! The SMTP adapter against a local SMTP receiver: envelope, headers and body, the manager in
//! CC on breaches, login from the URL, 4xx retried, 5xx permanent, unreachable server transient.

#[path = "support/smtp_receiver.rs"]
mod smtp_receiver;

use std::time::Duration;

use leadflow::config::AlertKind;
use leadflow::domain::Tier;
use leadflow::ports::{Alert, Notifier, NotifyError};
use leadflow_notify::{RetryPolicy, SmtpEmail};
use smtp_receiver::{closed_port, SmtpReceiver};

const FROM: &str = "Leadflow <leadflow@example.com>";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(1),
    }
}

fn breach_alert() -> Alert {
    Alert {
        event_id: "ev-9".into(),
        kind: AlertKind::SlaBreached,
        lead_id: "lead-42".into(),
        rep_id: Some("r1".into()),
        rep_name: Some("Jane Roe".into()),
        rep_email: Some("jane@example.com".into()),
        slack_user: Some("U024BE7LH".into()),
        manager_email: Some("boss@example.com".into()),
        tier: Tier::A,
        score: 91.0,
        title: "SLA breached: Jane Roe has not contacted Ann Lee (tier A)".into(),
        body: "Score 91 (tier A), lead lead-42\nFirst response due by 2024-05-02T10:00:00Z".into(),
    }
}

fn assigned_alert() -> Alert {
    Alert {
        event_id: "ev-1".into(),
        kind: AlertKind::Assigned,
        manager_email: None,
        title: "New tier A lead for Jane Roe: Ann Lee".into(),
        body: "Score 91 (tier A), lead lead-42".into(),
        ..breach_alert()
    }
}

#[tokio::test]
async fn a_breach_goes_to_the_rep_with_the_manager_in_cc() {
    let receiver = SmtpReceiver::start(vec![]).await;
    let email = SmtpEmail::new(&receiver.url(), FROM, fast_retries()).unwrap();

    email.send(&breach_alert()).await.unwrap();

    let sessions = receiver.sessions();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(session.auth_plain, None);
    assert_eq!(session.mail_from.as_deref(), Some("leadflow@example.com"));
    let mut recipients = session.rcpt_to.clone();
    recipients.sort();
    assert_eq!(recipients, ["boss@example.com", "jane@example.com"]);
    let data = session.data.as_deref().unwrap();
    for header in [
        "From: Leadflow <leadflow@example.com>\r\n",
        "To: \"Jane Roe\" <jane@example.com>\r\n",
        "Cc: boss@example.com\r\n",
        "Subject: SLA breached: Jane Roe has not contacted Ann Lee (tier A)\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Message-ID: <alert.ev-9@example.com>\r\n",
    ] {
        assert!(data.contains(header), "no {header:?} in\n{data}");
    }
    let body = data.split_once("\r\n\r\n").unwrap().1;
    assert_eq!(
        body,
        "Score 91 (tier A), lead lead-42\r\nFirst response due by 2024-05-02T10:00:00Z\r\n\r\nLead: lead-42\r\n"
    );
}

#[tokio::test]
async fn an_assignment_goes_to_the_rep_only() {
    let receiver = SmtpReceiver::start(vec![]).await;
    let email = SmtpEmail::new(&receiver.url(), FROM, fast_retries()).unwrap();

    email.send(&assigned_alert()).await.unwrap();

    let sessions = receiver.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].rcpt_to, ["jane@example.com"]);
    let data = sessions[0].data.as_deref().unwrap();
    assert!(!data.contains("Cc:"), "{data}");
    assert!(data.contains("Subject: New tier A lead for Jane Roe: Ann Lee\r\n"));
}

#[tokio::test]
async fn credentials_in_the_url_log_in() {
    let receiver = SmtpReceiver::start(vec![]).await;
    let url = format!(
        "smtp://alerts%40acme.io:s3c%3Aret@127.0.0.1:{}",
        receiver.port
    );
    let email = SmtpEmail::new(&url, FROM, fast_retries()).unwrap();

    email.send(&assigned_alert()).await.unwrap();

    let sessions = receiver.sessions();
    // base64 of "\0alerts@acme.io\0s3c:ret"
    assert_eq!(
        sessions[0].auth_plain.as_deref(),
        Some("AGFsZXJ0c0BhY21lLmlvAHMzYzpyZXQ=")
    );
    assert_eq!(sessions[0].data_reply, Some(250));
}

#[tokio::test]
async fn a_temporary_refusal_is_retried() {
    let receiver = SmtpReceiver::start(vec![451, 250]).await;
    let email = SmtpEmail::new(&receiver.url(), FROM, fast_retries()).unwrap();

    email.send(&breach_alert()).await.unwrap();

    let sessions = receiver.sessions();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].data_reply, Some(451));
    assert_eq!(sessions[1].data_reply, Some(250));
    assert_eq!(sessions[0].data, sessions[1].data);
}

#[tokio::test]
async fn temporary_refusals_on_every_attempt_are_transient() {
    let receiver = SmtpReceiver::start(vec![451; 5]).await;
    let email = SmtpEmail::new(&receiver.url(), FROM, fast_retries()).unwrap();

    let error = email.send(&breach_alert()).await.unwrap_err();

    assert!(matches!(error, NotifyError::Transient(_)), "{error}");
    assert_eq!(receiver.sessions().len(), 3);
    let message = error.to_string();
    assert!(message.contains("SMTP server 127.0.0.1:"), "{message}");
    assert!(message.contains("451"), "{message}");
}

#[tokio::test]
async fn a_permanent_refusal_is_not_retried() {
    let receiver = SmtpReceiver::start(vec![550]).await;
    let email = SmtpEmail::new(&receiver.url(), FROM, fast_retries()).unwrap();

    let error = email.send(&breach_alert()).await.unwrap_err();

    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert_eq!(receiver.sessions().len(), 1);
    assert!(error.to_string().contains("550"), "{error}");
}

#[tokio::test]
async fn an_unreachable_server_is_transient_after_every_attempt() {
    let url = format!("smtp://user:hunter2@127.0.0.1:{}", closed_port().await);
    let email = SmtpEmail::new(&url, FROM, fast_retries()).unwrap();

    let started = std::time::Instant::now();
    let error = email.send(&assigned_alert()).await.unwrap_err();

    assert!(matches!(error, NotifyError::Transient(_)), "{error}");
    // Retried: two backoff waits of at least 5 ms and 10 ms.
    assert!(started.elapsed() >= Duration::from_millis(15));
    assert!(!format!("{error} {error:?}").contains("hunter2"));
}

#[tokio::test]
async fn an_alert_without_a_rep_email_is_permanent_and_sends_nothing() {
    let receiver = SmtpReceiver::start(vec![]).await;
    let email = SmtpEmail::new(&receiver.url(), FROM, fast_retries()).unwrap();
    let alert = Alert {
        rep_email: None,
        ..assigned_alert()
    };

    let error = email.send(&alert).await.unwrap_err();

    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert!(receiver.sessions().is_empty());
}
