//! Email alerts over SMTP (local runs; in AWS the email adapter is SES). Reply codes decide
//! whether to retry: 4xx and lost connections are transient, 5xx permanent.

mod message;
mod server;

use std::time::Duration;

use leadflow::config::AlertsConfig;
use leadflow::ports::{Alert, Notifier, NotifyError};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::retry::{with_retries, AttemptFailure, RetryPolicy};

pub use message::{alert_email, text as alert_email_text, AlertEmailError};
pub use server::{SmtpSecurity, SmtpServer, SmtpUrlError};

/// How long one SMTP command may wait for its reply (connecting included).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the email notifier could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EmailConfigError {
    #[error(transparent)]
    SmtpUrl(#[from] SmtpUrlError),
    #[error("alerts.email_from is needed to send email alerts (alerts.smtp_url is set)")]
    MissingFrom,
    #[error("alerts.email_from {value:?} is not an email address")]
    BadFrom {
        value: String,
        #[source]
        source: lettre::address::AddressError,
    },
    #[error("alerts.smtp_url: TLS cannot be set up for host {host}")]
    Tls {
        host: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// Why one SMTP delivery failed.
#[derive(Debug, thiserror::Error)]
#[error("SMTP server {server}: {source}")]
pub struct SmtpSendError {
    /// `host:port`
    pub server: String,
    #[source]
    pub source: lettre::transport::smtp::Error,
}

/// Sends alerts as plain-text email through one SMTP server, retrying 4xx replies and
/// connection failures.
#[derive(Clone)]
pub struct SmtpEmail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
    from: Mailbox,
    retry: RetryPolicy,
}

impl std::fmt::Debug for SmtpEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEmail")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .field("retry", &self.retry)
            .finish()
    }
}

impl SmtpEmail {
    /// A notifier for `smtp_url` (see [`SmtpServer`] for the forms) sending from `email_from`
    /// (`alerts@acme.io` or `Leadflow <alerts@acme.io>`).
    pub fn new(
        smtp_url: &str,
        email_from: &str,
        retry: RetryPolicy,
    ) -> Result<Self, EmailConfigError> {
        let server = SmtpServer::parse(smtp_url)?;
        let from = email_from
            .trim()
            .parse()
            .map_err(|source| EmailConfigError::BadFrom {
                value: email_from.to_string(),
                source,
            })?;
        Self::with_server(&server, from, retry)
    }

    /// A notifier for an already parsed server.
    pub fn with_server(
        server: &SmtpServer,
        from: Mailbox,
        retry: RetryPolicy,
    ) -> Result<Self, EmailConfigError> {
        let tls_parameters = || {
            TlsParameters::new(server.host.clone()).map_err(|source| EmailConfigError::Tls {
                host: server.host.clone(),
                source,
            })
        };
        let tls = match server.security {
            SmtpSecurity::Plain => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.as_str())
                .port(server.port)
                .tls(tls)
                .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, password)) = &server.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpEmail {
            transport: builder.build(),
            server: server.address(),
            from,
            retry,
        })
    }

    /// The notifier `[alerts]` asks for: `None` when `smtp_url` is unset; `email_from` is then
    /// required.
    pub fn from_alerts(
        alerts: &AlertsConfig,
        retry: RetryPolicy,
    ) -> Result<Option<Self>, EmailConfigError> {
        let Some(smtp_url) = alerts.smtp_url.as_deref() else {
            return Ok(None);
        };
        let from = alerts
            .email_from
            .as_deref()
            .ok_or(EmailConfigError::MissingFrom)?;
        Self::new(smtp_url, from, retry).map(Some)
    }

    /// `host:port` of the server, safe to show.
    pub fn server(&self) -> &str {
        &self.server
    }

    async fn send_once(&self, email: &Message) -> Result<(), AttemptFailure> {
        match self.transport.send(email.clone()).await {
            Ok(_) => Ok(()),
            Err(source) => {
                let permanent = is_permanent(&source);
                let error = SmtpSendError {
                    server: self.server.clone(),
                    source,
                };
                Err(if permanent {
                    AttemptFailure::permanent(error)
                } else {
                    AttemptFailure::transient(error)
                })
            }
        }
    }
}

/// 5xx replies, client-side refusals (e.g. STARTTLS required but not offered) and TLS failures
/// (certificates) repeat on every attempt; 4xx replies, timeouts, network and connection
/// errors may not.
fn is_permanent(error: &lettre::transport::smtp::Error) -> bool {
    error.is_permanent() || error.is_client() || error.is_tls()
}

impl Notifier for SmtpEmail {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        let email = alert_email(alert, &self.from).map_err(|e| NotifyError::Permanent(e.into()))?;
        with_retries(&self.retry, || self.send_once(&email)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_alerts_needs_email_from_once_smtp_is_on() {
        let mut alerts = AlertsConfig::default();
        assert!(SmtpEmail::from_alerts(&alerts, RetryPolicy::default())
            .unwrap()
            .is_none());
        alerts.smtp_url = Some("smtp://127.0.0.1:2525".into());
        let err = SmtpEmail::from_alerts(&alerts, RetryPolicy::default()).unwrap_err();
        assert!(matches!(err, EmailConfigError::MissingFrom), "{err}");
        alerts.email_from = Some("leadflow@example.com".into());
        let email = SmtpEmail::from_alerts(&alerts, RetryPolicy::default())
            .unwrap()
            .unwrap();
        assert_eq!(email.server(), "127.0.0.1:2525");
    }

    #[test]
    fn a_bad_from_address_names_the_key() {
        let err = SmtpEmail::new("smtp://127.0.0.1:2525", "leadflow", RetryPolicy::default())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "alerts.email_from \"leadflow\" is not an email address"
        );
    }

    #[test]
    fn tls_forms_build() {
        for url in [
            "smtps://mail.example.com",
            "smtp://mail.example.com?tls=starttls",
        ] {
            let email = SmtpEmail::new(url, "a@example.com", RetryPolicy::default()).unwrap();
            assert!(email.server().starts_with("mail.example.com:"));
        }
    }
}
