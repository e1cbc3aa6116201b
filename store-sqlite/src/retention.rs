//! Retention: what the store forgets, and when. Run by [`SqliteStore::prune`] on the caller's
//! clock (`leadflow serve`'s runtime every minute, the simulation every simulated hour).
//!
//! | what | kept | why (and the AWS equivalent) |
//! |---|---|---|
//! | seen inbound event ids (`seen_events`) | the dedupe window, 30 days | intake refuses an id seen within it; AWS's `SEEN#` items expire after 30 days |
//! | applied event ids (`applied_events`) | the dedupe window, 30 days | a copy of an event that intake let through is not applied twice; AWS keeps the last 32 per lead item |
//! | delivered alert keys (`deliveries`) | the dedupe window, 30 days | a redelivered alert is not sent twice; AWS's `DELIVERED#` items expire after 30 days |
//! | relayed outbox events | not kept: deleted by the relay in the commit that queues them | AWS's relay removes published events from the lead item |
//! | queue messages | until acknowledged (deleted in the handler's commit) | SQS deletes a message once handled |
//! | dead letters | until redriven | a DLQ keeps them for inspection |
//! | leads, history, links, facts, changelog | always | the audit trail and the metrics |
//!
//! No per-row timestamps: the three marker tables are AUTOINCREMENT rowid tables (a row's
//! `seq` is its place in write order and is never reused), and each run records the highest
//! `seq` of each with the clock (`retention_marks`, at most one mark per [`MARK_EVERY`]). A
//! run at `now` takes the newest mark at or before `now - window` and deletes every row at or
//! below it: each was written before that mark, so it is at least `window` old. A row is kept
//! between `window` and `window + MARK_EVERY` after the first run that follows its write.
//! Marks only move forward with the clock: a clock that goes back keeps rows longer, never
//! shorter.
//!
//! Deletions go oldest first in batches of [`Retention::batch`] rows, each its own short
//! write transaction, so the job never holds the write lock for long; a run that dies between
//! batches leaves a consistent store (the next run carries on).

use std::time::Duration;

use chrono::{DateTime, Utc};
use leadflow::ports::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

use crate::codec::instant;
use crate::error::Failure;
use crate::queue::nanos;
use crate::store::SqliteStore;

/// The dedupe window: as long as AWS keeps its seen and delivered markers (30 days), longer
/// than SQS keeps a message (14 days) or any webhook sender retries.
pub const DEDUPE_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// A retention run takes a new mark only if the last one is at least this old.
pub const MARK_EVERY: Duration = Duration::from_secs(10 * 60);

/// What the store keeps, and how it deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How long seen event ids, applied event ids and delivered alert keys are kept.
    pub dedupe_window: Duration,
    /// Rows deleted per write transaction.
    pub batch: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            dedupe_window: DEDUPE_WINDOW,
            batch: 500,
        }
    }
}

/// What one retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub seen_events: usize,
    pub applied_events: usize,
    pub deliveries: usize,
    /// Outbox rows marked published by an older leadflow (the relay now deletes them).
    pub outbox: usize,
    /// Write transactions the run took.
    pub batches: usize,
}

impl PruneReport {
    pub fn total(&self) -> usize {
        self.seen_events + self.applied_events + self.deliveries + self.outbox
    }
}

/// The marker tables, as `(table, retention_marks column)`.
const MARKED: [(&str, &str); 3] = [
    ("seen_events", "seen"),
    ("applied_events", "applied"),
    ("deliveries", "delivered"),
];

/// The highest `seq` ever given in `table` (AUTOINCREMENT's high-water mark, which deletions
/// do not lower), 0 for none.
fn high_water(tx: &Connection, table: &str) -> Result<i64, Failure> {
    Ok(tx
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = ?1")?
        .query_row([table], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Record a mark at `now` (unless the last is younger than `MARK_EVERY` or ahead of `now`),
/// then the cut-off for each table: the newest mark at or before `cutoff`. Marks older than
/// that one are superseded and deleted.
fn mark_tx(tx: &Connection, now: i64, cutoff: i64) -> Result<Option<[i64; 3]>, Failure> {
    let last: Option<i64> = tx
        .prepare_cached("SELECT max(at) FROM retention_marks")?
        .query_row([], |r| r.get(0))?;
    if last.is_none_or(|last| now >= last.saturating_add(nanos(MARK_EVERY))) {
        let seqs = [
            high_water(tx, MARKED[0].0)?,
            high_water(tx, MARKED[1].0)?,
            high_water(tx, MARKED[2].0)?,
        ];
        tx.prepare_cached(
            "INSERT INTO retention_marks (at, seen, applied, delivered) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![now, seqs[0], seqs[1], seqs[2]])?;
    }
    let mark: Option<(i64, [i64; 3])> = tx
        .prepare_cached(
            "SELECT at, seen, applied, delivered FROM retention_marks
             WHERE at <= ?1 ORDER BY at DESC LIMIT 1",
        )?
        .query_row([cutoff], |r| {
            Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?]))
        })
        .optional()?;
    if let Some((at, _)) = mark {
        tx.prepare_cached("DELETE FROM retention_marks WHERE at < ?1")?
            .execute([at])?;
    }
    Ok(mark.map(|(_, seqs)| seqs))
}

/// Delete up to `batch` rows of `table` with `seq <= upto`, oldest first; how many.
fn delete_batch(tx: &Connection, table: &str, upto: i64, batch: usize) -> Result<usize, Failure> {
    let sql = format!(
        "DELETE FROM {table} WHERE seq IN
         (SELECT seq FROM {table} WHERE seq <= ?1 ORDER BY seq LIMIT ?2)"
    );
    Ok(tx
        .prepare_cached(&sql)?
        .execute(params![upto, i64::try_from(batch).unwrap_or(i64::MAX)])?)
}

/// Delete up to `batch` outbox rows an older leadflow kept once relayed; how many.
fn delete_published_batch(tx: &Connection, batch: usize) -> Result<usize, Failure> {
    Ok(tx
        .prepare_cached(
            "DELETE FROM outbox WHERE seq IN
             (SELECT seq FROM outbox WHERE published = 1 ORDER BY seq LIMIT ?1)",
        )?
        .execute([i64::try_from(batch).unwrap_or(i64::MAX)])?)
}

impl SqliteStore {
    /// One retention run at `now` (see the module doc): record a mark, then delete what is
    /// older than the dedupe window, in batches of short write transactions.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<PruneReport, StoreError> {
        let retention = self.inner.retention;
        let batch = retention.batch.max(1);
        let at = instant("now", now)?;
        let cutoff = at.saturating_sub(nanos(retention.dedupe_window));
        let mut report = PruneReport::default();
        let marks = self.write(move |tx| mark_tx(tx, at, cutoff)).await?;
        report.batches += 1;
        if let Some(seqs) = marks {
            for ((table, _), upto) in MARKED.into_iter().zip(seqs) {
                loop {
                    let n = self
                        .write(move |tx| delete_batch(tx, table, upto, batch))
                        .await?;
                    report.batches += 1;
                    match table {
                        "seen_events" => report.seen_events += n,
                        "applied_events" => report.applied_events += n,
                        _ => report.deliveries += n,
                    }
                    if n < batch {
                        break;
                    }
                }
            }
        }
        loop {
            let n = self
                .write(move |tx| delete_published_batch(tx, batch))
                .await?;
            report.batches += 1;
            report.outbox += n;
            if n < batch {
                break;
            }
        }
        Ok(report)
    }
}
