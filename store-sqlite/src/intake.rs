//! `Intake`: an inbound event is accepted once. Recording its id as seen and putting its
//! score job on the "score" queue happen in one transaction, so an acknowledged event is
//! always queued, and a redelivered one never is. Concurrent requests share one transaction
//! (`group_commit`).

use leadflow::ports::{Acceptance, Intake, ScoreJob, StoreError};
use rusqlite::Connection;

use crate::codec::{instant, to_json};
use crate::error::{Failure, SqliteError};
use crate::group_commit::Request;
use crate::queue::enqueue_tx;
use crate::store::SqliteStore;

/// The queue the score workers consume.
pub const SCORE_QUEUE: &str = "score";

pub(crate) fn accept_tx(tx: &Connection, jobs: &[ScoreJob]) -> Result<Vec<Acceptance>, Failure> {
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let new = tx
            .prepare_cached("INSERT OR IGNORE INTO seen_events (event_id) VALUES (?1)")?
            .execute([&job.event_id])?
            > 0;
        if new {
            let at = instant("received_at", job.received_at)?;
            enqueue_tx(tx, SCORE_QUEUE, &to_json("score job", job)?, at, at)?;
            out.push(Acceptance::Accepted);
        } else {
            out.push(Acceptance::Duplicate);
        }
    }
    Ok(out)
}

impl Intake for SqliteStore {
    async fn accept(&self, jobs: Vec<ScoreJob>) -> Result<Vec<Acceptance>, StoreError> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        // Through the group committer: one transaction for every request waiting with this one.
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = Request { jobs, reply };
        if self.inner.intake.send(request).is_err() {
            return Err(SqliteError::Closed.into());
        }
        answer
            .await
            .map_err(|_| StoreError::from(SqliteError::Closed))?
    }
}
