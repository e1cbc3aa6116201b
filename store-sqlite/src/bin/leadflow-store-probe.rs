//! A test helper, run by the crash test: `leadflow-store-probe DIR N` accepts N inbound events
//! one at a time into the store in DIR, printing `accepted <event id>` as soon as each
//! `accept` has returned, then waits to be killed. Whatever it printed must survive `kill -9`.

use std::io::Write;

use chrono::{TimeZone, Utc};
use leadflow::ports::{Intake, ScoreJob};
use leadflow_store_sqlite::SqliteStore;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: leadflow-store-probe DIR N");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("N is a number");
    let store = SqliteStore::open(&dir).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime starts");
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        let event_id = format!("evt-{i}");
        let job = ScoreJob {
            event_id: event_id.clone(),
            lead_id: format!("ld_{i}"),
            event_type: "identify".into(),
            occurred_at: at,
            received_at: at,
            email: Some(format!("p{i}@acme.io")),
            external_id: None,
            attributes: Default::default(),
            properties: Default::default(),
        };
        runtime
            .block_on(store.accept(vec![job]))
            .expect("accept succeeds");
        writeln!(out, "accepted {event_id}").unwrap();
        out.flush().unwrap();
    }
    loop {
        std::thread::park();
    }
}
