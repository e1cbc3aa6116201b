//! Checks made on every write, as it happens: what can only be judged against the state just
//! before it (the rep's capacity at the moment of an assignment, the clock the write
//! replaces, the score just before a recycled lead's event, the SLA episode so far).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::domain::{HistoryKind, Lead, LeadId, RepId, Status};
use leadflow::ports::LeadWrite;
use leadflow::routing::RepLoad;
use leadflow::scoring::{self, Scorer};
use leadflow::sla;

/// The use case running, set by the harness before each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Score,
    Route,
    Sla,
    Decay,
    Disposition,
    Wake,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub detail: String,
}

/// One SLA episode: from the routing of an unowned lead until its first response or until it
/// leaves the owned statuses.
#[derive(Debug, Clone, Default)]
pub struct Episode {
    pub owners: Vec<RepId>,
    pub reassignments: usize,
}

/// Counters of what the writes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub writes: u64,
    pub assignments: u64,
    pub reassignments: u64,
    pub escalations: u64,
    pub reactivations: u64,
    pub recycles: u64,
    pub checks: u64,
}

pub struct Watch {
    pub config: Arc<Config>,
    pub version: String,
    pub now: DateTime<Utc>,
    pub ctx: Ctx,
    pub violations: Vec<Violation>,
    pub episodes: HashMap<LeadId, Episode>,
    /// How many times each inbound event id was written as applied (its `event` history line).
    pub applied: HashMap<String, u32>,
    /// When each write carrying an applied id (`LeadWrite::applied_event`: an event's, or a
    /// disposition's sent with its `occurred_at`) went in, in order: the store's
    /// `applied_events` rows.
    pub applied_ids_at: Vec<DateTime<Utc>>,
    /// (lead, clock's assigned_at) of every escalation written.
    pub escalated: HashSet<(LeadId, DateTime<Utc>)>,
    pub team_sizes: HashMap<String, usize>,
    pub stats: WriteStats,
}

fn is_escalation(kind_name: &str) -> bool {
    kind_name == "SlaEscalated"
}

impl Watch {
    pub fn new(config: Arc<Config>, version: String, now: DateTime<Utc>) -> Self {
        Watch {
            config,
            version,
            now,
            ctx: Ctx::Score,
            violations: Vec::new(),
            episodes: HashMap::new(),
            applied: HashMap::new(),
            applied_ids_at: Vec::new(),
            escalated: HashSet::new(),
            team_sizes: HashMap::new(),
            stats: WriteStats::default(),
        }
    }

    fn fail(&mut self, invariant: &'static str, detail: String) {
        self.violations.push(Violation { invariant, detail });
    }

    fn check(&mut self, ok: bool, invariant: &'static str, detail: impl FnOnce() -> String) {
        self.stats.checks += 1;
        if !ok {
            let d = detail();
            self.fail(invariant, d);
        }
    }

    pub fn after_write(&mut self, before: Option<Lead>, w: LeadWrite, reps: Option<Vec<RepLoad>>) {
        self.stats.writes += 1;
        let now = self.now;
        let after = &w.lead;
        let id = after.id.clone();

        // Capacity, at the moment of the assignment.
        if let Some(reps) = &reps {
            for (rep_id, delta) in w.rep_load.iter().filter(|(_, d)| *d > 0) {
                let rep = reps.iter().find(|r| &r.rep.id == rep_id);
                let (open, capacity) = rep.map_or((0, 0), |r| (r.open_leads, r.rep.capacity));
                self.check(open + (*delta as u32) <= capacity, "capacity", || {
                    format!("{id} given to {rep_id} holding {open} of capacity {capacity}")
                });
            }
        }

        if w.applied_event.is_some() {
            self.applied_ids_at.push(now);
        }
        // Applied events, as written.
        for h in w.history.iter().filter(|h| h.kind == HistoryKind::Event) {
            if let Some(e) = h.detail().get("event_id").and_then(|v| v.as_str()) {
                *self.applied.entry(e.to_string()).or_default() += 1;
            }
        }

        let owned = |l: &Lead| l.status.is_owned() && l.owner.is_some();
        let was_owned = before.as_ref().is_some_and(owned);
        let owner_changed = after.owner.is_some()
            && before.as_ref().and_then(|b| b.owner.as_ref()) != after.owner.as_ref();

        if owner_changed {
            let owner = after.owner.clone().expect("checked");
            self.stats.assignments += 1;
            self.check(after.status == Status::Assigned, "one owner", || {
                format!("{id} got owner {} in status {}", owner.rep_id, after.status)
            });
            // One SLA clock per assignment, started by it.
            let wants_clock = self.config.sla.tiers.contains_key(&after.tier);
            let clock_ok = match &after.sla {
                Some(c) => {
                    c.rep_id == owner.rep_id
                        && c.assigned_at == owner.assigned_at
                        && c.closed_at.is_none()
                        && c.responded_at.is_none()
                        && c.breached_at.is_none()
                }
                None => !wants_clock,
            };
            self.check(clock_ok, "one SLA clock per assignment", || {
                format!(
                    "{id} assigned to {} at {} (tier {}) with clock {:?}",
                    owner.rep_id, owner.assigned_at, after.tier, after.sla
                )
            });
            if was_owned {
                // A reassignment: only when due, never back to someone of this episode.
                let b = before.as_ref().expect("was owned");
                let from = b.owner_id().unwrap_or_default().to_string();
                self.stats.reassignments += 1;
                let due = b.sla.as_ref().is_some_and(|c| {
                    c.closed_at.is_none()
                        && c.responded_at.is_none()
                        && c.reassign_at.is_some_and(|at| at <= now)
                });
                let ctx = self.ctx;
                self.check(ctx == Ctx::Sla && due, "reassignment only when due", || {
                    format!("{id} moved {from} -> {} by {ctx:?} at {now}", owner.rep_id)
                });
                let team = self.team_of(&owner.rep_id);
                let size = self.team_sizes.get(&team).copied().unwrap_or(0);
                let mut episode = self.episodes.remove(&id).unwrap_or_else(|| Episode {
                    owners: vec![from.clone()],
                    reassignments: 0,
                });
                let back = episode.owners.contains(&owner.rep_id);
                self.check(!back, "no ping-pong", || {
                    format!(
                        "{id} reassigned {from} -> {} at {now}, who already had it in this SLA episode (owners {:?})",
                        owner.rep_id, episode.owners
                    )
                });
                episode.owners.push(owner.rep_id.clone());
                episode.reassignments += 1;
                // The reps who can take it: the team, plus an account owner from another team
                // who had it in this episode (account_match routes across teams).
                let outsiders = episode
                    .owners
                    .iter()
                    .filter(|o| self.team_of(o) != team)
                    .count();
                let size = size + outsiders;
                self.check(
                    episode.reassignments < size.max(1),
                    "reassignments per episode",
                    || {
                        format!(
                            "{id}: {} reassignments in one episode in team {team} of {size} reps (owners {:?})",
                            episode.reassignments, episode.owners
                        )
                    },
                );
                self.episodes.insert(id.clone(), episode);
            } else {
                self.episodes.insert(
                    id.clone(),
                    Episode {
                        owners: vec![owner.rep_id.clone()],
                        reassignments: 0,
                    },
                );
            }
        } else if let (Some(b), true) = (&before, was_owned && owned(after)) {
            // Same owner: the same clock, whose breach and response, once recorded, stay.
            if let (Some(bc), ac) = (&b.sla, &after.sla) {
                let same = ac.as_ref().is_some_and(|ac| {
                    ac.assigned_at == bc.assigned_at
                        && ac.rep_id == bc.rep_id
                        && (bc.breached_at.is_none() || ac.breached_at == bc.breached_at)
                        && (bc.responded_at.is_none() || ac.responded_at == bc.responded_at)
                });
                self.check(same, "one SLA clock per assignment", || {
                    format!("{id}: clock {bc:?} became {ac:?} under the same owner")
                });
                let breaches = w
                    .events
                    .iter()
                    .filter(|e| e.kind.name() == "SlaBreached")
                    .count();
                self.check(
                    breaches == 0 || (breaches == 1 && bc.breached_at.is_none()),
                    "breach once per clock",
                    || format!("{id}: {breaches} breach(es) written on clock {bc:?}"),
                );
                self.check_escalation(b, &w, bc);
            }
        }
        if !owned(after) || after.sla.as_ref().is_some_and(|c| c.responded_at.is_some()) {
            self.episodes.remove(&id);
        }

        // Reactivation: decided on the score as processed after the recycle.
        if let (Some(b), Ctx::Score) = (&before, self.ctx) {
            if b.status == Status::Recycled && after.status != Status::Disqualified {
                let scorer = Scorer::rules(&self.version);
                let pre = scoring::evaluate_with(b, &self.config.scoring, scorer, now)
                    .score
                    .total;
                let post = after.score.total;
                let threshold = self.config.scoring.mql_threshold;
                let expected = pre < threshold && threshold <= post;
                let reactivated = after.status == Status::Mql;
                self.stats.reactivations += u64::from(reactivated);
                self.check(reactivated == expected, "reactivation", || {
                    format!(
                        "recycled {id}: score {pre:.2} -> {post:.2} at {now} processing {:?} (threshold {threshold}), status now {}",
                        w.applied_event, after.status
                    )
                });
            }
        }
        if after.status == Status::Recycled && before.is_none_or(|b| b.status != Status::Recycled) {
            self.stats.recycles += 1;
        }
    }

    /// A reassignment due with nobody else eligible: the owner keeps the lead, the clock stays
    /// open, the manager is alerted once, the history says why, nothing more is due.
    fn check_escalation(&mut self, b: &Lead, w: &LeadWrite, bc: &sla::SlaClock) {
        let now = self.now;
        let id = &w.lead.id;
        let escalations = w
            .events
            .iter()
            .filter(|e| is_escalation(e.kind.name()))
            .count();
        let key = (id.clone(), bc.assigned_at);
        if escalations > 0 {
            self.stats.escalations += escalations as u64;
            let first = self.escalated.insert(key.clone());
            self.check(first && escalations == 1, "escalated once", || {
                format!("{id}: {escalations} escalation(s) at {now} on clock {bc:?}, escalated before: {}", !first)
            });
        }
        let due = self.ctx == Ctx::Sla
            && bc.closed_at.is_none()
            && bc.responded_at.is_none()
            && bc.reassign_at.is_some_and(|at| at <= now);
        if !due {
            return;
        }
        let ac = w.lead.sla.as_ref();
        self.check(
            ac.is_some_and(|c| c.closed_at.is_none()),
            "skipped reassignment keeps the clock open",
            || {
                format!(
                    "{id}: reassignment due at {now}, owner {} kept, clock now {ac:?}",
                    b.owner_id().unwrap_or_default()
                )
            },
        );
        self.check(
            ac.is_none_or(|c| sla::next_due(c).is_none()),
            "nothing due after escalation",
            || format!("{id}: clock {ac:?} still due after the skipped reassignment"),
        );
        self.check(
            escalations == 1 || self.escalated.contains(&key),
            "escalated once",
            || format!("{id}: reassignment due at {now} with nobody else eligible, but no SlaEscalated event"),
        );
        let said = w.history.iter().any(|h| {
            let text = format!("{} {}", h.kind, h.detail()).to_ascii_lowercase();
            !matches!(
                h.kind,
                HistoryKind::Assigned | HistoryKind::Reassigned | HistoryKind::SlaBreached
            ) && (text.contains("skip") || text.contains("escalat"))
        });
        self.check(said, "skipped reassignment in history", || {
            format!(
                "{id}: reassignment skipped at {now} with no history entry saying so (entries {:?})",
                w.history.iter().map(|h| h.kind).collect::<Vec<_>>()
            )
        });
    }

    fn team_of(&self, rep: &str) -> String {
        self.config
            .reps
            .iter()
            .find(|r| r.id == rep)
            .map(|r| r.team.clone())
            .or_else(|| {
                crate::setup::roster()
                    .into_iter()
                    .find(|r| r.id == rep)
                    .map(|r| r.team)
            })
            .unwrap_or_default()
    }
}
