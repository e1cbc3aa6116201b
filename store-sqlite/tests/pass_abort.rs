//! A message whose handling kills the process (an abort, not a panic) is dead-lettered once
//! out of attempts: `work_pass` counts its claims in a commit of their own before the work,
//! so every restart does not die on the same message forever.
//!
//! The test runs itself again as a child process that aborts mid-pass.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use leadflow_store_sqlite::{Message, RetryPolicy, SqliteStore, Stage, TxStore};
use support::*;

const CHILD_ENV: &str = "LEADFLOW_TEST_ABORTING_PASS_DIR";
const TEST_NAME: &str = "a_message_that_kills_the_process_is_dead_lettered_after_max_attempts";

fn pass(store: &SqliteStore, handle: fn(&TxStore<'_>, &Message) -> Result<(), String>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // What `serve` does on start: what a dead process had claimed is ready again.
        store.make_all_visible(minutes(0)).await.unwrap();
        store
            .work_pass(
                vec![Stage {
                    queue: "first",
                    max: 10,
                }],
                Duration::from_secs(60),
                minutes(0),
                RetryPolicy {
                    base: Duration::from_secs(1),
                    max: Duration::from_secs(60),
                },
                |_| Vec::new(),
                handle,
            )
            .await
            .unwrap();
    });
}

fn abort(_: &TxStore<'_>, _: &Message) -> Result<(), String> {
    std::process::abort()
}

fn unreachable_handler(_: &TxStore<'_>, m: &Message) -> Result<(), String> {
    panic!("message {} was handled after it should be dead", m.id)
}

/// The child: one pass that dies on the message.
fn child(dir: &Path) {
    let store = SqliteStore::open(dir).unwrap();
    pass(&store, abort);
    unreachable!("the pass aborts");
}

#[test]
fn a_message_that_kills_the_process_is_dead_lettered_after_max_attempts() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let max_attempts = {
        let store = SqliteStore::open(dir.path()).unwrap();
        runtime
            .block_on(store.enqueue("first", &"ld_killer", minutes(0)))
            .unwrap();
        leadflow_store_sqlite::StoreOptions::default().max_attempts
    };
    for run in 1..=max_attempts {
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, dir.path())
            .status()
            .unwrap();
        assert!(
            !status.success(),
            "run {run}: the child died on the message"
        );
    }
    // The next start finds it out of attempts: dead-lettered, never handed to a handler.
    let store = SqliteStore::open(dir.path()).unwrap();
    pass(&store, unreachable_handler);
    let dead = runtime.block_on(store.dead_letters("first", 10)).unwrap();
    assert_eq!(dead.len(), 1, "the killer is a dead letter");
    assert_eq!(dead[0].attempts, max_attempts);
    assert_eq!(runtime.block_on(store.queue_depth("first")).unwrap(), 0);
}
