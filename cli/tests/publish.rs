//! `leadflow publish`, `leadflow changelog`, and `leadflow backtest --data` comparing with the
//! published version, run as the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn leadflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(args)
        .env_remove("LEADFLOW_API_KEY")
        .env_remove("SLACK_WEBHOOK_URL")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn example_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/leads-rules.toml")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Eight leads: four from the lead add form (45 fit points), of which two are working
/// professionals (45 more, tier A at 90); the others score below tier C.
const LEADS_CSV: &str = "\
Lead Origin,Lead Source,What is your current occupation,Total Time Spent on Website,Converted
Lead Add Form,Google,Working Professional,0,1
Lead Add Form,Google,Working Professional,0,1
Lead Add Form,Google,Unemployed,0,0
Lead Add Form,Google,,0,1
Landing Page Submission,Google,,0,0
Landing Page Submission,Google,Unemployed,0,0
API,Google,,10,0
API,Google,Student,10,0
";

#[test]
fn publishes_refuses_a_repeat_records_changes_and_backtests_against_the_published_version() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = example_rules();

    let first = leadflow(&[
        "publish",
        "--data",
        path(&data),
        "--config",
        path(&rules),
        "--by",
        "ana",
        "--note",
        "first rules for X Education",
    ]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("published rules-"),
        "{}",
        text(&first.stdout)
    );

    let again = leadflow(&[
        "publish",
        "--data",
        path(&data),
        "--config",
        path(&rules),
        "--by",
        "ben",
    ]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stdout));
    assert!(
        text(&again.stderr).contains("is already the published version (#1, by ana"),
        "{}",
        text(&again.stderr)
    );

    // The changed rules: the lead add form is worth less, tier A needs more.
    let original = std::fs::read_to_string(&rules).unwrap();
    let changed = original
        .replacen("points = 45", "points = 20", 1)
        .replacen("A = 80", "A = 85", 1);
    assert_ne!(original, changed);
    let changed_path = dir.path().join("changed.toml");
    std::fs::write(&changed_path, changed).unwrap();

    // Before publishing: the backtest compares with the published version.
    let csv_path = dir.path().join("leads.csv");
    std::fs::write(&csv_path, LEADS_CSV).unwrap();
    let json_path = dir.path().join("report.json");
    let backtest = leadflow(&[
        "backtest",
        "--csv",
        path(&csv_path),
        "--target",
        "Converted",
        "--config",
        path(&changed_path),
        "--data",
        path(&data),
        "--json",
        path(&json_path),
    ]);
    let stdout = text(&backtest.stdout);
    assert!(
        backtest.status.success(),
        "{}\n{stdout}",
        text(&backtest.stderr)
    );
    assert!(stdout.contains("published rules"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let report_text = report.to_string();
    assert!(report_text.contains("published rules"), "{report_text}");
    // The two working professionals fall from A (90) to B (65): four lead-add-form leads
    // lose 25 points, and each of them changes tier.
    assert!(stdout.contains("leads change tier"), "{stdout}");

    // A report that tested another version says nothing about this one: refused, and nothing
    // is published.
    let tested = report["candidates"][0]["outcome"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, report_text.replace(&tested, "rules-0000beef")).unwrap();
    let document_path = dir.path().join("published.json");
    let publish_changed = |backtest: &Path| {
        leadflow(&[
            "publish",
            "--data",
            path(&data),
            "--config",
            path(&changed_path),
            "--by",
            "ben",
            "--note",
            "stricter tier A",
            "--backtest",
            path(backtest),
            "--aws-document",
            path(&document_path),
        ])
    };
    let refused = publish_changed(&other_path);
    assert_eq!(refused.status.code(), Some(1));
    let refusal = text(&refused.stderr);
    assert!(
        refusal.contains("--backtest") && refusal.contains("rules-0000beef"),
        "{refusal}"
    );
    assert!(refusal.contains(&format!("({tested})")), "{refusal}");

    assert!(
        !document_path.exists(),
        "nothing written for a refused publish"
    );

    let second = publish_changed(&json_path);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        text(&second.stdout).contains("--tier Standard"),
        "{}",
        text(&second.stdout)
    );
    // The document the AWS functions read from SSM: this version, its changes and backtest.
    let document: leadflow::scoring::published::PublishedScoring =
        serde_json::from_str(&std::fs::read_to_string(&document_path).unwrap()).unwrap();
    assert_eq!(document.version, tested);
    assert_eq!(document.published_by, "ben");
    assert!(document
        .summary
        .contains(&"tier A threshold 80 → 85".to_string()));
    assert_eq!(document.scoring.tiers.a, 85.0);
    let attached: serde_json::Value =
        serde_json::from_str(document.backtest_json.as_deref().unwrap()).unwrap();
    assert_eq!(attached, report);

    let log = leadflow(&["changelog", "--data", path(&data)]);
    let log_text = text(&log.stdout);
    assert!(log.status.success(), "{}", text(&log.stderr));
    println!("{log_text}");
    let newest = log_text.find("#2 ").expect("the second entry is listed");
    let oldest = log_text.find("#1 ").expect("the first entry is listed");
    assert!(newest < oldest, "newest first:\n{log_text}");
    assert_eq!(
        log_text.matches("backtest on").count(),
        1,
        "only the second was published with a backtest:\n{log_text}"
    );
    for expected in [
        "by ben",
        "by ana",
        "\"stricter tier A\"",
        "\"first rules for X Education\"",
        "- tier A threshold 80 → 85",
        "- fit rule \"lead add form\": 45 → 20 points",
        "- first published rules: 7 fit rules",
        "backtest on 8 historical leads (3 converted)",
        "change tier against published rules",
    ] {
        assert!(
            log_text.contains(expected),
            "missing {expected:?} in:\n{log_text}"
        );
    }
}

#[test]
fn backtest_with_data_but_nothing_published_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("leads.csv");
    std::fs::write(&csv_path, LEADS_CSV).unwrap();
    let out = leadflow(&[
        "backtest",
        "--csv",
        path(&csv_path),
        "--target",
        "Converted",
        "--config",
        path(&example_rules()),
        "--data",
        path(&dir.path().join("empty")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing is published"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_version_too_large_for_an_ssm_parameter_is_refused_before_it_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let document = dir.path().join("published.json");
    // A note of 9,000 characters: the document exceeds the advanced tier's 8 KB.
    let note = "x".repeat(9_000);
    let out = leadflow(&[
        "publish",
        "--data",
        path(&data),
        "--config",
        path(&example_rules()),
        "--by",
        "ana",
        "--note",
        &note,
        "--aws-document",
        path(&document),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--aws-document") && stderr.contains("8192"),
        "{stderr}"
    );
    assert!(!document.exists(), "no document written");
    let log = leadflow(&["changelog", "--data", path(&data)]);
    assert!(
        text(&log.stdout).contains("nothing published yet"),
        "{}",
        text(&log.stdout)
    );
}
