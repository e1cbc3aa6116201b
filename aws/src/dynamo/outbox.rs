//! The outbox: a lead's unpublished domain events sit on its lead item (`outbox`), written
//! by the very put or transaction of the change that caused them; while any is pending the
//! item carries `outbox_shard`/`outbox_sk` and so appears in the sparse, sharded `outbox`
//! index (keys only; the relay then reads the items themselves). Publishing puts the item
//! back without them (and out of the index once none is left) on condition that its
//! version and `outbox_rev` are still those read, bumping `outbox_rev`: a writer still
//! holding the published events is refused and reads again rather than putting them back.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use leadflow::domain::{DomainEvent, LeadId};
use leadflow::ports::{Outbox, StoreError};

use super::codec::{from_json, get_n, get_opt_n, get_s, key, n, s, to_json, Item};
use super::error::DynamoError;
use super::keys::{
    all_shards, lead_id_of, lead_pk, LEAD_SK, OUTBOX_INDEX, OUTBOX_SHARD, OUTBOX_SK, PK,
};
use super::lead_body::{PendingEvent, OUTBOX, OUTBOX_REV};
use super::leads::VERSION;
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// How many times removing published events from one lead item is tried again after a
/// writer changed the item in between.
const REMOVE_ATTEMPTS: usize = 8;

/// What `pending` saw, so that `mark_published` (given only ids) finds the lead items without
/// searching the index, and tries its first put on the copy `pending` read.
#[derive(Debug, Default, Clone)]
pub(crate) struct PendingLeads {
    seen: Arc<Mutex<Seen>>,
}

#[derive(Debug, Default)]
struct Seen {
    lead_of_event: HashMap<String, LeadId>,
    item_of_lead: HashMap<LeadId, Item>,
}

impl PendingLeads {
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Each update is one insert or remove: a poisoned map is still consistent.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
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
    /// The lead items holding `ids`, as `pending` saw them, or else as the index shows them.
    async fn items_holding(
        &self,
        ids: &BTreeSet<&String>,
    ) -> Result<Vec<(LeadId, Option<Item>)>, StoreError> {
        let mut leads: BTreeMap<LeadId, Option<Item>> = BTreeMap::new();
        let mut unknown = false;
        {
            let seen = self.pending_leads.lock();
            for id in ids {
                match seen.lead_of_event.get(*id) {
                    Some(lead) => {
                        leads.insert(lead.clone(), seen.item_of_lead.get(lead).cloned());
                    }
                    None => unknown = true,
                }
            }
        }
        if unknown {
            for item in self.pending_items(None).await? {
                let (events, _) = pending_of(&item)?;
                if let Some(p) = events.iter().find(|p| ids.contains(&p.event.event_id)) {
                    leads.insert(p.event.lead_id.clone(), Some(item));
                }
            }
        }
        Ok(leads.into_iter().collect())
    }

    /// The lead items the outbox index lists (up to `limit` per shard), read consistently.
    async fn pending_items(&self, limit: Option<usize>) -> Result<Vec<Item>, StoreError> {
        let mut keys = Vec::new();
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
            for entry in self.query(query, limit).await? {
                let pk = get_s(&entry, PK)?.to_string();
                keys.push(key(pk, LEAD_SK));
            }
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.batch_get(keys).await?)
    }

    /// Put `lead_id`'s item back without the events `ids`, whatever else changed on it:
    /// first over the copy `pending` read, then over fresh reads.
    async fn remove_published(
        &self,
        lead_id: &str,
        ids: &BTreeSet<&String>,
        mut copy: Option<Item>,
    ) -> Result<(), StoreError> {
        for _ in 0..REMOVE_ATTEMPTS {
            let item = match copy.take() {
                Some(item) => item,
                None => match self.get(lead_pk(lead_id), LEAD_SK).await? {
                    Some(item) => item,
                    None => return Ok(()),
                },
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
            let version: u64 = get_n(&item, VERSION)?;
            let mut next = item;
            next.insert(OUTBOX_REV.into(), n(rev + 1));
            match left.first() {
                Some(oldest) => {
                    next.insert(OUTBOX_SK.into(), s(&oldest.order));
                    next.insert(OUTBOX.into(), s(to_json("pending events", &left)?));
                }
                // None left: out of the outbox index.
                None => {
                    for attribute in [OUTBOX, OUTBOX_SHARD, OUTBOX_SK] {
                        next.remove(attribute);
                    }
                }
            }
            let mut put = self
                .client
                .put_item()
                .table_name(&*self.table)
                .set_item(Some(next))
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_names("#rev", OUTBOX_REV)
                .expression_attribute_values(":version", n(version));
            put = if rev == 0 {
                put.condition_expression("#version = :version AND attribute_not_exists(#rev)")
            } else {
                put.condition_expression("#version = :version AND #rev = :rev")
                    .expression_attribute_values(":rev", n(rev))
            };
            match put.send().await {
                Ok(_) => {
                    // A writer here remembering the older revision would be refused: forget it.
                    self.known.forget(lead_id);
                    return Ok(());
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    continue
                }
                Err(e) => return Err(DynamoError::sdk("PutItem", &self.table, e).into()),
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
        let items = self.pending_items(Some(limit)).await?;
        let mut found = Vec::new();
        for item in &items {
            let (events, _) = pending_of(item)?;
            found.extend(events.into_iter().map(|p| (p.order, p.event)));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let events: Vec<DomainEvent> = found.into_iter().take(limit).map(|(_, e)| e).collect();
        let mut seen = self.pending_leads.lock();
        for e in &events {
            seen.lead_of_event
                .insert(e.event_id.clone(), e.lead_id.clone());
        }
        for item in items {
            if let Some(id) = get_s(&item, PK).ok().and_then(lead_id_of) {
                seen.item_of_lead.insert(id.to_string(), item.clone());
            }
        }
        Ok(events)
    }

    async fn mark_published(&self, event_ids: &[String]) -> Result<(), StoreError> {
        let ids: BTreeSet<&String> = event_ids.iter().collect();
        if ids.is_empty() {
            return Ok(());
        }
        for (lead, copy) in self.items_holding(&ids).await? {
            self.remove_published(&lead, &ids, copy).await?;
            self.pending_leads.lock().item_of_lead.remove(&lead);
        }
        let mut seen = self.pending_leads.lock();
        for id in &ids {
            seen.lead_of_event.remove(*id);
        }
        Ok(())
    }
}
