//! leadflow's dashboard: the pages a sales leader opens (overview, leads, a lead's "why",
//! rules), server-rendered with maud beside the API, on the same axum router, behind a signed
//! session cookie. No script, stylesheet or font is fetched from anywhere: the stylesheet is
//! embedded and the charts are inline SVG drawn in Rust.

pub mod backtest;
pub mod error;
pub mod layout;
mod lead_page;
mod leads;
pub mod model;
mod overview;
pub mod overview_filters;
pub mod overview_view;
mod rules;
pub mod same_origin;
pub mod session;
mod signin;
pub mod svg;
pub mod versions;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use leadflow_api::{ApiStore, AppState};

pub use error::PageError;
pub use versions::{MemoryVersions, PublishedVersion, VersionLog};

/// What the pages read: the API's state (config, store, clock) and the published versions.
pub struct Dashboard<S, V> {
    pub api: AppState<S>,
    pub versions: V,
}

impl<S: Clone, V: Clone> Clone for Dashboard<S, V> {
    fn clone(&self) -> Self {
        Dashboard {
            api: self.api.clone(),
            versions: self.versions.clone(),
        }
    }
}

/// The API and the pages on one router: what `leadflow serve` and the `api` Lambda serve.
pub fn app<S: ApiStore, V: VersionLog>(state: AppState<S>, versions: V) -> Router {
    leadflow_api::router(state.clone()).merge(pages(state, versions))
}

/// The pages alone, under `/`: sign-in and sign-out open (to same-origin forms), everything
/// else behind a session.
pub fn pages<S: ApiStore, V: VersionLog>(state: AppState<S>, versions: V) -> Router {
    let dashboard = Dashboard {
        api: state,
        versions,
    };
    let guarded = Router::new()
        .route("/", get(overview::show::<S, V>))
        .route("/overview.csv", get(overview::csv::<S, V>))
        .route("/leads", get(leads::list::<S, V>))
        .route("/leads/{lead_id}", get(lead_page::show::<S, V>))
        .route("/rules", get(rules::show::<S, V>))
        .route_layer(middleware::from_fn_with_state(
            dashboard.clone(),
            require_session::<S, V>,
        ));
    // Signing in or out from another site's page is refused (login CSRF).
    let sign_in_out = Router::new()
        .route(
            "/signin",
            get(signin::form::<S, V>).post(signin::submit::<S, V>),
        )
        .route("/signout", axum::routing::post(signin::sign_out))
        .route_layer(middleware::from_fn(same_origin::refuse_cross_site));
    Router::new()
        .merge(sign_in_out)
        .merge(guarded)
        .with_state(dashboard)
}

/// Without a live session, every page sends the browser to the sign-in form. Pages are never
/// cached: they show one reader's data.
async fn require_session<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    request: Request,
    next: Next,
) -> Response {
    if !signin::has_session(&dashboard, request.headers()) {
        return Redirect::to("/signin").into_response();
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
