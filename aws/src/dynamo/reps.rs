//! Reps (`REPS` / `REP#<id>`: the rep as JSON and its `open_leads` counter), rotation pools
//! (`POOLS` / `POOL#<team>`: `picks`, `virtual_time` and one `slot#<rep>` map per rep) and
//! account owners (`ACCOUNT#<domain>`). Reps and pools each live in one partition: a team has
//! tens of reps, and every router reads them all at once.

use aws_sdk_dynamodb::types::AttributeValue;
use leadflow::domain::{Rep, RepId};
use leadflow::ports::{RepStore, StoreError};
use leadflow::routing::{Pool, PoolStates, RepLoad, Slot};

use super::codec::{describe, from_json, get_n, get_opt_n, get_s, key, s, to_json, Item, BODY};
use super::error::DynamoError;
use super::keys::{account_pk, rep_sk, ACCOUNT_SK, PK, POOLS_PK, REPS_PK, SK, SLOT_PREFIX};
use super::write::{ACCOUNT_REP, OPEN_LEADS, PASS, PICKS, QUEUED_AT, VIRTUAL_TIME};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

impl<Q: ScoreQueue> DynamoStore<Q> {
    async fn partition(&self, pk: &str) -> Result<Vec<Item>, DynamoError> {
        let query = self
            .client
            .query()
            .table_name(&*self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(pk))
            .consistent_read(true);
        self.query(query, None).await
    }
}

fn rep_load(item: &Item) -> Result<Option<RepLoad>, DynamoError> {
    // A load counter can exist before its rep is put (a delta for an unknown rep): skip it.
    if !item.contains_key(BODY) {
        return Ok(None);
    }
    let rep: Rep = from_json(item, BODY)?;
    let open = get_opt_n::<i64>(item, OPEN_LEADS)?.unwrap_or(0).max(0);
    Ok(Some(RepLoad::new(
        rep,
        u32::try_from(open).unwrap_or(u32::MAX),
    )))
}

fn slot(item: &Item, value: &AttributeValue) -> Result<Slot, DynamoError> {
    let number = |field: &str| -> Result<u64, DynamoError> {
        match value.as_m().ok().and_then(|m| m.get(field)) {
            Some(AttributeValue::N(v)) => v.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| DynamoError::BadItem {
            key: describe(item),
            attribute: "slot#<rep>",
            problem: format!("has no numeric `{field}`"),
        })
    };
    Ok(Slot {
        pass: number(PASS)?,
        queued_at: number(QUEUED_AT)?,
    })
}

fn pool(item: &Item) -> Result<(String, Pool), DynamoError> {
    let team = get_s(item, SK)?
        .strip_prefix("POOL#")
        .ok_or_else(|| DynamoError::BadItem {
            key: describe(item),
            attribute: SK,
            problem: "is not a pool key".into(),
        })?
        .to_string();
    let mut pool = Pool {
        virtual_time: get_n(item, VIRTUAL_TIME)?,
        picks: get_n(item, PICKS)?,
        slots: Default::default(),
    };
    for (attr, value) in item {
        if let Some(rep) = attr.strip_prefix(SLOT_PREFIX) {
            pool.slots.insert(rep.to_string(), slot(item, value)?);
        }
    }
    Ok((team, pool))
}

impl<Q: ScoreQueue> RepStore for DynamoStore<Q> {
    async fn reps(&self) -> Result<Vec<RepLoad>, StoreError> {
        let mut loads = Vec::new();
        for item in self.partition(REPS_PK).await? {
            loads.extend(rep_load(&item)?);
        }
        Ok(loads)
    }

    async fn put_rep(&self, rep: Rep) -> Result<(), StoreError> {
        // Only the rep's body: its open-lead counter, kept by lead writes, stays.
        self.client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(key(REPS_PK, rep_sk(&rep.id))))
            .update_expression("SET #body = :body")
            .expression_attribute_names("#body", BODY)
            .expression_attribute_values(":body", s(to_json("rep", &rep)?))
            .send()
            .await
            .map_err(|e| DynamoError::sdk("UpdateItem", &self.table, e))?;
        Ok(())
    }

    async fn pools(&self) -> Result<PoolStates, StoreError> {
        let mut states = PoolStates::default();
        for item in self.partition(POOLS_PK).await? {
            let (team, pool) = pool(&item)?;
            states.teams.insert(team, pool);
        }
        Ok(states)
    }

    async fn account_owner(&self, company_domain: &str) -> Result<Option<RepId>, StoreError> {
        match self.get(account_pk(company_domain), ACCOUNT_SK).await? {
            Some(item) => Ok(Some(get_s(&item, ACCOUNT_REP)?.to_string())),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::n;
    use super::super::keys::pool_sk;
    use super::*;

    #[test]
    fn a_pool_item_reads_back_its_slots() {
        let mut item = key(POOLS_PK, pool_sk("inbound"));
        item.insert(PICKS.into(), n(3));
        item.insert(VIRTUAL_TIME.into(), n(7));
        item.insert(
            format!("{SLOT_PREFIX}ana"),
            AttributeValue::M([(PASS.into(), n(9)), (QUEUED_AT.into(), n(2))].into()),
        );
        let (team, pool) = pool(&item).unwrap();
        assert_eq!(team, "inbound");
        assert_eq!((pool.picks, pool.virtual_time), (3, 7));
        assert_eq!(
            pool.slots["ana"],
            Slot {
                pass: 9,
                queued_at: 2
            }
        );
    }

    #[test]
    fn a_slot_without_its_numbers_names_the_item() {
        let mut item = key(POOLS_PK, pool_sk("inbound"));
        item.insert(PICKS.into(), n(1));
        item.insert(VIRTUAL_TIME.into(), n(1));
        item.insert(format!("{SLOT_PREFIX}ana"), s("9"));
        let err = pool(&item).unwrap_err().to_string();
        assert!(
            err.contains("POOLS/POOL#inbound") && err.contains("pass"),
            "{err}"
        );
    }
}
