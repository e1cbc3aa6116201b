//! Where accepted inbound events go: the score queue. The DynamoDB intake records an event as
//! seen, sends its job here, then marks it accepted; on AWS the sender is SQS, in tests a
//! queue in memory.

use std::future::Future;
use std::sync::{Arc, Mutex};

use leadflow::ports::{ScoreJob, StoreError};

/// Sends score jobs to the score stage. `send` returns only once every job is durably queued.
pub trait ScoreQueue: Send + Sync {
    fn send(&self, jobs: &[ScoreJob]) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A score queue in memory: tests read back what was sent.
#[derive(Debug, Clone, Default)]
pub struct InMemoryScoreQueue {
    sent: Arc<Mutex<Vec<ScoreJob>>>,
}

impl InMemoryScoreQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every job sent so far, in order (a re-sent job appears again).
    pub fn sent(&self) -> Vec<ScoreJob> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ScoreJob>> {
        // A push cannot panic half-way, so a poisoned lock still holds a whole list.
        self.sent.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ScoreQueue for InMemoryScoreQueue {
    async fn send(&self, jobs: &[ScoreJob]) -> Result<(), StoreError> {
        self.lock().extend_from_slice(jobs);
        Ok(())
    }
}
