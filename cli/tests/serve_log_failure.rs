//! `leadflow serve` with a log it cannot write (stderr on a full disk: `/dev/full`). A failed
//! log line must not cost a reply or a worker: requests that log still get their answer, and
//! the pipeline keeps scoring and routing after logging a failed message.

mod support;

use std::fs::OpenOptions;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rusqlite::{Connection, OptionalExtension};
use support::{hot_event, owner_of, Server};

const WITHIN: Duration = Duration::from_secs(10);

/// A score job no worker can decode: its failure is logged ("message failed"), then retried.
/// Returns its queue id.
fn poison_score_queue(data: &Path) -> i64 {
    let conn = Connection::open(data.join("leadflow.db")).expect("the server's database");
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.execute(
        "INSERT INTO queue (queue, payload, enqueued_at, available_at) VALUES ('score', '{}', 0, 0)",
        [],
    )
    .expect("a message on the score queue");
    conn.last_insert_rowid()
}

/// Whether the worker has tried the message (its attempts counted, or it is dead-lettered).
fn was_tried(data: &Path, id: i64) -> bool {
    let conn = Connection::open(data.join("leadflow.db")).expect("the server's database");
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let attempts: Option<i64> = conn
        .query_row("SELECT attempts FROM queue WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .unwrap();
    attempts.is_none_or(|a| a > 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_cannot_be_written_stops_no_request_and_no_worker() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let full = OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full, where every write fails with ENOSPC");
    let server = Server::start_with_stderr(&data, Stdio::from(full));
    let api = server.api();

    // Requests whose handling logs a warning: cross-site sign-ins, refused.
    for attempt in 0..3 {
        let response = api
            .http
            .post(api.url("/signin"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "http://evil.example")
            .header("sec-fetch-site", "cross-site")
            .body(format!("key={}", api.key))
            .send()
            .await
            .unwrap_or_else(|e| panic!("attempt {attempt}: no reply to a request that logs: {e}"));
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    // A message the worker fails on, and logs; a first event wakes the worker for it.
    let poison = poison_score_queue(&data);
    api.send_events(vec![hot_event("evt-wake", "wake@acme.io")])
        .await;
    let deadline = Instant::now() + WITHIN;
    while !was_tried(&data, poison) {
        assert!(
            Instant::now() < deadline,
            "the worker never tried the bad message"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // After logging that failure the workers go on: a new event is scored and routed.
    let answer = api
        .send_events(vec![hot_event("evt-after", "after@acme.io")])
        .await;
    let lead_id = answer["leads"][0]["lead_id"].as_str().unwrap().to_string();
    let lead = api
        .wait_for_lead(&lead_id, "scored and routed", WITHIN, |l| {
            owner_of(l).is_some()
        })
        .await;
    assert_eq!(lead["score"]["total"], 90, "{lead}");
    let health = api.http.get(api.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
