//! The metrics summary of every lead (`LeadFacts`), kept on write so that the metrics and the
//! dashboard never re-read history.
//!
//! - `lead_facts` holds one row per lead; `write_lead` folds each write into it ([`record`]),
//!   in the write's transaction. The row's `seq` (AUTOINCREMENT) grows with every write, and
//!   writes commit in `seq` order (one writer), so "rows with a larger seq" is exactly "what
//!   changed since".
//! - [`FactsCache`] keeps the decoded facts in memory, ordered by creation time; a read first
//!   catches up with the rows written since its last look, then takes a range.
//! - [`prepare`] (at open) creates the table if needed and computes the facts of the leads
//!   stored before it existed from their state and history, once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use leadflow::domain::{Lead, LeadId};
use leadflow::metrics::{lead_facts, LeadFacts};
use leadflow::ports::{LeadWrite, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::codec::{bound, from_json, instant, to_json};
use crate::error::{Failure, SqliteError};
use crate::leads::history_tx;
use crate::store::SqliteStore;

const CREATE: &str = "
    CREATE TABLE IF NOT EXISTS lead_facts (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        lead_id     TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        body        TEXT NOT NULL
    );";

/// Fold `w` into its lead's facts, in the write's transaction.
pub(crate) fn record(tx: &Connection, w: &LeadWrite) -> Result<(), Failure> {
    let previous: Option<String> = tx
        .prepare_cached("SELECT body FROM lead_facts WHERE lead_id = ?1")?
        .query_row([&w.lead.id], |r| r.get(0))
        .optional()?;
    let previous: Option<LeadFacts> = previous.map(|b| from_json("lead facts", &b)).transpose()?;
    let facts = LeadFacts::update(previous.as_ref(), &w.lead, &w.history);
    put(tx, &facts)?;
    Ok(())
}

fn put(tx: &Connection, facts: &LeadFacts) -> Result<(), SqliteError> {
    // REPLACE deletes the old row and inserts a new one: it takes the next seq.
    tx.prepare_cached(
        "INSERT OR REPLACE INTO lead_facts (lead_id, created_at, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        facts.lead_id,
        instant("lead.created_at", facts.created_at)?,
        to_json("lead facts", facts)?,
    ])?;
    Ok(())
}

/// Create the table and compute the facts of every lead that has none (leads written before
/// the table existed). Returns how many were computed. Idempotent.
pub(crate) fn prepare(conn: &mut Connection) -> Result<usize, SqliteError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(CREATE)?;
    let missing: Vec<String> = tx
        .prepare(
            "SELECT body FROM leads WHERE id NOT IN (SELECT lead_id FROM lead_facts)
             ORDER BY created_at, id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for body in &missing {
        let lead: Lead = from_json("lead", body)?;
        let history = history_tx(&tx, &lead.id).map_err(|f| match f {
            Failure::Backend(e) => e,
            Failure::Refused(e) => SqliteError::Task(e.to_string()),
        })?;
        put(&tx, &lead_facts(&lead, &history))?;
    }
    tx.commit()?;
    Ok(missing.len())
}

/// The decoded facts, by creation time, as of the last row seen.
#[derive(Debug, Default)]
pub(crate) struct FactsCache(Mutex<Cached>);

#[derive(Debug, Default)]
struct Cached {
    /// The largest seq applied.
    seen: i64,
    created: HashMap<LeadId, i64>,
    by_created: BTreeMap<(i64, LeadId), Arc<LeadFacts>>,
    /// The keys of `by_created` whose first-response clock is open: the at-risk queue reads
    /// these few, not every lead.
    open_clocks: BTreeSet<(i64, LeadId)>,
}

impl FactsCache {
    /// Apply the rows written since the last look, as `tx` sees them. The lock is held while
    /// reading, so two readers never apply the same rows twice or out of order; a reader
    /// with an older snapshot than the last applied one finds nothing newer and changes
    /// nothing.
    fn catch_up(&self, tx: &Transaction<'_>) -> Result<std::sync::MutexGuard<'_, Cached>, Failure> {
        let mut cached = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = tx.prepare_cached(
            "SELECT seq, lead_id, created_at, body FROM lead_facts WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([cached.seen])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let id: LeadId = row.get(1)?;
            let created: i64 = row.get(2)?;
            let body: String = row.get(3)?;
            let facts: LeadFacts = from_json("lead facts", &body)?;
            if let Some(old) = cached.created.insert(id.clone(), created) {
                cached.by_created.remove(&(old, id.clone()));
                cached.open_clocks.remove(&(old, id.clone()));
            }
            if facts.open_clock.is_some() {
                cached.open_clocks.insert((created, id.clone()));
            }
            cached.by_created.insert((created, id), Arc::new(facts));
            cached.seen = seq;
        }
        Ok(cached)
    }

    fn between(
        &self,
        tx: &Transaction<'_>,
        since: i64,
        until: i64,
    ) -> Result<Vec<Arc<LeadFacts>>, Failure> {
        let cached = self.catch_up(tx)?;
        if since >= until {
            return Ok(Vec::new());
        }
        let from = (since, LeadId::new());
        let to = (until, LeadId::new());
        Ok(cached
            .by_created
            .range(from..to)
            .map(|(_, f)| f.clone())
            .collect())
    }
}

impl FactsCache {
    fn with_open_clock(&self, tx: &Transaction<'_>) -> Result<Vec<Arc<LeadFacts>>, Failure> {
        let cached = self.catch_up(tx)?;
        Ok(cached
            .open_clocks
            .iter()
            .filter_map(|key| cached.by_created.get(key).cloned())
            .collect())
    }
}

impl SqliteStore {
    /// The facts of the leads created in `[since, until)`, oldest first (then by id).
    pub async fn facts_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Arc<LeadFacts>>, StoreError> {
        let inner = Arc::clone(&self.inner);
        self.read(move |tx| inner.facts.between(tx, bound(since), bound(until)))
            .await
    }

    /// The facts of every lead whose first-response clock is open, whenever it was created,
    /// by creation time.
    pub async fn facts_with_open_clock(&self) -> Result<Vec<Arc<LeadFacts>>, StoreError> {
        let inner = Arc::clone(&self.inner);
        self.read(move |tx| inner.facts.with_open_clock(tx)).await
    }

    /// Load the facts into memory now rather than at the first read.
    pub(crate) fn warm_facts(&self) -> Result<(), StoreError> {
        let inner = Arc::clone(&self.inner);
        let mut conn = inner.reader();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)
            .map_err(SqliteError::from)?;
        drop(inner.facts.catch_up(&tx)?);
        Ok(())
    }
}
