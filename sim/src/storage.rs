//! What the SQLite store holds: bytes of pages by table (each with its indexes, from SQLite's
//! `dbstat`, as `store-sqlite/benches/retention.rs` measures them), free pages, and the rows
//! of the dedupe markers that retention prunes.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use leadflow_store_sqlite::DB_FILE;
use rusqlite::{Connection, OpenFlags};

/// The marker tables retention prunes after the dedupe window, in the order of
/// [`Storage::marker_rows`].
pub const MARKERS: [&str; 3] = ["seen_events", "applied_events", "deliveries"];

/// The SQLite store's storage at one instant of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    pub now: DateTime<Utc>,
    pub simulated_seconds: i64,
    pub ops: u64,
    pub events_accepted: u64,
    /// Database, WAL and shared-memory files.
    pub file_bytes: u64,
    /// Bytes of pages by table, its indexes included (free pages excluded).
    pub table_bytes: BTreeMap<String, u64>,
    /// Of those, the bytes of the rows themselves (`dbstat`'s payload: what a table holds,
    /// without the page granularity).
    pub payload_bytes: BTreeMap<String, u64>,
    pub free_bytes: u64,
    /// Rows of `MARKERS`.
    pub marker_rows: [u64; 3],
    /// Of `MARKERS`: the rows written within the dedupe window (retention must keep them) and
    /// within the window plus two retention periods (it may keep no more).
    pub must_keep: [u64; 3],
    pub may_keep: [u64; 3],
}

impl Storage {
    /// Bytes by group (see [`group`]).
    pub fn groups(&self) -> BTreeMap<&'static str, u64> {
        groups(&self.table_bytes)
    }
}

/// The group a table's bytes are reported in: the history (the audit trail, kept), the
/// per-lead metrics facts, the leads, the dedupe markers (pruned after the window), the outbox
/// and queues (deleted once handled), the rest (links, reps, loads, pools, accounts, due
/// times, changelog, schema), free pages (`"(free)"`).
pub fn group(table: &str) -> &'static str {
    match table {
        "history" => "history",
        "lead_facts" => "facts",
        "leads" => "leads",
        "seen_events" | "applied_events" | "deliveries" | "retention_marks" => "markers",
        "outbox" | "queue" | "dead_letters" => "outbox+queues",
        "(free)" => "free",
        _ => "rest",
    }
}

pub fn groups(table_bytes: &BTreeMap<String, u64>) -> BTreeMap<&'static str, u64> {
    let mut groups = BTreeMap::new();
    for (table, bytes) in table_bytes {
        *groups.entry(group(table)).or_default() += bytes;
    }
    groups
}

/// What [`measure`] reads.
pub struct Measured {
    pub table_bytes: BTreeMap<String, u64>,
    pub payload_bytes: BTreeMap<String, u64>,
    pub free_bytes: u64,
    pub marker_rows: [u64; 3],
}

/// Pages by table (with its indexes), free bytes, and the rows of `MARKERS`, read from the
/// database in `dir` through a read-only connection (the WAL included).
pub fn measure(dir: &Path) -> Result<Measured, String> {
    let conn = Connection::open_with_flags(dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let run = || -> rusqlite::Result<_> {
        let mut stmt = conn.prepare(
            "SELECT coalesce(s.tbl_name, d.name), sum(d.pgsize), sum(d.payload) FROM dbstat d
             LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY 1",
        )?;
        let mut tables = BTreeMap::new();
        let mut payload = BTreeMap::new();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (table, bytes, p) = row?;
            tables.insert(table.clone(), bytes as u64);
            payload.insert(table, p as u64);
        }
        let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let mut rows = [0u64; 3];
        for (n, table) in rows.iter_mut().zip(MARKERS) {
            let c: i64 =
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            *n = c as u64;
        }
        Ok(Measured {
            table_bytes: tables,
            payload_bytes: payload,
            free_bytes: (free * page) as u64,
            marker_rows: rows,
        })
    };
    run().map_err(|e| e.to_string())
}
