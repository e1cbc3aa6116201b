//! `RepStore`: reps, their open-lead counts, the teams' rotation state and account owners.

use std::collections::BTreeMap;

use leadflow::domain::{Rep, RepId};
use leadflow::ports::{RepStore, StoreError};
use leadflow::routing::{Pool, PoolStates, RepLoad};
use rusqlite::{params, Connection, OptionalExtension};

use crate::codec::{from_json, to_json};
use crate::error::Failure;
use crate::store::SqliteStore;

/// A stored count below zero (more releases than assignments) reads as zero, like an empty
/// desk; one past u32 reads as u32::MAX.
fn open_leads(count: i64) -> u32 {
    u32::try_from(count.max(0)).unwrap_or(u32::MAX)
}

fn rep_load(body: &str, count: i64) -> Result<RepLoad, Failure> {
    Ok(RepLoad::new(
        from_json::<Rep>("rep", body)?,
        open_leads(count),
    ))
}

pub(crate) fn reps_tx(tx: &Connection) -> Result<Vec<RepLoad>, Failure> {
    let mut stmt = tx.prepare_cached(
        "SELECT r.body, coalesce(l.open_leads, 0) FROM reps r
         LEFT JOIN rep_load l ON l.rep_id = r.id ORDER BY r.id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.iter().map(|(body, n)| rep_load(body, *n)).collect()
}

pub(crate) fn put_rep_tx(tx: &Connection, rep: &Rep) -> Result<(), Failure> {
    tx.prepare_cached(
        "INSERT INTO reps (id, body) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![rep.id, to_json("rep", rep)?])?;
    Ok(())
}

pub(crate) fn pools_tx(tx: &Connection) -> Result<PoolStates, Failure> {
    let mut stmt = tx.prepare_cached("SELECT team, body FROM pools")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut teams = BTreeMap::new();
    for (team, body) in rows {
        teams.insert(team, from_json::<Pool>("pool", &body)?);
    }
    Ok(PoolStates { teams })
}

pub(crate) fn account_owner_tx(tx: &Connection, domain: &str) -> Result<Option<RepId>, Failure> {
    Ok(tx
        .prepare_cached("SELECT rep_id FROM accounts WHERE company_domain = ?1")?
        .query_row([domain], |r| r.get(0))
        .optional()?)
}

impl RepStore for SqliteStore {
    async fn reps(&self) -> Result<Vec<RepLoad>, StoreError> {
        self.read(|tx| reps_tx(tx)).await
    }

    async fn put_rep(&self, rep: Rep) -> Result<(), StoreError> {
        self.write(move |tx| put_rep_tx(tx, &rep)).await
    }

    async fn pools(&self) -> Result<PoolStates, StoreError> {
        self.read(|tx| pools_tx(tx)).await
    }

    async fn account_owner(&self, company_domain: &str) -> Result<Option<RepId>, StoreError> {
        let domain = company_domain.to_string();
        self.read(move |tx| account_owner_tx(tx, &domain)).await
    }
}

impl SqliteStore {
    /// One rep with its open-lead count (`GET /v1/reps/{rep_id}`).
    pub async fn rep(&self, id: &str) -> Result<Option<RepLoad>, StoreError> {
        let id = id.to_string();
        self.read(move |tx| {
            let row: Option<(String, i64)> = tx
                .prepare_cached(
                    "SELECT r.body, coalesce(l.open_leads, 0) FROM reps r
                     LEFT JOIN rep_load l ON l.rep_id = r.id WHERE r.id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            row.map(|(body, n)| rep_load(&body, n)).transpose()
        })
        .await
    }
}
