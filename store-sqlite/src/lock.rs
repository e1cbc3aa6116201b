//! One process per data directory: an exclusive `flock` on `DIR/leadflow.lock`, held for the
//! store's life. The kernel drops it when the process dies, even on `kill -9`, so a crash
//! never leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use fs4::{FileExt, TryLockError};

use crate::error::OpenError;

/// Holds the lock until dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    pub(crate) fn acquire(dir: &Path, lock_path: &Path) -> Result<DirLock, OpenError> {
        let lock_file_error = |source| OpenError::LockFile {
            path: lock_path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path)
            .map_err(lock_file_error)?;
        // fs4's trait method, named in full: std's inherent `File::try_lock` is newer than the
        // workspace's minimum Rust.
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(OpenError::Locked {
                    dir: dir.to_path_buf(),
                    lock: lock_path.to_path_buf(),
                })
            }
            Err(TryLockError::Error(e)) => return Err(lock_file_error(e)),
        }
        // Who holds it, for a person looking at the directory; the lock itself is the flock.
        file.set_len(0).map_err(lock_file_error)?;
        writeln!(file, "pid {}", std::process::id()).map_err(lock_file_error)?;
        Ok(DirLock { _file: file })
    }
}
