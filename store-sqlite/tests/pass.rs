//! `work_pass`: a whole pass of the hot path (claim, handle and acknowledge stage by stage,
//! relaying between stages) in one transaction; the lead a pass wrote is read back from
//! memory; a lead update rewrites only the indexed columns that changed; WAL checkpoints run
//! on their own thread.

mod support;

use std::time::Duration;

use leadflow::domain::{DomainEvent, DomainEventKind, Status, Tier};
use leadflow::ports::{LeadQuery, LeadStore};
use leadflow_store_sqlite::{Message, Release, RetryPolicy, SqliteStore, Stage, TxStore};
use support::*;

const VISIBILITY: Duration = Duration::from_secs(60);
const RETRY: RetryPolicy = RetryPolicy {
    base: Duration::from_secs(1),
    max: Duration::from_secs(60),
};

/// The bus of these tests: a qualified lead goes to "second".
fn to_second(e: &DomainEvent) -> Vec<&'static str> {
    match e.kind {
        DomainEventKind::LeadQualified => vec!["second"],
        _ => Vec::new(),
    }
}

fn stages() -> Vec<Stage> {
    vec![
        Stage {
            queue: "first",
            max: 10,
        },
        Stage {
            queue: "second",
            max: 10,
        },
    ]
}

/// First stage: create the lead and qualify it. Second stage: read it back (it must be
/// there, as written) and mark it assigned.
fn two_stages(store: &TxStore<'_>, m: &Message) -> Result<(), String> {
    match m.queue.as_str() {
        "first" => {
            let id: String = m.decode().map_err(|e| e.to_string())?;
            let mut w = new_write(lead(&id));
            w.events = vec![event(&id, DomainEventKind::LeadQualified, &id)];
            pollster::block_on(store.write_lead(w)).map_err(|e| e.to_string())
        }
        _ => {
            let e: DomainEvent = m.decode().map_err(|e| e.to_string())?;
            let found = pollster::block_on(store.lead(&e.lead_id)).map_err(|e| e.to_string())?;
            let mut l = found.ok_or_else(|| format!("{} not found", e.lead_id))?;
            assert_eq!(l.version, 1, "read as the first stage wrote it");
            l.status = Status::Assigned;
            pollster::block_on(store.write_lead(new_write(l))).map_err(|e| e.to_string())
        }
    }
}

#[tokio::test]
async fn one_pass_handles_the_second_stage_of_what_its_first_stage_caused() {
    let f = fresh();
    let s = &f.store;
    for id in ["ld_a", "ld_b"] {
        s.enqueue("first", &id, minutes(0)).await.unwrap();
    }
    let reports = s
        .work_pass(
            stages(),
            VISIBILITY,
            minutes(0),
            RETRY,
            to_second,
            two_stages,
        )
        .await
        .unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!((reports[0].claimed, reports[0].handled), (2, 2));
    assert_eq!(
        reports[1].relayed, 2,
        "the first stage's events were relayed before the second stage claimed"
    );
    assert_eq!(
        (reports[1].claimed, reports[1].handled),
        (2, 2),
        "the qualified leads were relayed and routed in the same pass"
    );
    for id in ["ld_a", "ld_b"] {
        let l = s.lead(id).await.unwrap().unwrap();
        assert_eq!((l.status, l.version), (Status::Assigned, 2));
    }
    for queue in ["first", "second"] {
        assert_eq!(
            s.queue_depth(queue).await.unwrap(),
            0,
            "{queue} acknowledged"
        );
    }
}

#[tokio::test]
async fn a_panicking_handler_fails_its_message_only_and_forgets_what_it_wrote() {
    let f = fresh();
    let s = &f.store;
    for id in ["ld_a", "ld_boom", "ld_c"] {
        s.enqueue("first", &id, minutes(0)).await.unwrap();
    }
    let reports = s
        .work_pass(
            vec![Stage {
                queue: "first",
                max: 10,
            }],
            VISIBILITY,
            minutes(0),
            RETRY,
            to_second,
            |store, m| {
                let id: String = m.decode().map_err(|e| e.to_string())?;
                if id == "ld_c" {
                    // What the failed job wrote is gone, in memory as on disk.
                    let boom =
                        pollster::block_on(store.lead("ld_boom")).map_err(|e| e.to_string())?;
                    assert!(boom.is_none(), "the panicked job's lead was undone");
                }
                pollster::block_on(store.write_lead(new_write(lead(&id))))
                    .map_err(|e| e.to_string())?;
                if id == "ld_boom" {
                    panic!("the handler blew up");
                }
                Ok(())
            },
        )
        .await
        .unwrap();
    let report = &reports[0];
    assert_eq!(report.handled, 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].release, Release::Retry);
    assert!(
        report.failed[0].error.contains("the handler blew up"),
        "{}",
        report.failed[0].error
    );
    assert!(s.lead("ld_boom").await.unwrap().is_none());
    assert!(s.lead("ld_a").await.unwrap().is_some());
    assert!(s.lead("ld_c").await.unwrap().is_some());
    // Released for a retry with its claim counted: back after the backoff.
    let again = s.claim("first", 10, VISIBILITY, minutes(1)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

#[tokio::test]
async fn a_lead_update_keeps_every_listing_index_right() {
    let f = fresh();
    let s = &f.store;
    let mut l = lead("ld_a");
    s.write_lead(new_write(l.clone())).await.unwrap();
    l.version = 1;
    // Only the body changes: the status listing still finds it.
    l.score.total = 12.0;
    s.write_lead(new_write(l.clone())).await.unwrap();
    let by = |status: Status| LeadQuery {
        status: Some(status),
        limit: 10,
        ..LeadQuery::default()
    };
    let ids = |page: leadflow::ports::LeadPage| -> Vec<String> {
        page.leads.into_iter().map(|l| l.id).collect()
    };
    assert_eq!(ids(s.list_leads(&by(l.status)).await.unwrap()), ["ld_a"]);
    // Status and tier change: found under the new ones only.
    let old = l.status;
    l.version = 2;
    l.status = Status::Mql;
    l.tier = Tier::A;
    s.write_lead(new_write(l.clone())).await.unwrap();
    assert!(ids(s.list_leads(&by(old)).await.unwrap()).is_empty());
    assert_eq!(ids(s.list_leads(&by(Status::Mql)).await.unwrap()), ["ld_a"]);
    let tier_a = LeadQuery {
        tier: Some(Tier::A),
        limit: 10,
        ..LeadQuery::default()
    };
    assert_eq!(ids(s.list_leads(&tier_a).await.unwrap()), ["ld_a"]);
    let stored = s.lead("ld_a").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.score.total), (3, 12.0));
}

#[tokio::test]
async fn the_wal_is_checkpointed_into_the_database_without_a_commit_waiting_for_it() {
    let f = fresh();
    let s: &SqliteStore = &f.store;
    let db = f.dir.path().join(leadflow_store_sqlite::DB_FILE);
    let before = std::fs::metadata(&db).unwrap().len();
    // Far fewer pages than the writer's own (backstop) checkpoint would wait for.
    for n in 0..300 {
        s.write_lead(new_write(lead(&format!("ld_{n}"))))
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = std::fs::metadata(&db).unwrap().len();
        if now > before {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} stayed at {before} bytes: nothing checkpointed the WAL",
            db.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
