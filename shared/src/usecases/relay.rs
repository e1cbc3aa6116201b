//! Publish what the outbox holds: events were stored with the change that caused them, so a
//! crash between writing and publishing loses nothing — the relay publishes them later.
//! Entries the bus refused stay pending and are retried; the failure is returned, not logged.

use super::UseCaseError;
use crate::ports::{Outbox, PublishError, Publisher};

/// Publish up to `limit` pending events; returns how many were published.
pub async fn relay<O: Outbox, P: Publisher>(
    outbox: &O,
    publisher: &P,
    limit: usize,
) -> Result<usize, UseCaseError> {
    let pending = outbox.pending(limit).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    match publisher.publish(&pending).await {
        Ok(()) => {
            let ids: Vec<String> = pending.iter().map(|e| e.event_id.clone()).collect();
            outbox.mark_published(&ids).await?;
            Ok(ids.len())
        }
        Err(PublishError::Partial { failed, reason }) => {
            let done: Vec<String> = pending
                .iter()
                .map(|e| e.event_id.clone())
                .filter(|id| !failed.contains(id))
                .collect();
            outbox.mark_published(&done).await?;
            Err(PublishError::Partial { failed, reason }.into())
        }
        Err(e) => Err(e.into()),
    }
}
