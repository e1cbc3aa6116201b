//! What a page answers when it cannot show what was asked: a bad filter is the reader's to fix
//! (400, naming the filter), an unknown lead a 404, a store failure a 500 (details logged, not
//! shown).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::layout;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("filter `{filter}`: {message}")]
    BadFilter { filter: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("the store failed: {0}")]
    Store(#[from] leadflow::ports::StoreError),
}

impl PageError {
    pub fn bad_filter(filter: &str, message: impl Into<String>) -> Self {
        PageError::BadFilter {
            filter: filter.to_string(),
            message: message.into(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            PageError::BadFilter { .. } => (StatusCode::BAD_REQUEST, "Invalid filter"),
            PageError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            PageError::Store(e) => {
                tracing::error!(error = %e, "dashboard page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something failed")
            }
        };
        let message = match &self {
            PageError::Store(_) => "The store could not be read; the server log says why.".into(),
            other => other.to_string(),
        };
        let body = layout::page(
            title,
            None,
            html! {
                h1 { (title) }
                p.error role="alert" { (message) }
                p { a href="/" { "Back to the overview" } }
            },
        );
        (status, body).into_response()
    }
}
