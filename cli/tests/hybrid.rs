//! Hybrid scoring from the command line: a `[model]` section names a trained model file,
//! which must load when the configuration does, and every score then blends it in.

use std::path::Path;
use std::process::{Command, Output};

use leadflow::domain::Source;
use leadflow::ports::LeadStore;
use leadflow_store_sqlite::SqliteStore;

const EXAMPLE: &str = include_str!("../../shared/src/config/example.toml");

fn leadflow(args: &[&str]) -> Output {
    // `config check` checks a file as `serve` would run it: the example's
    // `env:LEADFLOW_API_KEY` must be set.
    Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(args)
        .env("LEADFLOW_API_KEY", "a-key-for-config-check-0123")
        .env_remove("SLACK_WEBHOOK_URL")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// 600 leads whose conversion depends on `industry` and `country`, fields the API's leads
/// carry, so a model trained on them scores leads from events.
fn training_csv() -> String {
    let mut csv = String::from("industry,country,converted\n");
    let industries = ["software", "retail", "fintech"];
    let countries = ["US", "FR", "IN", "GB"];
    for i in 0..600usize {
        let industry = industries[i % 3];
        let country = countries[(i / 3) % 4];
        let hot = u8::from(industry == "software") + u8::from(country == "US");
        // Deterministic: software in the US converts 5 in 6, the others less.
        let converted = u8::from((i * 7) % 6 < usize::from(hot) * 2 + 1);
        csv.push_str(&format!("{industry},{country},{converted}\n"));
    }
    csv
}

fn train(dir: &Path) {
    let csv = dir.join("history.csv");
    std::fs::write(&csv, training_csv()).unwrap();
    let out = leadflow(&[
        "train",
        "--csv",
        csv.to_str().unwrap(),
        "--target",
        "converted",
        "--min-level-count",
        "10",
        "--out",
        dir.join("model.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn hybrid_config(dir: &Path, model_path: &str) -> String {
    let path = dir.join("hybrid.toml");
    let text = format!("{EXAMPLE}\n[model]\npath = \"{model_path}\"\nweight = 0.5\n");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_model_file_that_does_not_load_is_refused_at_model_path_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = hybrid_config(dir.path(), "missing-model.json");
    let out = leadflow(&["config", "check", &config]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    let line = EXAMPLE.lines().count() + 3;
    assert!(
        stderr.contains(&format!(
            "hybrid.toml:{line}: model.path: cannot load the model file"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("missing-model.json"), "{stderr}");
}

#[test]
fn replayed_events_are_scored_with_the_model_blended_in() {
    let dir = tempfile::tempdir().unwrap();
    train(dir.path());
    // Relative to the configuration's directory, not the working directory.
    let config = hybrid_config(dir.path(), "model.json");
    let check = leadflow(&["config", "check", &config]);
    assert!(check.status.success(), "{}", text(&check.stderr));

    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        r#"{"id":"e1","type":"demo_request","occurred_at":"2026-11-02T10:00:00Z","lead":{"email":"ana@acme.io","title":"VP Sales","company_size":300,"industry":"software","country":"US"}}"#,
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = leadflow(&[
        "replay",
        "--config",
        &config,
        "--events",
        events.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--tail",
        "1m",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let store = SqliteStore::open(&data).unwrap();
    let lead = pollster::block_on(async {
        let known = store.lead_by_email("ana@acme.io").await.unwrap().unwrap();
        store.lead(&known.id).await.unwrap().unwrap()
    });
    let score = &lead.score;
    assert!(
        score.model_version.starts_with("rules-"),
        "{}",
        score.model_version
    );
    assert!(
        score.model_version.contains("+model-"),
        "{}",
        score.model_version
    );
    assert!(
        score.model_version.ends_with("@0.5"),
        "{}",
        score.model_version
    );
    assert!(score.model > 0.0 && score.model <= 50.0, "{}", score.model);
    let model_lines: Vec<_> = score
        .explanation
        .iter()
        .filter(|c| c.source == Source::Model)
        .collect();
    assert!(model_lines[0].points > 0.0);
    assert!(
        model_lines[1..]
            .iter()
            .all(|c| c.points == 0.0 && c.log_odds.is_some()),
        "{model_lines:?}"
    );
    assert!(model_lines.len() >= 2, "{model_lines:?}");
    let sum: f64 = score.explanation.iter().map(|c| c.points).sum();
    assert!(
        (sum - score.total).abs() < 0.011,
        "{sum} vs {}",
        score.total
    );
}

#[test]
fn publishing_a_blended_model_records_it_and_backtests_against_it() {
    let dir = tempfile::tempdir().unwrap();
    train(dir.path());
    let config = hybrid_config(dir.path(), "model.json");
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let out = leadflow(&[
        "publish",
        "--data",
        data,
        "--config",
        &config,
        "--by",
        "Ana",
        "--note",
        "first model",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = leadflow(&["changelog", "--data", data]);
    let log = text(&log.stdout);
    assert!(
        log.contains("+model-") && log.contains("@0.5"),
        "the published version names the model: {log}"
    );
    assert!(
        log.contains("blended in at weight 0.5"),
        "a line says the model came in: {log}"
    );
    assert!(log.contains("held-out AUC"), "{log}");
    // The model stored with the entry is the baseline of a backtest.
    let csv = dir.path().join("history.csv");
    let out = leadflow(&[
        "backtest",
        "--csv",
        csv.to_str().unwrap(),
        "--target",
        "converted",
        "--config",
        &config,
        "--data",
        data,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("published rules+model"),
        "{}",
        text(&out.stdout)
    );
}
