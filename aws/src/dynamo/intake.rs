//! `Intake` on DynamoDB and a score queue, one write per accepted event. DynamoDB cannot
//! write to SQS in a transaction, so the order makes the promise: each event id gets a seen
//! item (`SEEN#<id>`), written only *after* its job is on the score queue:
//! 1. read the seen items of the batch's ids: an id seen before is a duplicate;
//! 2. send the other jobs to the score queue;
//! 3. put their seen items.
//!
//! An acknowledged event is always on the queue (step 2 came before the answer). A call that
//! dies between 2 and 3 leaves no seen item: the sender, never acknowledged, retries and the
//! job is sent again; two copies of one event racing through intake are both sent. Either
//! way the score stage drops the second copy by the event ids the lead item remembers
//! (`lead_body::APPLIED_KEPT`), so a double send is harmless.

use std::collections::HashSet;

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

fn seen_item(job: &ScoreJob) -> Item {
    let mut item = key(seen_pk(&job.event_id), SEEN_SK);
    item.insert(LINKED_LEAD.into(), s(&job.lead_id));
    item.insert(EXPIRES_AT.into(), expires_in_days(SEEN_DAYS));
    item
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    /// The ids among `jobs` that have a seen item.
    async fn seen(&self, jobs: &[ScoreJob]) -> Result<HashSet<String>, DynamoError> {
        let keys = jobs
            .iter()
            .map(|j| key(seen_pk(&j.event_id), SEEN_SK))
            .collect();
        let mut seen = HashSet::new();
        for item in self.batch_get(keys).await? {
            let pk = get_s(&item, PK)?;
            seen.insert(pk.strip_prefix("SEEN#").unwrap_or(pk).to_string());
        }
        Ok(seen)
    }

    async fn mark_seen(&self, jobs: &[ScoreJob]) -> Result<(), DynamoError> {
        let mut requests = Vec::with_capacity(jobs.len());
        for job in jobs {
            let put = PutRequest::builder()
                .set_item(Some(seen_item(job)))
                .build()
                .map_err(DynamoError::build("BatchWriteItem"))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(requests).await
    }
}

impl<Q: ScoreQueue> Intake for DynamoStore<Q> {
    async fn accept(&self, jobs: Vec<ScoreJob>) -> Result<Vec<Acceptance>, StoreError> {
        let mut in_this_batch = HashSet::new();
        let first: Vec<bool> = jobs
            .iter()
            .map(|j| in_this_batch.insert(j.event_id.clone()))
            .collect();
        let unique: Vec<ScoreJob> = jobs
            .iter()
            .zip(&first)
            .filter(|(_, f)| **f)
            .map(|(j, _)| j.clone())
            .collect();
        let seen = if unique.is_empty() {
            HashSet::new()
        } else {
            self.seen(&unique).await?
        };
        let to_send: Vec<ScoreJob> = unique
            .into_iter()
            .filter(|j| !seen.contains(&j.event_id))
            .collect();
        if !to_send.is_empty() {
            self.score_queue.send(&to_send).await?;
            self.mark_seen(&to_send).await?;
        }
        Ok(jobs
            .iter()
            .zip(first)
            .map(|(j, first)| {
                if first && !seen.contains(&j.event_id) {
                    Acceptance::Accepted
                } else {
                    Acceptance::Duplicate
                }
            })
            .collect())
    }
}
