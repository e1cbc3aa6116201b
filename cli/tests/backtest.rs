//! `leadflow backtest`, run as the built binary on the real Leads.csv.

use std::path::PathBuf;
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

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `$LEADFLOW_DATA_DIR/x-education-leads/Leads.csv`, else `../shared/data/...` beside the
/// workspace. Fails, naming the path, when absent.
fn leads_csv() -> String {
    let data_dir = std::env::var_os("LEADFLOW_DATA_DIR")
        .map_or_else(|| workspace().join("../shared/data"), PathBuf::from);
    let path = data_dir.join("x-education-leads/Leads.csv");
    assert!(
        path.is_file(),
        "Leads.csv not found at {} (set LEADFLOW_DATA_DIR to the shared data directory)",
        path.display()
    );
    path.display().to_string()
}

fn example_rules() -> String {
    workspace()
        .join("examples/leads-rules.toml")
        .display()
        .to_string()
}

#[test]
fn backtests_the_example_rules_on_leads_csv_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    // The baseline: the same rules with the "lead add form" rule worth less.
    let rules = std::fs::read_to_string(example_rules()).unwrap();
    let baseline = rules.replacen("points = 45", "points = 20", 1);
    assert_ne!(rules, baseline);
    let baseline_path = dir.path().join("baseline.toml");
    std::fs::write(&baseline_path, baseline).unwrap();
    let json_path = dir.path().join("report.json");
    let csv = leads_csv();
    let out = leadflow(&[
        "backtest",
        "--csv",
        &csv,
        "--target",
        "Converted",
        "--config",
        &example_rules(),
        "--baseline-config",
        baseline_path.to_str().unwrap(),
        "--json",
        json_path.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", text(&out.stderr));
    println!("{stdout}");
    assert!(
        stdout.contains("9240 historical leads, 3561 converted"),
        "{stdout}"
    );
    assert!(stdout.contains("leads change tier"), "{stdout}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap();
    let candidate = &report["candidates"][0];
    let auc = candidate["outcome"]["auc"].as_f64().unwrap();
    assert!(auc > 0.5, "AUC {auc}");
    assert!(candidate["outcome"]["version"]
        .as_str()
        .unwrap()
        .starts_with("rules-"));
    // Lead add form leads (718 in Leads.csv) move up: 25 fewer points was below their tier.
    let changed = candidate["changes"]["changed"].as_u64().unwrap();
    assert!(changed > 0 && changed <= 718, "{changed}");
    assert_eq!(
        candidate["changes"]["up"].as_u64(),
        Some(changed),
        "more points only move leads up"
    );
}

#[test]
fn without_rules_or_a_model_it_says_what_is_missing() {
    let out = leadflow(&["backtest", "--csv", "whatever.csv", "--target", "x"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--config"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_invalid_rules_config_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let rules = std::fs::read_to_string(example_rules()).unwrap();
    let broken = rules.replacen("A = 80", "A = 180", 1);
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, broken).unwrap();
    let csv = leads_csv();
    let out = leadflow(&[
        "backtest",
        "--csv",
        &csv,
        "--target",
        "Converted",
        "--config",
        path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("scoring.tiers.A"),
        "{}",
        text(&out.stderr)
    );
}
