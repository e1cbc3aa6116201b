//! `serve` scores with what `leadflow publish` made live, not with the config file's rules.

mod support;

use std::process::Command;
use std::time::Duration;

use support::{hot_event, owner_of, Server};

#[tokio::test]
async fn serve_scores_with_the_published_rules() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Publish rules in which a demo request is worth 45 points instead of 40.
    let rules = dir.path().join("rules.toml");
    let text = support::example_config_with(&[(
        "demo_request      = { points = 40 }",
        "demo_request      = { points = 45 }",
    )]);
    std::fs::write(&rules, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args([
            "publish",
            "--data",
            data.to_str().unwrap(),
            "--config",
            rules.to_str().unwrap(),
            "--by",
            "Sam",
            "--note",
            "demo requests matter more",
        ])
        .env("LEADFLOW_API_KEY", "a-key-for-publishing-only")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "publish: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // serve starts on the built-in config, but the published scoring wins.
    let server = Server::start(&data);
    let api = server.api();
    let accepted = api
        .send_events(vec![hot_event("evt-1", "ana@acme.io")])
        .await;
    let id = accepted["leads"][0]["lead_id"]
        .as_str()
        .unwrap()
        .to_string();
    let lead = api
        .wait_for_lead(&id, "routing", Duration::from_secs(10), |l| {
            owner_of(l).is_some()
        })
        .await;
    assert_eq!(lead["score"]["engagement"], 45.0, "{lead}");
    assert_eq!(lead["score"]["total"], 95.0, "{lead}");
    // The server holds the data directory's lock: the changelog is read after it stops.
    drop(server);
    let out = Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(["changelog", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("by Sam") && text.contains("demo requests matter more"),
        "{text}"
    );
    assert!(
        lead["score"]["model_version"]
            .as_str()
            .is_some_and(|v| text.contains(v)),
        "the score carries the published version: {lead}\n{text}"
    );
}
