//! Lead items (`LEAD#<id>` / `LEAD`): the lead with its history tail (deflated, see
//! `lead_body`) plus the attributes the indexes and filters use; history items; and the
//! `LeadStore` port over them.

use chrono::{DateTime, Utc};
use leadflow::domain::identity::KnownLead;
use leadflow::domain::{HistoryEntry, Lead, LeadId};
use leadflow::ports::{DueKind, DueTimes, LeadPage, LeadQuery, LeadStore, LeadWrite, StoreError};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{get_s, n, s, to_json, Item};
use super::keys::{
    self, email_pk, external_id_pk, history_sk, lead_pk, shard_of, sort_time, CREATED_SK,
    HISTORY_PREFIX, LEAD_SHARD, LEAD_SK, LINK_SK, OUTBOX_SHARD, OUTBOX_SK, PK,
};
use super::lead_body::{self, Extras, APPLIED, BODY, OUTBOX, OUTBOX_REV};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

pub(crate) const VERSION: &str = "version";
pub(crate) const STATUS: &str = "status";
pub(crate) const TIER: &str = "tier";
pub(crate) const OWNER_ID: &str = "owner_id";
/// The lead id a link item points at.
pub(crate) const LINKED_LEAD: &str = "lead_id";
/// A history item's entries (deflated JSON array), in the order they were written.
pub(crate) const ENTRIES: &str = "entries";

/// `created_sk`: creation time then id, unique per lead and in creation order.
pub(crate) fn created_sk(lead: &Lead) -> String {
    format!("{}#{}", sort_time(lead.created_at), lead.id)
}

/// The whole lead item, due-time attributes included: a due time that is `None` is simply
/// absent, so a put removes it from its sparse index (the outbox index too, once no event is
/// pending). `body` is `lead_body::encode_body`.
pub(crate) fn lead_item(
    lead: &Lead,
    due: &DueTimes,
    body: Vec<u8>,
    extras: &Extras,
) -> Result<Item, super::DynamoError> {
    let mut item = super::codec::key(lead_pk(&lead.id), LEAD_SK);
    item.insert(VERSION.into(), n(lead.version));
    item.insert(BODY.into(), AttributeValue::B(Blob::new(body)));
    if !extras.applied.is_empty() {
        item.insert(APPLIED.into(), extras.applied_attribute());
    }
    if extras.outbox_rev > 0 {
        item.insert(OUTBOX_REV.into(), n(extras.outbox_rev));
    }
    if let Some(oldest) = extras.outbox.first() {
        item.insert(OUTBOX.into(), s(to_json("pending events", &extras.outbox)?));
        item.insert(OUTBOX_SHARD.into(), s(shard_of(&lead.id)));
        item.insert(OUTBOX_SK.into(), s(&oldest.order));
    }
    item.insert(LEAD_SHARD.into(), s(shard_of(&lead.id)));
    item.insert(CREATED_SK.into(), s(created_sk(lead)));
    item.insert(STATUS.into(), s(lead.status.as_str()));
    item.insert(TIER.into(), s(lead.tier.as_str()));
    if let Some(owner) = lead.owner_id() {
        item.insert(OWNER_ID.into(), s(owner));
    }
    for (kind, at) in [
        (DueKind::Sla, due.sla),
        (DueKind::Decay, due.decay),
        (DueKind::Route, due.route),
    ] {
        if let Some(at) = at {
            let index = keys::due_index(kind);
            item.insert(index.shard_attr.into(), s(shard_of(&lead.id)));
            item.insert(index.due_attr.into(), s(sort_time(at)));
        }
    }
    Ok(item)
}

pub(crate) fn lead_from_item(item: &Item) -> Result<Lead, super::DynamoError> {
    Ok(lead_body::decode(item)?.0)
}

/// A history item: the tail a write moved out of the lead item, keyed by that write's version.
pub(crate) fn history_item(
    lead_id: &str,
    version: u64,
    entries: &[HistoryEntry],
) -> Result<Item, super::DynamoError> {
    let mut item = super::codec::key(lead_pk(lead_id), history_sk(version));
    item.insert(
        ENTRIES.into(),
        AttributeValue::B(Blob::new(lead_body::encode_entries(entries)?)),
    );
    Ok(item)
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    async fn linked(&self, pk: String) -> Result<Option<KnownLead>, StoreError> {
        let Some(link) = self.get(pk, LINK_SK).await? else {
            return Ok(None);
        };
        let id = get_s(&link, LINKED_LEAD)?.to_string();
        // The email of the lead itself: a lead first known by external id may have none.
        let email = LeadStore::lead(self, &id).await?.and_then(|l| l.email);
        Ok(Some(KnownLead { id, email }))
    }
}

impl<Q: ScoreQueue> LeadStore for DynamoStore<Q> {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        match self.get(lead_pk(id), LEAD_SK).await? {
            Some(item) => {
                let (lead, extras) = lead_body::decode(&item)?;
                // What a write over this version will append to, without reading it again.
                self.known.remember(id, lead.version, extras);
                Ok(Some(lead))
            }
            None => Ok(None),
        }
    }

    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        self.linked(email_pk(email)).await
    }

    async fn lead_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<KnownLead>, StoreError> {
        self.linked(external_id_pk(external_id)).await
    }

    async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
        self.write_lead_item(write).await
    }

    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        // The lead's partition: its history items (`HIST#<version>`, in write order), then the
        // lead item (`LEAD` sorts after `HIST#`) with the tail written since.
        let query = self
            .client
            .query()
            .table_name(&*self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(lead_pk(id)))
            .consistent_read(true);
        let mut entries = Vec::new();
        for item in self.query(query, None).await? {
            match get_s(&item, super::keys::SK)? {
                sk if sk.starts_with(HISTORY_PREFIX) => {
                    entries.extend(lead_body::decode_entries(&item, ENTRIES)?);
                }
                LEAD_SK => entries.extend(lead_body::decode(&item)?.1.tail),
                _ => {}
            }
        }
        Ok(entries)
    }

    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        Ok(self.list(query).await?)
    }

    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        Ok(self.due_leads(kind, now, limit).await?)
    }
}
