//! WAL checkpoints off the hot path. SQLite's automatic checkpoint runs inside the commit
//! that crosses the WAL size threshold, so every thousandth page or so one commit (an intake
//! group, a worker batch) also copies the WAL back into the database file and syncs it: a
//! latency spike for every request waiting on that commit, and about a tenth of the
//! pipeline's time under load (measured with `perf`). Here a thread of its own, on its own
//! connection, runs a passive checkpoint (which never blocks the writer or the readers) a few
//! times a second; the writer's automatic checkpoint stays as a backstop at a much larger
//! WAL (`BACKSTOP_PAGES`), should this thread fall behind.

use std::path::PathBuf;
use std::sync::Weak;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::Inner;

/// How often the checkpoint runs.
const EVERY: Duration = Duration::from_millis(100);

/// The writer's own automatic checkpoint, only if the WAL reaches this many pages (≈64 MB of
/// 4 KiB pages; SQLite's default is 1,000).
pub(crate) const BACKSTOP_PAGES: u32 = 16_384;

/// Start the checkpointer on `path`. It ends once the store is dropped (it holds it weakly and
/// never upgrades, so it keeps neither the store nor the directory lock alive).
pub(crate) fn start(store: Weak<Inner>, path: PathBuf) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("leadflow-checkpoint".into())
        .spawn(move || run(store, path))
        .map(|_| ())
}

fn run(store: Weak<Inner>, path: PathBuf) {
    let conn = match Connection::open(&path) {
        Ok(conn) => conn,
        Err(e) => {
            // The backstop still bounds the WAL: degrade, do not fail the store.
            tracing::warn!(path = %path.display(), error = %e, "no checkpoint thread; the writer checkpoints");
            return;
        }
    };
    while store.strong_count() > 0 {
        std::thread::sleep(EVERY);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(path = %path.display(), error = %e, "WAL checkpoint failed; retrying");
        }
    }
}
