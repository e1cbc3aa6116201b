//! The outbox: one item per domain event (`OUTBOX#<event id>`), written in the transaction of
//! the change that caused it, and indexed by the sparse, sharded `outbox` GSI until the relay
//! has published it and deleted it.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use leadflow::domain::DomainEvent;
use leadflow::ports::{Outbox, StoreError};

use super::codec::{from_json, get_s, key, s, BODY};
use super::error::DynamoError;
use super::keys::{all_shards, outbox_pk, OUTBOX_INDEX, OUTBOX_ITEM_SK, OUTBOX_SHARD, OUTBOX_SK};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

impl<Q: ScoreQueue> Outbox for DynamoStore<Q> {
    async fn pending(&self, limit: usize) -> Result<Vec<DomainEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for shard in all_shards() {
            let query = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(OUTBOX_INDEX)
                .key_condition_expression("#shard = :shard")
                .expression_attribute_names("#shard", OUTBOX_SHARD)
                .expression_attribute_values(":shard", s(shard))
                .limit(i32::try_from(limit).unwrap_or(i32::MAX));
            for item in self.query(query, Some(limit)).await? {
                let event: DomainEvent = from_json(&item, BODY)?;
                found.push((get_s(&item, OUTBOX_SK)?.to_string(), event));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found.into_iter().take(limit).map(|(_, e)| e).collect())
    }

    async fn mark_published(&self, event_ids: &[String]) -> Result<(), StoreError> {
        // A batch may not name one key twice.
        let ids: BTreeSet<&String> = event_ids.iter().collect();
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            let delete = DeleteRequest::builder()
                .set_key(Some(key(outbox_pk(id), OUTBOX_ITEM_SK)))
                .build()
                .map_err(DynamoError::build("BatchWriteItem"))?;
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
        Ok(self.batch_write(requests).await?)
    }
}
