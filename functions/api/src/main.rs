//! `api`: API Gateway sends every `/v1` route but intake here: leads, reps, dispositions,
//! metrics. The same router as `leadflow serve`; the config's reps are seeded once at init.

use std::sync::Arc;

use leadflow_api::{router, AppState, ConfigHandle, SystemClock};
use leadflow_aws::dynamo::DynamoStore;
use leadflow_aws::handlers::init::{require_api_keys, seed_reps, Init};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let init = Init::from_env().await?;
    require_api_keys(&init.config)?;
    let store = DynamoStore::new(init.dynamodb(), init.table.clone(), init.score_queue()?);
    seed_reps(&store, &init.config).await?;
    let state = AppState::new(ConfigHandle::new(init.config), store, Arc::new(SystemClock));
    lambda_http::run(router(state)).await
}
