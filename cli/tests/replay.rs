//! `leadflow replay`: events from a JSON-lines file on their own clock, and the report.

use std::process::Command;

fn replay(file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(["replay", "--events", file.to_str().unwrap(), "--tail", "1h"])
        .output()
        .expect("the leadflow binary runs")
}

fn event(id: &str, email: &str, kind: &str, at: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"{kind}","occurred_at":"{at}","lead":{{"email":"{email}","title":"VP Sales","company_size":300,"industry":"software","country":"US"}}}}"#
    )
}

#[test]
fn replayed_events_are_scored_routed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let lines = [
        event("e2", "ana@acme.io", "demo_request", "2026-11-02T10:05:00Z"),
        event("e1", "ana@acme.io", "page_view", "2026-11-02T10:00:00Z"),
        event("e3", "ben@beta.io", "email_open", "2026-11-02T11:00:00Z"),
        event("e1", "ana@acme.io", "page_view", "2026-11-02T10:00:00Z"),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = replay(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Leads by tier"), "{stdout}");
    assert!(
        stdout.contains("Replay: 3 events accepted, 1 duplicates"),
        "{stdout}"
    );
    // Ana's demo request made her an A lead that went to sales; nobody answered within the
    // hour of tail, so her A clock breached.
    assert!(stdout.contains("1 went to sales"), "{stdout}");
}

#[test]
fn an_invalid_line_refuses_the_file_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let lines = [
        event("e1", "ana@acme.io", "page_view", "2026-11-02T10:00:00Z"),
        event("e2", "not-an-email", "page_view", "2026-11-02T10:00:00Z"),
        "{not json".to_string(),
        event(
            "e4",
            "ben@beta.io",
            "made_up_signal",
            "2026-11-02T10:00:00Z",
        ),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = replay(&file);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("events.jsonl:2") && stderr.contains("email"),
        "{stderr}"
    );
    assert!(
        stderr.contains("events.jsonl:3") && stderr.contains("not JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("events.jsonl:4") && stderr.contains("type"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing is reported for a refused file"
    );
}
