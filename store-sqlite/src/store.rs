//! The store: the data directory, its lock, and the connections to `DIR/leadflow.db`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use leadflow::ports::StoreError;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::blocking::run_blocking;
use crate::error::{Failure, OpenError};
use crate::facts::{self, FactsCache};
use crate::lock::DirLock;
use crate::schema;

/// The database file inside the data directory.
pub const DB_FILE: &str = "leadflow.db";
/// The lock file that keeps a second process off the data directory.
pub const LOCK_FILE: &str = "leadflow.lock";

/// The writer's page cache, as SQLite's `cache_size` (negative: KiB), 64 MiB.
const WRITER_CACHE_KIB: i64 = -65_536;

/// Each reader's page cache (16 MiB): lookups by email or id during intake stay in memory.
const READER_CACHE_KIB: i64 = -16_384;

/// What a commit waits for before it returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: each commit is fsynced; it survives a crash of the process and of
    /// the machine (power loss).
    #[default]
    Full,
    /// `synchronous=NORMAL` (WAL): a commit is in the OS's page cache when it returns. It
    /// survives the process being killed (`kill -9`), not a power loss or kernel crash, which
    /// may lose the last commits (the database stays consistent). Much faster.
    Normal,
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub durability: Durability,
    /// Reader connections (reads run beside the single writer in WAL mode).
    pub readers: usize,
    /// How long a statement waits for a lock held by another connection before failing.
    pub busy_timeout: Duration,
    /// A queue message claimed this many times without being acknowledged is moved to the
    /// dead letters instead of being delivered again.
    pub max_attempts: u32,
    /// What [`SqliteStore::prune`] keeps (see `retention`).
    pub retention: crate::retention::Retention,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            durability: Durability::Full,
            readers: 4,
            busy_timeout: Duration::from_secs(5),
            max_attempts: 5,
            retention: crate::retention::Retention::default(),
        }
    }
}

/// leadflow's state in one SQLite file. Cheap to clone: clones share the connections.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    writer: Mutex<Connection>,
    /// Accepted events on their way to the group committer (see `group_commit`).
    pub(crate) intake: std::sync::mpsc::Sender<crate::group_commit::Request>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    pub(crate) max_attempts: u32,
    pub(crate) retention: crate::retention::Retention,
    pub(crate) facts: FactsCache,
    dir: PathBuf,
    // Declared last so it is dropped last: the lock outlives every connection.
    _lock: DirLock,
}

impl SqliteStore {
    /// Open (creating if needed) the store in `dir` with the default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<SqliteStore, OpenError> {
        Self::open_with(dir, StoreOptions::default())
    }

    pub fn open_with(
        dir: impl AsRef<Path>,
        options: StoreOptions,
    ) -> Result<SqliteStore, OpenError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| OpenError::CreateDir {
            dir: dir.clone(),
            source,
        })?;
        let lock = DirLock::acquire(&dir, &dir.join(LOCK_FILE))?;
        let path = dir.join(DB_FILE);
        let database = |source| OpenError::Database {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(database)?;
        // WAL is a property of the file: set once here, readers then open in WAL mode.
        let mode: String = writer
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(database)?;
        debug_assert_eq!(mode.to_ascii_lowercase(), "wal");
        configure(&writer, &options).map_err(database)?;
        // The writer's page cache holds the working set of a busy pipeline (queue, outbox,
        // leads being scored): re-reading pages through the OS was a visible cost.
        writer
            .pragma_update(None, "cache_size", WRITER_CACHE_KIB)
            .map_err(database)?;
        // After a checkpoint lets the WAL start over, the writer cuts the file back to this
        // size: without it the WAL keeps its high-water size (up to the backstop's ≈64 MB).
        writer
            .pragma_update(
                None,
                "journal_size_limit",
                crate::checkpoint::WAL_SIZE_LIMIT,
            )
            .map_err(database)?;
        writer
            .pragma_update(
                None,
                "wal_autocheckpoint",
                crate::checkpoint::BACKSTOP_PAGES,
            )
            .map_err(database)?;
        schema::migrate(&mut writer, &path)?;
        facts::prepare(&mut writer).map_err(|source| OpenError::Facts {
            path: path.clone(),
            source,
        })?;
        let readers = (0..options.readers.max(1))
            .map(|_| {
                let conn = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&conn, &options)?;
                conn.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
                Ok(Mutex::new(conn))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()
            .map_err(database)?;
        let (intake, requests) = std::sync::mpsc::channel();
        let inner = Arc::new(Inner {
            writer: Mutex::new(writer),
            intake,
            readers,
            next_reader: AtomicUsize::new(0),
            max_attempts: options.max_attempts.max(1),
            retention: options.retention,
            facts: FactsCache::default(),
            dir,
            _lock: lock,
        });
        crate::group_commit::start(Arc::downgrade(&inner), requests)
            .map_err(|source| OpenError::CommitThread { source })?;
        crate::checkpoint::start(Arc::downgrade(&inner), path.clone())
            .map_err(|source| OpenError::CommitThread { source })?;
        let store = SqliteStore { inner };
        store.warm_facts().map_err(|e| OpenError::Facts {
            path: path.clone(),
            source: crate::error::SqliteError::Task(e.to_string()),
        })?;
        Ok(store)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Run `f` in one write transaction (`BEGIN IMMEDIATE`): committed if it returns `Ok`,
    /// rolled back whole otherwise.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, Failure> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || inner.write_now(f)).await
    }

    /// A point read (one statement on an index): run at once on this thread when a reader is
    /// free, without the trip to the blocking pool and back, which costs more than the read (a
    /// few microseconds on cached pages; WAL readers never wait for the writer). With every
    /// reader busy, it waits on the blocking pool like any read.
    pub(crate) async fn read_point<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Failure> + Send + 'static,
    {
        if let Some(conn) = self.inner.free_reader() {
            return f(&conn).map_err(StoreError::from);
        }
        let inner = Arc::clone(&self.inner);
        run_blocking(move || f(&inner.reader())).await
    }

    /// Run `f` on a reader, inside one read transaction so that it sees one snapshot.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, Failure> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = inner.reader();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

impl Inner {
    /// The writer connection, to run a transaction on (waits for the one in progress).
    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        relock(self.writer.lock())
    }

    /// Run `f` in one write transaction on this thread: committed if it returns `Ok`.
    pub(crate) fn write_now<T, F>(&self, f: F) -> Result<T, Failure>
    where
        F: FnOnce(&Transaction<'_>) -> Result<T, Failure>,
    {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// A reader no one is using, if there is one.
    pub(crate) fn free_reader(&self) -> Option<MutexGuard<'_, Connection>> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        (0..n).find_map(|i| self.readers[(start + i) % n].try_lock().ok())
    }

    /// A free reader if there is one, else wait for the next in turn.
    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(guard) = self.readers[(start + i) % n].try_lock() {
                return guard;
            }
        }
        relock(self.readers[start % n].lock())
    }
}

impl Drop for Inner {
    /// The store is closing: copy the WAL into the database and truncate it, so that a data
    /// directory left behind holds the database and an empty WAL (the checkpoint thread's
    /// connection may outlive this one, and SQLite removes the WAL only on the last close).
    fn drop(&mut self) {
        let conn = self
            .writer
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "closing: the WAL was not truncated");
        }
    }
}

/// A connection whose holder panicked is still usable: an open transaction was rolled back
/// when it was dropped during the unwind.
fn relock<'a>(
    r: Result<MutexGuard<'a, Connection>, std::sync::PoisonError<MutexGuard<'a, Connection>>>,
) -> MutexGuard<'a, Connection> {
    r.unwrap_or_else(|p| p.into_inner())
}

fn configure(conn: &Connection, options: &StoreOptions) -> rusqlite::Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    let synchronous = match options.durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "foreign_keys", false)?;
    // Room for every statement, the lead update's variants (one per set of changed columns)
    // among them.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}
