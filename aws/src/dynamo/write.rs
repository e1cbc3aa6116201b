//! `write_lead`. A write that changes only the lead is one conditional `PutItem` of the lead
//! item (version condition, history appended to the item's tail, the event remembered among
//! its applied events, its domain events added to the item's outbox). A write that also
//! changes other items — identity links, rep loads, the rotation, the account owner, or a tail
//! grown past `TAIL_BUDGET` that moves to a history item — is one `TransactWriteItems`, all
//! of it or nothing. The
//! conditions that can refuse it (the lead's version, the pool position) are mapped back from
//! the cancellation reasons to the port's errors.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::Utc;
use leadflow::ports::{LeadWrite, StoreError};
use leadflow::routing::{Pool, PoolUpdate};

use super::codec::{get_n, key, n, s, Item};
use super::error::DynamoError;
use super::keys::{
    account_pk, email_pk, external_id_pk, lead_pk, pool_sk, rep_sk, sort_time, ACCOUNT_SK, LEAD_SK,
    LINK_SK, PK, POOLS_PK, REPS_PK, SLOT_PREFIX,
};
use super::lead_body::{self, encode_body, Extras, PendingEvent, OUTBOX_REV};
use super::leads::{history_item, lead_item, LINKED_LEAD, VERSION};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// DynamoDB's limit on the items of one transaction.
pub(crate) const MAX_TRANSACTION_ITEMS: usize = 100;

/// How many deflated bytes the history tail may add to the lead item before a write moves it
/// to a history item of its own: the tail rides on every score write (billed per KB), the move
/// costs a transaction.
pub(crate) const TAIL_BUDGET: usize = 1024;

pub(crate) const OPEN_LEADS: &str = "open_leads";
pub(crate) const PICKS: &str = "picks";
pub(crate) const VIRTUAL_TIME: &str = "virtual_time";
pub(crate) const PASS: &str = "pass";
pub(crate) const QUEUED_AT: &str = "queued_at";
pub(crate) const ACCOUNT_REP: &str = "rep_id";

/// Which condition of the transaction an item carries, by position.
#[derive(Debug, Clone)]
enum Guard {
    Version,
    Pool(String),
    None,
}

struct Transaction {
    table: String,
    items: Vec<TransactWriteItem>,
    guards: Vec<Guard>,
}

impl Transaction {
    fn put(&mut self, put: Put, guard: Guard) {
        self.items
            .push(TransactWriteItem::builder().put(put).build());
        self.guards.push(guard);
    }

    fn update(&mut self, update: Update, guard: Guard) {
        self.items
            .push(TransactWriteItem::builder().update(update).build());
        self.guards.push(guard);
    }
}

/// The lead item of a write and its condition, ready for `PutItem` or a transaction.
struct LeadPut {
    item: Item,
    condition: &'static str,
    names: HashMap<String, String>,
    values: Option<HashMap<String, AttributeValue>>,
}

impl LeadPut {
    /// The put of `item` over `expected_version` (`None`: a new lead), refused if the relay
    /// has removed published events since `outbox_rev` was read.
    fn new(item: Item, expected_version: Option<u64>, outbox_rev: u64) -> LeadPut {
        let mut names = HashMap::from([("#pk".to_string(), PK.to_string())]);
        let Some(v) = expected_version else {
            return LeadPut {
                item,
                condition: "attribute_not_exists(#pk)",
                names,
                values: None,
            };
        };
        names.insert("#version".into(), VERSION.into());
        names.insert("#orev".into(), OUTBOX_REV.into());
        let mut values = HashMap::from([(":expected".to_string(), n(v))]);
        let condition = if outbox_rev == 0 {
            "attribute_exists(#pk) AND #version = :expected AND attribute_not_exists(#orev)"
        } else {
            values.insert(":orev".to_string(), n(outbox_rev));
            "attribute_exists(#pk) AND #version = :expected AND #orev = :orev"
        };
        LeadPut {
            item,
            condition,
            names,
            values: Some(values),
        }
    }
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    pub(crate) async fn write_lead_item(&self, w: LeadWrite) -> Result<(), StoreError> {
        let conflict = || StoreError::Conflict {
            lead_id: w.lead.id.clone(),
            expected: w.expected_version,
        };
        let mut extras = match w.expected_version {
            None => Extras::default(),
            Some(v) => self.extras_at(&w.lead.id, v).await?.ok_or_else(conflict)?,
        };
        if let Some(event_id) = &w.applied_event {
            if extras.has_applied(event_id) {
                return Err(StoreError::AlreadyApplied(event_id.clone()));
            }
            extras.remember(event_id);
        }
        extras.tail.extend(w.history.iter().cloned());
        let mut body = encode_body(&w.lead, &extras.tail)?;
        let mut moved_tail = Vec::new();
        if !extras.tail.is_empty() {
            let bare = encode_body(&w.lead, &[])?;
            if body.len().saturating_sub(bare.len()) > TAIL_BUDGET {
                moved_tail = std::mem::take(&mut extras.tail);
                body = bare;
            }
        }
        // One write's events share its wall-clock time; their order keeps them in sequence.
        let written_at = sort_time(Utc::now());
        let kept = w.events.iter().filter(|e| self.publishes(e.kind));
        for (i, event) in kept.enumerate() {
            extras.outbox.push(PendingEvent {
                order: format!("{written_at}#{}#{:020}#{i:04}", w.lead.id, w.lead.version),
                event: event.clone(),
            });
        }
        let lead = LeadPut::new(
            lead_item(&w.lead, &w.due, body, &extras)?,
            w.expected_version,
            extras.outbox_rev,
        );
        let only_the_lead = moved_tail.is_empty()
            && w.link_email.is_none()
            && w.link_external_id.is_none()
            && w.rep_load.iter().all(|(_, d)| *d == 0)
            && w.pool.is_none()
            && w.account_owner.is_none();
        let written = if only_the_lead {
            self.put_lead(&w, lead).await
        } else {
            self.transact_lead_write(&w, lead, &moved_tail).await
        };
        match written {
            Ok(()) => {
                self.known.remember(&w.lead.id, w.lead.version, extras);
                Ok(())
            }
            Err(e) => {
                self.known.forget(&w.lead.id);
                Err(e)
            }
        }
    }

    /// The lead item's extras at `version`: remembered from the read the caller made, or read
    /// now. `None` when the stored lead is not at that version (or is gone).
    async fn extras_at(&self, lead_id: &str, version: u64) -> Result<Option<Extras>, StoreError> {
        if let Some(extras) = self.known.at(lead_id, version) {
            return Ok(Some((*extras).clone()));
        }
        let Some(item) = self.get(lead_pk(lead_id), LEAD_SK).await? else {
            return Ok(None);
        };
        if get_n::<u64>(&item, VERSION)? != version {
            return Ok(None);
        }
        Ok(Some(lead_body::decode(&item)?.1))
    }

    async fn put_lead(&self, w: &LeadWrite, lead: LeadPut) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(lead.item))
            .condition_expression(lead.condition)
            .set_expression_attribute_names(Some(lead.names))
            .set_expression_attribute_values(lead.values)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(StoreError::Conflict {
                    lead_id: w.lead.id.clone(),
                    expected: w.expected_version,
                })
            }
            Err(e) => Err(DynamoError::sdk("PutItem", &self.table, e).into()),
        }
    }

    async fn transact_lead_write(
        &self,
        w: &LeadWrite,
        lead: LeadPut,
        moved_tail: &[leadflow::domain::HistoryEntry],
    ) -> Result<(), StoreError> {
        let tx = self.transaction(w, lead, moved_tail)?;
        if tx.items.len() > MAX_TRANSACTION_ITEMS {
            return Err(DynamoError::TransactionTooLarge {
                lead_id: w.lead.id.clone(),
                items: tx.items.len(),
                max: MAX_TRANSACTION_ITEMS,
            }
            .into());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(tx.items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(refusal(w, &tx.guards, e, &self.table)),
        }
    }

    fn transaction(
        &self,
        w: &LeadWrite,
        lead_put: LeadPut,
        moved_tail: &[leadflow::domain::HistoryEntry],
    ) -> Result<Transaction, DynamoError> {
        let build = || DynamoError::build("TransactWriteItems");
        let mut tx = Transaction {
            table: self.table.to_string(),
            items: Vec::new(),
            guards: Vec::new(),
        };
        let lead = &w.lead;
        let put = Put::builder()
            .table_name(&tx.table)
            .set_item(Some(lead_put.item))
            .condition_expression(lead_put.condition)
            .set_expression_attribute_names(Some(lead_put.names))
            .set_expression_attribute_values(lead_put.values)
            .build()
            .map_err(build())?;
        tx.put(put, Guard::Version);
        if !moved_tail.is_empty() {
            let put = Put::builder()
                .table_name(&tx.table)
                .set_item(Some(history_item(&lead.id, lead.version, moved_tail)?))
                .build()
                .map_err(build())?;
            tx.put(put, Guard::None);
        }
        for pk in [
            w.link_email.as_deref().map(email_pk),
            w.link_external_id.as_deref().map(external_id_pk),
        ]
        .into_iter()
        .flatten()
        {
            // A link is made once and never moved: a later lead claiming it changes nothing.
            let update = self
                .update(pk, LINK_SK)
                .update_expression("SET #lead = if_not_exists(#lead, :lead)")
                .expression_attribute_names("#lead", LINKED_LEAD)
                .expression_attribute_values(":lead", s(&lead.id))
                .build()
                .map_err(build())?;
            tx.update(update, Guard::None);
        }
        // One item may appear once per transaction: sum the deltas of each rep first.
        let mut loads: BTreeMap<&str, i64> = BTreeMap::new();
        for (rep, delta) in &w.rep_load {
            *loads.entry(rep.as_str()).or_default() += i64::from(*delta);
        }
        for (rep, delta) in loads.into_iter().filter(|(_, d)| *d != 0) {
            let update = self
                .update(REPS_PK.to_string(), &rep_sk(rep))
                .update_expression("ADD #open :delta")
                .expression_attribute_names("#open", OPEN_LEADS)
                .expression_attribute_values(":delta", n(delta))
                .build()
                .map_err(build())?;
            tx.update(update, Guard::None);
        }
        if let Some(pool) = &w.pool {
            tx.update(self.pool_move(pool)?, Guard::Pool(pool.team.clone()));
        }
        if let Some((domain, rep)) = &w.account_owner {
            let mut item = key(account_pk(domain), ACCOUNT_SK);
            item.insert(ACCOUNT_REP.into(), s(rep));
            let put = Put::builder()
                .table_name(&tx.table)
                .set_item(Some(item))
                .build()
                .map_err(build())?;
            tx.put(put, Guard::None);
        }
        Ok(tx)
    }

    fn update(&self, pk: String, sk: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder()
            .table_name(&*self.table)
            .set_key(Some(key(pk, sk)))
    }

    /// The rotation move: only if the pool is still at the pick and virtual time the
    /// decision saw, set its new position and the slots the move changes.
    fn pool_move(&self, update: &PoolUpdate) -> Result<Update, DynamoError> {
        // The slots a move changes are those it writes into the pool it was computed from.
        let mut moved = Pool {
            virtual_time: update.virtual_time.from,
            picks: update.pick,
            slots: BTreeMap::new(),
        };
        update
            .apply_to(&mut moved)
            .expect("a move applies to the very position it was computed at");
        let mut set = vec!["#picks = :next_pick".to_string(), "#vt = :to".to_string()];
        let mut names = HashMap::from([
            ("#picks".to_string(), PICKS.to_string()),
            ("#vt".to_string(), VIRTUAL_TIME.to_string()),
        ]);
        let mut values = HashMap::from([
            (":next_pick".to_string(), n(moved.picks)),
            (":to".to_string(), n(moved.virtual_time)),
            (":pick".to_string(), n(update.pick)),
            (":from".to_string(), n(update.virtual_time.from)),
        ]);
        for (i, (rep, slot)) in moved.slots.iter().enumerate() {
            set.push(format!("#slot{i} = :slot{i}"));
            names.insert(format!("#slot{i}"), format!("{SLOT_PREFIX}{rep}"));
            values.insert(
                format!(":slot{i}"),
                AttributeValue::M(HashMap::from([
                    (PASS.to_string(), n(slot.pass)),
                    (QUEUED_AT.to_string(), n(slot.queued_at)),
                ])),
            );
        }
        let at_position = "#picks = :pick AND #vt = :from";
        // A team never routed to has no item: it stands at pick 0, virtual time 0.
        let condition = if update.pick == 0 && update.virtual_time.from == 0 {
            names.insert("#pk".to_string(), PK.to_string());
            format!("attribute_not_exists(#pk) OR ({at_position})")
        } else {
            at_position.to_string()
        };
        self.update(POOLS_PK.to_string(), &pool_sk(&update.team))
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(DynamoError::build("TransactWriteItems"))
    }
}

/// Why DynamoDB refused the transaction, as the port says it: a stale version first (the
/// caller re-reads everything), then a moved pool.
fn refusal(
    w: &LeadWrite,
    guards: &[Guard],
    e: SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>,
    table: &str,
) -> StoreError {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        e.as_service_error()
    else {
        return DynamoError::sdk("TransactWriteItems", table, e).into();
    };
    let failed = |wanted: fn(&Guard) -> bool| {
        cancelled
            .cancellation_reasons()
            .iter()
            .zip(guards)
            .find(|(r, g)| r.code() == Some("ConditionalCheckFailed") && wanted(g))
            .map(|(_, g)| g.clone())
    };
    let conflict = || StoreError::Conflict {
        lead_id: w.lead.id.clone(),
        expected: w.expected_version,
    };
    if failed(|g| matches!(g, Guard::Version)).is_some() {
        return conflict();
    }
    if let Some(Guard::Pool(team)) = failed(|g| matches!(g, Guard::Pool(_))) {
        return StoreError::PoolConflict { team };
    }
    // Another transaction held one of the items: reading again and retrying is safe.
    let raced = cancelled
        .cancellation_reasons()
        .iter()
        .any(|r| r.code() == Some("TransactionConflict"));
    if raced {
        return conflict();
    }
    DynamoError::sdk("TransactWriteItems", table, e).into()
}
