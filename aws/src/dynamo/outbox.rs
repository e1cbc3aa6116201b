//! The outbox: a lead's unpublished domain events sit on its lead item (`outbox`), written
//! by the very put or transaction of the change that caused them; while any is pending the
//! item carries `outbox_shard`/`outbox_sk` and so appears in the sparse, sharded `outbox`
//! index. Publishing removes them from the item (and the item from the index once none is
//! left), bumping `outbox_rev` so that a writer still holding them is refused and reads again
//! rather than putting them back.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use leadflow::domain::{DomainEvent, LeadId};
use leadflow::ports::{Outbox, StoreError};

use super::codec::{from_json, get_opt_n, n, s, to_json, Item};
use super::error::DynamoError;
use super::keys::{all_shards, lead_pk, LEAD_SK, OUTBOX_INDEX, OUTBOX_SHARD, OUTBOX_SK, PK};
use super::lead_body::{PendingEvent, OUTBOX, OUTBOX_REV};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// How many times removing published events from one lead item is tried again after a
/// writer changed the item in between.
const REMOVE_ATTEMPTS: usize = 8;

/// Which lead holds each event `pending` returned, so that `mark_published` (given only ids)
/// finds them without searching the index.
#[derive(Debug, Default, Clone)]
pub(crate) struct PendingLeads {
    by_event: Arc<Mutex<HashMap<String, LeadId>>>,
}

impl PendingLeads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LeadId>> {
        // Each update is one insert or remove: a poisoned map is still consistent.
        self.by_event.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A lead item's pending events and outbox revision.
fn pending_of(item: &Item) -> Result<(Vec<PendingEvent>, u64), DynamoError> {
    let events = match item.get(OUTBOX) {
        Some(_) => from_json(item, OUTBOX)?,
        None => Vec::new(),
    };
    Ok((events, get_opt_n(item, OUTBOX_REV)?.unwrap_or(0)))
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    /// The leads holding `ids`, as `pending` saw them, or else as the index shows them now.
    async fn leads_holding(&self, ids: &BTreeSet<&String>) -> Result<BTreeSet<LeadId>, StoreError> {
        let mut leads = BTreeSet::new();
        let mut unknown = false;
        {
            let seen = self.pending_leads.lock();
            for id in ids {
                match seen.get(*id) {
                    Some(lead) => {
                        leads.insert(lead.clone());
                    }
                    None => unknown = true,
                }
            }
        }
        if unknown {
            for (_, event) in self.pending_entries(None).await? {
                if ids.contains(&event.event_id) {
                    leads.insert(event.lead_id);
                }
            }
        }
        Ok(leads)
    }

    /// Every pending event in the index (up to `limit` lead items per shard), with its order.
    async fn pending_entries(
        &self,
        limit: Option<usize>,
    ) -> Result<Vec<(String, DomainEvent)>, StoreError> {
        let mut found = Vec::new();
        for shard in all_shards() {
            let mut query = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(OUTBOX_INDEX)
                .key_condition_expression("#shard = :shard")
                .expression_attribute_names("#shard", OUTBOX_SHARD)
                .expression_attribute_values(":shard", s(shard));
            if let Some(limit) = limit {
                query = query.limit(i32::try_from(limit).unwrap_or(i32::MAX));
            }
            for item in self.query(query, limit).await? {
                let (events, _) = pending_of(&item)?;
                found.extend(events.into_iter().map(|p| (p.order, p.event)));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// Remove `ids` from the pending events of `lead_id`'s item, whatever else changed on it.
    async fn remove_published(&self, lead_id: &str, ids: &BTreeSet<&String>) -> Result<(), StoreError> {
        for _ in 0..REMOVE_ATTEMPTS {
            let Some(item) = self.get(lead_pk(lead_id), LEAD_SK).await? else {
                return Ok(());
            };
            let (events, rev) = pending_of(&item)?;
            let left: Vec<PendingEvent> = events
                .iter()
                .filter(|p| !ids.contains(&p.event.event_id))
                .cloned()
                .collect();
            if left.len() == events.len() {
                return Ok(());
            }
            let mut update = self
                .client
                .update_item()
                .table_name(&*self.table)
                .key(PK, s(lead_pk(lead_id)))
                .key(super::keys::SK, s(LEAD_SK))
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#rev", OUTBOX_REV)
                .expression_attribute_names("#outbox", OUTBOX)
                .expression_attribute_names("#sk", OUTBOX_SK)
                .expression_attribute_values(":next", n(rev + 1));
            update = match left.first() {
                // None left: out of the outbox index.
                None => update
                    .update_expression("SET #rev = :next REMOVE #outbox, #shard, #sk")
                    .expression_attribute_names("#shard", OUTBOX_SHARD),
                Some(oldest) => update
                    .update_expression("SET #rev = :next, #outbox = :left, #sk = :oldest")
                    .expression_attribute_values(":left", s(to_json("pending events", &left)?))
                    .expression_attribute_values(":oldest", s(&oldest.order)),
            };
            update = if rev == 0 {
                update.condition_expression("attribute_exists(#pk) AND attribute_not_exists(#rev)")
            } else {
                update
                    .condition_expression("attribute_exists(#pk) AND #rev = :rev")
                    .expression_attribute_values(":rev", n(rev))
            };
            match update.send().await {
                Ok(_) => {
                    // A writer remembering the older revision would be refused: forget it.
                    self.known.forget(lead_id);
                    return Ok(());
                }
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                    continue
                }
                Err(e) => return Err(DynamoError::sdk("UpdateItem", &self.table, e).into()),
            }
        }
        Err(StoreError::Conflict {
            lead_id: lead_id.to_string(),
            expected: None,
        })
    }
}

impl<Q: ScoreQueue> Outbox for DynamoStore<Q> {
    async fn pending(&self, limit: usize) -> Result<Vec<DomainEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Up to `limit` lead items per shard hold at least `limit` events, if there are any.
        let found = self.pending_entries(Some(limit)).await?;
        let events: Vec<DomainEvent> = found.into_iter().take(limit).map(|(_, e)| e).collect();
        let mut seen = self.pending_leads.lock();
        for e in &events {
            seen.insert(e.event_id.clone(), e.lead_id.clone());
        }
        Ok(events)
    }

    async fn mark_published(&self, event_ids: &[String]) -> Result<(), StoreError> {
        let ids: BTreeSet<&String> = event_ids.iter().collect();
        if ids.is_empty() {
            return Ok(());
        }
        for lead in self.leads_holding(&ids).await? {
            self.remove_published(&lead, &ids).await?;
        }
        let mut seen = self.pending_leads.lock();
        for id in &ids {
            seen.remove(*id);
        }
        Ok(())
    }
}
