//! `due`: the leads a scheduled job must look at now. Each kind of due time has a sparse GSI
//! sharded over `SHARDS` partitions; the query's key condition (`due <= now`) means DynamoDB
//! reads only due items, however many idle leads the table holds.

use chrono::{DateTime, Utc};
use leadflow::domain::LeadId;
use leadflow::ports::DueKind;

use super::codec::{get_s, s};
use super::error::DynamoError;
use super::keys::{all_shards, due_index, lead_id_of, sort_time, PK};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

impl<Q: ScoreQueue> DynamoStore<Q> {
    /// Leads due at or before `now`, earliest first (ties by id), at most `limit`.
    pub(crate) async fn due_leads(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, DynamoError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let index = due_index(kind);
        let mut due = Vec::new();
        for shard in all_shards() {
            // Each shard is in due order: its first `limit` items are all it can contribute.
            let query = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(index.name)
                .key_condition_expression("#shard = :shard AND #due <= :now")
                .expression_attribute_names("#shard", index.shard_attr)
                .expression_attribute_names("#due", index.due_attr)
                .expression_attribute_values(":shard", s(shard))
                .expression_attribute_values(":now", s(sort_time(now)))
                .limit(i32::try_from(limit).unwrap_or(i32::MAX));
            for item in self.query(query, Some(limit)).await? {
                let at = get_s(&item, index.due_attr)?.to_string();
                let pk = get_s(&item, PK)?;
                let id = lead_id_of(pk).ok_or_else(|| DynamoError::BadItem {
                    key: pk.to_string(),
                    attribute: PK,
                    problem: format!("is not a lead key, yet it is in index {}", index.name),
                })?;
                due.push((at, id.to_string()));
            }
        }
        due.sort();
        due.truncate(limit);
        Ok(due.into_iter().map(|(_, id)| id).collect())
    }
}
