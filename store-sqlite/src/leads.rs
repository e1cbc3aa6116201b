//! `LeadStore`: leads, their history, identity links and the due index; `write_lead` applies
//! a whole `LeadWrite` in one transaction or nothing of it.

use chrono::{DateTime, Utc};
use leadflow::domain::identity::KnownLead;
use leadflow::domain::{HistoryEntry, HistoryKind, Lead, LeadId};
use leadflow::ports::{DueKind, LeadPage, LeadQuery, LeadStore, LeadWrite, StoreError};
use leadflow::routing::Pool;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use crate::codec::{bound, from_instant, from_json, instant, to_json};
use crate::cursor::{self, ListPosition};
use crate::error::{Failure, SqliteError};
use crate::store::SqliteStore;

/// The most leads one listing page returns.
pub const MAX_PAGE: usize = 500;

pub(crate) fn due_kind_name(kind: DueKind) -> &'static str {
    match kind {
        DueKind::Sla => "sla",
        DueKind::Decay => "decay",
        DueKind::Route => "route",
    }
}

fn history_kind(name: &str) -> Result<HistoryKind, SqliteError> {
    HistoryKind::ALL
        .into_iter()
        .find(|k| k.as_str() == name)
        .ok_or_else(|| SqliteError::UnknownValue {
            field: "history.kind",
            value: name.to_string(),
        })
}

/// Every part of `w`, in the caller's transaction; any error leaves the transaction to be
/// rolled back by the caller.
pub(crate) fn write_lead_tx(tx: &Connection, w: &LeadWrite) -> Result<(), Failure> {
    let id = &w.lead.id;
    let stored: Option<Indexed> = tx
        .prepare_cached(
            "SELECT version, status, tier, owner, email, created_at FROM leads WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Indexed {
                version: r.get(0)?,
                status: r.get(1)?,
                tier: r.get(2)?,
                owner: r.get(3)?,
                email: r.get(4)?,
                created_at: r.get(5)?,
            })
        })
        .optional()?;
    if stored.as_ref().map(|s| s.version) != w.expected_version {
        return Err(StoreError::Conflict {
            lead_id: id.clone(),
            expected: w.expected_version,
        }
        .into());
    }
    if let Some(event_id) = &w.applied_event {
        let inserted = tx
            .prepare_cached("INSERT OR IGNORE INTO applied_events (event_id) VALUES (?1)")?
            .execute([event_id])?;
        if inserted == 0 {
            return Err(StoreError::AlreadyApplied(event_id.clone()).into());
        }
    }
    if let Some(update) = &w.pool {
        let stored: Option<String> = tx
            .prepare_cached("SELECT body FROM pools WHERE team = ?1")?
            .query_row([&update.team], |r| r.get(0))
            .optional()?;
        let mut pool: Pool = match stored {
            Some(body) => from_json("pool", &body)?,
            None => Pool::default(),
        };
        update
            .apply_to(&mut pool)
            .map_err(|_| StoreError::PoolConflict {
                team: update.team.clone(),
            })?;
        tx.prepare_cached(
            "INSERT INTO pools (team, body) VALUES (?1, ?2)
             ON CONFLICT (team) DO UPDATE SET body = excluded.body",
        )?
        .execute(params![update.team, to_json("pool", &pool)?])?;
    }

    let lead = &w.lead;
    let row = Indexed {
        version: lead.version,
        status: lead.status.as_str().to_string(),
        tier: lead.tier.as_str().to_string(),
        owner: lead.owner_id().map(str::to_string),
        email: lead.email.clone(),
        created_at: instant("lead.created_at", lead.created_at)?,
    };
    let body = to_json("lead", lead)?;
    match &stored {
        None => {
            tx.prepare_cached(
                "INSERT INTO leads (id, version, status, tier, owner, email, created_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                id,
                row.version,
                row.status,
                row.tier,
                row.owner,
                row.email,
                row.created_at,
                body
            ])?;
        }
        Some(stored) => update_lead(tx, id, stored, &row, &body)?,
    }

    if let Some(email) = &w.link_email {
        tx.prepare_cached("INSERT OR IGNORE INTO email_links (email, lead_id) VALUES (?1, ?2)")?
            .execute([email, id])?;
    }
    if let Some(external_id) = &w.link_external_id {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO external_id_links (external_id, lead_id) VALUES (?1, ?2)",
        )?
        .execute([external_id, id])?;
    }
    for (rep_id, delta) in &w.rep_load {
        tx.prepare_cached(
            "INSERT INTO rep_load (rep_id, open_leads) VALUES (?1, ?2)
             ON CONFLICT (rep_id) DO UPDATE SET open_leads = open_leads + excluded.open_leads",
        )?
        .execute(params![rep_id, delta])?;
    }
    if let Some((domain, rep_id)) = &w.account_owner {
        tx.prepare_cached(
            "INSERT INTO accounts (company_domain, rep_id) VALUES (?1, ?2)
             ON CONFLICT (company_domain) DO UPDATE SET rep_id = excluded.rep_id",
        )?
        .execute([domain, rep_id])?;
    }
    for entry in &w.history {
        tx.prepare_cached(
            "INSERT INTO history (lead_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            id,
            instant("history.at", entry.at)?,
            entry.kind.as_str(),
            to_json("history detail", &entry.detail)?,
        ])?;
    }
    for event in &w.events {
        // An id already in the outbox is the same event (ids derive from their cause).
        tx.prepare_cached("INSERT OR IGNORE INTO outbox (event_id, body) VALUES (?1, ?2)")?
            .execute(params![event.event_id, to_json("domain event", event)?])?;
    }
    tx.prepare_cached("DELETE FROM due WHERE lead_id = ?1")?
        .execute([id])?;
    for (kind, at) in [
        (DueKind::Sla, w.due.sla),
        (DueKind::Decay, w.due.decay),
        (DueKind::Route, w.due.route),
    ] {
        if let Some(at) = at {
            tx.prepare_cached("INSERT INTO due (lead_id, kind, due_at) VALUES (?1, ?2, ?3)")?
                .execute(params![id, due_kind_name(kind), instant("due", at)?])?;
        }
    }
    crate::facts::record(tx, w)?;
    Ok(())
}

/// A lead's columns beside its body: what the listing indexes are built on.
struct Indexed {
    version: u64,
    status: String,
    tier: String,
    owner: Option<String>,
    email: Option<String>,
    created_at: i64,
}

/// Rewrite a stored lead: its version and body, and only the indexed columns whose value
/// changed. SQLite updates every index on a column the statement sets, changed or not; a
/// page view that moves nothing but the score then touches no index (four fewer index
/// rewrites per write than setting every column).
fn update_lead(
    tx: &Connection,
    id: &str,
    stored: &Indexed,
    row: &Indexed,
    body: &str,
) -> Result<(), Failure> {
    let mut sql = String::from("UPDATE leads SET version = ?, body = ?");
    let mut args: Vec<Value> = vec![Value::Integer(row.version as i64), Value::Text(body.into())];
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    let changes = [
        (
            "status",
            stored.status != row.status,
            Value::Text(row.status.clone()),
        ),
        (
            "tier",
            stored.tier != row.tier,
            Value::Text(row.tier.clone()),
        ),
        ("owner", stored.owner != row.owner, text(&row.owner)),
        ("email", stored.email != row.email, text(&row.email)),
        (
            "created_at",
            stored.created_at != row.created_at,
            Value::Integer(row.created_at),
        ),
    ];
    for (column, changed, value) in changes {
        if changed {
            sql.push_str(&format!(", {column} = ?"));
            args.push(value);
        }
    }
    sql.push_str(" WHERE id = ?");
    args.push(Value::Text(id.to_string()));
    tx.prepare_cached(&sql)?.execute(params_from_iter(args))?;
    Ok(())
}

pub(crate) fn lead_tx(tx: &Connection, id: &str) -> Result<Option<Lead>, Failure> {
    let body: Option<String> = tx
        .prepare_cached("SELECT body FROM leads WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| from_json("lead", &b)).transpose()?)
}

pub(crate) const BY_EMAIL_SQL: &str = "SELECT k.lead_id, l.email FROM email_links k
     LEFT JOIN leads l ON l.id = k.lead_id WHERE k.email = ?1";
pub(crate) const BY_EXTERNAL_ID_SQL: &str = "SELECT k.lead_id, l.email FROM external_id_links k
     LEFT JOIN leads l ON l.id = k.lead_id WHERE k.external_id = ?1";

/// The lead a link table points `key` at, with the lead's email.
pub(crate) fn known_by(
    tx: &Connection,
    sql: &str,
    key: &str,
) -> Result<Option<KnownLead>, Failure> {
    let found: Option<(String, Option<String>)> = tx
        .prepare_cached(sql)?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.map(|(id, email)| KnownLead { id, email }))
}

pub(crate) fn list_tx(tx: &Connection, query: &LeadQuery) -> Result<LeadPage, Failure> {
    let limit = query.limit.clamp(1, MAX_PAGE);
    let mut conditions: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(status) = query.status {
        conditions.push("status = ?");
        args.push(Value::Text(status.as_str().into()));
    }
    if let Some(tier) = query.tier {
        conditions.push("tier = ?");
        args.push(Value::Text(tier.as_str().into()));
    }
    if let Some(owner) = &query.owner {
        conditions.push("owner = ?");
        args.push(Value::Text(owner.clone()));
    }
    if let Some(c) = &query.cursor {
        let after = cursor::decode(c)?;
        conditions.push("(created_at < ? OR (created_at = ? AND id > ?))");
        args.push(Value::Integer(after.created_at));
        args.push(Value::Integer(after.created_at));
        args.push(Value::Text(after.id));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // One more than a page: whether it comes tells if there is a next page.
    args.push(Value::Integer(limit as i64 + 1));
    let sql = format!(
        "SELECT body, created_at, id FROM leads {filter} ORDER BY created_at DESC, id ASC LIMIT ?"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let mut leads = Vec::with_capacity(limit);
    let mut last = None;
    let mut more = false;
    while let Some(row) = rows.next()? {
        if leads.len() == limit {
            more = true;
            break;
        }
        let body: String = row.get(0)?;
        leads.push(from_json::<Lead>("lead", &body)?);
        last = Some(ListPosition {
            created_at: row.get(1)?,
            id: row.get(2)?,
        });
    }
    Ok(LeadPage {
        leads,
        next_cursor: last.filter(|_| more).map(|p| cursor::encode(&p)),
    })
}

/// Only the index rows due: a range scan of `due_by_time`, already in order.
const DUE_SQL: &str = "SELECT lead_id FROM due WHERE kind = ?1 AND due_at <= ?2
                       ORDER BY due_at, lead_id LIMIT ?3";

pub(crate) fn due_tx(
    tx: &Connection,
    kind: DueKind,
    now: i64,
    limit: usize,
) -> Result<Vec<LeadId>, Failure> {
    let mut stmt = tx.prepare_cached(DUE_SQL)?;
    let ids = stmt
        .query_map(
            params![
                due_kind_name(kind),
                now,
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            |r| r.get(0),
        )?
        .collect::<Result<Vec<LeadId>, _>>()?;
    Ok(ids)
}

pub(crate) fn history_tx(tx: &Connection, id: &str) -> Result<Vec<HistoryEntry>, Failure> {
    let mut stmt =
        tx.prepare_cached("SELECT at, kind, detail FROM history WHERE lead_id = ?1 ORDER BY seq")?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(at, kind, detail)| {
            Ok(HistoryEntry {
                at: from_instant(at),
                kind: history_kind(&kind)?,
                detail: from_json("history detail", &detail)?,
            })
        })
        .collect()
}

impl LeadStore for SqliteStore {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        let id = id.to_string();
        self.read_point(move |c| lead_tx(c, &id)).await
    }

    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        let email = email.to_string();
        self.read_point(move |c| known_by(c, BY_EMAIL_SQL, &email))
            .await
    }

    async fn lead_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<KnownLead>, StoreError> {
        let external_id = external_id.to_string();
        self.read_point(move |c| known_by(c, BY_EXTERNAL_ID_SQL, &external_id))
            .await
    }

    async fn write_lead(&self, write: LeadWrite) -> Result<(), StoreError> {
        self.write(move |tx| write_lead_tx(tx, &write)).await
    }

    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let id = id.to_string();
        self.read(move |tx| history_tx(tx, &id)).await
    }

    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        let query = query.clone();
        self.read(move |tx| list_tx(tx, &query)).await
    }

    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        self.read(move |tx| due_tx(tx, kind, instant("now", now)?, limit))
            .await
    }
}

impl SqliteStore {
    /// Every lead created in `[since, until)` (either end open when `None`), oldest first:
    /// what the metrics count.
    pub async fn leads_created_between(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Lead>, StoreError> {
        self.read(move |tx| {
            let since = since.map(bound);
            let until = until.map(bound);
            let mut stmt = tx.prepare_cached(
                "SELECT body FROM leads
                 WHERE created_at >= coalesce(?1, -9223372036854775808)
                   AND created_at < coalesce(?2, 9223372036854775807)
                 ORDER BY created_at, id",
            )?;
            let bodies = stmt
                .query_map(params![since, until], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            bodies.iter().map(|b| Ok(from_json("lead", b)?)).collect()
        })
        .await
    }

    /// How many leads are stored.
    pub async fn lead_count(&self) -> Result<u64, StoreError> {
        self.read(|tx| Ok(tx.query_row("SELECT count(*) FROM leads", [], |r| r.get(0))?))
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rusqlite::Connection;

    use super::*;

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let details = stmt
            .query_map(params!["sla", 0, 10], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        details.join("; ")
    }

    #[test]
    fn due_reads_a_range_of_the_time_index_without_sorting() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn, Path::new(":memory:")).unwrap();
        let plan = plan(&conn, DUE_SQL);
        assert!(
            plan.contains("SEARCH due USING COVERING INDEX due_by_time (kind=? AND due_at<?)"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "no sort step: {plan}");
    }
}
