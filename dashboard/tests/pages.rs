//! The pages through the router, on a store seeded through the use cases.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leadflow::domain::HistoryKind;
use leadflow::ports::LeadStore;
use leadflow::routing::{RoutingDecision, Verdict};
use leadflow_dashboard::session::{SessionKeys, COOKIE_NAME};
use leadflow_dashboard::PublishedVersion;
use support::*;

const PAGES: [&str; 3] = ["/leads", "/leads/some-lead", "/rules"];

#[tokio::test]
async fn a_page_without_a_session_sends_to_the_sign_in_form() {
    let t = seeded().await;
    for uri in PAGES {
        let page = t.get_with(uri, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(page.location(), Some("/signin"), "{uri}");
    }
    let form = t.get_with("/signin", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .body
        .contains(r#"<form class="signin" method="post" action="/signin">"#));
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_the_right_one_sets_a_strict_http_only_cookie() {
    let t = seeded().await;
    for wrong in ["nope", "", "dash-key"] {
        let page = t.sign_in_with(wrong, false).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(page.body.contains("not one of the configured API keys"));
        assert!(page.headers.get(header::SET_COOKIE).is_none());
    }
    let page = t.sign_in_with(KEY, false).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/"));
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(!cookie.contains(KEY) && !page.location().unwrap().contains(KEY));

    let behind_https = t.sign_in_with(KEY, true).await;
    let cookie = behind_https.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn with_a_session_the_pages_open_and_sign_out_clears_it() {
    let t = seeded().await;
    let cookie = t.session().await;
    for uri in ["/leads", "/rules", &format!("/leads/{}", t.contacted)] {
        let page = t.get_with(uri, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
        assert!(page.body.starts_with("<!DOCTYPE html>"));
        // Nothing is fetched from elsewhere.
        for external in [
            "http://",
            "https://",
            "<script src",
            "<link rel=\"stylesheet\"",
        ] {
            assert!(!page.body.contains(external), "{uri} has {external}");
        }
    }
    let out = t
        .send(
            Request::post("/signout")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let cleared = out.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with(&format!("{COOKIE_NAME}=;")) && cleared.contains("Max-Age=0"));
}

#[tokio::test]
async fn tampered_expired_or_key_cookies_are_refused_and_the_cookie_is_no_api_key() {
    let t = seeded().await;
    let cookie = t.session().await;
    let value = cookie.split_once('=').unwrap().1.to_string();
    let (expiry, mac) = value.split_once('.').unwrap();
    let later = expiry.parse::<i64>().unwrap() + 60;
    let keys = vec![KEY.to_string()];
    let expired = SessionKeys::new(&keys).issue(now() - chrono::TimeDelta::hours(13));
    for bad in [
        format!("{later}.{mac}"),
        format!("{expiry}.{}", mac.replace('a', "b")),
        expired,
        KEY.to_string(),
        String::new(),
    ] {
        let page = t
            .get_with("/rules", Some(&format!("{COOKIE_NAME}={bad}")))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{bad:?}");
        assert_eq!(page.location(), Some("/signin"));
    }
    // The key itself as a bearer header does not open the pages either.
    let page = t
        .send(
            Request::get("/rules")
                .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // And the session does not open the API.
    let api = t
        .send(
            Request::get("/v1/leads")
                .header(header::COOKIE, &cookie)
                .header(header::AUTHORIZATION, format!("Bearer {value}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_lead_page_explanation_adds_up_to_the_total() {
    let t = seeded().await;
    let lead = t.store.lead(&t.contacted).await.unwrap().unwrap();
    assert!(lead.score.explanation.len() >= 2, "a scored lead has lines");
    let page = t.get(&format!("/leads/{}", t.contacted)).await;
    assert_eq!(page.status, StatusCode::OK);
    let lines: Vec<f64> = texts_of(&page.body, r#"class="num points""#)
        .iter()
        .map(|s| number(s))
        .collect();
    assert_eq!(lines.len(), lead.score.explanation.len());
    let shown_sum = number(&texts_of(&page.body, r#"id="sum""#)[0]);
    let added: f64 = lines.iter().sum();
    // Each line is printed to two decimals: the printed lines add up to the printed sum.
    assert!(
        (added - shown_sum).abs() < 0.01 * lines.len() as f64,
        "{lines:?} vs {shown_sum}"
    );
    assert!(
        (shown_sum - lead.score.total).abs() < 0.01,
        "{shown_sum} vs {}",
        lead.score.total
    );
    assert!(page.body.contains(&format!(
        "Why it scores {}",
        leadflow_dashboard::layout::points(lead.score.total)
    )));
}

#[tokio::test]
async fn the_routing_decisions_shown_are_the_ones_recorded() {
    let t = seeded().await;
    let history = t.store.history(&t.breached).await.unwrap();
    let decisions: Vec<(HistoryKind, RoutingDecision)> = history
        .iter()
        .filter(|e| matches!(e.kind, HistoryKind::Assigned | HistoryKind::Reassigned))
        .map(|e| (e.kind, serde_json::from_value(e.detail()).unwrap()))
        .collect();
    // Breached long before `now`, then reassigned by the same SLA check.
    assert_eq!(decisions.len(), 2, "{history:?}");
    assert!(history.iter().any(|e| e.kind == HistoryKind::SlaBreached));
    let page = t.get(&format!("/leads/{}", t.breached)).await;
    let body = &page.body;
    let articles: Vec<&str> = body
        .split(r#"<article class="decision">"#)
        .skip(1)
        .collect();
    assert_eq!(articles.len(), decisions.len());
    for ((kind, decision), article) in decisions.iter().zip(&articles) {
        assert!(!decision.candidates.is_empty());
        assert!(
            article.contains(decision.rule.as_deref().unwrap()),
            "the matched rule"
        );
        assert!(article.contains(&decision.strategy.as_str().replace('_', " ")));
        let owner = decision.assigned_rep().unwrap();
        assert!(article.contains(&format!(r#"<strong class="owner">{owner}</strong>"#)));
        assert_eq!(
            article.contains("reassigned from"),
            *kind == HistoryKind::Reassigned
        );
        for c in &decision.candidates {
            let row_at = article
                .find(&format!(r#"data-rep="{}""#, c.rep_id))
                .unwrap_or_else(|| panic!("candidate {} shown", c.rep_id));
            let verdict = texts_of(&article[row_at..], r#"class="verdict""#)[0].clone();
            let expected = match c.verdict {
                Verdict::Eligible => "eligible".to_string(),
                Verdict::Skipped { reason } => {
                    format!("skipped: {}", reason.as_str().replace('_', " "))
                }
            };
            assert_eq!(verdict, expected, "{}", c.rep_id);
        }
    }
    // The first owner is among the reassignment's candidates, with its verdict shown.
    let first_owner = decisions[0].1.assigned_rep().unwrap();
    assert!(articles[1].contains(&format!(r#"data-rep="{first_owner}""#)));
    // The SLA timeline: the breach, the reassignment, the new clock still open.
    assert!(body.contains(&format!("SLA breached by {first_owner}")));
    assert!(body.contains(&format!("reassigned from {first_owner} to")));
    assert!(body.contains("first response due (open)"));
}

#[tokio::test]
async fn the_contacted_lead_shows_its_disposition() {
    let t = seeded().await;
    let page = t.get(&format!("/leads/{}", t.contacted)).await;
    assert!(page.body.contains("left a voicemail"));
    assert!(page.body.contains("first response due (met)"));
    let missing = t.get("/leads/no-such-lead").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("no-such-lead"));
}

#[tokio::test]
async fn the_leads_list_filters_links_and_refuses_bad_filters() {
    let t = seeded().await;
    let all = t.get("/leads").await;
    assert_eq!(all.status, StatusCode::OK);
    for id in [&t.contacted, &t.breached] {
        assert!(all.body.contains(&format!(
            r#"href="/leads/{}""#,
            leadflow_dashboard::layout::encode(id)
        )));
    }
    let contacted = t.get("/leads?status=contacted").await;
    assert!(contacted
        .body
        .contains(&leadflow_dashboard::layout::encode(&t.contacted)));
    assert!(!contacted
        .body
        .contains(&leadflow_dashboard::layout::encode(&t.breached)));
    for (uri, filter) in [
        ("/leads?tier=Z", "tier"),
        ("/leads?status=sleeping", "status"),
        ("/leads?owner=nobody", "owner"),
    ] {
        let page = t.get(uri).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            page.body.contains(&format!("filter `{filter}`")),
            "{uri}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn the_rules_page_says_the_config_and_the_published_model() {
    let t = seeded().await;
    let config = config();
    let page = t.get("/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    let signals = texts_of(&page.body, r#"<tr class="signal"><td"#);
    let names: Vec<&String> = config.scoring.engagement.signals.keys().collect();
    assert_eq!(signals.len(), names.len());
    for name in names {
        assert!(signals.contains(name), "signal {name} listed");
    }
    for rule in &config.scoring.fit.rules {
        assert!(page.body.contains(&rule.name));
    }
    for rule in &config.routing.rules {
        assert!(page.body.contains(&rule.name));
    }
    assert!(page.body.contains("Nothing published yet"));
    assert!(page.body.contains("No model is published"));

    let model = serde_json::json!({
        "format_version": 1, "model_version": "model-0badcafe", "trained_at": "2026-10-01T00:00:00Z",
        "target": "won", "intercept": -1.5,
        "coefficients": [{"column": "title=vp", "weight": 0.4}, {"column": "size", "weight": -2.25},
                          {"column": "country=US", "weight": 0.1}],
        "metrics": {"rows": 400, "positives": 60, "auc": 0.8125, "log_loss": 0.3, "brier": 0.1,
                    "calibration": [{"decile": 1, "count": 40, "mean_predicted": 0.05, "observed_rate": 0.04}],
                    "tier_thresholds": {"A": 70, "B": 50, "C": 30},
                    "tiers": [{"tier": "A", "leads": 50, "conversions": 20, "conversion_rate": 0.4, "lift": 2.67}]}
    });
    t.versions.publish(PublishedVersion {
        seq: 0,
        version: "rules-12345678+model-0badcafe@0.4".into(),
        kind: "rules+model".into(),
        published_at: now(),
        published_by: "maria".into(),
        note: Some("spring model".into()),
        summary: vec!["model model-0badcafe blended in at weight 0.4 (held-out AUC 0.812)".into()],
        model_json: Some(model.to_string()),
        model_weight: Some(0.4),
        backtest_json: None,
    });
    let page = t.get("/rules").await;
    assert!(page.body.contains("rules-12345678+model-0badcafe@0.4"));
    assert!(page.body.contains("spring model"));
    assert!(page.body.contains("0.812"));
    // Largest magnitude first.
    let coefficients = page.body.find("size").unwrap();
    assert!(coefficients < page.body.find("title=vp").unwrap());
    assert!(page.body.contains("2.67×"));
    assert!(page.body.contains("Calibration by decile"));
    assert!(
        !page.body.contains("id=\"backtest\""),
        "no backtest was attached"
    );
}

/// A backtest report as `leadflow backtest --json` writes it: the candidate against the
/// version published before.
fn backtest_report(version: &str) -> serde_json::Value {
    let tiers = |rates: [(usize, usize); 4]| {
        let mut out = Vec::new();
        for (tier, (leads, conversions)) in ["A", "B", "C", "D"].into_iter().zip(rates) {
            out.push(serde_json::json!({
                "tier": tier, "leads": leads, "conversions": conversions,
                "conversion_rate": conversions as f64 / leads as f64,
                "lift": conversions as f64 / leads as f64 / 0.385,
            }));
        }
        out
    };
    serde_json::json!({
        "rows": 9240, "positives": 3561,
        "candidates": [{
            "outcome": {"label": "rules+model", "version": version, "auc": 0.864,
                        "tiers": tiers([(1500, 1200), (2000, 1000), (2500, 900), (3240, 461)])},
            "changes": {"moves": [[1000, 400, 100, 0], [450, 1200, 300, 50], [50, 300, 1800, 350], [0, 100, 300, 2640]],
                        "changed": 2600, "up": 1200, "down": 1400}
        }],
        "baseline": {"label": "published rules", "version": "rules-00000001", "auc": 0.836,
                     "tiers": tiers([(1100, 800), (1900, 900), (3000, 1100), (3240, 761)])}
    })
}

#[tokio::test]
async fn the_rules_page_says_what_the_backtest_said_the_version_would_change() {
    let t = seeded().await;
    let version = "rules-12345678+model-0badcafe@0.4";
    let report = backtest_report(version);
    t.versions.publish(PublishedVersion {
        seq: 0,
        version: version.into(),
        kind: "rules+model".into(),
        published_at: now(),
        published_by: "maria".into(),
        note: None,
        summary: vec![],
        model_json: None,
        model_weight: None,
        backtest_json: Some(report.to_string()),
    });
    let page = t.get("/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    let panel = &page.body[page
        .body
        .find("id=\"backtest\"")
        .expect("the backtest panel")..];
    for expected in [
        "9240 historical leads (3561 converted, 38.5 %)",
        "2600 leads change tier",
        "1200 to a hotter tier, 1400 to a colder one",
        "0.864",
        "0.836",
        "80.0 % of 1500",
        "72.7 % of 1100",
        "Conversion by tier: published rules",
    ] {
        assert!(panel.contains(expected), "missing {expected:?}");
    }
    // The moves matrix, row A: 1000 stay, 400 to B, 100 to C, 0 to D.
    let moves = &panel[panel.find("id=\"tier-moves\"").expect("the moves table")..];
    let row_a = &moves[moves.find("<td>A</td>").unwrap()..];
    let cells = texts_of(row_a, r#"<td class="num">"#);
    assert_eq!(&cells[..4], ["1000", "400", "100", "0"]);

    // A report about other rules is said to be so, not shown as this version's.
    t.versions.publish(PublishedVersion {
        seq: 0,
        version: "rules-99999999".into(),
        kind: "rules".into(),
        published_at: now(),
        published_by: "maria".into(),
        note: None,
        summary: vec![],
        model_json: None,
        model_weight: None,
        backtest_json: Some(report.to_string()),
    });
    let page = t.get("/rules").await;
    assert!(page.body.contains("did not test"), "refused plainly");
    assert!(!page.body.contains("2600 leads change tier"));
}
