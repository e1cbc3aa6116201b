//! `Intake`: an inbound event is accepted once. Recording its id as seen and putting its
//! score job on the "score" queue happen in one transaction, so an acknowledged event is
//! always queued, and a redelivered one never is.

use leadflow::ports::{Acceptance, Intake, ScoreJob, StoreError};
use rusqlite::Transaction;

use crate::codec::{instant, to_json};
use crate::error::Failure;
use crate::queue::enqueue_tx;
use crate::store::SqliteStore;

/// The queue the score workers consume.
pub const SCORE_QUEUE: &str = "score";

fn accept_tx(tx: &Transaction<'_>, jobs: &[ScoreJob]) -> Result<Vec<Acceptance>, Failure> {
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
        self.write(move |tx| accept_tx(tx, &jobs)).await
    }
}
