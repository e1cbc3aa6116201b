//! Sign-in with an API key of `[auth].api_keys` (a form POST: the key never rides in a URL,
//! and nothing here logs it), and sign-out.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leadflow_api::ApiStore;
use maud::{html, Markup};
use serde::Deserialize;

use crate::layout;
use crate::session::{self, SessionKeys};
use crate::{Dashboard, VersionLog};

#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    key: String,
}

/// Whether the request carries a live session cookie.
pub fn has_session<S: ApiStore, V>(dashboard: &Dashboard<S, V>, headers: &HeaderMap) -> bool {
    let config = dashboard.api.config.current();
    let keys = SessionKeys::new(&config.auth.api_keys);
    let now = dashboard.api.now();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(session::cookie_value)
        .any(|value| keys.verify(value, now).is_ok())
}

/// Behind HTTPS termination (API Gateway, a proxy) the cookie is marked `Secure`.
fn came_over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn form_page(error: Option<&str>) -> Markup {
    layout::page(
        "Sign in",
        None,
        html! {
            form.signin method="post" action="/signin" {
                h1 { "Sign in" }
                p.muted { "Use one of the API keys of " code { "[auth].api_keys" } "." }
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                label for="key" { "API key" }
                input #key type="password" name="key" autocomplete="current-password" required autofocus;
                button type="submit" { "Sign in" }
            }
        },
    )
}

pub async fn form<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    headers: HeaderMap,
) -> Response {
    if has_session(&dashboard, &headers) {
        return Redirect::to("/").into_response();
    }
    form_page(None).into_response()
}

pub async fn submit<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    headers: HeaderMap,
    Form(sign_in): Form<SignIn>,
) -> Response {
    let config = dashboard.api.config.current();
    let keys = SessionKeys::new(&config.auth.api_keys);
    if keys.known_key(sign_in.key.trim()).is_none() {
        let message = if config.auth.api_keys.iter().all(|k| k.is_empty()) {
            "No API key is configured, so nobody can sign in: set [auth].api_keys."
        } else {
            "That is not one of the configured API keys."
        };
        return (StatusCode::UNAUTHORIZED, form_page(Some(message))).into_response();
    }
    let cookie = session::set_cookie(&keys.issue(dashboard.api.now()), came_over_https(&headers));
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

pub async fn sign_out(headers: HeaderMap) -> Response {
    let cookie = session::clear_cookie(came_over_https(&headers));
    ([(header::SET_COOKIE, cookie)], Redirect::to("/signin")).into_response()
}
