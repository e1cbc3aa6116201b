//! A store in memory, behind one mutex: every `LeadWrite` is checked whole and then applied
//! whole, like a transaction. For tests and for the contract suite's reference behaviour.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::domain::identity::KnownLead;
use crate::domain::{DomainEvent, HistoryEntry, Lead, LeadId, Rep, RepId};
use crate::metrics::LeadFacts;
use crate::ports::{
    Acceptance, DeliveryLog, DueKind, DueTimes, Intake, LeadPage, LeadQuery, LeadStore, LeadWrite,
    Outbox, RepStore, ScoreJob, StoreError,
};
use crate::routing::{PoolStates, RepLoad};

#[derive(Debug, Default)]
struct State {
    leads: HashMap<LeadId, Lead>,
    history: HashMap<LeadId, Vec<HistoryEntry>>,
    by_email: HashMap<String, LeadId>,
    by_external_id: HashMap<String, LeadId>,
    applied: HashSet<String>,
    reps: BTreeMap<RepId, Rep>,
    open_leads: HashMap<RepId, i64>,
    pools: PoolStates,
    accounts: HashMap<String, RepId>,
    due: HashMap<LeadId, DueTimes>,
    outbox: Vec<(DomainEvent, bool)>,
    seen_events: HashSet<String>,
    score_queue: VecDeque<ScoreJob>,
    delivered: HashSet<String>,
    /// Each lead's metrics summary, updated by every write (as a store that keeps it does).
    facts: HashMap<LeadId, Arc<LeadFacts>>,
}

/// Cheap to clone: clones share the same state.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied write (writes are checked
        // before anything changes), so the state is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take the score jobs accepted so far (the memory store's score queue).
    pub fn take_score_jobs(&self) -> Vec<ScoreJob> {
        self.state().score_queue.drain(..).collect()
    }

    /// Every lead, in id order.
    pub fn all_leads(&self) -> Vec<Lead> {
        let mut leads: Vec<Lead> = self.state().leads.values().cloned().collect();
        leads.sort_by(|a, b| a.id.cmp(&b.id));
        leads
    }

    /// The metrics summaries of the leads with `since <= created_at < until`, in id order.
    pub fn facts_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<Arc<LeadFacts>> {
        let mut facts: Vec<Arc<LeadFacts>> = self
            .state()
            .facts
            .values()
            .filter(|f| f.created_at >= since && f.created_at < until)
            .cloned()
            .collect();
        facts.sort_by(|a, b| a.lead_id.cmp(&b.lead_id));
        facts
    }

    /// The metrics summaries of every lead whose first-response clock is open, in id order.
    pub fn facts_with_open_clock(&self) -> Vec<Arc<LeadFacts>> {
        let mut facts: Vec<Arc<LeadFacts>> = self
            .state()
            .facts
            .values()
            .filter(|f| f.open_clock.is_some())
            .cloned()
            .collect();
        facts.sort_by(|a, b| a.lead_id.cmp(&b.lead_id));
        facts
    }

    /// Every event ever written to the outbox, published or not, in write order.
    pub fn all_events(&self) -> Vec<DomainEvent> {
        self.state().outbox.iter().map(|(e, _)| e.clone()).collect()
    }
}

fn check(state: &State, w: &LeadWrite) -> Result<(), StoreError> {
    let stored = state.leads.get(&w.lead.id).map(|l| l.version);
    if stored != w.expected_version {
        return Err(StoreError::Conflict {
            lead_id: w.lead.id.clone(),
            expected: w.expected_version,
        });
    }
    if let Some(id) = &w.applied_event {
        if state.applied.contains(id) {
            return Err(StoreError::AlreadyApplied(id.clone()));
        }
    }
    if let Some(update) = &w.pool {
        update
            .check(state.pools.team(&update.team))
            .map_err(|_| StoreError::PoolConflict {
                team: update.team.clone(),
            })?;
    }
    Ok(())
}

impl LeadStore for MemoryStore {
    async fn lead(&self, id: &str) -> Result<Option<Lead>, StoreError> {
        Ok(self.state().leads.get(id).cloned())
    }

    async fn lead_by_email(&self, email: &str) -> Result<Option<KnownLead>, StoreError> {
        let s = self.state();
        Ok(s.by_email.get(email).map(|id| KnownLead {
            id: id.clone(),
            email: s.leads.get(id).and_then(|l| l.email.clone()),
        }))
    }

    async fn lead_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<KnownLead>, StoreError> {
        let s = self.state();
        Ok(s.by_external_id.get(external_id).map(|id| KnownLead {
            id: id.clone(),
            email: s.leads.get(id).and_then(|l| l.email.clone()),
        }))
    }

    async fn write_lead(&self, w: LeadWrite) -> Result<(), StoreError> {
        let mut s = self.state();
        check(&s, &w)?;
        if let Some(update) = &w.pool {
            let pool = s.pools.teams.entry(update.team.clone()).or_default();
            update
                .apply_to(pool)
                .map_err(|_| StoreError::PoolConflict {
                    team: update.team.clone(),
                })?;
        }
        let id = w.lead.id.clone();
        if let Some(e) = w.applied_event {
            s.applied.insert(e);
        }
        if let Some(email) = w.link_email {
            s.by_email.entry(email).or_insert_with(|| id.clone());
        }
        if let Some(x) = w.link_external_id {
            s.by_external_id.entry(x).or_insert_with(|| id.clone());
        }
        for (rep, delta) in w.rep_load {
            *s.open_leads.entry(rep).or_default() += i64::from(delta);
        }
        if let Some((domain, rep)) = w.account_owner {
            s.accounts.insert(domain, rep);
        }
        let facts = LeadFacts::update(s.facts.get(&id).map(|f| &**f), &w.lead, &w.history);
        s.facts.insert(id.clone(), Arc::new(facts));
        s.history.entry(id.clone()).or_default().extend(w.history);
        s.outbox.extend(w.events.into_iter().map(|e| (e, false)));
        s.due.insert(id.clone(), w.due);
        s.leads.insert(id, w.lead);
        Ok(())
    }

    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.state().history.get(id).cloned().unwrap_or_default())
    }

    async fn list_leads(&self, query: &LeadQuery) -> Result<LeadPage, StoreError> {
        let s = self.state();
        let mut leads: Vec<&Lead> = s
            .leads
            .values()
            .filter(|l| query.status.is_none_or(|st| l.status == st))
            .filter(|l| query.tier.is_none_or(|t| l.tier == t))
            .filter(|l| {
                query
                    .owner
                    .as_deref()
                    .is_none_or(|o| l.owner_id() == Some(o))
            })
            .collect();
        leads.sort_by(|a, b| a.id.cmp(&b.id));
        let start = match &query.cursor {
            Some(c) => {
                let after = decode_cursor(c)?;
                leads.partition_point(|l| l.id.as_str() <= after.as_str())
            }
            None => 0,
        };
        let limit = query.limit.clamp(1, 500);
        let page: Vec<Lead> = leads[start..]
            .iter()
            .take(limit)
            .map(|l| (*l).clone())
            .collect();
        let next_cursor = (start + page.len() < leads.len())
            .then(|| page.last().map(|l| encode_cursor(&l.id)))
            .flatten();
        Ok(LeadPage {
            leads: page,
            next_cursor,
        })
    }

    async fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LeadId>, StoreError> {
        let s = self.state();
        let mut due: Vec<(DateTime<Utc>, &LeadId)> = s
            .due
            .iter()
            .filter_map(|(id, d)| {
                let at = match kind {
                    DueKind::Sla => d.sla,
                    DueKind::Decay => d.decay,
                    DueKind::Route => d.route,
                };
                at.filter(|at| *at <= now).map(|at| (at, id))
            })
            .collect();
        due.sort();
        Ok(due
            .into_iter()
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect())
    }
}

impl RepStore for MemoryStore {
    async fn reps(&self) -> Result<Vec<RepLoad>, StoreError> {
        let s = self.state();
        Ok(s.reps
            .values()
            .map(|r| {
                let open = s.open_leads.get(&r.id).copied().unwrap_or(0).max(0);
                RepLoad::new(r.clone(), u32::try_from(open).unwrap_or(u32::MAX))
            })
            .collect())
    }

    async fn put_rep(&self, rep: Rep) -> Result<(), StoreError> {
        self.state().reps.insert(rep.id.clone(), rep);
        Ok(())
    }

    async fn pools(&self) -> Result<PoolStates, StoreError> {
        Ok(self.state().pools.clone())
    }

    async fn account_owner(&self, company_domain: &str) -> Result<Option<RepId>, StoreError> {
        Ok(self.state().accounts.get(company_domain).cloned())
    }
}

impl Intake for MemoryStore {
    async fn accept(&self, jobs: Vec<ScoreJob>) -> Result<Vec<Acceptance>, StoreError> {
        let mut s = self.state();
        Ok(jobs
            .into_iter()
            .map(|job| {
                if s.seen_events.insert(job.event_id.clone()) {
                    s.score_queue.push_back(job);
                    Acceptance::Accepted
                } else {
                    Acceptance::Duplicate
                }
            })
            .collect())
    }
}

impl Outbox for MemoryStore {
    async fn pending(&self, limit: usize) -> Result<Vec<DomainEvent>, StoreError> {
        Ok(self
            .state()
            .outbox
            .iter()
            .filter(|(_, published)| !published)
            .take(limit)
            .map(|(e, _)| e.clone())
            .collect())
    }

    async fn mark_published(&self, event_ids: &[String]) -> Result<(), StoreError> {
        let ids: HashSet<&String> = event_ids.iter().collect();
        for (e, published) in self.state().outbox.iter_mut() {
            if ids.contains(&e.event_id) {
                *published = true;
            }
        }
        Ok(())
    }
}

impl DeliveryLog for MemoryStore {
    async fn is_delivered(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.state().delivered.contains(key))
    }

    async fn record_delivered(&self, key: &str) -> Result<(), StoreError> {
        self.state().delivered.insert(key.to_string());
        Ok(())
    }
}

/// The memory store's cursor: `m1.` and the hex of the last lead id of the page. Opaque and
/// checked like the real stores' cursors, so tests on memory see the same refusals.
fn encode_cursor(last_id: &str) -> String {
    crate::domain::hex::prefixed("m1.", last_id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<String, StoreError> {
    cursor
        .strip_prefix("m1.")
        .and_then(crate::domain::hex::decode)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| StoreError::InvalidCursor(cursor.to_string()))
}
