//! Email alerts through SESv2 `SendEmail`, with the content rendered here (simple content, no
//! SES templates): to the rep, CC their manager when the alert names one. Slack alerts stay
//! with `leadflow_notify::SlackWebhook`; this replaces SMTP on AWS.

use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use leadflow::config::AlertsConfig;
use leadflow::ports::{Alert, BoxError, Notifier, NotifyError};

#[derive(Debug, thiserror::Error)]
pub enum SesEmailError {
    #[error("alert {event_id} has no rep_email to send to")]
    NoRecipient { event_id: String },
    #[error("alert {event_id}: the email could not be built: {message}")]
    Build { event_id: String, message: String },
    #[error("SES SendEmail from {from} for alert {event_id}: {message}")]
    Send {
        from: String,
        event_id: String,
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct SesEmail {
    client: aws_sdk_sesv2::Client,
    from: String,
}

/// The plain-text body of an alert: its lines, then the lead id to look it up by.
pub fn alert_text(alert: &Alert) -> String {
    format!("{}\n\nLead: {}\n", alert.body.trim_end(), alert.lead_id)
}

impl SesEmail {
    /// Sends from `from` (an SES identity: a verified address or domain).
    pub fn new(client: aws_sdk_sesv2::Client, from: impl Into<String>) -> Self {
        SesEmail {
            client,
            from: from.into(),
        }
    }

    /// The email channel `[alerts]` asks for: on when `email_from` is set (`smtp_url` is for
    /// `leadflow serve`; on AWS the mail goes through SES).
    pub fn from_alerts(client: aws_sdk_sesv2::Client, alerts: &AlertsConfig) -> Option<Self> {
        alerts
            .email_from
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|from| SesEmail::new(client, from))
    }

    pub fn from_address(&self) -> &str {
        &self.from
    }

    fn message(alert: &Alert) -> Result<Message, SesEmailError> {
        let build = |e: aws_sdk_sesv2::error::BuildError| SesEmailError::Build {
            event_id: alert.event_id.clone(),
            message: e.to_string(),
        };
        let text = |data: String| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(build)
        };
        Ok(Message::builder()
            .subject(text(alert.title.clone())?)
            .body(Body::builder().text(text(alert_text(alert))?).build())
            .build())
    }
}

impl Notifier for SesEmail {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        let permanent = |e: SesEmailError| NotifyError::Permanent(Box::new(e) as BoxError);
        let to = alert.rep_email.as_deref().ok_or_else(|| {
            permanent(SesEmailError::NoRecipient {
                event_id: alert.event_id.clone(),
            })
        })?;
        let mut destination = Destination::builder().to_addresses(to);
        if let Some(manager) = &alert.manager_email {
            destination = destination.cc_addresses(manager);
        }
        let message = Self::message(alert).map_err(permanent)?;
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(destination.build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(err) => {
                let transient = is_transient(&err);
                let error = Box::new(SesEmailError::Send {
                    from: self.from.clone(),
                    event_id: alert.event_id.clone(),
                    message: DisplayErrorContext(&err).to_string(),
                }) as BoxError;
                Err(if transient {
                    NotifyError::Transient(error)
                } else {
                    NotifyError::Permanent(error)
                })
            }
        }
    }
}

/// Throttling, 5xx and failures to get an answer may pass later; other refusals will not.
fn is_transient(err: &SdkError<SendEmailError, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            status == 429 || status >= 500
        }
        SdkError::ConstructionFailure(_) => false,
        _ => true,
    }
}
