//! Durable queues in the same database: the in-process queues of `leadflow serve` ("score",
//! "route", "notify"), with at-least-once delivery like SQS.
//!
//! - `claim` hands out ready messages and hides them for a visibility timeout; a consumer
//!   that dies without `ack` or `release` sees its messages come back when it ends.
//! - `release` puts a failed message back for a retry at a later time (the caller's backoff,
//!   see [`backoff`]).
//! - A message claimed `max_attempts` times without an `ack` is a poison message: it moves to
//!   `dead_letters` (on `release`, or at the next `claim` after its timeout) and is not
//!   delivered again unless `redrive`n.
//!
//! Enqueueing inside a larger transaction (`enqueue_tx`) is what makes intake and the outbox
//! relay exactly-once with respect to the state they record.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leadflow::ports::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec::{from_instant, from_json, instant, to_json};
use crate::error::{Failure, SqliteError};
use crate::store::SqliteStore;

/// A claimed message. `attempts` counts this claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: i64,
    pub queue: String,
    pub payload: serde_json::Value,
    pub attempts: u32,
    pub enqueued_at: DateTime<Utc>,
}

impl Message {
    /// The payload as the type it was enqueued as.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, SqliteError> {
        serde_json::from_value(self.payload.clone()).map_err(|source| SqliteError::Decode {
            what: "queue payload",
            source,
        })
    }
}

/// What `release` did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// It will be delivered again at the retry time.
    Retry,
    /// It used its last attempt and is now a dead letter.
    DeadLettered,
    /// It is no longer on the queue (acknowledged, or dead-lettered already).
    Gone,
}

/// A message that was given up on.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub id: i64,
    pub queue: String,
    pub payload: serde_json::Value,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub enqueued_at: DateTime<Utc>,
    pub dead_at: DateTime<Utc>,
}

/// Exponential backoff for the retry after `attempts` failed attempts: `base`, `2 base`,
/// `4 base`, ... capped at `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(max)
}

pub(crate) fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Put a JSON payload on `queue`, claimable from `available_at`, in the caller's transaction.
pub(crate) fn enqueue_tx(
    tx: &Connection,
    queue: &str,
    payload: &str,
    enqueued_at: i64,
    available_at: i64,
) -> Result<i64, Failure> {
    tx.prepare_cached(
        "INSERT INTO queue (queue, payload, enqueued_at, available_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![queue, payload, enqueued_at, available_at])?;
    Ok(tx.last_insert_rowid())
}

fn dead_letter_tx(tx: &Connection, id: i64, error: Option<&str>, now: i64) -> Result<(), Failure> {
    tx.prepare_cached(
        "INSERT INTO dead_letters (id, queue, payload, enqueued_at, attempts, last_error, dead_at)
         SELECT id, queue, payload, enqueued_at, attempts, coalesce(?2, last_error), ?3
         FROM queue WHERE id = ?1",
    )?
    .execute(params![id, error, now])?;
    tx.prepare_cached("DELETE FROM queue WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Remove a handled message; whether it was still on the queue.
pub(crate) fn ack_tx(tx: &Connection, id: i64) -> Result<bool, Failure> {
    Ok(tx
        .prepare_cached("DELETE FROM queue WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// Put a failed message back for `retry_at`, or dead-letter it once out of attempts.
pub(crate) fn release_tx(
    tx: &Connection,
    id: i64,
    retry_at: i64,
    error: &str,
    now: i64,
    max_attempts: u32,
) -> Result<Release, Failure> {
    let attempts: Option<u32> = tx
        .prepare_cached("SELECT attempts FROM queue WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match attempts {
        None => Ok(Release::Gone),
        Some(n) if n >= max_attempts => {
            dead_letter_tx(tx, id, Some(error), now)?;
            Ok(Release::DeadLettered)
        }
        Some(_) => {
            tx.prepare_cached("UPDATE queue SET available_at = ?2, last_error = ?3 WHERE id = ?1")?
                .execute(params![id, retry_at, error])?;
            Ok(Release::Retry)
        }
    }
}

struct Ready {
    id: i64,
    payload: String,
    attempts: u32,
    enqueued_at: i64,
}

pub(crate) fn claim_tx(
    tx: &Connection,
    queue: &str,
    max: usize,
    visibility: i64,
    now: i64,
    max_attempts: u32,
) -> Result<Vec<Message>, Failure> {
    let hidden_until = now.saturating_add(visibility.max(1));
    let mut claimed = Vec::new();
    // Poison messages found on the way are dead-lettered and do not count: look again.
    while claimed.len() < max {
        let want = i64::try_from(max - claimed.len()).unwrap_or(i64::MAX);
        let ready = tx
            .prepare_cached(
                "SELECT id, payload, attempts, enqueued_at FROM queue
                 WHERE queue = ?1 AND available_at <= ?2 ORDER BY available_at, id LIMIT ?3",
            )?
            .query_map(params![queue, now, want], |r| {
                Ok(Ready {
                    id: r.get(0)?,
                    payload: r.get(1)?,
                    attempts: r.get(2)?,
                    enqueued_at: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        if ready.is_empty() {
            break;
        }
        for m in ready {
            if m.attempts >= max_attempts {
                let why = format!("claimed {} times without being acknowledged", m.attempts);
                dead_letter_tx(tx, m.id, Some(&why), now)?;
                continue;
            }
            tx.prepare_cached(
                "UPDATE queue SET attempts = attempts + 1, available_at = ?2 WHERE id = ?1",
            )?
            .execute(params![m.id, hidden_until])?;
            claimed.push(Message {
                id: m.id,
                queue: queue.to_string(),
                payload: from_json("queue payload", &m.payload)?,
                attempts: m.attempts + 1,
                enqueued_at: from_instant(m.enqueued_at),
            });
        }
    }
    Ok(claimed)
}

impl SqliteStore {
    /// Put `payload` on `queue`, claimable from `available_at`.
    pub async fn enqueue<T: Serialize>(
        &self,
        queue: &str,
        payload: &T,
        available_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let queue = queue.to_string();
        let payload = to_json("queue payload", payload)?;
        let at = instant("available_at", available_at)?;
        self.write(move |tx| enqueue_tx(tx, &queue, &payload, at, at))
            .await
    }

    /// Up to `max` messages of `queue` ready at `now`, oldest first, each hidden from other
    /// claims for `visibility`.
    pub async fn claim(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Message>, StoreError> {
        let queue = queue.to_string();
        let now = instant("now", now)?;
        let max_attempts = self.inner.max_attempts;
        self.write(move |tx| claim_tx(tx, &queue, max, nanos(visibility), now, max_attempts))
            .await
    }

    /// These messages were handled: remove them in one transaction (one commit for a whole
    /// batch). Returns how many were still on the queue.
    pub async fn ack_many(&self, ids: Vec<i64>) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.write(move |tx| {
            let mut removed = 0;
            let mut delete = tx.prepare_cached("DELETE FROM queue WHERE id = ?1")?;
            for id in &ids {
                removed += delete.execute([id])?;
            }
            Ok(removed)
        })
        .await
    }

    /// The message was handled: remove it. `false` if it was not on the queue any more.
    pub async fn ack(&self, id: i64) -> Result<bool, StoreError> {
        self.write(move |tx| ack_tx(tx, id)).await
    }

    /// Handling the message failed with `error`: deliver it again at `retry_at`, or make it a
    /// dead letter if it used its last attempt.
    pub async fn release(
        &self,
        id: i64,
        retry_at: DateTime<Utc>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<Release, StoreError> {
        let error = error.to_string();
        let retry_at = instant("retry_at", retry_at)?;
        let now = instant("now", now)?;
        let max_attempts = self.inner.max_attempts;
        self.write(move |tx| release_tx(tx, id, retry_at, &error, now, max_attempts))
            .await
    }

    /// For a process starting on the data directory: every message hidden by a claim of a
    /// process that died (or waiting for a retry) becomes claimable at `now`, instead of
    /// after its visibility timeout (30 s in `leadflow serve`); a message enqueued for later
    /// and never claimed keeps its time. Only right when no other process works the queues,
    /// which the directory lock guarantees. How many were hidden.
    pub async fn make_all_visible(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = instant("now", now)?;
        self.write(move |tx| {
            Ok(tx
                .prepare_cached(
                    "UPDATE queue SET available_at = ?1 WHERE available_at > ?1 AND attempts > 0",
                )?
                .execute([now])? as u64)
        })
        .await
    }

    /// Whether `queue` has a message ready at `now`: a reader's look, so that a worker with
    /// nothing to do does not take the write lock to find out.
    pub async fn has_ready(&self, queue: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let queue = queue.to_string();
        let now = instant("now", now)?;
        self.read_point(move |c| {
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM queue WHERE queue = ?1 AND available_at <= ?2)",
            )?
            .query_row(params![queue, now], |r| r.get(0))?)
        })
        .await
    }

    /// Messages on `queue` not yet acknowledged (ready, hidden or waiting for a retry).
    pub async fn queue_depth(&self, queue: &str) -> Result<u64, StoreError> {
        let queue = queue.to_string();
        self.read(move |tx| {
            Ok(tx
                .prepare_cached("SELECT count(*) FROM queue WHERE queue = ?1")?
                .query_row([queue], |r| r.get(0))?)
        })
        .await
    }

    /// The dead letters of `queue`, oldest first.
    pub async fn dead_letters(
        &self,
        queue: &str,
        limit: usize,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        let queue = queue.to_string();
        self.read(move |tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, payload, attempts, last_error, enqueued_at, dead_at FROM dead_letters
                 WHERE queue = ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(
                    params![queue, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, u32>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(
                    |(id, payload, attempts, last_error, enqueued_at, dead_at)| {
                        Ok(DeadLetter {
                            id,
                            queue: queue.clone(),
                            payload: from_json("dead letter payload", &payload)?,
                            attempts,
                            last_error,
                            enqueued_at: from_instant(enqueued_at),
                            dead_at: from_instant(dead_at),
                        })
                    },
                )
                .collect()
        })
        .await
    }

    /// Put a dead letter back on its queue with fresh attempts, ready at `now` (after the
    /// cause was fixed). `false` if there is no such dead letter.
    pub async fn redrive(
        &self,
        dead_letter_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = instant("now", now)?;
        self.write(move |tx| {
            let moved = tx
                .prepare_cached(
                    "INSERT INTO queue (id, queue, payload, enqueued_at, available_at, attempts)
                     SELECT id, queue, payload, enqueued_at, ?2, 0 FROM dead_letters WHERE id = ?1",
                )?
                .execute(params![dead_letter_id, now])?;
            tx.prepare_cached("DELETE FROM dead_letters WHERE id = ?1")?
                .execute([dead_letter_id])?;
            Ok(moved > 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let s = Duration::from_secs;
        assert_eq!(backoff(1, s(2), s(60)), s(2));
        assert_eq!(backoff(2, s(2), s(60)), s(4));
        assert_eq!(backoff(4, s(2), s(60)), s(16));
        assert_eq!(backoff(10, s(2), s(60)), s(60));
        assert_eq!(backoff(200, s(2), s(60)), s(60));
        assert_eq!(backoff(0, s(2), s(60)), s(2));
    }
}
