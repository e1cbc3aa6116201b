//! Reading: single items by key, queries page by page, and batches of keys, counting every
//! item DynamoDB reads.

use std::time::Duration;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::codec::{key, Item};
use super::error::DynamoError;
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// Batch operations leave items unprocessed under load; retry them this many times.
pub(crate) const BATCH_ATTEMPTS: u32 = 8;

pub(crate) async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(20u64 << attempt.min(6))).await;
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    /// The item at `pk`/`sk`, read consistently.
    pub(crate) async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, DynamoError> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| DynamoError::sdk("GetItem", &self.table, e))?;
        self.count_read(usize::from(out.item.is_some()));
        Ok(out.item)
    }

    /// Run `query` page after page until `want` items came back (all of them if `None`).
    pub(crate) async fn query(
        &self,
        query: QueryFluentBuilder,
        want: Option<usize>,
    ) -> Result<Vec<Item>, DynamoError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| DynamoError::sdk("Query", &self.table, e))?;
            self.count_read(usize::try_from(out.scanned_count).unwrap_or(0));
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            let enough = want.is_some_and(|w| items.len() >= w);
            if start.is_none() || enough {
                return Ok(items);
            }
        }
    }

    /// The items at these keys (`pk`, `sk`), in no particular order; missing ones are absent.
    pub(crate) async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, DynamoError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                if attempt == BATCH_ATTEMPTS {
                    return Err(DynamoError::Unprocessed {
                        op: "BatchGetItem",
                        left: pending.len(),
                        attempts: attempt,
                    });
                }
                if attempt > 0 {
                    backoff(attempt).await;
                }
                attempt += 1;
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(DynamoError::build("BatchGetItem"))?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&*self.table, request)
                    .send()
                    .await
                    .map_err(|e| DynamoError::sdk("BatchGetItem", &self.table, e))?;
                let items = out
                    .responses
                    .and_then(|mut r| r.remove(&*self.table))
                    .unwrap_or_default();
                self.count_read(items.len());
                found.extend(items);
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&*self.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
        }
        Ok(found)
    }
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    /// Write (put or delete) these requests in batches of 25, retrying unprocessed ones.
    /// Each key must appear once.
    pub(crate) async fn batch_write(
        &self,
        requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
    ) -> Result<(), DynamoError> {
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                if attempt == BATCH_ATTEMPTS {
                    return Err(DynamoError::Unprocessed {
                        op: "BatchWriteItem",
                        left: pending.len(),
                        attempts: attempt,
                    });
                }
                if attempt > 0 {
                    backoff(attempt).await;
                }
                attempt += 1;
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&*self.table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .map_err(|e| DynamoError::sdk("BatchWriteItem", &self.table, e))?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&*self.table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }
}
