//! Login CSRF: a page on another site must not sign a browser in (into the attacker's session)
//! or out. `SameSite=Strict` keeps the cookie off cross-site requests but does not stop a
//! cross-site form from *setting* one, so `POST /signin` and `POST /signout` check where the
//! form came from, as Go's `http.CrossOriginProtection` does, with headers page scripts cannot
//! set:
//!
//! - `Sec-Fetch-Site`, when present, decides: `same-origin`, or `none` (typed, bookmarked),
//!   passes; anything else (`cross-site`, `same-site`) is refused. Every current browser sends
//!   it, and it is the browser's own verdict, so a proxy that rewrites `Host` breaks nothing.
//! - Without it (older browsers), `Origin`, when present, must name this server: its host and
//!   port equal to the `Host` header. `Origin: null` (a `data:` page, a sandboxed frame) is
//!   refused.
//!
//! A request with neither header (curl, a browser too old to send them) is let through: there
//! is nothing to judge it by, and refusing it would lock out scripts without stopping anyone.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::layout;

/// Why a request is refused as cross-site, in words for the log and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossSite {
    /// `Sec-Fetch-Site` said so (its value).
    FetchSite(String),
    /// `Origin` names another origin (its value), or `null`.
    Origin(String),
}

/// `None` when the request may come from this server's own pages.
pub fn check(headers: &HeaderMap) -> Option<CrossSite> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("").trim().to_ascii_lowercase();
        return match site.as_str() {
            "same-origin" | "none" => None,
            _ => Some(CrossSite::FetchSite(site.chars().take(40).collect())),
        };
    }
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("").trim();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim().to_ascii_lowercase());
    match (origin_authority(origin), host) {
        (Some(authority), Some(host)) if authority == host => None,
        _ => Some(CrossSite::Origin(origin.chars().take(200).collect())),
    }
}

/// The `host[:port]` of an `http(s)://host[:port]` origin, lower-cased, without its scheme's
/// default port (browsers leave it out; `Host` usually does too). `None` for `null` and
/// anything that is not such an origin, so those never match.
fn origin_authority(origin: &str) -> Option<String> {
    let origin = origin.to_ascii_lowercase();
    let (scheme, authority) = origin.split_once("://")?;
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    Some(
        authority
            .strip_suffix(default_port)
            .unwrap_or(authority)
            .to_string(),
    )
}

/// Middleware for the sign-in and sign-out routes: a cross-site POST gets a 403 page and
/// neither signs in nor out. Reads (the form itself) are not checked.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    match check(request.headers()) {
        None => next.run(request).await,
        Some(why) => {
            tracing::warn!(path = %request.uri().path(), reason = ?why, "refused a cross-site sign-in or sign-out");
            refused_page()
        }
    }
}

fn refused_page() -> Response {
    let body = layout::page(
        "Refused",
        None,
        html! {
            h1 { "Refused: this came from another site" }
            p.error role="alert" {
                "A page on another site tried to sign this browser in or out of the leadflow \
                 dashboard, so nothing was changed."
            }
            p { "To sign in, use the dashboard's own " a href="/signin" { "sign-in page" } "." }
        },
    );
    (StatusCode::FORBIDDEN, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_and_headerless_requests_pass() {
        for ok in [
            headers(&[]),
            headers(&[("host", "127.0.0.1:8080")]),
            headers(&[("sec-fetch-site", "same-origin")]),
            headers(&[("sec-fetch-site", "none")]),
            // The browser's own verdict wins over a Host a proxy rewrote.
            headers(&[
                ("sec-fetch-site", "same-origin"),
                ("host", "backend:8080"),
                ("origin", "https://dash.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
            ]),
            headers(&[
                ("host", "Dash.Example"),
                ("origin", "http://dash.example:80"),
            ]),
            headers(&[("host", "dash.example"), ("origin", "https://dash.example")]),
        ] {
            assert_eq!(check(&ok), None, "{ok:?}");
        }
    }

    #[test]
    fn other_sites_null_and_unverifiable_origins_are_refused() {
        for bad in [
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[
                ("sec-fetch-site", "cross-site"),
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
            ]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:9090"),
            ]),
            headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]),
            headers(&[("host", "127.0.0.1:8080"), ("origin", "file://")]),
            // No Host to compare with.
            headers(&[("origin", "http://127.0.0.1:8080")]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080@evil.example"),
            ]),
        ] {
            assert!(check(&bad).is_some(), "{bad:?}");
        }
    }
}
