//! Listing leads (`GET /v1/leads`) and leads created in a window (`GET /v1/metrics`), both
//! through the `lead-list` GSI: `lead_shard` / `created_sk` (created_at#id), newest first,
//! projecting the filtered fields (status, tier, owner) so filters run inside DynamoDB.
//! The leads themselves are then fetched by key.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use leadflow::domain::Lead;
use leadflow::ports::{LeadPage, LeadQuery, StoreError};
use leadflow_api::LeadScan;

use super::codec::{get_s, key, s, Item};
use super::error::DynamoError;
use super::keys::{all_shards, sort_time, CREATED_SK, LEAD_LIST_INDEX, LEAD_SHARD, LEAD_SK, PK};
use super::leads::{lead_from_item, OWNER_ID, STATUS, TIER};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// The most leads one page holds, as the other stores allow.
const MAX_PAGE: usize = 500;
const CURSOR_PREFIX: &str = "c1:";

/// The opaque cursor: where the previous page ended in `created_sk` order.
fn encode_cursor(created_sk: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{created_sk}"))
}

fn decode_cursor(cursor: &str) -> Result<String, DynamoError> {
    let invalid = || DynamoError::InvalidCursor(cursor.to_string());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let created_sk = text.strip_prefix(CURSOR_PREFIX).ok_or_else(invalid)?;
    let (at, id) = created_sk.split_once('#').ok_or_else(invalid)?;
    if id.is_empty() || DateTime::parse_from_rfc3339(at).is_err() {
        return Err(invalid());
    }
    Ok(created_sk.to_string())
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    pub(crate) async fn list(&self, q: &LeadQuery) -> Result<LeadPage, DynamoError> {
        let limit = q.limit.clamp(1, MAX_PAGE);
        let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
        let mut filters = Vec::new();
        let mut names = HashMap::from([("#shard".to_string(), LEAD_SHARD.to_string())]);
        let mut values = HashMap::new();
        for (attr, wanted) in [
            (STATUS, q.status.map(|st| st.as_str().to_string())),
            (TIER, q.tier.map(|t| t.as_str().to_string())),
            (OWNER_ID, q.owner.clone()),
        ] {
            if let Some(wanted) = wanted {
                filters.push(format!("#{attr} = :{attr}"));
                names.insert(format!("#{attr}"), attr.to_string());
                values.insert(format!(":{attr}"), s(wanted));
            }
        }
        let mut condition = "#shard = :shard".to_string();
        if let Some(after) = &after {
            condition.push_str(" AND #created < :after");
            names.insert("#created".to_string(), CREATED_SK.to_string());
            values.insert(":after".to_string(), s(after.clone()));
        }
        // One more than a page tells whether another page follows.
        let want = limit + 1;
        let mut hits: Vec<(String, String)> = Vec::new();
        for shard in all_shards() {
            let mut shard_values = values.clone();
            shard_values.insert(":shard".to_string(), s(shard));
            let mut query = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(LEAD_LIST_INDEX)
                .key_condition_expression(&condition)
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(shard_values))
                .scan_index_forward(false)
                .limit(i32::try_from(want).unwrap_or(i32::MAX));
            if !filters.is_empty() {
                query = query.filter_expression(filters.join(" AND "));
            }
            for item in self.query(query, Some(want)).await?.iter().take(want) {
                hits.push((
                    get_s(item, CREATED_SK)?.to_string(),
                    get_s(item, PK)?.to_string(),
                ));
            }
        }
        hits.sort_by(|a, b| b.0.cmp(&a.0));
        let more = hits.len() > limit;
        hits.truncate(limit);
        let leads = self.leads_in_order(&hits).await?;
        let next_cursor = if more {
            hits.last().map(|(created, _)| encode_cursor(created))
        } else {
            None
        };
        Ok(LeadPage { leads, next_cursor })
    }

    /// The leads of `(created_sk, pk)` index entries, fetched by key, in the entries' order.
    async fn leads_in_order(&self, entries: &[(String, String)]) -> Result<Vec<Lead>, DynamoError> {
        let keys = entries
            .iter()
            .map(|(_, pk)| key(pk.clone(), LEAD_SK))
            .collect();
        let mut by_pk: HashMap<String, Item> = HashMap::new();
        for item in self.batch_get(keys).await? {
            by_pk.insert(get_s(&item, PK)?.to_string(), item);
        }
        entries
            .iter()
            .filter_map(|(_, pk)| by_pk.get(pk))
            .map(lead_from_item)
            .collect()
    }
}

impl<Q: ScoreQueue> LeadScan for DynamoStore<Q> {
    async fn leads_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        if since >= until {
            return Ok(Vec::new());
        }
        let mut entries = Vec::new();
        for shard in all_shards() {
            // `created_sk` is `created_at#id`: every key of a lead created at `until` sorts
            // after the bare instant, so BETWEEN keeps `until` exclusive.
            let query = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(LEAD_LIST_INDEX)
                .key_condition_expression("#shard = :shard AND #created BETWEEN :since AND :until")
                .expression_attribute_names("#shard", LEAD_SHARD)
                .expression_attribute_names("#created", CREATED_SK)
                .expression_attribute_values(":shard", s(shard))
                .expression_attribute_values(":since", s(sort_time(since)))
                .expression_attribute_values(":until", s(sort_time(until)));
            for item in self.query(query, None).await? {
                entries.push((
                    get_s(&item, CREATED_SK)?.to_string(),
                    get_s(&item, PK)?.to_string(),
                ));
            }
        }
        entries.sort();
        Ok(self.leads_in_order(&entries).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_even_with_hashes_in_the_id() {
        let created = "2026-11-02T09:00:00.000000000Z#ld_#a";
        assert_eq!(decode_cursor(&encode_cursor(created)).unwrap(), created);
    }

    #[test]
    fn a_cursor_not_issued_here_is_refused() {
        let forged = [
            "".to_string(),
            "!!".to_string(),
            URL_SAFE_NO_PAD.encode("c1:yesterday#ld_a"),
            URL_SAFE_NO_PAD.encode("c2:2026-11-02T09:00:00.000000000Z#ld_a"),
            URL_SAFE_NO_PAD.encode("c1:2026-11-02T09:00:00.000000000Z#"),
        ];
        for bad in forged {
            let err = decode_cursor(&bad).unwrap_err();
            assert!(matches!(err, DynamoError::InvalidCursor(_)), "{bad}: {err}");
        }
    }
}
