//! A client nobody here wrote: Segment's own Python library (`segment-analytics-python`),
//! pointed at `leadflow serve`, identifies a lead and tracks "Demo Requested"; the lead is
//! scored and routed.
//!
//! Needs a Python with the library: `$LEADFLOW_PYTHON` (default `python3`). `scripts/test`
//! installs it in a virtualenv. Without it this test fails, saying so.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{owner_of, Server};

const EMAIL: &str = "sam@hooli.io";

fn python() -> String {
    std::env::var("LEADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_python_library_feeds_a_lead_that_is_scored_and_routed() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = Server::start(&dir.path().join("data"));
    let api = server.api();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/segment_client.py");
    let python = python();
    let output = tokio::task::spawn_blocking({
        let (base, key) = (server.base.clone(), server.key.clone());
        let python = python.clone();
        move || {
            Command::new(&python)
                .arg(&script)
                .args([&base, &key, EMAIL])
                .output()
        }
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| {
        panic!(
            "cannot run {python:?} ({e}): set LEADFLOW_PYTHON to a Python with \
             `segment-analytics-python` installed (scripts/test makes one)"
        )
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() != Some(2),
        "{python:?} lacks Segment's library: {stderr}\nset LEADFLOW_PYTHON to a Python with \
         `segment-analytics-python` installed (scripts/test makes one)"
    );
    assert!(
        output.status.success(),
        "segment_client.py failed: {stderr}"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let lead_id = loop {
        let leads = api.all_leads().await;
        if let Some(lead) = leads.iter().find(|l| l["email"] == EMAIL) {
            break lead["lead_id"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no lead for {EMAIL}: {leads:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let lead = api
        .wait_for_lead(&lead_id, "routed", Duration::from_secs(10), |l| {
            owner_of(l).is_some()
        })
        .await;
    // VP (20) + 1200 people (15) + software (10) + US (5) + demo request (40).
    assert_eq!(lead["score"]["total"], 90, "{lead}");
    assert_eq!(lead["tier"], "A");
    // 1200 people: the enterprise team, whose only rep is dev.
    assert_eq!(owner_of(&lead), Some("dev"), "{lead}");
    assert_eq!(
        lead["external_ids"],
        serde_json::json!(["seg-sam"]),
        "{lead}"
    );
    assert_eq!(lead["attributes"]["first_name"], "Sam", "{lead}");
    assert_eq!(lead["attributes"]["country"], "US", "{lead}");
}
