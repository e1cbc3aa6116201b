//! Slack alerts through an incoming webhook. The webhook URL is a secret: it is never shown in
//! errors or `Debug` output, only its host is.

mod message;

use std::time::Duration;

use leadflow::config::AlertsConfig;
use leadflow::ports::{Alert, Notifier, NotifyError};
use reqwest::header::RETRY_AFTER;
use reqwest::{Client, StatusCode, Url};

use crate::retry::{with_retries, AttemptFailure, RetryPolicy};

pub use message::{escape as escape_mrkdwn, payload};

/// How long one POST may take, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of an error answer's body is kept in the error.
const BODY_EXCERPT_CHARS: usize = 200;

/// Why a Slack webhook could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SlackConfigError {
    /// The URL parser's message never repeats the URL.
    #[error("alerts.slack_webhook_url is not a valid URL: {0}")]
    InvalidUrl(#[source] url::ParseError),
    #[error("alerts.slack_webhook_url must be an https:// (or http://) URL, not {scheme}://")]
    UnsupportedScheme { scheme: String },
    #[error("alerts.slack_webhook_url has no host")]
    NoHost,
    #[error("could not build the HTTP client for Slack")]
    Client(#[source] reqwest::Error),
}

/// Why one POST to the webhook failed.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("Slack webhook at {host} answered {status}: {body}")]
    Status {
        host: String,
        status: u16,
        /// The start of the answer (Slack names the problem, e.g. `invalid_payload`).
        body: String,
    },
    /// Network failure or timeout; the source carries no URL.
    #[error("Slack webhook at {host} could not be reached")]
    Request {
        host: String,
        #[source]
        source: reqwest::Error,
    },
}

/// Posts alerts to one Slack incoming webhook, retrying network errors, 5xx and 429.
#[derive(Clone)]
pub struct SlackWebhook {
    url: Url,
    host: String,
    client: Client,
    retry: RetryPolicy,
}

impl std::fmt::Debug for SlackWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackWebhook")
            .field("host", &self.host)
            .field("url", &"<redacted>")
            .field("retry", &self.retry)
            .finish()
    }
}

impl SlackWebhook {
    /// A notifier for the webhook at `url`, with its own client (rustls, `REQUEST_TIMEOUT`,
    /// no redirects).
    pub fn new(url: &str, retry: RetryPolicy) -> Result<Self, SlackConfigError> {
        let client = Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SlackConfigError::Client)?;
        Self::with_client(url, client, retry)
    }

    /// A notifier for the webhook at `url` that uses `client` (its timeouts apply).
    pub fn with_client(
        url: &str,
        client: Client,
        retry: RetryPolicy,
    ) -> Result<Self, SlackConfigError> {
        let url = Url::parse(url).map_err(SlackConfigError::InvalidUrl)?;
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(SlackConfigError::UnsupportedScheme {
                scheme: url.scheme().to_string(),
            });
        }
        let host = url.host_str().ok_or(SlackConfigError::NoHost)?.to_string();
        Ok(SlackWebhook {
            url,
            host,
            client,
            retry,
        })
    }

    /// The notifier `[alerts]` asks for: `None` when `slack_webhook_url` is unset.
    pub fn from_alerts(
        alerts: &AlertsConfig,
        retry: RetryPolicy,
    ) -> Result<Option<Self>, SlackConfigError> {
        alerts
            .slack_webhook_url
            .as_deref()
            .map(|url| Self::new(url, retry))
            .transpose()
    }

    /// The webhook's host, safe to show.
    pub fn host(&self) -> &str {
        &self.host
    }

    async fn post_once(&self, body: &serde_json::Value) -> Result<(), AttemptFailure> {
        let response = self
            .client
            .post(self.url.clone())
            .json(body)
            .send()
            .await
            .map_err(|e| AttemptFailure::transient(self.request_error(e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = retry_after(response.headers());
        let error = SlackError::Status {
            host: self.host.clone(),
            status: status.as_u16(),
            body: excerpt(&response.text().await.unwrap_or_default()),
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err(AttemptFailure::Transient {
                error: error.into(),
                retry_after,
            })
        } else {
            Err(AttemptFailure::permanent(error))
        }
    }

    fn request_error(&self, error: reqwest::Error) -> SlackError {
        SlackError::Request {
            host: self.host.clone(),
            source: error.without_url(),
        }
    }
}

impl Notifier for SlackWebhook {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        let body = payload(alert);
        with_retries(&self.retry, || self.post_once(&body)).await
    }
}

/// `Retry-After` in seconds (what Slack sends); an HTTP date or junk is ignored, and the
/// ordinary backoff applies.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= BODY_EXCERPT_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_urls_without_repeating_them() {
        let err = SlackWebhook::new("not a url/T000/SECRET", RetryPolicy::default()).unwrap_err();
        assert!(matches!(err, SlackConfigError::InvalidUrl(_)));
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let err = SlackWebhook::new("ftp://hooks.example/T000/SECRET", RetryPolicy::default())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "alerts.slack_webhook_url must be an https:// (or http://) URL, not ftp://"
        );
    }

    #[test]
    fn debug_output_hides_the_url() {
        let hook = SlackWebhook::new(
            "https://hooks.slack.com/services/T000/B000/SECRET",
            RetryPolicy::default(),
        )
        .unwrap();
        let shown = format!("{hook:?}");
        assert!(shown.contains("hooks.slack.com"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn from_alerts_is_off_without_a_url() {
        let mut alerts = AlertsConfig::default();
        assert!(SlackWebhook::from_alerts(&alerts, RetryPolicy::default())
            .unwrap()
            .is_none());
        alerts.slack_webhook_url = Some("https://hooks.slack.com/services/x".into());
        let hook = SlackWebhook::from_alerts(&alerts, RetryPolicy::default())
            .unwrap()
            .unwrap();
        assert_eq!(hook.host(), "hooks.slack.com");
    }

    #[test]
    fn reads_retry_after_in_seconds_only() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
