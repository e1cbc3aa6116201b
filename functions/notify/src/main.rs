//! `notify`: alerts for the events on the notify queue, on the channels `[alerts]` turns on —
//! Slack (webhook URL from the secrets) and email through SES; partial batch failures reported.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use leadflow::ports::{Alert, Notifier, NotifyError};
use leadflow_aws::handlers::init::Init;
use leadflow_aws::handlers::notify::{handle_notify, Channel};
use leadflow_aws::ses::SesEmail;
use leadflow_notify::{RetryPolicy, SlackWebhook};

/// The alert channels of a deployment.
enum AlertChannel {
    Slack(SlackWebhook),
    Email(SesEmail),
}

impl Notifier for AlertChannel {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        match self {
            AlertChannel::Slack(s) => s.send(alert).await,
            AlertChannel::Email(e) => e.send(alert).await,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let init = Init::from_env().await?;
    let mut channels = Vec::new();
    if let Some(slack) = SlackWebhook::from_alerts(&init.config.alerts, RetryPolicy::default())? {
        channels.push(Channel {
            name: "slack",
            notifier: AlertChannel::Slack(slack),
        });
    }
    if let Some(email) = SesEmail::from_alerts(init.sesv2(), &init.config.alerts) {
        channels.push(Channel {
            name: "email",
            notifier: AlertChannel::Email(email),
        });
    }
    let names: Vec<&str> = channels.iter().map(|c| c.name).collect();
    tracing::info!(channels = ?names, "alert channels");
    let store = init.store()?;
    let publisher = init.publisher()?;
    let config = init.config;
    // The handler borrows what init built; the runtime runs one event at a time.
    let (store, publisher, config, channels) = (&store, &publisher, &config, &channels);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let outcome = handle_notify(store, channels, publisher, config, &event.payload).await;
        Ok::<SqsBatchResponse, Error>(outcome.response())
    }))
    .await
}
