//! The bodies of the Lambda functions, generic over the ports (as the use cases are), so that
//! tests run them on the memory store and the functions on DynamoDB. Each takes the trigger's
//! `aws_lambda_events` type and "now", and answers what Lambda expects: SQS handlers report
//! only the records that failed (`ReportBatchItemFailures`), scheduled ones a summary.
//!
//! Every handler ends by relaying the outbox: the events its writes stored go to the bus. A
//! relay that fails loses nothing — the events stay in the outbox and the next handler or
//! scheduled sweep publishes them — so the records are still acknowledged.

mod batch;
pub mod envelope;
pub mod init;
pub mod notify;
pub mod route;
pub mod schedule;
pub mod score;

pub use batch::{catch_panic, BatchOutcome};

use leadflow::ports::{Outbox, Publisher};
use leadflow::usecases::relay::relay;
use leadflow::usecases::UseCaseError;

/// Events published per relay pass.
pub const RELAY_BATCH: usize = 100;

/// Publish everything pending in the outbox; returns how many events went out.
pub async fn drain_outbox<O: Outbox, P: Publisher>(
    outbox: &O,
    publisher: &P,
) -> Result<usize, UseCaseError> {
    let mut total = 0;
    loop {
        let n = relay(outbox, publisher, RELAY_BATCH).await?;
        total += n;
        if n < RELAY_BATCH {
            return Ok(total);
        }
    }
}
