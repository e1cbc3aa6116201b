//! Batched work: a claimed batch of queue messages handled in ONE write transaction, a
//! savepoint per message, each acknowledged (or released for a retry) in the same commit, and
//! the outbox events the batch caused relayed to their queues before that commit.
//!
//! One commit per batch instead of two or three per message (the lead write, the ack, the
//! relay) is what lets the workers keep up with intake. The handlers are the ordinary use
//! cases, run against [`TxStore`]: the ports implemented on the open transaction.
//!
//! - A handler that fails has its savepoint rolled back (nothing it wrote stays) and its
//!   message released with backoff, or dead-lettered once out of attempts; the others commit.
//! - A batch that dies before its commit (a panic, the process killed) leaves nothing: its
//!   messages stay queued, claimed, and come back after their visibility timeout (at once on
//!   restart, see `make_all_visible`).
//!
//! `work_pass` goes further for `leadflow serve`'s hot path: the claims, every stage (score,
//! then route) and the relays between them in one transaction, so one commit per pass.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::domain::identity::KnownLead;
use leadflow::domain::{HistoryEntry, Lead, LeadId, Rep, RepId};
use leadflow::ports::{DueKind, LeadPage, LeadQuery, LeadStore, LeadWrite, RepStore, StoreError};
use leadflow::routing::{PoolStates, RepLoad};
use rusqlite::Connection;

use crate::blocking::run_blocking;
use crate::codec::instant;
use crate::error::Failure;
use crate::leads::{
    due_tx, history_tx, known_by, lead_tx, list_tx, write_lead_tx, BY_EMAIL_SQL, BY_EXTERNAL_ID_SQL,
};
use crate::outbox::{relay_tx, Routes};
use crate::queue::{ack_tx, backoff, claim_tx, nanos, release_tx, Message, Release};
use crate::reps::{account_owner_tx, pools_tx, put_rep_tx, reps_tx};
use crate::store::SqliteStore;

/// Run `f` in a savepoint named `name`: released if it returns `Ok`, rolled back (nothing of
/// it stays) otherwise.
pub(crate) fn in_savepoint<T>(
    conn: &Connection,
    name: &str,
    f: impl FnOnce(&Connection) -> Result<T, Failure>,
) -> Result<T, Failure> {
    conn.execute_batch(&format!("SAVEPOINT {name}"))?;
    match f(conn) {
        Ok(out) => {
            conn.execute_batch(&format!("RELEASE {name}"))?;
            Ok(out)
        }
        Err(e) => {
            conn.execute_batch(&format!("ROLLBACK TO {name}; RELEASE {name}"))?;
            Err(e)
        }
    }
}

/// The store's ports on one open write transaction: reads see the batch's earlier writes,
/// and each `write_lead` is atomic (its own savepoint). Rolled back if dropped uncommitted.
pub struct TxStore<'c> {
    // `&mut Connection` is `Send`, so the mutex makes this `Sync` as the ports require; it is
    // only ever taken by one call at a time.
    conn: Mutex<&'c mut Connection>,
    /// The leads this transaction wrote, as written: the route stage reads the lead the score
    /// stage just wrote without decoding its JSON again. Forgotten whenever a savepoint is
    /// rolled back (what it held may have been undone).
    written: Mutex<HashMap<LeadId, Lead>>,
    open: bool,
}

impl<'c> TxStore<'c> {
    fn begin(conn: &'c mut Connection) -> Result<TxStore<'c>, Failure> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(TxStore {
            conn: Mutex::new(conn),
            written: Mutex::default(),
            open: true,
        })
    }

    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<LeadId, Lead>> {
        self.written.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Undo the job's savepoint: what it wrote is gone, and so is every lead remembered.
    fn roll_back_job(&self) -> Result<(), Failure> {
        self.written().clear();
        self.with(|c| Ok(c.execute_batch("ROLLBACK TO job; RELEASE job")?))
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, Failure> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn)
    }

    fn commit(mut self) -> Result<(), Failure> {
        self.with(|c| Ok(c.execute_batch("COMMIT")?))?;
        self.open = false;
        Ok(())
    }
}

impl Drop for TxStore<'_> {
    fn drop(&mut self) {
        if self.open {
            let conn = self.conn.get_mut().unwrap_or_else(PoisonError::into_inner);
            // Nothing to do if it fails: the connection is then not in a transaction.
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

impl LeadStore for TxStore<'_> {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        if let Some(lead) = self.written().get(id) {
            return Ok(Some(lead.clone()));
        }
        Ok(self.with(|c| lead_tx(c, id))?)
    }
    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        Ok(self.with(|c| known_by(c, BY_EMAIL_SQL, email))?)
    }
    async fn lead_by_external_id(&self, x: &str) -> Result<Option<KnownLead>, StoreError> {
        Ok(self.with(|c| known_by(c, BY_EXTERNAL_ID_SQL, x))?)
    }
    async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
        self.with(|c| in_savepoint(c, "write_lead", |c| write_lead_tx(c, &write)))?;
        self.written().insert(write.lead.id.clone(), write.lead);
        Ok(())
    }
    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.with(|c| history_tx(c, id))?)
    }
    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        Ok(self.with(|c| list_tx(c, query))?)
    }
    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        Ok(self.with(|c| due_tx(c, kind, instant("now", now)?, limit))?)
    }
}

impl RepStore for TxStore<'_> {
    async fn reps(&self) -> Result<Vec<RepLoad>, StoreError> {
        Ok(self.with(reps_tx)?)
    }
    async fn put_rep(&self, rep: Rep) -> Result<(), StoreError> {
        Ok(self.with(|c| put_rep_tx(c, &rep))?)
    }
    async fn pools(&self) -> Result<PoolStates, StoreError> {
        Ok(self.with(pools_tx)?)
    }
    async fn account_owner(&self, company_domain: &str) -> Result<Option<RepId>, StoreError> {
        Ok(self.with(|c| account_owner_tx(c, company_domain))?)
    }
}

/// How the failed messages of a batch are retried: `base`, doubling up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
}

/// A message whose handler failed.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedMessage {
    pub id: i64,
    pub attempts: u32,
    pub error: String,
    pub release: Release,
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReport {
    pub handled: usize,
    pub failed: Vec<FailedMessage>,
    /// Outbox events moved onto their queues in the batch's commit.
    pub relayed: usize,
    /// Messages the pass claimed (`work_pass`; 0 for `work_batch`, given its messages).
    pub claimed: usize,
}

/// The relay moves at most this many outbox events per statement round.
const RELAY_CHUNK: usize = 500;

/// What a handler's panic is reported as.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    format!("the handler panicked: {what}")
}

/// How a pass treats a handler that panics.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Panics {
    /// The panic goes on: the whole transaction is rolled back, nothing is acknowledged.
    Propagate,
    /// The message failed like any other (released with backoff, dead-lettered in the end);
    /// the rest of the batch commits.
    FailTheMessage,
}

/// Run `handle` on each message in a savepoint of its own, acknowledging it or releasing it
/// per `retry`, in the caller's transaction.
fn handle_messages<F>(
    store: &TxStore<'_>,
    messages: &[Message],
    (now, now_at, max_attempts): (DateTime<Utc>, i64, u32),
    retry: RetryPolicy,
    panics: Panics,
    handle: &mut F,
    report: &mut BatchReport,
) -> Result<(), Failure>
where
    F: FnMut(&TxStore<'_>, &Message) -> Result<(), String>,
{
    for message in messages {
        store.with(|c| Ok(c.execute_batch("SAVEPOINT job")?))?;
        let outcome = match panics {
            Panics::Propagate => handle(store, message),
            Panics::FailTheMessage => catch_unwind(AssertUnwindSafe(|| handle(store, message)))
                .unwrap_or_else(|panic| Err(panic_message(panic.as_ref()))),
        };
        match outcome {
            Ok(()) => {
                store.with(|c| {
                    c.execute_batch("RELEASE job")?;
                    ack_tx(c, message.id)
                })?;
                report.handled += 1;
            }
            Err(error) => {
                let wait = backoff(message.attempts, retry.base, retry.max);
                let retry_at = TimeDelta::from_std(wait)
                    .ok()
                    .and_then(|d| now.checked_add_signed(d))
                    .unwrap_or(now);
                store.roll_back_job()?;
                let release = store.with(|c| {
                    let at = instant("retry_at", retry_at)?;
                    release_tx(c, message.id, at, &error, now_at, max_attempts)
                })?;
                report.failed.push(FailedMessage {
                    id: message.id,
                    attempts: message.attempts,
                    error,
                    release,
                });
            }
        }
    }
    Ok(())
}

/// Relay every pending outbox event, in the caller's transaction; how many.
fn relay_all(store: &TxStore<'_>, routes: Routes) -> Result<usize, Failure> {
    let mut relayed = 0;
    loop {
        let n = store.with(|c| relay_tx(c, routes, RELAY_CHUNK))?;
        relayed += n;
        if n < RELAY_CHUNK {
            return Ok(relayed);
        }
    }
}

/// One stage of a pass: claim up to `max` messages of `queue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub queue: &'static str,
    pub max: usize,
}

impl SqliteStore {
    /// Handle the claimed `messages` in one write transaction (see the module doc): `handle`
    /// runs on the blocking pool with the transaction as its store; `Ok` acknowledges the
    /// message, `Err` undoes what it wrote and releases it per `retry`. With `relay`, the
    /// outbox is relayed before the commit. An `Err` of this function (a storage failure, a
    /// handler that panicked) means nothing of the batch was committed.
    pub async fn work_batch<F>(
        &self,
        messages: Vec<Message>,
        now: DateTime<Utc>,
        retry: RetryPolicy,
        relay: Option<Routes>,
        mut handle: F,
    ) -> Result<BatchReport, StoreError>
    where
        F: FnMut(&TxStore<'_>, &Message) -> Result<(), String> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let now_at = instant("now", now)?;
        run_blocking(move || {
            let mut conn = inner.writer();
            let store = TxStore::begin(&mut conn)?;
            let mut report = BatchReport::default();
            let clock = (now, now_at, inner.max_attempts);
            handle_messages(
                &store,
                &messages,
                clock,
                retry,
                Panics::Propagate,
                &mut handle,
                &mut report,
            )?;
            if let Some(routes) = relay {
                report.relayed += relay_all(&store, routes)?;
            }
            store.commit()?;
            Ok(report)
        })
        .await
    }

    /// A whole pass of the pipeline's hot path in ONE write transaction and one trip to the
    /// blocking pool: for each stage in order, relay the outbox (so what the previous stage
    /// caused is on its queue), claim up to `max` ready messages of its queue (hidden for
    /// `visibility`), and handle them as [`SqliteStore::work_batch`] does; relay once more and
    /// commit. One report per stage.
    ///
    /// The messages ready when the pass begins are claimed, their attempts counted, in a short
    /// commit of their own first: a message that kills the process (not a panic: an abort)
    /// is dead-lettered once out of attempts instead of killing every restart. A pass that
    /// dies before its commit leaves nothing of its work; its claimed messages come back after
    /// their visibility timeout (at once on restart). What a stage causes within the pass is
    /// claimed in the pass itself. A handler that panics fails its message only (released
    /// with backoff, dead-lettered once out of attempts); the rest commits.
    pub async fn work_pass<F>(
        &self,
        stages: Vec<Stage>,
        visibility: Duration,
        now: DateTime<Utc>,
        retry: RetryPolicy,
        routes: Routes,
        mut handle: F,
    ) -> Result<Vec<BatchReport>, StoreError>
    where
        F: FnMut(&TxStore<'_>, &Message) -> Result<(), String> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let now_at = instant("now", now)?;
        run_blocking(move || {
            let mut conn = inner.writer();
            let claim = |c: &Connection, queue: &'static str, max: usize| {
                claim_tx(c, queue, max, nanos(visibility), now_at, inner.max_attempts)
            };
            let mut ready: Vec<Vec<Message>> = Vec::with_capacity(stages.len());
            {
                let store = TxStore::begin(&mut conn)?;
                for stage in &stages {
                    ready.push(store.with(|c| claim(c, stage.queue, stage.max))?);
                }
                store.commit()?;
            }
            let store = TxStore::begin(&mut conn)?;
            let clock = (now, now_at, inner.max_attempts);
            let mut reports = Vec::with_capacity(stages.len());
            for (stage, mut messages) in stages.iter().zip(ready) {
                let mut report = BatchReport {
                    relayed: relay_all(&store, routes)?,
                    ..BatchReport::default()
                };
                let room = stage.max.saturating_sub(messages.len());
                if room > 0 {
                    messages.extend(store.with(|c| claim(c, stage.queue, room))?);
                }
                report.claimed = messages.len();
                handle_messages(
                    &store,
                    &messages,
                    clock,
                    retry,
                    Panics::FailTheMessage,
                    &mut handle,
                    &mut report,
                )?;
                reports.push(report);
            }
            let relayed = relay_all(&store, routes)?;
            if let Some(last) = reports.last_mut() {
                last.relayed += relayed;
            }
            store.commit()?;
            Ok(reports)
        })
        .await
    }
}
