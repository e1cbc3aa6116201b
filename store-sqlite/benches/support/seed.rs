//! 100,000 leads over 60 days, 20 reps in 4 teams, built the same way on every run: shared by
//! the store's overview benchmark and `cli`'s dashboard page benchmark (included by path).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::domain::{AttrValue, HistoryEntry, HistoryKind, Lead, Owner, Rep, Status, Tier};
use leadflow::ports::{DueTimes, LeadStore, LeadWrite, RepStore};
use leadflow::sla::SlaClock;
use leadflow_store_sqlite::SqliteStore;
use serde_json::json;

pub const LEADS: u64 = 100_000;

/// How many leads to build: all of them under `cargo bench`; under `cargo test` (no `--bench`
/// argument) a few thousand, enough to run every step once without a minute of debug-build
/// writes.
pub fn leads() -> u64 {
    if std::env::args().any(|a| a == "--bench") {
        LEADS
    } else {
        2_000
    }
}
pub const REPS: usize = 20;
pub const TEAMS: [&str; 4] = ["east", "west", "north", "south"];
const SOURCES: [&str; 5] = ["webinar", "ads", "organic", "referral", "event"];

/// A deterministic pseudo-random stream (xorshift64*), so every run builds the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap()
}

pub fn rep_id(i: usize) -> String {
    format!("rep{i:02}")
}

/// One lead with its whole story in one write: created, maybe routed, answered, breached,
/// qualified, won.
fn lead_write(n: u64, rng: &mut Rng) -> LeadWrite {
    let created = start() + TimeDelta::seconds(rng.below(60 * 24 * 3600) as i64);
    let id = format!("ld_{n:08}");
    let mut lead = Lead::new(id.clone(), Some(format!("{id}@acme.io")), None, created);
    let score = rng.below(1000) as f64 / 10.0;
    lead.score.total = score;
    lead.tier = match score {
        s if s >= 80.0 => Tier::A,
        s if s >= 60.0 => Tier::B,
        s if s >= 40.0 => Tier::C,
        _ => Tier::D,
    };
    lead.mql = score >= 60.0;
    lead.status = if lead.mql {
        Status::Mql
    } else {
        Status::Nurture
    };
    let source = SOURCES[rng.below(SOURCES.len() as u64) as usize];
    lead.attributes
        .insert("source".into(), AttrValue::Text(source.into()));
    lead.attributes
        .insert("first_name".into(), AttrValue::Text(format!("N{n}")));
    let mut history = vec![HistoryEntry::new(
        created,
        HistoryKind::Event,
        json!({"event_id": format!("e{n}"), "type": "demo_request"}),
    )];
    if lead.mql {
        let rep = rep_id(rng.below(REPS as u64) as usize);
        let assigned_at = created + TimeDelta::seconds(5 + rng.below(120) as i64);
        let due = assigned_at + TimeDelta::minutes(if lead.tier == Tier::A { 5 } else { 60 });
        history.push(HistoryEntry::new(
            assigned_at,
            HistoryKind::Assigned,
            json!({"outcome": "assigned", "rep_id": rep, "via": "rotation", "candidates": []}),
        ));
        lead.owner = Some(Owner {
            rep_id: rep.clone(),
            assigned_at,
        });
        lead.status = Status::Assigned;
        let mut clock = SlaClock::waiting(lead.tier, &rep, assigned_at, due);
        // Response times spread over minutes to days; a tenth never answered.
        if rng.below(10) > 0 {
            let spread = 1 << rng.below(12);
            let secs = 30 * (1 + rng.below(spread)) as i64;
            let at = assigned_at + TimeDelta::seconds(secs);
            if at > due {
                clock.breached_at = Some(due);
                history.push(HistoryEntry::new(
                    due,
                    HistoryKind::SlaBreached,
                    json!({"rep_id": rep}),
                ));
            }
            clock.responded_at = Some(at);
            lead.status = Status::Contacted;
            history.push(HistoryEntry::new(
                at,
                HistoryKind::Disposition,
                json!({"outcome": "contacted", "rep_id": rep, "to": "contacted",
                       "response_seconds": secs}),
            ));
            if rng.below(3) == 0 {
                lead.status = Status::Qualified;
                history.push(HistoryEntry::new(
                    at + TimeDelta::days(1),
                    HistoryKind::Disposition,
                    json!({"outcome": "qualified", "rep_id": rep, "to": "qualified",
                           "amount": 1000 * (1 + rng.below(50))}),
                ));
                if rng.below(3) == 0 {
                    lead.status = Status::Won;
                    history.push(HistoryEntry::new(
                        at + TimeDelta::days(7),
                        HistoryKind::Disposition,
                        json!({"outcome": "won", "rep_id": rep, "to": "won",
                               "amount": 1000 * (1 + rng.below(40))}),
                    ));
                }
            }
        }
        lead.sla = Some(clock);
    }
    let mut w = LeadWrite::over(lead, DueTimes::default());
    w.history = history;
    w
}

pub fn build(store: &SqliteStore, runtime: &tokio::runtime::Runtime) {
    runtime.block_on(async {
        for i in 0..REPS {
            let mut rep = Rep::new(&rep_id(i), TEAMS[i % TEAMS.len()]);
            rep.weight = 1 + (i % 3) as u32;
            store.put_rep(rep).await.unwrap();
        }
        let mut rng = Rng(0x5eed_1234_abcd_0042);
        for n in 0..leads() {
            store.write_lead(lead_write(n, &mut rng)).await.unwrap();
        }
    });
}
