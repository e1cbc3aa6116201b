//! The plain-text email of an alert: to the rep, CC their manager when the alert names one
//! (the use case does so only for SLA breaches), subject = title, body = body and lead id.

use leadflow::ports::Alert;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::Message;

/// Why an alert cannot be turned into an email; retrying cannot help.
#[derive(Debug, thiserror::Error)]
pub enum AlertEmailError {
    #[error("alert {event_id} has no rep_email to send to")]
    NoRecipient { event_id: String },
    #[error("alert {event_id}: {field} {value:?} is not an email address")]
    BadAddress {
        event_id: String,
        field: &'static str,
        value: String,
        #[source]
        source: lettre::address::AddressError,
    },
    #[error("alert {event_id}: the email could not be built")]
    Build {
        event_id: String,
        #[source]
        source: lettre::error::Error,
    },
}

/// The email for `alert`, sent from `from`.
pub fn alert_email(alert: &Alert, from: &Mailbox) -> Result<Message, AlertEmailError> {
    let rep_email = alert
        .rep_email
        .as_deref()
        .ok_or_else(|| AlertEmailError::NoRecipient {
            event_id: alert.event_id.clone(),
        })?;
    let to = Mailbox::new(
        alert.rep_name.clone(),
        address(alert, "rep_email", rep_email)?,
    );
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(alert.title.as_str())
        .message_id(Some(message_id(&alert.event_id, from)))
        .header(ContentType::TEXT_PLAIN);
    if let Some(manager) = alert.manager_email.as_deref() {
        builder = builder.cc(Mailbox::new(
            None,
            address(alert, "manager_email", manager)?,
        ));
    }
    builder
        .body(text(alert))
        .map_err(|source| AlertEmailError::Build {
            event_id: alert.event_id.clone(),
            source,
        })
}

/// The body: the alert's lines, then the lead id to look it up by.
pub fn text(alert: &Alert) -> String {
    format!("{}\n\nLead: {}\n", alert.body.trim_end(), alert.lead_id)
}

fn address(
    alert: &Alert,
    field: &'static str,
    value: &str,
) -> Result<lettre::Address, AlertEmailError> {
    value
        .trim()
        .parse()
        .map_err(|source| AlertEmailError::BadAddress {
            event_id: alert.event_id.clone(),
            field,
            value: value.to_string(),
            source,
        })
}

/// The same id for every attempt of one alert, so that a receiver can tell a resend.
fn message_id(event_id: &str, from: &Mailbox) -> String {
    let local: String = event_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("<alert.{local}@{}>", from.email.domain())
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadflow::config::AlertKind;
    use leadflow::domain::Tier;

    fn alert() -> Alert {
        Alert {
            event_id: "ev 7".into(),
            kind: AlertKind::SlaBreached,
            lead_id: "lead-42".into(),
            rep_id: Some("r1".into()),
            rep_name: Some("Jane Roe".into()),
            rep_email: Some("jane@example.com".into()),
            slack_user: None,
            manager_email: Some("boss@example.com".into()),
            tier: Tier::A,
            score: 91.0,
            title: "SLA breached: Jane Roe has not contacted Ann (tier A)".into(),
            body: "Score 91 (tier A), lead lead-42\n".into(),
        }
    }

    fn from() -> Mailbox {
        "Leadflow <leadflow@acme.io>".parse().unwrap()
    }

    #[test]
    fn addresses_subject_and_body() {
        let raw = String::from_utf8(alert_email(&alert(), &from()).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: Leadflow <leadflow@acme.io>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("To: \"Jane Roe\" <jane@example.com>\r\n"),
            "{raw}"
        );
        assert!(raw.contains("Cc: boss@example.com\r\n"), "{raw}");
        assert!(raw.contains("Subject: SLA breached: Jane Roe has not contacted Ann (tier A)\r\n"));
        assert!(
            raw.contains("Message-ID: <alert.ev_7@acme.io>\r\n"),
            "{raw}"
        );
        assert!(
            raw.ends_with("Score 91 (tier A), lead lead-42\r\n\r\nLead: lead-42\r\n"),
            "{raw}"
        );
    }

    #[test]
    fn no_cc_without_a_manager() {
        let mut a = alert();
        a.manager_email = None;
        let raw = String::from_utf8(alert_email(&a, &from()).unwrap().formatted()).unwrap();
        assert!(!raw.contains("Cc:"), "{raw}");
    }

    #[test]
    fn missing_or_bad_addresses_are_named() {
        let mut a = alert();
        a.rep_email = None;
        assert_eq!(
            alert_email(&a, &from()).unwrap_err().to_string(),
            "alert ev 7 has no rep_email to send to"
        );
        let mut a = alert();
        a.manager_email = Some("not-an-address".into());
        assert_eq!(
            alert_email(&a, &from()).unwrap_err().to_string(),
            "alert ev 7: manager_email \"not-an-address\" is not an email address"
        );
    }
}
