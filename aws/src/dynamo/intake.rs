//! `Intake` on DynamoDB and a score queue. DynamoDB cannot write to SQS in a transaction, so
//! each event id gets a seen item (`SEEN#<id>`) that moves `pending` -> `accepted`:
//! 1. put it `pending`, only if no seen item exists;
//! 2. send the job to the score queue;
//! 3. mark it `accepted`.
//!
//! An `accepted` id is a duplicate. A `pending` one was claimed by a call that died (or is
//! still running) before it was sure the job was queued: it is sent again and accepted. The
//! score stage drops a job applied twice by its event id, so a double send is harmless, and
//! an acknowledged event is always on the queue.

use std::collections::HashSet;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use leadflow::ports::{Acceptance, Intake, ScoreJob, StoreError};

use super::codec::{expires_in_days, get_s, key, s, Item, EXPIRES_AT};
use super::error::DynamoError;
use super::keys::{seen_pk, PK, SEEN_SK};
use super::leads::LINKED_LEAD;
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// How long an inbound event id is remembered: longer than any webhook sender retries.
const SEEN_DAYS: i64 = 30;
const STATE: &str = "state";
const PENDING: &str = "pending";
const ACCEPTED: &str = "accepted";

/// What the seen item said when this call tried to claim an event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    New,
    Pending,
    Accepted,
}

fn seen_item(job: &ScoreJob, state: &str) -> Item {
    let mut item = key(seen_pk(&job.event_id), SEEN_SK);
    item.insert(STATE.into(), s(state));
    item.insert(LINKED_LEAD.into(), s(&job.lead_id));
    item.insert(EXPIRES_AT.into(), expires_in_days(SEEN_DAYS));
    item
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    async fn claim(&self, job: &ScoreJob) -> Result<Claim, DynamoError> {
        let put = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(seen_item(job, PENDING)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claim::New),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                let seen = self.get(seen_pk(&job.event_id), SEEN_SK).await?;
                // Gone between the put and the read: it expired, so it counts as never seen.
                let Some(seen) = seen else {
                    return Ok(Claim::Pending);
                };
                Ok(match get_s(&seen, STATE)? {
                    ACCEPTED => Claim::Accepted,
                    _ => Claim::Pending,
                })
            }
            Err(e) => Err(DynamoError::sdk("PutItem", &self.table, e)),
        }
    }

    async fn mark_accepted(&self, jobs: &[ScoreJob]) -> Result<(), DynamoError> {
        let mut requests = Vec::with_capacity(jobs.len());
        for job in jobs {
            let put = PutRequest::builder()
                .set_item(Some(seen_item(job, ACCEPTED)))
                .build()
                .map_err(DynamoError::build("BatchWriteItem"))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(requests).await
    }
}

impl<Q: ScoreQueue> Intake for DynamoStore<Q> {
    async fn accept(&self, jobs: Vec<ScoreJob>) -> Result<Vec<Acceptance>, StoreError> {
        let mut answers = Vec::with_capacity(jobs.len());
        let mut in_this_batch = HashSet::new();
        let mut to_send = Vec::new();
        for job in jobs {
            if !in_this_batch.insert(job.event_id.clone()) {
                answers.push(Acceptance::Duplicate);
                continue;
            }
            match self.claim(&job).await? {
                Claim::Accepted => answers.push(Acceptance::Duplicate),
                Claim::New | Claim::Pending => {
                    answers.push(Acceptance::Accepted);
                    to_send.push(job);
                }
            }
        }
        if !to_send.is_empty() {
            self.score_queue.send(&to_send).await?;
            self.mark_accepted(&to_send).await?;
        }
        Ok(answers)
    }
}
