//! `Outbox`: domain events stored with the write that caused them, oldest first, until
//! published. `relay_to_queues` is the in-process bus of `leadflow serve`: it moves pending
//! events onto the queues their consumers read and deletes them in one transaction,
//! so a crash can neither lose an event nor deliver it twice from the outbox.

use leadflow::domain::DomainEvent;
use leadflow::ports::{Outbox, StoreError};
use rusqlite::Connection;

use crate::codec::{from_json, instant};
use crate::error::Failure;
use crate::queue::enqueue_tx;
use crate::store::SqliteStore;

/// Which queues an event goes to (none: it is only removed from the outbox).
pub type Routes = fn(&DomainEvent) -> Vec<&'static str>;

/// `(seq, stored body, event)` of up to `limit` pending events, oldest first.
fn pending_tx(tx: &Connection, limit: usize) -> Result<Vec<(i64, String, DomainEvent)>, Failure> {
    let mut stmt = tx
        .prepare_cached("SELECT seq, body FROM outbox WHERE published = 0 ORDER BY seq LIMIT ?1")?;
    let rows = stmt
        .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(seq, body)| {
            let event = from_json("domain event", &body)?;
            Ok((seq, body, event))
        })
        .collect()
}

/// Up to `limit` pending events onto their queues and out of the outbox, in the caller's
/// transaction; how many.
pub(crate) fn relay_tx(tx: &Connection, routes: Routes, limit: usize) -> Result<usize, Failure> {
    let pending = pending_tx(tx, limit)?;
    for (seq, body, event) in &pending {
        let at = instant("event.occurred_at", event.occurred_at)?;
        for queue in routes(event) {
            enqueue_tx(tx, queue, body, at, at)?;
        }
        // Relayed is done: nothing reads a relayed event again (AWS's relay likewise removes
        // published events from the lead item).
        tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
            .execute([seq])?;
    }
    Ok(pending.len())
}

impl Outbox for SqliteStore {
    async fn pending(&self, limit: usize) -> Result<Vec<DomainEvent>, StoreError> {
        self.read(move |tx| {
            Ok(pending_tx(tx, limit)?
                .into_iter()
                .map(|(_, _, e)| e)
                .collect())
        })
        .await
    }

    async fn mark_published(&self, event_ids: &[String]) -> Result<(), StoreError> {
        if event_ids.is_empty() {
            return Ok(());
        }
        let ids = event_ids.to_vec();
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE event_id = ?1")?;
            for id in &ids {
                stmt.execute([id])?;
            }
            Ok(())
        })
        .await
    }
}

impl SqliteStore {
    /// Whether the outbox holds an event not yet relayed (a reader's look, no write lock).
    pub async fn has_pending_events(&self) -> Result<bool, StoreError> {
        self.read_point(|c| {
            Ok(
                c.prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE published = 0)")?
                    .query_row([], |r| r.get(0))?,
            )
        })
        .await
    }

    /// Move up to `limit` pending events onto the queues `routes` names (the event as the
    /// payload, ready from when it occurred) and remove them from the outbox, all in one
    /// transaction. Returns how many events were relayed.
    pub async fn relay_to_queues(&self, routes: Routes, limit: usize) -> Result<usize, StoreError> {
        self.write(move |tx| relay_tx(tx, routes, limit)).await
    }
}
