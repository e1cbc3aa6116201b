//! `route`: the `LeadQualified` envelopes on the route queue, each lead given an owner;
//! partial batch failures reported.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use leadflow_aws::handlers::init::Init;
use leadflow_aws::handlers::route::handle_route;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let init = Init::from_env().await?;
    let store = init.store()?;
    let publisher = init.publisher()?;
    let config = init.config;
    // The handler borrows what init built; the runtime runs one event at a time.
    let (store, publisher, config) = (&store, &publisher, &config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let now = chrono::Utc::now();
        let outcome = handle_route(store, publisher, config, &event.payload, now).await;
        Ok::<SqsBatchResponse, Error>(outcome.response())
    }))
    .await
}
