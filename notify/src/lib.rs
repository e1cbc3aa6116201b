//! Alert adapters for leadflow's `Notifier` port: Slack incoming webhooks and SMTP email.
//!
//! Each adapter delivers one alert per `send`, retrying what may pass on a second try (network
//! errors, HTTP 5xx/429, SMTP 4xx) with exponential backoff and jitter, and giving up at once on
//! what cannot (HTTP 4xx, SMTP 5xx). The runtime calls `usecases::notify::deliver` once per
//! channel, which keeps each event to one alert per channel.

pub mod email;
mod retry;
pub mod slack;

pub use email::{EmailConfigError, SmtpEmail};
pub use retry::RetryPolicy;
pub use slack::{SlackConfigError, SlackWebhook};
