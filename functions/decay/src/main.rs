//! `decay`: run by EventBridge Scheduler (input `{"job": "decay", "limit": N}`): leads whose
//! decaying score crossed a bound re-tiered, idle owned ones recycled (scored with the
//! published version, as `score` does), then the outbox relayed.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use leadflow_aws::handlers::init::Init;
use leadflow_aws::handlers::schedule::{handle_decay, DecayRun, ScheduledRun};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let mut init = Init::from_env().await?;
    let scoring = init.scoring().await?;
    let store = init.store()?;
    let publisher = init.publisher()?;
    let config = init.config;
    // The handler borrows what init built; the runtime runs one event at a time.
    let (store, publisher, config, scoring) = (&store, &publisher, &config, &scoring);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let run = ScheduledRun::parse(&event.payload, "decay")?;
            let now = chrono::Utc::now();
            let report =
                handle_decay(store, publisher, config, scoring.scorer(), &run, now).await?;
            tracing::info!(?report, "decay done");
            Ok::<DecayRun, Error>(report)
        },
    ))
    .await
}
