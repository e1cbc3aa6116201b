//! `sla-check`: run by EventBridge Scheduler (input `{"job": "sla-check", "limit": N}`): the
//! SLA clocks due, the fallback leads due for another routing try, then the outbox relayed.
//! A failed run returns an error, so the Scheduler's retry policy and DLQ take over.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use leadflow_aws::handlers::init::Init;
use leadflow_aws::handlers::schedule::{handle_sla_check, ScheduledRun, SlaRun};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let init = Init::from_env().await?;
    let store = init.store()?;
    let publisher = init.publisher()?;
    let config = init.config;
    // The handler borrows what init built; the runtime runs one event at a time.
    let (store, publisher, config) = (&store, &publisher, &config);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let run = ScheduledRun::parse(&event.payload, "sla-check")?;
            let now = chrono::Utc::now();
            let report = handle_sla_check(store, publisher, config, &run, now).await?;
            tracing::info!(?report, "SLA check done");
            Ok::<SlaRun, Error>(report)
        },
    ))
    .await
}
