//! `api`: API Gateway sends every route but intake here: leads, reps, dispositions, metrics
//! and the dashboard pages. The same router as `leadflow serve`; the config's reps are seeded
//! once at init, and the published scoring version (if any) is read once for the rules page.

use std::sync::Arc;

use leadflow_api::{AppState, ConfigHandle, SystemClock};
use leadflow_aws::handlers::init::{require_api_keys, seed_reps, Init};
use leadflow_aws::published::{load_published, PUBLISHED_PARAMETER_ENV};
use leadflow_dashboard::{MemoryVersions, PublishedVersion};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let init = Init::from_env().await?;
    require_api_keys(&init.config)?;
    let store = init.store()?;
    seed_reps(&store, &init.config).await?;

    // The parameter holds the version in force (not the history): the rules page shows it.
    let versions = MemoryVersions::new();
    if let Ok(name) = std::env::var(PUBLISHED_PARAMETER_ENV) {
        let ssm = aws_sdk_ssm::Client::new(&init.sdk);
        if let Some(published) = load_published(&ssm, &name).await? {
            versions.publish(PublishedVersion {
                seq: 0,
                kind: if published.model_json.is_some() {
                    "rules+model".into()
                } else {
                    "rules".into()
                },
                version: published.version,
                published_at: published.published_at,
                published_by: published.published_by,
                note: published.note,
                summary: published.summary,
                model_json: published.model_json,
                model_weight: published.model_weight,
                backtest_json: published.backtest_json,
            });
        }
    }

    let state = AppState::new(ConfigHandle::new(init.config), store, Arc::new(SystemClock));
    lambda_http::run(leadflow_dashboard::app(state, versions)).await
}
