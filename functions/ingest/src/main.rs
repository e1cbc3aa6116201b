//! `ingest`: API Gateway sends `POST /v1/events` and `POST /v1/batch` here. The same router as
//! `leadflow serve` (and the `api` function); accepted events go onto the score queue.

use std::sync::Arc;

use leadflow_api::{router, AppState, ConfigHandle, SystemClock};
use leadflow_aws::handlers::init::{require_api_keys, Init};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let init = Init::from_env().await?;
    require_api_keys(&init.config)?;
    let store = init.store()?;
    let state = AppState::new(ConfigHandle::new(init.config), store, Arc::new(SystemClock));
    lambda_http::run(router(state)).await
}
