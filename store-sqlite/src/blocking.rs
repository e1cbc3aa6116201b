//! Run a blocking store operation without stalling the async runtime.

use leadflow::ports::StoreError;

use crate::error::{Failure, SqliteError};

/// Run `f` on tokio's blocking pool when called inside a tokio runtime, else inline (a plain
/// executor, a synchronous caller). SQLite calls block on disk and on the write lock, which
/// must not happen on an async worker thread.
pub(crate) async fn run_blocking<T, F>(f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Failure> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(f)
            .await
            .map_err(|e| StoreError::from(SqliteError::Task(e.to_string())))?
            .map_err(StoreError::from),
        Err(_) => f().map_err(StoreError::from),
    }
}
