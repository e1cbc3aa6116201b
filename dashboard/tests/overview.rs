//! The overview through the router: its figures are those of `GET /v1/metrics` and of the
//! overview computation for the same filters, its tables download as CSV, and a filter outside
//! its domain is a 400 page naming it.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leadflow::metrics::overview::{OverviewQuery, OverviewTable};
use leadflow_dashboard::layout::encode;
use serde_json::Value;
use support::*;

/// The seeded leads' day, as the overview's filters name it.
const DAY: &str = "from=2026-11-02&to=2026-11-02";

fn query() -> OverviewQuery {
    OverviewQuery::new(
        "2026-11-02T00:00:00Z".parse().unwrap(),
        "2026-11-03T00:00:00Z".parse().unwrap(),
    )
    .unwrap()
}

async fn v1_metrics(t: &Seeded, since: &str, until: &str) -> Value {
    let page = t
        .send(
            Request::get(format!("/v1/metrics?since={since}&until={until}"))
                .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    serde_json::from_str(&page.body).unwrap()
}

fn figure(body: &str, id: &str) -> String {
    let at = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("figure {id}"));
    texts_of(&body[at..], r#"class="value""#)[0].clone()
}

#[tokio::test]
async fn the_overview_without_a_session_sends_to_sign_in() {
    let t = seeded().await;
    for uri in ["/", "/overview.csv?table=reps"] {
        let page = t.get_with(uri, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(page.location(), Some("/signin"));
    }
}

#[tokio::test]
async fn the_headline_and_reps_match_v1_metrics_for_the_same_period() {
    let t = seeded().await;
    let page = t.get(&format!("/?{DAY}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let metrics = v1_metrics(&t, "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z").await;
    assert_eq!(metrics["leads"], 3);
    assert_eq!(figure(&page.body, "leads"), metrics["leads"].to_string());
    // Every rep's assignments and breaches, as /v1/metrics counts them.
    for (rep, m) in metrics["by_rep"].as_object().unwrap() {
        let at = page
            .body
            .find(&format!(r#"<tr data-rep="{rep}">"#))
            .unwrap_or_else(|| panic!("rep {rep} has a row"));
        let row = &page.body[at..at + page.body[at..].find("</tr>").unwrap()];
        let cells = texts_of(row, r#"<td class="num">"#);
        assert_eq!(cells[0], m["assigned"].to_string(), "{rep} assigned");
        assert_eq!(cells[5], m["breaches"].to_string(), "{rep} breaches");
    }
    // The previous period (the day before) is empty.
    let at = page.body.find(r#"id="leads""#).unwrap();
    assert_eq!(texts_of(&page.body[at..], r#"class="before""#)[0], "0");
}

#[tokio::test]
async fn every_panel_shows_the_overview_computation() {
    let t = seeded().await;
    let config = config();
    let expected = leadflow_api::metrics::overview(&t.store, &config, &query(), now())
        .await
        .unwrap();
    let page = t.get(&format!("/?{DAY}")).await;
    let body = &page.body;
    assert_eq!(
        figure(body, "open-breaches"),
        expected.headline.open_breaches.to_string()
    );
    assert_eq!(
        figure(body, "within-sla"),
        leadflow_dashboard::overview_view::rate(expected.headline.touched_within_sla_rate)
    );
    // The queue: one row per open clock, breaches marked, each lead linked to its page.
    assert!(!expected.queue.is_empty());
    let queue = &body[body.find(r#"<table id="queue">"#).unwrap()..];
    let queue = &queue[..queue.find("</table>").unwrap()];
    assert_eq!(queue.matches("<tr").count() - 1, expected.queue.len());
    // One class attribute per cell: the overdue time is marked, not a second attribute.
    assert!(!body.contains(r#"class="num" class="#));
    assert_eq!(
        queue.matches(r#"<td class="num bad">"#).count(),
        expected.queue.iter().filter(|r| r.breached).count()
    );
    assert_eq!(
        queue.matches(r#"<tr class="breached">"#).count(),
        expected.queue.iter().filter(|r| r.breached).count()
    );
    for row in &expected.queue {
        assert!(queue.contains(&format!(r#"href="/leads/{}""#, encode(&row.lead_id))));
    }
    // The funnel's total row and the speed table's tiers.
    let total = expected.funnel.iter().find(|r| r.tier.is_none()).unwrap();
    let funnel = &body[body.find(r#"<table id="funnel">"#).unwrap()..];
    let sum_row = &funnel[funnel.find(r#"<tr class="sum">"#).unwrap()..];
    let cells = texts_of(sum_row, r#"<td class="num">"#);
    assert_eq!(cells[0], total.leads.to_string());
    assert_eq!(cells[1], total.mql.to_string());
    assert_eq!(cells[2], total.assigned.to_string());
    assert_eq!(cells[3], total.contacted.to_string());
    // Fairness: one panel per team, the rotation's next pick named.
    for team in &expected.fairness {
        assert!(body.contains(&format!(r#"data-team="{}""#, team.team)));
        if let Some(next) = &team.next {
            assert!(body.contains(&format!("<strong>{next}</strong>")));
        }
    }
    // The histogram has one bar per score band, with the thresholds drawn.
    let histogram = &body[body.find("Leads by current score").unwrap()..];
    let histogram = &histogram[..histogram.find("</svg>").unwrap()];
    assert_eq!(
        histogram.matches("<rect").count(),
        expected.score.bands.len()
    );
    assert!(histogram.contains("MQL "));
}

#[tokio::test]
async fn each_table_downloads_as_the_overviews_csv() {
    let t = seeded().await;
    let config = config();
    let expected = leadflow_api::metrics::overview(&t.store, &config, &query(), now())
        .await
        .unwrap();
    let page = t.get(&format!("/?{DAY}")).await;
    for table in OverviewTable::ALL {
        let href = format!(
            "/overview.csv?table={}&amp;{}",
            table.as_str(),
            DAY.replace('&', "&amp;")
        );
        assert!(
            page.body.contains(&href),
            "a CSV link for {}",
            table.as_str()
        );
        let csv = t
            .get(&format!("/overview.csv?table={}&{DAY}", table.as_str()))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment"));
        assert_eq!(csv.body, expected.csv(table), "{}", table.as_str());
    }
    let unknown = t.get(&format!("/overview.csv?table=bogus&{DAY}")).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("filter `table`"));
}

#[tokio::test]
async fn filters_change_the_figures_and_bad_ones_are_a_400_page() {
    let t = seeded().await;
    let all = t.get(&format!("/?{DAY}")).await;
    let a_only = t.get(&format!("/?{DAY}&tier=D")).await;
    assert_eq!(a_only.status, StatusCode::OK);
    assert!(a_only.body.contains(r#"<option value="D" selected>"#));
    assert_ne!(figure(&all.body, "leads"), figure(&a_only.body, "leads"));
    for (query, filter) in [
        ("from=2026-11-31", "from"),
        ("to=tomorrow", "to"),
        ("from=2026-11-05&to=2026-11-01", "from"),
        ("tier=Q", "tier"),
        ("team=nobody", "team"),
        ("rep=nobody", "rep"),
    ] {
        let page = t.get(&format!("/?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains(&format!("filter `{filter}`")), "{query}");
        assert!(page.body.contains("<!DOCTYPE html>"));
    }
}
