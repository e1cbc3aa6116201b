//! `leadflow config check [FILE]`, run as the built binary.

use std::path::Path;
use std::process::{Command, Output};

const EXAMPLE: &str = include_str!("../../shared/src/config/example.toml");

fn leadflow(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadflow"));
    cmd.args(args)
        .env_remove("LEADFLOW_API_KEY")
        .env_remove("SLACK_WEBHOOK_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

#[test]
fn without_a_file_it_checks_the_built_in_default() {
    let out = leadflow(&["config", "check"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(
        stdout.contains("A from 80, B from 60, C from 40"),
        "{stdout}"
    );
    assert!(stdout.contains("team inbound (ana, ben)"), "{stdout}");
    assert!(out.stderr.is_empty());
}

#[test]
fn the_example_file_is_valid_and_secrets_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "leadflow.toml", EXAMPLE);
    let key = "lf_live_0123456789abcdefghij";
    let out = leadflow(
        &["config", "check", &path],
        &[
            ("LEADFLOW_API_KEY", key),
            (
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T0/B0/tokentoken",
            ),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(&format!("{path}: valid")), "{stdout}");
    assert!(
        stdout.contains("Slack: https://hooks.slack.com/…"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(key) && !stdout.contains("tokentoken"),
        "{stdout}"
    );
}

#[test]
fn a_broken_file_prints_every_error_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let broken = EXAMPLE
        .replace("B = 60", "B = 85")
        .replace("capacity = 10", "capacity = 0")
        .replace("max = 50", "max = 50\nbogus = true");
    let path = write(dir.path(), "broken.toml", &broken);
    let out = leadflow(
        &["config", "check", &path],
        &[("LEADFLOW_API_KEY", "a-key-of-enough-length-0123")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let line_of = |needle: &str| broken[..broken.find(needle).unwrap()].matches('\n').count() + 1;
    assert_eq!(
        lines[0],
        format!(
            "{path}:{}: scoring.fit.bogus: unknown key `bogus`; expected `max` or `rules`",
            line_of("bogus")
        )
    );
    assert!(
        lines[1].starts_with(&format!(
            "{path}:{}: reps[3].capacity: must be more than zero",
            line_of("capacity = 0")
        )),
        "{stderr}"
    );
}

#[test]
fn semantic_errors_of_a_valid_shape_are_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let broken = EXAMPLE
        .replace("B = 60", "B = 85")
        .replace("capacity = 10", "capacity = 0");
    let path = write(dir.path(), "broken.toml", &broken);
    let out = leadflow(&["config", "check", &path], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("scoring.tiers.B: must be below scoring.tiers.A (80), found 85"),
        "{stderr}"
    );
    assert!(stderr.contains("reps[3].capacity"), "{stderr}");
}

#[test]
fn an_unreadable_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml").display().to_string();
    let out = leadflow(&["config", "check", &missing], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot read"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_weak_key_in_the_environment_fails_the_default() {
    let out = leadflow(&["config", "check"], &[("LEADFLOW_API_KEY", "abc")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("auth.api_keys[0]") && stderr.contains("LEADFLOW_API_KEY"),
        "{stderr}"
    );
    assert!(!stderr.contains("\"abc\""), "{stderr}");
}

#[test]
fn an_unset_api_key_variable_in_a_file_is_refused_naming_the_key_and_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let keyed = EXAMPLE.replace(
        r#"api_keys = ["env:LEADFLOW_API_KEY"]"#,
        r#"api_keys = ["env:LEADFLOW_TEST_UNSET_KEY"]"#,
    );
    assert_ne!(keyed, EXAMPLE, "the example names LEADFLOW_API_KEY");
    let path = write(dir.path(), "leadflow.toml", &keyed);
    let out = leadflow(&["config", "check", &path], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{path}:10: auth.api_keys[0]"))
            && stderr.contains("LEADFLOW_TEST_UNSET_KEY")
            && stderr.contains("not set"),
        "{stderr}"
    );
    // Set, the same file is valid; set empty, the key is switched off on purpose.
    let set = leadflow(
        &["config", "check", &path],
        &[("LEADFLOW_TEST_UNSET_KEY", "a-key-of-enough-length-0123")],
    );
    assert_eq!(set.status.code(), Some(0), "{}", text(&set.stderr));
    let empty = leadflow(
        &["config", "check", &path],
        &[("LEADFLOW_TEST_UNSET_KEY", "")],
    );
    assert_eq!(empty.status.code(), Some(0), "{}", text(&empty.stderr));
}

#[test]
fn serve_refuses_to_start_on_an_unset_api_key_variable() {
    let dir = tempfile::tempdir().unwrap();
    let keyed = EXAMPLE.replace(
        r#"api_keys = ["env:LEADFLOW_API_KEY"]"#,
        r#"api_keys = ["a-literal-key-of-enough-length", "env:LEADFLOW_TEST_UNSET_KEY"]"#,
    );
    let path = write(dir.path(), "leadflow.toml", &keyed);
    let data = dir.path().join("data").display().to_string();
    // Were it to start, it would serve: the limit turns that into a failure, not a hang.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadflow"));
    cmd.args([
        "serve",
        "--config",
        &path,
        "--data",
        &data,
        "--listen",
        "127.0.0.1:0",
    ])
    .env_remove("LEADFLOW_API_KEY")
    .env_remove("LEADFLOW_TEST_UNSET_KEY")
    .env_remove("SLACK_WEBHOOK_URL")
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve started (or hung) with an unset API key variable");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("auth.api_keys[1]") && stderr.contains("LEADFLOW_TEST_UNSET_KEY"),
        "{stderr}"
    );
}
