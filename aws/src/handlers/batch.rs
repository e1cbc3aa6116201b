//! One SQS batch: each record handled on its own, a failure (an error or a panic) reported by
//! message id and never acknowledged; then the outbox relayed.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::task::Poll;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use leadflow::ports::{Outbox, Publisher};

use super::drain_outbox;

/// Run `fut`, turning a panic inside it into an error carrying the panic's message.
pub async fn catch_panic<F: Future>(fut: F) -> Result<F::Output, String> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
        }
    })
    .await
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    format!("panicked: {text}")
}

/// What a batch handler did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    /// Message ids handled (acknowledged).
    pub handled: Vec<String>,
    /// Message ids that failed, with why: SQS delivers them again.
    pub failed: Vec<(String, String)>,
    /// Events the closing relay published.
    pub published: usize,
    /// Why the closing relay failed, if it did (the events wait in the outbox).
    pub relay_error: Option<String>,
}

impl BatchOutcome {
    /// The answer to Lambda: only the failed records.
    pub fn response(&self) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for (id, _) in &self.failed {
            response.add_failure(id.clone());
        }
        response
    }
}

/// Handle each record of `event` in order with `handle`, then relay the outbox.
pub(crate) async fn handle_batch<'a, O, P, F, Fut>(
    event: &'a SqsEvent,
    outbox: &O,
    publisher: &P,
    stage: &str,
    handle: F,
) -> BatchOutcome
where
    O: Outbox,
    P: Publisher,
    F: Fn(&'a SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut outcome = BatchOutcome::default();
    for record in &event.records {
        // A record without an id cannot be reported alone: an empty id makes Lambda retry
        // the whole batch, which is safe because every handler is idempotent.
        let id = record.message_id.clone().unwrap_or_default();
        match catch_panic(handle(record)).await.and_then(|r| r) {
            Ok(()) => outcome.handled.push(id),
            Err(error) => {
                tracing::warn!(stage, message_id = %id, %error, "record failed; SQS delivers it again");
                outcome.failed.push((id, error));
            }
        }
    }
    match drain_outbox(outbox, publisher).await {
        Ok(n) => outcome.published = n,
        Err(e) => {
            tracing::error!(stage, error = %e, "relay failed; the events wait in the outbox for the next relay");
            outcome.relay_error = Some(e.to_string());
        }
    }
    outcome
}

/// The body of a record, or an error naming the record.
pub(crate) fn body(record: &SqsMessage) -> Result<&str, String> {
    record
        .body
        .as_deref()
        .ok_or_else(|| "the SQS record has no body".to_string())
}
