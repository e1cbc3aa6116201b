//! The schema, as numbered migrations. `PRAGMA user_version` holds the number of migrations
//! applied; `open` applies the missing ones, each in its own transaction, and refuses a
//! database written by a newer leadflow.
//!
//! Instants are integer nanoseconds since the epoch; documents (lead, rep, pool, event,
//! payload) are JSON text; the columns beside them are what queries filter and sort on.

use std::path::Path;

use rusqlite::Connection;

use crate::error::OpenError;

/// Migration `i` brings the schema from version `i` to `i + 1`. Never edit one that shipped:
/// add the next.
const MIGRATIONS: &[&str] = &[
    // 1: the ports and the queues.
    "
    -- A rowid table: lead bodies are large rows, which WITHOUT ROWID tables store poorly.
    CREATE TABLE leads (
        id          TEXT PRIMARY KEY,
        version     INTEGER NOT NULL,
        status      TEXT NOT NULL,
        tier        TEXT NOT NULL,
        owner       TEXT,
        email       TEXT,
        created_at  INTEGER NOT NULL,
        body        TEXT NOT NULL
    );
    -- The listing order is (created_at DESC, id); each filter has an index in that order.
    CREATE INDEX leads_by_created ON leads (created_at DESC, id);
    CREATE INDEX leads_by_status ON leads (status, created_at DESC, id);
    CREATE INDEX leads_by_tier ON leads (tier, created_at DESC, id);
    CREATE INDEX leads_by_owner ON leads (owner, created_at DESC, id);

    CREATE TABLE history (
        seq      INTEGER PRIMARY KEY,
        lead_id  TEXT NOT NULL,
        at       INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        detail   TEXT NOT NULL
    );
    CREATE INDEX history_by_lead ON history (lead_id, seq);

    CREATE TABLE email_links (
        email    TEXT PRIMARY KEY,
        lead_id  TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE external_id_links (
        external_id  TEXT PRIMARY KEY,
        lead_id      TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE applied_events (event_id TEXT PRIMARY KEY) WITHOUT ROWID;

    CREATE TABLE reps (
        id    TEXT PRIMARY KEY,
        body  TEXT NOT NULL
    ) WITHOUT ROWID;
    -- Apart from reps: a load change may name a rep removed or not yet created.
    CREATE TABLE rep_load (
        rep_id      TEXT PRIMARY KEY,
        open_leads  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE pools (
        team  TEXT PRIMARY KEY,
        body  TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE accounts (
        company_domain  TEXT PRIMARY KEY,
        rep_id          TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Sparse: a lead has a row per kind only while something is due.
    CREATE TABLE due (
        lead_id  TEXT NOT NULL,
        kind     TEXT NOT NULL,
        due_at   INTEGER NOT NULL,
        PRIMARY KEY (lead_id, kind)
    ) WITHOUT ROWID;
    CREATE INDEX due_by_time ON due (kind, due_at, lead_id);

    CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY,
        event_id   TEXT NOT NULL UNIQUE,
        body       TEXT NOT NULL,
        published  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX outbox_pending ON outbox (seq) WHERE published = 0;

    CREATE TABLE deliveries (key TEXT PRIMARY KEY) WITHOUT ROWID;

    CREATE TABLE seen_events (event_id TEXT PRIMARY KEY) WITHOUT ROWID;

    -- available_at: when the message may next be claimed (a claim moves it to the end of
    -- the visibility timeout, a release to the retry time).
    -- AUTOINCREMENT: an id is never reused, so a late ack or a redrive cannot hit another
    -- message.
    CREATE TABLE queue (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        queue         TEXT NOT NULL,
        payload       TEXT NOT NULL,
        enqueued_at   INTEGER NOT NULL,
        available_at  INTEGER NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT
    );
    CREATE INDEX queue_ready ON queue (queue, available_at, id);

    CREATE TABLE dead_letters (
        id           INTEGER PRIMARY KEY,
        queue        TEXT NOT NULL,
        payload      TEXT NOT NULL,
        enqueued_at  INTEGER NOT NULL,
        attempts     INTEGER NOT NULL,
        last_error   TEXT,
        dead_at      INTEGER NOT NULL
    );
    CREATE INDEX dead_letters_by_queue ON dead_letters (queue, id);
    ",
    // 2: the changelog of published scoring versions (rules, model, or both).
    "
    -- summary: JSON array of readable change lines; scoring_config: the ScoringConfig as
    -- published (JSON); model_json: the model file's text, so a published version can be
    -- scored again after the file changes.
    CREATE TABLE changelog (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        version         TEXT NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('rules', 'model', 'rules+model')),
        published_at    INTEGER NOT NULL,
        published_by    TEXT NOT NULL,
        note            TEXT,
        summary         TEXT NOT NULL,
        scoring_config  TEXT NOT NULL,
        model_json      TEXT,
        model_weight    REAL
    );
    ",
    // 3: the backtest a publication was checked with (`leadflow backtest --json`'s report).
    "
    ALTER TABLE changelog ADD COLUMN backtest_json TEXT;
    ",
    // 4: retention (see `retention`). The markers that only guard against redelivery (seen
    // inbound events, applied events, delivered alerts) become AUTOINCREMENT rowid tables, so
    // that a row's `seq` is its place in write order and is never reused: the retention job
    // records the highest `seq` of each table with its clock (`retention_marks`) and, a dedupe
    // window later, deletes every row at or below that mark, oldest first, in small batches.
    // Rows already there get their `seq` now: the first mark covers them.
    "
    CREATE TABLE seen_events_v4 (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id  TEXT NOT NULL UNIQUE
    );
    INSERT INTO seen_events_v4 (event_id) SELECT event_id FROM seen_events;
    DROP TABLE seen_events;
    ALTER TABLE seen_events_v4 RENAME TO seen_events;

    CREATE TABLE applied_events_v4 (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id  TEXT NOT NULL UNIQUE
    );
    INSERT INTO applied_events_v4 (event_id) SELECT event_id FROM applied_events;
    DROP TABLE applied_events;
    ALTER TABLE applied_events_v4 RENAME TO applied_events;

    CREATE TABLE deliveries_v4 (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        key  TEXT NOT NULL UNIQUE
    );
    INSERT INTO deliveries_v4 (key) SELECT key FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_v4 RENAME TO deliveries;

    -- at: the retention job's clock (ns) when it took the mark; the other columns: the
    -- highest seq of each table then (every row at or below was written by that time).
    CREATE TABLE retention_marks (
        at         INTEGER PRIMARY KEY,
        seen       INTEGER NOT NULL,
        applied    INTEGER NOT NULL,
        delivered  INTEGER NOT NULL
    );
    ",
];

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Bring the database at `path` to `VERSION`.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), OpenError> {
    let database = |source| OpenError::Database {
        path: path.to_path_buf(),
        source,
    };
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(database)?;
    if found > VERSION {
        return Err(OpenError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let failed = |source| OpenError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op_and_records_the_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
    }

    #[test]
    fn the_dedupe_markers_of_a_version_3_database_are_kept_in_write_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO seen_events VALUES ('evt-1'), ('evt-2');
             INSERT INTO applied_events VALUES ('evt-1');
             INSERT INTO deliveries VALUES ('alert-1');",
        )
        .unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let seen: Vec<(i64, String)> = conn
            .prepare("SELECT seq, event_id FROM seen_events ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(seen, [(1, "evt-1".into()), (2, "evt-2".into())]);
        // Still refused once, and the sequence carries on under the table's own name (an
        // ignored insert may use up a number: the high-water mark only ever covers rows
        // written before it).
        let insert = "INSERT OR IGNORE INTO seen_events (event_id) VALUES (?1)";
        assert_eq!(conn.execute(insert, ["evt-2"]).unwrap(), 0);
        assert_eq!(conn.execute(insert, ["evt-3"]).unwrap(), 1);
        let newest: i64 = conn
            .query_row(
                "SELECT seq FROM seen_events WHERE event_id = 'evt-3'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let high: i64 = conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'seen_events'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(newest > 2 && high == newest, "{newest} {high}");
        for (table, n) in [("applied_events", 1), ("deliveries", 1)] {
            let found: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(found, n, "{table}");
        }
    }

    #[test]
    fn a_database_from_a_newer_leadflow_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn, Path::new("x.db")).unwrap_err();
        assert!(
            matches!(err, OpenError::NewerSchema { found, .. } if found == VERSION + 1),
            "{err}"
        );
    }
}
