//! One run: operations applied in order on a virtual clock, the pipeline drained after each,
//! the schedules run at every instant something is due, and the invariants checked after
//! every step.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::domain::{DomainEvent, HistoryKind, Lead, LeadId, Rep, RepId, Status};
use leadflow::lifecycle::disposition::{Disposition, Outcome as Disp};
use leadflow::ports::{
    Alert, DueKind, LeadStore, Notifier, NotifyError, Outbox, RepStore, ScoreJob,
};
use leadflow::routing;
use leadflow::scoring::{self, Scorer};
use leadflow::usecases::decay::run_decay;
use leadflow::usecases::disposition::record_disposition;
use leadflow::usecases::ingest::{ingest, InboundEvent};
use leadflow::usecases::notify::deliver;
use leadflow::usecases::route::route_lead;
use leadflow::usecases::score::score_event;
use leadflow::usecases::sla_check::check_slas;
use leadflow::usecases::{due_times, UseCaseError};
use leadflow_store_sqlite::{DEDUPE_WINDOW, SCORE_QUEUE};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ops::{CrashPoint, Op, Reason, RepChange};
use crate::setup;
use crate::storage::Storage;
use crate::store::{open_sqlite, AnyStore, Kind, Watched};
use crate::watch::{Ctx, Violation, Watch};

/// The alert channels, each with its recording notifier.
pub const CHANNELS: [&str; 2] = ["slack", "email"];

/// How long a waiting lead may wait after a rep of its team became eligible.
pub const WAKE_WITHIN: TimeDelta = TimeDelta::seconds(1);

/// Every how many operations the expensive checks (stored history, score replay) run.
pub const DEEP_EVERY: usize = 25;

/// How often the SQLite store's retention job (`SqliteStore::prune`) runs on simulated time
/// (`leadflow serve` runs it every minute): a time jump stops on it.
pub const PRUNE_EVERY: TimeDelta = TimeDelta::hours(1);

/// The dedupe window: a resend of an event first sent longer ago than this is outside the
/// contract (the SQLite store forgets the id; no sender retries that late), so the simulation
/// resends only events sent within it.
pub fn dedupe_window() -> TimeDelta {
    TimeDelta::from_std(DEDUPE_WINDOW).expect("30 days fit")
}

/// A notifier that records what it sent, on its channel.
#[derive(Clone)]
pub struct Recorder {
    pub channel: &'static str,
    pub log: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl Notifier for Recorder {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((self.channel, alert.event_id.clone()));
        Ok(())
    }
}

/// What broke, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The index of the operation after which the invariant failed.
    pub step: usize,
    pub op: String,
    pub invariant: &'static str,
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invariant \"{}\" failed after op #{} ({}): {}",
            self.invariant, self.step, self.op, self.detail
        )
    }
}

/// Figures of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub ops: u64,
    /// Instants of simulated time at which the schedules ran.
    pub instants: u64,
    /// Individual invariant evaluations.
    pub checks: u64,
    pub events_accepted: u64,
    pub duplicates: u64,
    pub dispositions_accepted: u64,
    pub dispositions_refused: u64,
    pub assignments: u64,
    pub reassignments: u64,
    pub escalations: u64,
    pub recycles: u64,
    pub reactivations: u64,
    pub alerts: u64,
    pub restarts: u64,
    pub simulated_seconds: i64,
    /// The SQLite files' size at the end (database, WAL, shared memory).
    pub db_bytes: u64,
    /// SQLite: retention runs (`SqliteStore::prune`), and the rows they deleted.
    pub prunes: u64,
    pub pruned_rows: u64,
    /// SQLite at the end: bytes of pages by table, each with its indexes (`dbstat`), and free
    /// pages under `"(free)"`.
    pub table_bytes: BTreeMap<String, u64>,
    /// Violations of the invariants a diagnostic run was told to tolerate
    /// (`LEADFLOW_SIM_TOLERATE`), by invariant: how many, and the seed-less first one.
    pub tolerated: BTreeMap<&'static str, (u64, String)>,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.ops += o.ops;
        self.instants += o.instants;
        self.checks += o.checks;
        self.events_accepted += o.events_accepted;
        self.duplicates += o.duplicates;
        self.dispositions_accepted += o.dispositions_accepted;
        self.dispositions_refused += o.dispositions_refused;
        self.assignments += o.assignments;
        self.reassignments += o.reassignments;
        self.escalations += o.escalations;
        self.recycles += o.recycles;
        self.reactivations += o.reactivations;
        self.alerts += o.alerts;
        self.restarts += o.restarts;
        self.simulated_seconds += o.simulated_seconds;
        self.db_bytes += o.db_bytes;
        self.prunes += o.prunes;
        self.pruned_rows += o.pruned_rows;
        for (table, bytes) in &o.table_bytes {
            *self.table_bytes.entry(table.clone()).or_default() += bytes;
        }
        for (k, (n, first)) in &o.tolerated {
            let e = self.tolerated.entry(k).or_insert((0, first.clone()));
            e.0 += n;
        }
    }
}

type Fail = (&'static str, String);

fn uc(e: impl std::fmt::Display) -> Fail {
    ("use cases succeed", e.to_string())
}

pub struct Sim {
    kind: Kind,
    dir: Option<tempfile::TempDir>,
    store: Option<Watched>,
    watch: Arc<Mutex<Watch>>,
    config: Arc<Config>,
    version: String,
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    reps: Vec<Rep>,
    notifiers: Vec<Recorder>,
    sent_log: Arc<Mutex<Vec<(&'static str, String)>>>,
    /// Every event sent, in order (what `Duplicate` resends), and when it was sent.
    sent: Vec<InboundEvent>,
    sent_at: Vec<DateTime<Utc>>,
    /// When each accepted event was accepted, and each alert delivered (on one channel), in
    /// order: what the SQLite store's dedupe markers must hold within the window.
    accepted_at: Vec<DateTime<Utc>>,
    delivered_at: Vec<DateTime<Utc>>,
    /// When the SQLite store's retention job last ran.
    last_prune: Option<DateTime<Utc>>,
    next_event: u64,
    /// Accepted event id -> (lead, its score job as accepted).
    accepted: BTreeMap<String, ScoreJob>,
    leads: BTreeMap<LeadId, usize>,
    /// (lead, clock's assigned_at) with a contact disposition accepted under that clock.
    contacted: HashSet<(LeadId, DateTime<Utc>)>,
    /// When a waiting lead was first seen waiting with a rep of its team eligible.
    eligible_since: HashMap<LeadId, DateTime<Utc>>,
    /// (event id, channel) each alertable relayed event must have been sent on.
    expected_alerts: HashSet<(String, &'static str)>,
    /// (lead, clock's assigned_at) of every breach relayed.
    breaches: HashSet<(LeadId, String)>,
    rng: ChaCha8Rng,
    stats: Stats,
    alert_names: Vec<String>,
    /// Invariants whose violations are counted instead of stopping the run (diagnostics
    /// only: never set by the tests).
    pub tolerate: Vec<String>,
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

impl Sim {
    pub fn new(kind: Kind, seed: u64) -> Result<Sim, String> {
        let config = Arc::new(setup::config());
        let version = scoring::rules_version(&config.scoring);
        let start = setup::start();
        let mut w = Watch::new(config.clone(), version.clone(), start);
        let reps = setup::roster();
        for r in &reps {
            *w.team_sizes.entry(r.team.clone()).or_default() += 1;
        }
        let watch = Arc::new(Mutex::new(w));
        let (dir, inner) = match kind {
            Kind::Memory => (None, AnyStore::Memory(MemoryStore::new())),
            Kind::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
                let store = open_sqlite(dir.path())?;
                (Some(dir), AnyStore::Sqlite(store))
            }
        };
        let store = Watched {
            inner,
            watch: watch.clone(),
        };
        for r in &reps {
            block(store.put_rep(r.clone())).map_err(|e| e.to_string())?;
        }
        let sent_log = Arc::new(Mutex::new(Vec::new()));
        let notifiers = CHANNELS
            .iter()
            .map(|c| Recorder {
                channel: c,
                log: sent_log.clone(),
            })
            .collect();
        let alert_names = config
            .alerts
            .notify_on
            .iter()
            .filter_map(|k| serde_json::to_value(k).ok()?.as_str().map(str::to_string))
            .collect();
        Ok(Sim {
            kind,
            dir,
            store: Some(store),
            watch,
            config,
            version,
            now: start,
            start,
            reps,
            notifiers,
            sent_log,
            sent: Vec::new(),
            sent_at: Vec::new(),
            accepted_at: Vec::new(),
            delivered_at: Vec::new(),
            last_prune: None,
            next_event: 0,
            accepted: BTreeMap::new(),
            leads: BTreeMap::new(),
            contacted: HashSet::new(),
            eligible_since: HashMap::new(),
            expected_alerts: HashSet::new(),
            breaches: HashSet::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed),
            stats: Stats::default(),
            alert_names,
            tolerate: Vec::new(),
        })
    }

    fn store(&self) -> &Watched {
        self.store
            .as_ref()
            .expect("the store is open between steps")
    }

    fn set(&self, ctx: Ctx) {
        let mut w = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        w.ctx = ctx;
        w.now = self.now;
    }

    fn scorer(&self) -> Scorer<'_> {
        Scorer::rules(&self.version)
    }

    /// Run every operation, checking after each; the figures, or the first failure.
    pub fn run(mut self, ops: &[Op]) -> Result<Stats, Failure> {
        self.steps(ops, 0)?;
        Ok(self.stats())
    }

    /// Run `ops` (operations `first..` of a longer list, for the failure's step number),
    /// checking after each, the expensive checks included after the last; the first failure.
    /// Several calls carry on the same run.
    pub fn steps(&mut self, ops: &[Op], first: usize) -> Result<(), Failure> {
        for (i, op) in ops.iter().enumerate() {
            let deep = (first + i + 1).is_multiple_of(DEEP_EVERY) || i + 1 == ops.len();
            let i = first + i;
            let result = self.step(op).and_then(|()| self.checks(deep));
            let result = result.and_then(|()| self.take_violations());
            if let Err((invariant, detail)) = result {
                if self.tolerates(invariant) {
                    self.note(invariant, format!("op #{i} ({op}): {detail}"));
                    self.stats.ops += 1;
                    continue;
                }
                return Err(Failure {
                    step: i,
                    op: op.to_string(),
                    invariant,
                    detail,
                });
            }
            self.stats.ops += 1;
        }
        Ok(())
    }

    /// The figures so far.
    pub fn stats(&self) -> Stats {
        let w = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        let mut stats = self.stats.clone();
        stats.checks += w.stats.checks;
        stats.assignments = w.stats.assignments;
        stats.reassignments = w.stats.reassignments;
        stats.escalations = w.stats.escalations;
        stats.recycles = w.stats.recycles;
        stats.reactivations = w.stats.reactivations;
        drop(w); // `storage` takes the watch's lock too
        stats.alerts = self.sent_log.lock().map(|l| l.len() as u64).unwrap_or(0);
        stats.simulated_seconds = (self.now - self.start).num_seconds();
        stats.db_bytes = self.db_bytes();
        if let Some(storage) = self.storage() {
            stats.table_bytes = storage.table_bytes;
            stats
                .table_bytes
                .insert("(free)".into(), storage.free_bytes);
        }
        stats
    }

    /// The SQLite store's storage now (`None` on the memory store or if it cannot be read):
    /// pages by table, the dedupe markers' rows, and what the run says they must hold.
    pub fn storage(&self) -> Option<Storage> {
        let dir = self.dir.as_ref()?;
        let measured = crate::storage::measure(dir.path()).ok()?;
        let window = dedupe_window();
        // A marker written at t is deleted by the first retention run at or after the first
        // mark taken after t (at most PRUNE_EVERY later) plus the window: it lives at most
        // window + 2 x PRUNE_EVERY.
        let slack = PRUNE_EVERY * 2;
        let since = |times: &[DateTime<Utc>], age: TimeDelta| {
            let from = self.now - age;
            (times.len() - times.partition_point(|t| *t <= from)) as u64
        };
        let applied_at = self
            .watch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .applied_ids_at
            .clone();
        Some(Storage {
            now: self.now,
            simulated_seconds: (self.now - self.start).num_seconds(),
            ops: self.stats.ops,
            events_accepted: self.stats.events_accepted,
            file_bytes: self.db_bytes(),
            table_bytes: measured.table_bytes,
            payload_bytes: measured.payload_bytes,
            free_bytes: measured.free_bytes,
            marker_rows: measured.marker_rows,
            must_keep: [
                since(&self.accepted_at, window),
                since(&applied_at, window),
                since(&self.delivered_at, window),
            ],
            may_keep: [
                since(&self.accepted_at, window + slack),
                since(&applied_at, window + slack),
                since(&self.delivered_at, window + slack),
            ],
        })
    }

    /// The SQLite files' size now (0 for the memory store).
    pub fn db_bytes(&self) -> u64 {
        let Some(dir) = &self.dir else { return 0 };
        ["leadflow.db", "leadflow.db-wal", "leadflow.db-shm"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    fn take_violations(&mut self) -> Result<(), Fail> {
        let mut w = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        let all: Vec<Violation> = w.violations.drain(..).collect();
        drop(w);
        for Violation { invariant, detail } in all {
            if !self.tolerates(invariant) {
                return Err((invariant, detail));
            }
            self.note(invariant, detail);
        }
        Ok(())
    }

    fn tolerates(&self, invariant: &str) -> bool {
        self.tolerate.iter().any(|t| t == invariant)
    }

    fn note(&mut self, invariant: &'static str, detail: String) {
        self.stats
            .tolerated
            .entry(invariant)
            .or_insert((0, detail))
            .0 += 1;
    }

    fn step(&mut self, op: &Op) -> Result<(), Fail> {
        match op {
            Op::Event {
                lead,
                signal,
                age_s,
                student,
            } => {
                let e = self.new_event(*lead, *signal, *age_s, *student);
                self.send(vec![e], false)?;
                self.drain(None)?;
            }
            Op::Duplicate { nth } => {
                // Only events first sent within the dedupe window (all of them in a run shorter
                // than the window).
                let from = self.now - dedupe_window();
                let start = self.sent_at.partition_point(|t| *t <= from);
                let recent = self.sent.len() - start;
                if recent == 0 {
                    return Ok(());
                }
                let e = self.sent[start + nth % recent].clone();
                self.send(vec![e], true)?;
                self.drain(None)?;
            }
            Op::Dispose {
                lead,
                outcome,
                rep,
                reason,
                back_s,
            } => self.dispose(*lead, *outcome, *rep, *reason, *back_s)?,
            Op::Rep { rep, change } => self.change_rep(*rep, *change)?,
            Op::Advance { secs } => {
                self.advance(self.now + TimeDelta::seconds(i64::from(*secs)))?
            }
            Op::Restart => self.restart()?,
            Op::Crash {
                lead,
                signal,
                point,
            } => {
                let e = self.new_event(*lead, *signal, 0, false);
                self.send(vec![e], false)?;
                self.drain(Some(*point))?;
                self.restart()?;
            }
        }
        self.tick()
    }

    fn new_event(&mut self, lead: usize, signal: usize, age_s: u32, student: bool) -> InboundEvent {
        self.next_event += 1;
        let mut attributes = setup::lead_attributes(lead);
        if student {
            attributes.insert("title".into(), "Student".into());
        }
        let event_type = match setup::SIGNALS[signal] {
            "identify" if student => "careers_page_view",
            s => s,
        };
        InboundEvent {
            id: format!("e{}", self.next_event),
            event_type: event_type.to_string(),
            occurred_at: self.now - TimeDelta::seconds(i64::from(age_s)),
            email: Some(setup::lead_email(lead)),
            external_id: None,
            attributes,
            properties: Default::default(),
        }
    }

    fn send(&mut self, events: Vec<InboundEvent>, resent: bool) -> Result<(), Fail> {
        let now = self.now;
        let report = block(ingest(self.store(), events.clone(), now)).map_err(uc)?;
        self.stats.checks += 1;
        if resent && report.accepted > 0 {
            return Err((
                "duplicates are dropped",
                format!("event {} sent again was accepted again", events[0].id),
            ));
        }
        self.stats.duplicates += report.duplicates as u64;
        if !resent {
            self.stats.events_accepted += report.accepted as u64;
            for (e, (id, lead)) in events.iter().zip(&report.leads) {
                let index = setup_index(e);
                self.leads.insert(lead.clone(), index);
                self.accepted_at.push(now);
                self.accepted.insert(
                    id.clone(),
                    ScoreJob {
                        event_id: e.id.clone(),
                        lead_id: lead.clone(),
                        event_type: e.event_type.clone(),
                        occurred_at: e.occurred_at,
                        received_at: now,
                        email: e.email.clone(),
                        external_id: None,
                        attributes: e.attributes.clone(),
                        properties: e.properties.clone(),
                    },
                );
            }
            self.sent_at.extend(events.iter().map(|_| now));
            self.sent.extend(events);
        }
        Ok(())
    }

    /// Score what the intake accepted, relay the outbox and handle what it carries (route
    /// qualified leads, deliver alerts), until nothing is left; or stop at `crash`.
    fn drain(&mut self, crash: Option<CrashPoint>) -> Result<(), Fail> {
        for _ in 0..100 {
            let (jobs, acks) = self.score_jobs()?;
            self.set(Ctx::Score);
            for job in &jobs {
                block(score_event(
                    self.store(),
                    job,
                    &self.config,
                    self.scorer(),
                    self.now,
                ))
                .map_err(uc)?;
            }
            if crash == Some(CrashPoint::BeforeRelay) && !jobs.is_empty() {
                return Ok(());
            }
            self.ack(acks)?;
            let pending = block(self.store().pending(500)).map_err(uc)?;
            for event in &pending {
                self.handle(event)?;
            }
            if crash == Some(CrashPoint::BeforeMarkPublished) && !pending.is_empty() {
                return Ok(());
            }
            let ids: Vec<String> = pending.iter().map(|e| e.event_id.clone()).collect();
            block(self.store().mark_published(&ids)).map_err(uc)?;
            if jobs.is_empty() && pending.is_empty() {
                return Ok(());
            }
        }
        Err(("the pipeline settles", "still busy after 100 passes".into()))
    }

    fn score_jobs(&mut self) -> Result<(Vec<ScoreJob>, Vec<i64>), Fail> {
        match &self.store().inner {
            AnyStore::Memory(m) => Ok((m.take_score_jobs(), Vec::new())),
            AnyStore::Sqlite(s) => {
                let claimed = block(s.claim(
                    SCORE_QUEUE,
                    1000,
                    std::time::Duration::from_secs(30),
                    self.now,
                ))
                .map_err(uc)?;
                let mut jobs = Vec::new();
                let mut ids = Vec::new();
                for m in claimed {
                    jobs.push(m.decode::<ScoreJob>().map_err(uc)?);
                    ids.push(m.id);
                }
                Ok((jobs, ids))
            }
        }
    }

    fn ack(&mut self, ids: Vec<i64>) -> Result<(), Fail> {
        if let AnyStore::Sqlite(s) = &self.store().inner {
            block(s.ack_many(ids)).map_err(uc)?;
        }
        Ok(())
    }

    /// The bus: a qualified lead is routed; an alert is delivered on every channel.
    fn handle(&mut self, event: &DomainEvent) -> Result<(), Fail> {
        let name = event.kind.name();
        if name == "LeadQualified" {
            self.set(Ctx::Route);
            block(route_lead(
                self.store(),
                &event.lead_id,
                &self.config,
                self.now,
            ))
            .map_err(uc)?;
            return Ok(());
        }
        if name == "SlaBreached" {
            let at = event
                .detail
                .get("assigned_at")
                .map(|v| v.to_string())
                .unwrap_or_default();
            let first = self.breaches.insert((event.lead_id.clone(), at));
            let seen_before = self
                .expected_alerts
                .contains(&(event.event_id.clone(), "slack"));
            self.stats.checks += 1;
            if !first && !seen_before {
                return Err((
                    "breach once per clock",
                    format!("a second breach on one clock: {event:?}"),
                ));
            }
        }
        let alert = match name {
            "LeadAssigned" => Some("assigned"),
            "LeadReassigned" => Some("reassigned"),
            "SlaBreached" => Some("sla_breached"),
            "FollowUpMissed" => Some("follow_up_missed"),
            "SlaEscalated" => Some("escalated"),
            _ => None,
        };
        if alert.is_some_and(|a| self.alert_names.iter().any(|n| n == a)) {
            for ch in CHANNELS {
                self.expected_alerts.insert((event.event_id.clone(), ch));
            }
        }
        for n in &self.notifiers {
            block(deliver(
                self.store(),
                n,
                self.store(),
                n.channel,
                event,
                &self.config,
            ))
            .map_err(uc)?;
        }
        let delivered = self.sent_log.lock().map(|l| l.len()).unwrap_or(0);
        let now = self.now;
        self.delivered_at
            .resize(delivered.max(self.delivered_at.len()), now);
        Ok(())
    }

    fn restart(&mut self) -> Result<(), Fail> {
        self.stats.restarts += 1;
        if self.kind == Kind::Sqlite {
            let dir = self
                .dir
                .as_ref()
                .expect("sqlite has a dir")
                .path()
                .to_path_buf();
            self.store = None;
            let store = open_sqlite(&dir).map_err(|e| ("the store reopens", e))?;
            block(store.make_all_visible(self.now)).map_err(uc)?;
            self.store = Some(Watched {
                inner: AnyStore::Sqlite(store),
                watch: self.watch.clone(),
            });
        }
        self.drain(None)
    }

    fn dispose(
        &mut self,
        index: usize,
        outcome: Disp,
        rep: Option<usize>,
        reason: Reason,
        back_s: Option<u32>,
    ) -> Result<(), Fail> {
        let Some(lead_id) = self.lead_id(index) else {
            return Ok(());
        };
        let before = block(self.store().lead(&lead_id)).map_err(uc)?;
        let Some(before) = before else {
            return Ok(());
        };
        let rep_id = match rep {
            Some(r) => self.reps[r % self.reps.len()].id.clone(),
            None => before.owner_id().unwrap_or("ana").to_string(),
        };
        let codes = outcome.reasons(&self.config.dispositions);
        let reason_code = match (codes, reason) {
            (Some(c), Reason::Valid) => c.first().cloned(),
            (Some(_), Reason::Missing) | (None, _) => None,
            (Some(_), Reason::Bogus) => Some("bogus_reason".to_string()),
        };
        let occurred_at = back_s.map(|b| self.now - TimeDelta::seconds(i64::from(b)));
        let d = Disposition {
            outcome,
            rep_id: rep_id.clone(),
            occurred_at,
            reason: reason_code,
            amount: None,
            note: None,
        };
        let at = occurred_at.unwrap_or(self.now);
        let valid = before.status.is_owned()
            && before.owner_id() == Some(rep_id.as_str())
            && !(codes.is_some() && reason != Reason::Valid)
            && before.owner.as_ref().is_some_and(|o| at >= o.assigned_at)
            && outcome.next_status(before.status).is_some();
        self.set(Ctx::Disposition);
        let result = block(record_disposition(
            self.store(),
            &lead_id,
            &d,
            &self.config,
            self.now,
        ));
        self.stats.checks += 1;
        match result {
            Ok(after) => {
                if !valid {
                    return Err((
                        "invalid dispositions are refused",
                        format!(
                            "{d:?} accepted on {lead_id} in status {} owned by {:?}",
                            before.status,
                            before.owner_id()
                        ),
                    ));
                }
                self.stats.dispositions_accepted += 1;
                if after.status.is_owned() {
                    if let Some(c) = &before.sla {
                        if c.closed_at.is_none() || c.responded_at.is_none() {
                            self.contacted.insert((lead_id.clone(), c.assigned_at));
                        }
                    }
                }
                self.drain(None)?;
                if !after.status.is_owned() {
                    // A closing disposition frees capacity: the team's waiting leads are woken.
                    let team = self.team_of_rep(&rep_id);
                    self.wake(Some(team))?;
                }
            }
            Err(UseCaseError::Disposition(e)) => {
                self.stats.dispositions_refused += 1;
                if valid {
                    return Err((
                        "valid dispositions are accepted",
                        format!("{d:?} refused on {lead_id} (status {}): {e}", before.status),
                    ));
                }
                let now = block(self.store().lead(&lead_id)).map_err(uc)?;
                if now.map(|l| l.version) != Some(before.version) {
                    return Err((
                        "invalid dispositions are refused",
                        format!("refused {d:?} changed {lead_id}"),
                    ));
                }
            }
            Err(e) => return Err(uc(e)),
        }
        Ok(())
    }

    fn team_of_rep(&self, rep: &str) -> String {
        self.reps
            .iter()
            .find(|r| r.id == rep)
            .map(|r| r.team.clone())
            .unwrap_or_default()
    }

    fn change_rep(&mut self, index: usize, change: RepChange) -> Result<(), Fail> {
        let i = index % self.reps.len();
        let now = self.now;
        let rep = &mut self.reps[i];
        match change {
            RepChange::Capacity(c) => rep.capacity = c,
            RepChange::Active(a) => rep.active = a,
            RepChange::OutOfOffice(s) => {
                rep.out_of_office_until = s.map(|s| now + TimeDelta::seconds(i64::from(s)))
            }
            RepChange::Hours(on) => rep.working_hours = on.then(setup::office_hours),
        }
        let rep = rep.clone();
        block(self.store().put_rep(rep.clone())).map_err(uc)?;
        self.wake(Some(rep.team))
    }

    /// Route a team's waiting leads after a change that may have made a rep eligible, as the
    /// API does after a rep write or a disposition that frees a place.
    fn wake(&mut self, team: Option<String>) -> Result<(), Fail> {
        self.set(Ctx::Wake);
        let _woken = block(leadflow::usecases::wake::wake_waiting(
            self.store(),
            team.as_deref(),
            &self.config,
            self.now,
        ))
        .map_err(uc)?;
        self.drain(None)
    }

    /// The schedules at `now`: SLA clocks due, waiting leads due a routing retry, decay due;
    /// then the pipeline drained; again while something is still due at `now`.
    fn tick(&mut self) -> Result<(), Fail> {
        self.stats.instants += 1;
        self.prune()?;
        for _ in 0..4 {
            self.set(Ctx::Sla);
            let report =
                block(check_slas(self.store(), &self.config, self.now, 1000)).map_err(uc)?;
            if let Some((id, e)) = report.failed.first() {
                return Err(("use cases succeed", format!("SLA check of {id}: {e}")));
            }
            self.set(Ctx::Route);
            for id in block(self.store().due(DueKind::Route, self.now, 1000)).map_err(uc)? {
                block(route_lead(self.store(), &id, &self.config, self.now)).map_err(uc)?;
            }
            self.set(Ctx::Decay);
            let report = block(run_decay(
                self.store(),
                &self.config,
                self.scorer(),
                self.now,
                1000,
            ))
            .map_err(uc)?;
            if let Some((id, e)) = report.failed.first() {
                return Err(("use cases succeed", format!("decay of {id}: {e}")));
            }
            self.drain(None)?;
            if self.due_now()?.is_empty() {
                return Ok(());
            }
        }
        let due = self.due_now()?;
        Err((
            "schedules settle",
            format!("still due at {} after the schedules ran: {due:?}", self.now),
        ))
    }

    /// SQLite: the retention job, once per `PRUNE_EVERY` of simulated time (as `leadflow
    /// serve` runs it every minute).
    fn prune(&mut self) -> Result<(), Fail> {
        if self.last_prune.is_some_and(|t| self.now < t + PRUNE_EVERY) {
            return Ok(());
        }
        if let AnyStore::Sqlite(s) = &self.store().inner {
            let report = block(s.prune(self.now)).map_err(uc)?;
            self.stats.prunes += 1;
            self.stats.pruned_rows += report.total() as u64;
            self.last_prune = Some(self.now);
        }
        Ok(())
    }

    fn due_now(&self) -> Result<Vec<(DueKind, LeadId)>, Fail> {
        let mut due = Vec::new();
        for kind in [DueKind::Sla, DueKind::Route, DueKind::Decay] {
            for id in block(self.store().due(kind, self.now, 10)).map_err(uc)? {
                due.push((kind, id));
            }
        }
        Ok(due)
    }

    /// Let time pass to `target`, stopping at every instant a schedule is due, a rep's
    /// availability changes, or a waiting lead's grace second ends.
    fn advance(&mut self, target: DateTime<Utc>) -> Result<(), Fail> {
        for _ in 0..100_000 {
            let next = self.next_instant(target)?;
            self.now = next;
            self.tick()?;
            self.instant_checks()?;
            self.take_violations()?;
            if next >= target {
                return Ok(());
            }
        }
        Err((
            "schedules settle",
            "more than 100,000 instants in one advance".into(),
        ))
    }

    fn next_instant(&self, target: DateTime<Utc>) -> Result<DateTime<Utc>, Fail> {
        let now = self.now;
        let mut next = target;
        let mut consider = |t: Option<DateTime<Utc>>| {
            if let Some(t) = t.filter(|t| *t > now) {
                next = next.min(t);
            }
        };
        for lead in self.all_leads()? {
            let due = due_times(&lead, &self.config);
            consider(due.sla);
            consider(due.decay);
            consider(due.route);
        }
        for rep in &self.reps {
            consider(rep.out_of_office_until);
            if rep.working_hours.is_some() {
                consider(next_shift_boundary(now));
            }
        }
        for since in self.eligible_since.values() {
            consider(Some(*since + WAKE_WITHIN + TimeDelta::milliseconds(1)));
        }
        if self.kind == Kind::Sqlite {
            consider(self.last_prune.map(|t| t + PRUNE_EVERY));
        }
        Ok(next)
    }

    fn lead_id(&self, index: usize) -> Option<LeadId> {
        self.leads
            .iter()
            .find(|(_, i)| **i == index)
            .map(|(id, _)| id.clone())
    }

    fn all_leads(&self) -> Result<Vec<Lead>, Fail> {
        let mut leads = Vec::with_capacity(self.leads.len());
        for id in self.leads.keys() {
            if let Some(l) = block(self.store().lead(id)).map_err(uc)? {
                leads.push(l);
            } else {
                return Err(("no event lost", format!("lead {id} is not in the store")));
            }
        }
        Ok(leads)
    }

    fn check(
        &mut self,
        ok: bool,
        invariant: &'static str,
        detail: impl FnOnce() -> String,
    ) -> Result<(), Fail> {
        self.stats.checks += 1;
        if ok {
            Ok(())
        } else {
            Err((invariant, detail()))
        }
    }

    /// After every operation: the instant's checks, and every `DEEP_EVERY` operations the
    /// stored histories and a replay of every lead's events in a shuffled order.
    fn checks(&mut self, deep: bool) -> Result<(), Fail> {
        self.instant_checks()?;
        // No event applied twice, none lost (as written).
        let applied = self
            .watch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .applied
            .clone();
        for (id, n) in &applied {
            let known = self.accepted.contains_key(id);
            self.check(*n == 1 && known, "no event applied twice", || {
                format!("event {id} written as applied {n} time(s) (accepted: {known})")
            })?;
        }
        let missing: Vec<String> = self
            .accepted
            .keys()
            .filter(|id| !applied.contains_key(*id))
            .cloned()
            .collect();
        self.check(missing.is_empty(), "no event lost", || {
            format!("accepted but never applied: {missing:?}")
        })?;
        // Each alert sent once per channel.
        let log = self
            .sent_log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut seen = HashSet::new();
        for (ch, id) in &log {
            let first = seen.insert((id.clone(), *ch));
            self.check(first, "each alert sent once", || {
                format!("alert of event {id} sent twice on {ch}")
            })?;
        }
        let expected: Vec<(String, &'static str)> = self.expected_alerts.iter().cloned().collect();
        for (id, ch) in expected {
            let sent = seen.contains(&(id.clone(), ch));
            self.check(sent, "each alert sent once", || {
                format!("alert of event {id} never sent on {ch}")
            })?;
        }
        if deep {
            self.deep_checks()?;
        }
        Ok(())
    }

    fn instant_checks(&mut self) -> Result<(), Fail> {
        let now = self.now;
        let leads = self.all_leads()?;
        let reps = block(self.store().reps()).map_err(uc)?;
        // Ownership and open counts.
        let mut open: HashMap<RepId, u32> = HashMap::new();
        for l in &leads {
            if l.status.is_owned() {
                let owner = l.owner_id();
                let known = owner.is_some_and(|o| reps.iter().any(|r| r.rep.id == o));
                self.check(known, "one owner", || {
                    format!("{} is {} with owner {owner:?}", l.id, l.status)
                })?;
                *open
                    .entry(owner.unwrap_or_default().to_string())
                    .or_default() += 1;
            }
        }
        for r in &reps {
            let counted = open.get(&r.rep.id).copied().unwrap_or(0);
            self.check(r.open_leads == counted, "open counts", || {
                format!(
                    "{} has open count {} but owns {counted} open lead(s)",
                    r.rep.id, r.open_leads
                )
            })?;
        }
        for l in &leads {
            // Explanations add up.
            let s = &l.score;
            let lines: i64 = s.explanation.iter().map(|c| hundredths(c.points)).sum();
            let parts = hundredths(s.fit)
                + hundredths(s.engagement)
                + hundredths(s.negative)
                + hundredths(s.model);
            self.check(
                lines == parts && hundredths(s.total) == parts.clamp(0, 10_000),
                "explanation adds up",
                || format!("{}: lines {lines}, parts {parts}, total {}", l.id, s.total),
            )?;
            // First response recorded exactly when a contact disposition exists.
            if l.status.is_owned() {
                if let Some(c) = &l.sla {
                    let contacted = self.contacted.contains(&(l.id.clone(), c.assigned_at));
                    self.check(
                        c.responded_at.is_some() == contacted,
                        "first response recorded",
                        || {
                            format!(
                                "{} owned by {} since {}: contact disposition accepted: {contacted}, clock {c:?}",
                                l.id,
                                c.rep_id,
                                c.assigned_at
                            )
                        },
                    )?;
                }
            }
        }
        // Waiting leads are routed within a second of a rep of their team becoming eligible.
        let mut still = HashMap::new();
        for l in leads
            .iter()
            .filter(|l| l.status == Status::Mql && l.owner.is_none())
        {
            let team = routing::first_match(&self.config.routing.rules, l).map(|r| r.team.clone());
            let eligible = reps.iter().find(|r| {
                Some(&r.rep.team) == team.as_ref()
                    && routing::availability(r, self.config.routing.respect_working_hours, now)
                        .is_ok()
            });
            if let Some(rep) = eligible {
                let since = self.eligible_since.get(&l.id).copied().unwrap_or(now);
                still.insert(l.id.clone(), since);
                self.check(now - since <= WAKE_WITHIN, "waiting leads are woken", || {
                    format!(
                        "{} waits (since {:?}) although {} of its team {team:?} has been eligible since {since}; now {now}",
                        l.id, l.waiting_since, rep.rep.id
                    )
                })?;
            }
        }
        self.eligible_since = still;
        Ok(())
    }

    fn deep_checks(&mut self) -> Result<(), Fail> {
        let now = self.now;
        let ids: Vec<LeadId> = self.leads.keys().cloned().collect();
        let mut by_lead: HashMap<LeadId, Vec<ScoreJob>> = HashMap::new();
        for job in self.accepted.values() {
            by_lead
                .entry(job.lead_id.clone())
                .or_default()
                .push(job.clone());
        }
        for id in ids {
            // Every accepted event in the stored history exactly once, as applied.
            let history = block(self.store().history(&id)).map_err(uc)?;
            let mut counts: HashMap<String, u32> = HashMap::new();
            for h in history.iter().filter(|h| h.kind == HistoryKind::Event) {
                if let Some(e) = h.detail().get("event_id").and_then(|v| v.as_str()) {
                    *counts.entry(e.to_string()).or_default() += 1;
                }
            }
            let jobs = by_lead.remove(&id).unwrap_or_default();
            for job in &jobs {
                let n = counts.remove(&job.event_id).unwrap_or(0);
                self.check(n == 1, "no event applied twice", || {
                    format!(
                        "{id}: event {} is {n} time(s) in the stored history",
                        job.event_id
                    )
                })?;
            }
            self.check(counts.is_empty(), "no event applied twice", || {
                format!("{id}: events in the history that were not accepted for it: {counts:?}")
            })?;
            // The stored score equals a fresh evaluation of the lead's events in any order.
            let Some(stored) = block(self.store().lead(&id)).map_err(uc)? else {
                return Err(("no event lost", format!("lead {id} vanished")));
            };
            let mut shuffled = jobs;
            shuffled.shuffle(&mut self.rng);
            let fresh = MemoryStore::new();
            for job in &shuffled {
                block(score_event(&fresh, job, &self.config, self.scorer(), now)).map_err(uc)?;
            }
            let replayed = block(fresh.lead(&id)).map_err(uc)?;
            let scorer = self.scorer();
            let a = scoring::evaluate_with(&stored, &self.config.scoring, scorer, now)
                .score
                .total;
            let b = replayed
                .map(|l| {
                    scoring::evaluate_with(&l, &self.config.scoring, scorer, now)
                        .score
                        .total
                })
                .unwrap_or(f64::NAN);
            self.check((a - b).abs() < 0.011, "score is order-independent", || {
                format!(
                    "{id}: stored lead scores {a} at {now}, its {} events replayed shuffled score {b}",
                    shuffled.len()
                )
            })?;
        }
        Ok(())
    }
}

fn setup_index(e: &InboundEvent) -> usize {
    e.email
        .as_deref()
        .and_then(|m| m.strip_prefix("lead"))
        .and_then(|m| m.split('@').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn hundredths(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// The next 09:00 or 17:00 UTC on a weekday after `t` (the office hours' boundaries).
pub fn next_shift_boundary(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (0..8)
        .flat_map(|d| {
            let day = (t + TimeDelta::days(d)).date_naive();
            [9, 17].map(move |h| day.and_hms_opt(h, 0, 0).map(|n| n.and_utc()))
        })
        .flatten()
        .filter(|b| *b > t && !matches!(b.weekday(), Weekday::Sat | Weekday::Sun))
        .min()
}
