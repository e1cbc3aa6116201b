//! `/` (the overview) and `/overview.csv?table=...` (each of its tables): the figures of
//! `leadflow_api::metrics::overview`, the code behind `GET /v1/metrics`, for the URL's filters.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use leadflow::domain::Rep;
use leadflow::metrics::overview::{Overview, OverviewTable};
use leadflow_api::ApiStore;
use maud::Markup;

use crate::error::PageError;
use crate::layout::{self, Nav};
use crate::leads::param;
use crate::overview_filters::Filters;
use crate::overview_view;
use crate::{Dashboard, VersionLog};

async fn load<S: ApiStore, V>(
    dashboard: &Dashboard<S, V>,
    params: &HashMap<String, String>,
) -> Result<(Overview, Filters, Vec<Rep>), PageError> {
    let store = &dashboard.api.store;
    let now = dashboard.api.now();
    let reps = store.reps().await?;
    let filters = Filters::parse(params, &reps, now)?;
    let config = dashboard.api.config.current();
    let overview = leadflow_api::metrics::overview(store, &config, &filters.query(), now).await?;
    Ok((overview, filters, reps.into_iter().map(|r| r.rep).collect()))
}

pub async fn show<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Markup, PageError> {
    let (overview, filters, reps) = load(&dashboard, &params).await?;
    Ok(layout::page(
        "Overview",
        Some(Nav::Overview),
        overview_view::render(&overview, &filters, &reps),
    ))
}

pub async fn csv<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let table: OverviewTable = param(&params, "table")
        .ok_or_else(|| PageError::bad_filter("table", "name the table to download"))?
        .parse()
        .map_err(|m: String| PageError::bad_filter("table", m))?;
    let (overview, filters, _) = load(&dashboard, &params).await?;
    let file = format!(
        "leadflow-{}-{}-{}.csv",
        table.as_str(),
        filters.from,
        filters.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        overview.csv(table),
    )
        .into_response())
}
