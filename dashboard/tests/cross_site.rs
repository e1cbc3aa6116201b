//! Login CSRF through the router: a form on another site neither signs a browser in nor out;
//! the dashboard's own form, and clients that send no origin headers (curl), still do.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use support::*;

const HOST: &str = "127.0.0.1:8080";

/// `POST path` with the right key in the form and the given extra headers.
fn post(path: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.body(Body::from(format!("key={KEY}"))).unwrap()
}

fn assert_refused(page: &Page, what: &str) {
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.body);
    assert!(
        page.headers.get(header::SET_COOKIE).is_none(),
        "{what}: no cookie set or cleared"
    );
    assert!(page.body.starts_with("<!DOCTYPE html>"), "{what}");
    assert!(
        page.body.contains("came from another site") && page.body.contains("nothing was changed"),
        "{what}: says why in words: {}",
        page.body
    );
}

#[tokio::test]
async fn a_cross_site_sign_in_is_refused_without_a_cookie() {
    let t = seeded().await;
    let attempts: [(&str, &[(&str, &str)]); 5] = [
        (
            "a modern browser",
            &[
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
        ("Sec-Fetch-Site alone", &[("sec-fetch-site", "cross-site")]),
        ("a sibling subdomain", &[("sec-fetch-site", "same-site")]),
        (
            "an older browser: Origin alone",
            &[("origin", "http://evil.example")],
        ),
        ("a data: page", &[("origin", "null")]),
    ];
    for (what, headers) in attempts {
        assert_refused(&t.send(post("/signin", headers)).await, what);
    }
}

#[tokio::test]
async fn a_cross_site_sign_out_is_refused_and_the_session_lives_on() {
    let t = seeded().await;
    let cookie = t.session().await;
    let mut request = post(
        "/signout",
        &[
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
    );
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    assert_refused(&t.send(request).await, "sign-out");
    let page = t.get_with("/rules", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn the_dashboards_own_form_and_headerless_clients_still_sign_in() {
    let t = seeded().await;
    let own: [&[(&str, &str)]; 4] = [
        &[
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ],
        &[("origin", "http://127.0.0.1:8080")],
        &[("sec-fetch-site", "none")],
        &[],
    ];
    for headers in own {
        let page = t.send(post("/signin", headers)).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{headers:?}: {}",
            page.body
        );
        assert!(
            page.headers.get(header::SET_COOKIE).is_some(),
            "{headers:?}"
        );
    }
    let out = t
        .send(post(
            "/signout",
            &[
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin"),
            ],
        ))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // A link from another site to the form still opens it: only the POST is judged.
    let form = t
        .send(
            Request::get("/signin")
                .header(header::HOST, HOST)
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
}
