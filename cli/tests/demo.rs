//! `leadflow demo` end to end: a small seeded scenario through the real pipeline, its report,
//! and the data directory it can keep for `serve`.

use std::process::Command;

fn demo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .arg("demo")
        .args(["--weeks", "1", "--leads-per-week", "150", "--quiet"])
        .args(args)
        .output()
        .expect("the leadflow binary runs")
}

#[test]
fn a_small_demo_prints_the_report_a_sales_leader_reads() {
    let out = demo(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    for section in [
        "Leads by tier",
        "Conversion by tier",
        "Assignments and load by rep",
        "First-response SLA by tier",
        "Median first response overall",
        "Recycled to marketing",
        "Reactivated",
    ] {
        assert!(
            stdout.contains(section),
            "missing {section:?} in:\n{stdout}"
        );
    }
    let accepted = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Pipeline: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("a pipeline summary line");
    assert!(accepted > 500, "{accepted} events accepted");
    // The same seed gives the same month.
    let again = demo(&[]);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("Simulated"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&stdout),
        strip(&String::from_utf8_lossy(&again.stdout))
    );
}

#[test]
fn the_demo_keeps_its_data_when_asked_and_refuses_a_used_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let data_arg = data.to_str().unwrap();
    let out = demo(&["--data", data_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("leadflow.db").exists() || std::fs::read_dir(&data).unwrap().count() > 0);
    let again = demo(&["--data", data_arg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds leads"));
}
