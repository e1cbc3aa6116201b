//! WAL checkpoints off the hot path. SQLite's automatic checkpoint runs inside the commit
//! that crosses the WAL size threshold, so every thousandth page or so one commit (an intake
//! group, a worker batch) also copies the WAL back into the database file and syncs it: a
//! latency spike for every request waiting on that commit, and about a tenth of the
//! pipeline's time under load (measured with `perf`). Here a thread of its own, on its own
//! connection, runs a passive checkpoint (which never blocks the writer or the readers) a few
//! times a second; the writer's automatic checkpoint stays as a backstop at a much larger
//! WAL (`BACKSTOP_PAGES`), should this thread fall behind.
//!
//! The WAL file does not shrink by itself: SQLite starts writing it again from the top once
//! it has been checkpointed, but keeps the file at its largest size (up to the backstop's
//! ≈64 MB). So the writer has `journal_size_limit` (`WAL_SIZE_LIMIT`: it cuts the file back
//! to that when it starts the WAL over), and this thread truncates the WAL to nothing
//! (`wal_checkpoint(TRUNCATE)`) when it finds the file over that limit, or the store idle
//! for `IDLE_ROUNDS` checks, with every frame checkpointed. It never waits for that: with no
//! busy handler on its connection, a writer or reader in the way makes it give up until the
//! next round. A store that is dropped truncates its WAL too (`Drop for Inner`).

use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::Inner;

/// How often the checkpoint runs.
const EVERY: Duration = Duration::from_millis(100);

/// The writer's own automatic checkpoint, only if the WAL reaches this many pages (≈64 MB of
/// 4 KiB pages; SQLite's default is 1,000).
pub(crate) const BACKSTOP_PAGES: u32 = 16_384;

/// The writer's `journal_size_limit` (bytes): the WAL is cut back to this when it starts
/// over, and truncated by this thread whenever it is larger.
pub(crate) const WAL_SIZE_LIMIT: i64 = 8 * 1024 * 1024;

/// Checks with no new WAL frame (all checkpointed) after which the WAL is truncated (≈1 s).
const IDLE_ROUNDS: u32 = 10;

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
    // No busy handler (rusqlite's default waits 5 s): a TRUNCATE that finds a writer or a
    // reader in the way gives up at once instead of holding the write lock while it waits.
    if let Err(e) = conn.busy_timeout(Duration::ZERO) {
        tracing::warn!(path = %path.display(), error = %e, "no checkpoint thread; the writer checkpoints");
        return;
    }
    let wal = wal_path(&path);
    let mut idle = 0;
    let mut last_frames = -1;
    while store.strong_count() > 0 {
        std::thread::sleep(EVERY);
        // (busy, frames in the WAL, frames checkpointed)
        let passive = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        let (busy, frames, done) = match passive {
            Ok(counts) => counts,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "WAL checkpoint failed; retrying");
                continue;
            }
        };
        let all_copied = busy == 0 && frames == done;
        idle = if all_copied && frames == last_frames {
            idle + 1
        } else {
            0
        };
        last_frames = frames;
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let oversized = size > WAL_SIZE_LIMIT as u64;
        if all_copied && size > 0 && (oversized || idle >= IDLE_ROUNDS) {
            // Busy (a writer or a reader in the way) is no error: the next round tries again.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::debug!(path = %path.display(), error = %e, "WAL not truncated this round");
            }
            idle = 0;
        }
    }
}

/// SQLite's WAL file for the database at `path`.
pub(crate) fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}
