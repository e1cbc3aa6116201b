//! `leadflow demo --data DIR` then `leadflow serve --data DIR`: the dashboard opens on the
//! demo's weeks — signed in with the server's key, the overview counts the demo's leads, the
//! rules page shows the version the demo published, and a lead of the queue opens.

mod support;

use std::process::Command;

use reqwest::header;
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use support::{Server, LEADFLOW};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_opens_the_dashboard_on_what_the_demo_kept() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("demo");
    let out = Command::new(LEADFLOW)
        .args([
            "demo",
            "--weeks",
            "1",
            "--leads-per-week",
            "150",
            "--quiet",
            "--data",
        ])
        .arg(&data)
        .output()
        .expect("the leadflow binary runs");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server::start(&data);
    let http = client();

    let page = http.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);

    let signed_in = http
        .post(format!("{}/signin", server.base))
        .form(&[("key", server.key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.base))
            .header(header::COOKIE, &cookie)
            .send()
    };

    // serve's schedules fire as it starts (SLA, routing retries, retention) and rewrite the
    // demo's overdue leads; the at-risk queue links leads once those writes settle.
    let mut body = String::new();
    for _ in 0..50 {
        let overview = get("/").await.unwrap();
        assert_eq!(overview.status(), StatusCode::OK);
        body = overview.text().await.unwrap();
        if body.contains(r#"href="/leads/"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let at = body
        .find(r#"id="leads""#)
        .expect("the headline's lead count");
    let count: usize = body[at..]
        .split(r#"<div class="value">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .expect("a number of leads");
    assert!(
        count >= 100,
        "the last 30 days hold the demo's week: {count} leads"
    );

    let rules = get("/rules").await.unwrap().text().await.unwrap();
    assert!(
        rules.contains("leadflow demo"),
        "the demo's published version"
    );

    let lead_link = body
        .split(r#"href="/leads/"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a lead linked from the overview");
    let lead = get(&format!("/leads/{lead_link}")).await.unwrap();
    assert_eq!(lead.status(), StatusCode::OK);
    let lead = lead.text().await.unwrap();
    assert!(lead.contains(r#"id="explanation""#) && lead.contains("Routing"));
}
