//! The score queue on SQS (a standard queue): jobs go out with `SendMessageBatch`, ten at a
//! time; entries SQS refuses are sent again, and if some are still refused the send fails
//! naming them (intake then answers 5xx and the client retries: nothing is dropped silently).

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use leadflow::ports::{BoxError, ScoreJob, StoreError};

use crate::batch_retry::{send_until_accepted, BatchFailure, EntryRetry};
use crate::score_queue::ScoreQueue;

/// The most entries one `SendMessageBatch` takes.
pub const SQS_BATCH: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum SqsSendError {
    #[error("score job {event_id} cannot be encoded as JSON: {source}")]
    Encode {
        event_id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("SendMessageBatch to {queue_url} failed: {source}")]
    Call {
        queue_url: String,
        #[source]
        source: BoxError,
    },
    #[error("SQS ({queue_url}) refused the score jobs {event_ids:?} on every attempt: {reason}")]
    Refused {
        queue_url: String,
        event_ids: Vec<String>,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct SqsScoreQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    retry: EntryRetry,
}

impl SqsScoreQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsScoreQueue {
            client,
            queue_url: queue_url.into(),
            retry: EntryRetry::default(),
        }
    }

    pub fn with_retry(mut self, retry: EntryRetry) -> Self {
        self.retry = retry;
        self
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// One `SendMessageBatch` of (event id, body) pairs; returns the refused entries.
    async fn send_batch(
        &self,
        entries: Vec<(String, String)>,
    ) -> Result<Vec<(usize, String)>, BoxError> {
        let requests = entries
            .iter()
            .enumerate()
            .map(|(i, (_, body))| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(requests))
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())?;
        Ok(output
            .failed()
            .iter()
            .filter_map(|f| {
                let index = f.id().parse::<usize>().ok()?;
                Some((
                    index,
                    format!("{}: {}", f.code(), f.message().unwrap_or("")),
                ))
            })
            .collect())
    }
}

impl ScoreQueue for SqsScoreQueue {
    async fn send(&self, jobs: &[ScoreJob]) -> Result<(), StoreError> {
        for chunk in jobs.chunks(SQS_BATCH) {
            let entries = chunk
                .iter()
                .map(|job| {
                    serde_json::to_string(job)
                        .map(|body| (job.event_id.clone(), body))
                        .map_err(|source| SqsSendError::Encode {
                            event_id: job.event_id.clone(),
                            source,
                        })
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::backend)?;
            send_until_accepted(entries, self.retry, |batch| self.send_batch(batch))
                .await
                .map_err(|failure| {
                    StoreError::backend(match failure {
                        BatchFailure::Call(source) => SqsSendError::Call {
                            queue_url: self.queue_url.clone(),
                            source,
                        },
                        BatchFailure::Refused { entries, reason } => SqsSendError::Refused {
                            queue_url: self.queue_url.clone(),
                            event_ids: entries.into_iter().map(|(id, _)| id).collect(),
                            reason,
                        },
                    })
                })?;
        }
        Ok(())
    }
}
