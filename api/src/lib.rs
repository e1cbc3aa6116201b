//! leadflow's HTTP API (`spec/http-api.md`) as one axum router, generic over the store ports.
//! It does not know how it is served: `leadflow serve` runs it on a TCP listener, the `api` and
//! `ingest` Lambda functions through `lambda_http`.

pub mod auth;
pub mod body;
pub mod error;
pub mod events;
mod handlers;
pub mod limits;
mod memory_scan;
pub mod metrics;
pub mod segment;
pub mod state;
pub mod views;
mod wake;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub use auth::sign;
pub use error::{ApiError, Detail, ErrorCode};
pub use state::{ApiStore, AppState, Clock, ConfigHandle, LeadScan, SystemClock};

/// The whole API: `/healthz` and every `/v1/*` route, with their authentication.
pub fn router<S: ApiStore>(state: AppState<S>) -> Router {
    let bearer = Router::new()
        .route("/v1/events", post(handlers::post_events::<S>))
        .route("/v1/leads", get(handlers::list_leads::<S>))
        .route("/v1/leads/{lead_id}", get(handlers::get_lead::<S>))
        .route(
            "/v1/leads/{lead_id}/dispositions",
            post(handlers::post_disposition::<S>),
        )
        .route("/v1/reps", get(handlers::list_reps::<S>))
        .route(
            "/v1/reps/{rep_id}",
            get(handlers::get_rep::<S>).put(handlers::put_rep::<S>),
        )
        .route("/v1/metrics", get(handlers::get_metrics::<S>))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_key::<S, false>,
        ));
    let batch = Router::new()
        .route("/v1/batch", post(handlers::post_batch::<S>))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_key::<S, true>,
        ));
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .merge(bearer)
        .merge(batch)
        .fallback(handlers::not_found)
        .with_state(state)
}

/// 401 unless the request carries one of `[auth].api_keys` (and, with `BASIC`, also as HTTP
/// Basic user name).
async fn require_key<S: ApiStore, const BASIC: bool>(
    State(state): State<AppState<S>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let scheme = if BASIC {
        auth::Scheme::BearerOrBasic
    } else {
        auth::Scheme::Bearer
    };
    auth::authorize(header, &state.config.current().auth.api_keys, scheme)?;
    Ok(next.run(request).await)
}
