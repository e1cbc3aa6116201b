//! The route handlers: parse, call the use case, map the result to the contract.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::TimeDelta;
use leadflow::config::validate_rep;
use leadflow::domain::{Rep, Status, Tier};
use leadflow::lifecycle::disposition::{Disposition, ErrorKind};
use leadflow::ports::{LeadQuery, StoreError};
use leadflow::usecases::ingest::{ingest, InboundEvent, IngestReport};
use leadflow::usecases::{disposition::record_disposition, UseCaseError};
use serde_json::{json, Value};

use crate::auth::verify_signature;
use crate::body::{parse_json, read_body};
use crate::error::{ApiError, Detail, ErrorCode};
use crate::state::{ApiStore, AppState};
use crate::{events, segment, views};

pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 500;
/// The metrics window when `since` is not given: the last 30 days.
pub const DEFAULT_METRICS_DAYS: i64 = 30;

pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

pub async fn post_events<S: ApiStore>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let raw = read_body(&headers, body).await?;
    let config = state.config.current();
    let now = state.now();
    if let Some(secret) = config
        .auth
        .signing_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        let header = headers
            .get("leadflow-signature")
            .and_then(|v| v.to_str().ok());
        verify_signature(header, secret, &[&raw.wire, &raw.decoded], now)?;
    }
    let value = parse_json(&raw)?;
    let events = events::validate_request(&value, &config, now)?;
    let report = ingest_unique(&state, events).await?;
    let leads: Vec<Value> = report
        .leads
        .iter()
        .map(|(event_id, lead_id)| json!({"event_id": event_id, "lead_id": lead_id}))
        .collect();
    let body =
        json!({"accepted": report.accepted, "duplicates": report.duplicates, "leads": leads});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub async fn post_batch<S: ApiStore>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let raw = read_body(&headers, body).await?;
    let value = parse_json(&raw)?;
    let config = state.config.current();
    let events = segment::map_batch(&value, &config, state.now())?;
    if !events.is_empty() {
        ingest_unique(&state, events).await?;
    }
    Ok(Json(json!({"success": true})))
}

/// Ingest, with an id repeated inside the request counted as a duplicate of its first
/// occurrence (whatever the store does with ids it is given twice at once).
async fn ingest_unique<S: ApiStore>(
    state: &AppState<S>,
    events: Vec<InboundEvent>,
) -> Result<IngestReport, ApiError> {
    let order: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<InboundEvent> = events
        .into_iter()
        .filter(|e| seen.insert(e.id.clone()))
        .collect();
    let repeats = order.len() - unique.len();
    let report = ingest(&state.store, unique, state.now())
        .await
        .map_err(|e| use_case_error(e, None))?;
    let lead_of: HashMap<&str, &str> = report
        .leads
        .iter()
        .map(|(e, l)| (e.as_str(), l.as_str()))
        .collect();
    let leads = order
        .iter()
        .filter_map(|id| {
            lead_of
                .get(id.as_str())
                .map(|l| (id.clone(), l.to_string()))
        })
        .collect();
    Ok(IngestReport {
        accepted: report.accepted,
        duplicates: report.duplicates + repeats,
        leads,
    })
}

pub async fn get_lead<S: ApiStore>(
    State(state): State<AppState<S>>,
    Path(lead_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let lead = state
        .store
        .lead(&lead_id)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(|| ApiError::not_found(format!("lead {lead_id} not found")))?;
    let history = state
        .store
        .history(&lead_id)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(views::lead(&lead, &history)))
}

pub async fn list_leads<S: ApiStore>(
    State(state): State<AppState<S>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let query = lead_query(&params)?;
    let page = state.store.list_leads(&query).await.map_err(|e| match e {
        StoreError::InvalidCursor(_) => ApiError::invalid_field(
            "cursor",
            "is not a cursor this server issued; use the `next_cursor` of the previous page",
        ),
        other => ApiError::internal(&other),
    })?;
    let leads: Vec<Value> = page.leads.iter().map(views::lead_summary).collect();
    Ok(Json(
        json!({"leads": leads, "next_cursor": page.next_cursor}),
    ))
}

/// The filters of `GET /v1/leads`; every bad one is named.
pub fn lead_query(params: &HashMap<String, String>) -> Result<LeadQuery, ApiError> {
    let mut details = Vec::new();
    let present = |k: &str| params.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let status = present("status").and_then(|s| {
        s.parse::<Status>()
            .map_err(|m| details.push(Detail::field("status", m)))
            .ok()
    });
    let tier = present("tier").and_then(|s| {
        s.parse::<Tier>()
            .map_err(|m| details.push(Detail::field("tier", m)))
            .ok()
    });
    let limit = match present("limit") {
        None => DEFAULT_PAGE,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                details.push(Detail::field(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE}"),
                ));
                DEFAULT_PAGE
            }
        },
    };
    if !details.is_empty() {
        let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
        return Err(ApiError::invalid(
            format!("invalid filter: {}", fields.join(", ")),
            details,
        ));
    }
    Ok(LeadQuery {
        status,
        tier,
        owner: present("owner").map(str::to_string),
        limit,
        cursor: present("cursor").map(str::to_string),
    })
}

pub async fn post_disposition<S: ApiStore>(
    State(state): State<AppState<S>>,
    Path(lead_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let raw = read_body(&headers, body).await?;
    let value = parse_json(&raw)?;
    let disposition: Disposition = from_json(value)?;
    let config = state.config.current();
    let lead = record_disposition(&state.store, &lead_id, &disposition, &config, state.now())
        .await
        .map_err(|e| use_case_error(e, Some(&lead_id)))?;
    if let Some(team) = crate::wake::team_freed_by(&state, &lead).await {
        crate::wake::wake_team(&state, &team).await;
    }
    let history = state
        .store
        .history(&lead_id)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(views::lead(&lead, &history)))
}

pub async fn put_rep<S: ApiStore>(
    State(state): State<AppState<S>>,
    Path(rep_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let raw = read_body(&headers, body).await?;
    let mut value = parse_json(&raw)?;
    let Some(obj) = value.as_object_mut() else {
        return Err(ApiError::invalid_field("body", "must be a JSON object"));
    };
    let missing: Vec<Detail> = ["name", "email", "team"]
        .into_iter()
        .filter(|k| obj.get(*k).is_none_or(Value::is_null))
        .map(|k| Detail::field(k, "is required"))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::invalid(
            "a rep needs a name, an email and a team",
            missing,
        ));
    }
    match obj.get("id") {
        Some(Value::String(id)) if *id != rep_id => {
            return Err(ApiError::invalid_field(
                "id",
                format!("{id:?} differs from the rep id in the path ({rep_id:?})"),
            ))
        }
        _ => {}
    }
    obj.insert("id".into(), json!(rep_id));
    let rep: Rep = from_json(value)?;
    if let Err(errors) = validate_rep(&rep) {
        let details: Vec<Detail> = errors
            .iter()
            .map(|e| Detail::field(e.path.clone(), e.message.clone()))
            .collect();
        return Err(ApiError::invalid("the rep is invalid", details));
    }
    let team = rep.team.clone();
    state
        .store
        .put_rep(rep)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    crate::wake::wake_team(&state, &team).await;
    rep_view(&state, &rep_id).await
}

pub async fn get_rep<S: ApiStore>(
    State(state): State<AppState<S>>,
    Path(rep_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    rep_view(&state, &rep_id).await
}

async fn rep_view<S: ApiStore>(state: &AppState<S>, rep_id: &str) -> Result<Json<Value>, ApiError> {
    let reps = state
        .store
        .reps()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    reps.iter()
        .find(|r| r.rep.id == rep_id)
        .map(|r| Json(views::rep(r)))
        .ok_or_else(|| ApiError::not_found(format!("rep {rep_id} not found")))
}

pub async fn list_reps<S: ApiStore>(
    State(state): State<AppState<S>>,
) -> Result<Json<Value>, ApiError> {
    let reps = state
        .store
        .reps()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let reps: Vec<Value> = reps.iter().map(views::rep).collect();
    Ok(Json(json!({"reps": reps})))
}

pub async fn get_metrics<S: ApiStore>(
    State(state): State<AppState<S>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    let time = |key: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
        match params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => crate::limits::time(v)
                .map(Some)
                .map_err(|m| ApiError::invalid_field(key, m)),
        }
    };
    let until = time("until")?.unwrap_or(now);
    let since = time("since")?.unwrap_or(until - TimeDelta::days(DEFAULT_METRICS_DAYS));
    if since >= until {
        return Err(ApiError::invalid_field("since", "must be before `until`"));
    }
    let metrics = crate::metrics::collect(&state.store, since, until)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(
        serde_json::to_value(metrics).expect("metrics serialise"),
    ))
}

/// Deserialize a body, naming the field serde complains about.
fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        // Missing and unknown fields are reported at the parent; the name is in the message.
        let field = if path == "." || path.is_empty() {
            message.split('`').nth(1).unwrap_or("body").to_string()
        } else {
            path
        };
        ApiError::invalid(
            format!("`{field}`: {message}"),
            vec![Detail::field(field, message)],
        )
    })
}

/// A use case's failure as an answer.
fn use_case_error(e: UseCaseError, lead_id: Option<&str>) -> ApiError {
    match e {
        UseCaseError::LeadNotFound(id) => ApiError::not_found(format!("lead {id} not found")),
        UseCaseError::Disposition(d) => {
            let code = match d.kind() {
                ErrorKind::Invalid => ErrorCode::InvalidRequest,
                ErrorKind::Conflict => ErrorCode::Conflict,
            };
            ApiError {
                code,
                message: d.to_string(),
                details: vec![Detail::field(d.field(), d.to_string())],
            }
        }
        UseCaseError::TooManyConflicts(id) => ApiError::new(
            ErrorCode::Conflict,
            format!(
                "lead {} is changing too often to record this now; retry",
                lead_id.unwrap_or(&id)
            ),
        ),
        other => ApiError::internal(&other),
    }
}
