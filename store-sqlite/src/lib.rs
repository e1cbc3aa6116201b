//! leadflow's embedded store: every port of `leadflow::ports` and the durable queues of
//! `leadflow serve`, in one SQLite file under the data directory.
//!
//! - One writer connection (writes run `BEGIN IMMEDIATE` and are serialised by SQLite anyway)
//!   and a few reader connections; WAL mode lets readers run while a write commits.
//! - Blocking SQLite calls run on tokio's blocking pool when a tokio runtime is there, so
//!   they never stall the async workers; without a runtime they run inline.
//! - `open` takes an exclusive lock on `DIR/leadflow.lock`: one process per data directory.
//! - Storage stays bounded by what must be kept (see `retention`): relayed outbox events and
//!   handled queue messages are deleted in the commit that finishes them; the dedupe markers
//!   (seen and applied event ids, delivered alert keys) are kept 30 days and pruned by
//!   [`SqliteStore::prune`]; the WAL is truncated once checkpointed (`checkpoint`).

mod batch;
mod blocking;
mod changelog;
mod checkpoint;
mod codec;
mod cursor;
mod delivery;
mod error;
mod facts;
mod group_commit;
mod intake;
mod leads;
mod lock;
mod outbox;
pub mod queue;
mod reps;
mod retention;
mod schema;
mod store;

pub use batch::{BatchReport, FailedMessage, RetryPolicy, Stage, TxStore};
pub use changelog::{ChangeKind, ChangelogEntry};
pub use error::{OpenError, SqliteError};
pub use intake::SCORE_QUEUE;
pub use leads::MAX_PAGE;
pub use outbox::Routes;
pub use queue::{DeadLetter, Message, Release};
pub use retention::{PruneReport, Retention, DEDUPE_WINDOW, MARK_EVERY};
pub use store::{Durability, SqliteStore, StoreOptions, DB_FILE, LOCK_FILE};
