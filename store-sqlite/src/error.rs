//! Errors of opening the store and of its operations. Operation errors reach the use cases as
//! `StoreError::Backend(SqliteError)`, except a cursor this store never issued, which is the
//! port's `StoreError::InvalidCursor`.

use std::path::PathBuf;

use leadflow::ports::StoreError;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "data directory {dir} is in use by another leadflow process (lock file {lock} is held); \
         stop it or choose another --data directory"
    )]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("cannot create data directory {dir}: {source}")]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open lock file {path}: {source}")]
    LockFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open database {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "cannot start the threads that commit accepted events and checkpoint the WAL: {source}"
    )]
    CommitThread {
        #[source]
        source: std::io::Error,
    },
    #[error("database {path} has schema version {found}, newer than the {supported} this leadflow knows: use a newer leadflow")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("computing the lead facts (metrics summaries) of database {path} failed: {source}")]
    Facts {
        path: PathBuf,
        #[source]
        source: SqliteError,
    },
    #[error("migrating database {path} to schema version {version} failed: {source}")]
    Migration {
        path: PathBuf,
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
}

/// A failed store operation (wrapped in `StoreError::Backend` at the port boundary).
#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored {what} is not valid JSON: {source}")]
    Decode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{what} cannot be encoded as JSON: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{field} {value} is outside the storable time range ({range})")]
    TimeOutOfRange {
        field: &'static str,
        value: String,
        range: String,
    },
    #[error("stored {field} has an unknown value {value:?}")]
    UnknownValue { field: &'static str, value: String },
    #[error("cursor is not one this store issued: {0}")]
    InvalidCursor(String),
    #[error("the commit of a group of accepted events failed: {0}")]
    GroupCommit(String),
    #[error("the store was closed before the accepted events were committed")]
    Closed,
    #[error("the blocking task of a store operation failed: {0}")]
    Task(String),
}

impl From<SqliteError> for StoreError {
    fn from(e: SqliteError) -> Self {
        match e {
            // The port's own refusal, so the API answers 400 without knowing this store.
            SqliteError::InvalidCursor(cursor) => StoreError::InvalidCursor(cursor),
            other => StoreError::backend(other),
        }
    }
}

/// What an operation inside the store ends with: a refusal the port defines (conflict,
/// already applied) or a backend failure. Kept apart so `?` works on both inside a transaction.
#[derive(Debug)]
pub(crate) enum Failure {
    Refused(StoreError),
    Backend(SqliteError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Refused(e)
    }
}

impl From<SqliteError> for Failure {
    fn from(e: SqliteError) -> Self {
        Failure::Backend(e)
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Backend(SqliteError::Sqlite(e))
    }
}

impl From<Failure> for StoreError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Refused(e) => e,
            Failure::Backend(e) => e.into(),
        }
    }
}
