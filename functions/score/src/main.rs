//! `score`: the score queue's accepted events applied to their leads, scored with the latest
//! published version (`LEADFLOW_PUBLISHED_PARAMETER`) or the config's rules; partial batch
//! failures reported. Everything is built once, at init.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use leadflow_aws::handlers::init::Init;
use leadflow_aws::handlers::score::handle_score;

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
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let now = chrono::Utc::now();
        let outcome = handle_score(
            store,
            publisher,
            config,
            scoring.scorer(),
            &event.payload,
            now,
        )
        .await;
        Ok::<SqsBatchResponse, Error>(outcome.response())
    }))
    .await
}
