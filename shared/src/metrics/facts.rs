//! One lead's summary for the metrics and the dashboard, kept up to date on every write.
//!
//! [`LeadFacts::update`] folds the entries a write appends into the previous summary, then
//! reads what it needs of the lead's new state; [`lead_facts`] is the same fold over a whole
//! history. Folding entry by entry, the summary after each write equals the summary of the
//! whole history, so a store may keep it instead of re-reading history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::history::Detail;
use crate::domain::{HistoryEntry, HistoryKind, Lead, LeadId, RepId, Status, Tier};

/// What the history has said so far: each field only grows as entries are appended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryFacts {
    /// The rep of each `assigned` / `reassigned` entry.
    pub assignments: Vec<RepId>,
    /// The rep each `reassigned` entry took the lead from.
    pub reassigned_from: Vec<RepId>,
    /// Each disposition's first-response time, with its rep.
    pub responses: Vec<(RepId, i64)>,
    /// The rep of each `sla_breached` entry.
    pub breaches: Vec<RepId>,
    pub dispositions: usize,
    /// A disposition moved the lead to `qualified`.
    pub qualified_disposition: bool,
    /// The latest amount of a `qualified` / `won` disposition.
    pub pipeline_amount: Option<f64>,
    pub won_amount: Option<f64>,
    pub recycled: bool,
    pub reactivated: bool,
    pub routing_fallback: bool,
    /// The latest `event` entry before the first assignment: when the event that made the
    /// lead routable happened.
    pub last_event_before_assignment: Option<DateTime<Utc>>,
    pub first_assigned_at: Option<DateTime<Utc>>,
    pub first_disposition_at: Option<DateTime<Utc>>,
}

impl HistoryFacts {
    /// Fold one more entry in.
    pub fn push(&mut self, entry: &HistoryEntry) {
        match entry.kind {
            HistoryKind::Event if self.first_assigned_at.is_none() => {
                let latest = self.last_event_before_assignment.get_or_insert(entry.at);
                *latest = (*latest).max(entry.at);
            }
            HistoryKind::Assigned | HistoryKind::Reassigned => {
                let detail = parse(&entry.detail);
                self.assignments.extend(text(&detail, "rep_id"));
                if entry.kind == HistoryKind::Reassigned {
                    self.reassigned_from.extend(text(&detail, "from"));
                }
                self.first_assigned_at.get_or_insert(entry.at);
            }
            HistoryKind::SlaBreached => {
                self.breaches.extend(text(&parse(&entry.detail), "rep_id"));
            }
            HistoryKind::Disposition => {
                let detail = parse(&entry.detail);
                self.dispositions += 1;
                self.first_disposition_at.get_or_insert(entry.at);
                let secs = detail.get("response_seconds").and_then(Value::as_i64);
                if let (Some(rep), Some(secs)) = (text(&detail, "rep_id"), secs) {
                    self.responses.push((rep, secs));
                }
                if detail.get("to").and_then(Value::as_str) == Some(Status::Qualified.as_str()) {
                    self.qualified_disposition = true;
                }
                let amount = detail.get("amount").and_then(Value::as_f64);
                match detail.get("outcome").and_then(Value::as_str) {
                    Some("qualified") if amount.is_some() => self.pipeline_amount = amount,
                    Some("won") if amount.is_some() => self.won_amount = amount,
                    _ => {}
                }
            }
            HistoryKind::Recycled => self.recycled = true,
            HistoryKind::Reactivated => self.reactivated = true,
            HistoryKind::RoutingFallback => self.routing_fallback = true,
            _ => {}
        }
    }
}

/// Details are parsed only for the kinds read here; a score is never turned into JSON.
fn parse(detail: &Detail) -> Value {
    match detail {
        Detail::Json(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
        Detail::Score(_) => Value::Null,
    }
}

fn text(detail: &Value, key: &str) -> Option<String> {
    detail.get(key).and_then(Value::as_str).map(str::to_string)
}

/// An SLA clock waiting for the first response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenClock {
    pub rep_id: RepId,
    pub assigned_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub breached_at: Option<DateTime<Utc>>,
}

/// What one lead contributes to the metrics and the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadFacts {
    pub lead_id: LeadId,
    pub created_at: DateTime<Utc>,
    pub email: Option<String>,
    /// `first_name last_name`, when either is known.
    pub name: Option<String>,
    /// The `source` attribute.
    pub source: Option<String>,
    /// The tier it was routed with (its SLA clock's), else its current tier.
    pub tier: Tier,
    /// The current score.
    pub score: f64,
    pub reached_mql: bool,
    pub assigned: bool,
    pub contacted: bool,
    pub qualified: bool,
    pub won: bool,
    /// Each rep the lead was assigned to, once per assignment.
    pub assignments: Vec<RepId>,
    /// The rep holding the lead now, while it is open (assigned, contacted, qualified).
    pub open_with: Option<RepId>,
    /// The current owner, else the last one: who the team and rep filters look at.
    pub owner: Option<RepId>,
    /// First-response times, with the rep who answered.
    pub responses: Vec<(RepId, i64)>,
    /// Each breach, with the rep whose clock it was.
    pub breaches: Vec<RepId>,
    pub pipeline_amount: Option<f64>,
    pub won_amount: Option<f64>,
    pub recycled: bool,
    pub reactivated: bool,
    /// The first-response clock, while it waits for an answer.
    pub open_clock: Option<OpenClock>,
    /// When the event that made the lead routable happened (speed to lead starts there).
    pub accepted_at: Option<DateTime<Utc>>,
    pub first_assigned_at: Option<DateTime<Utc>>,
    pub first_contact_at: Option<DateTime<Utc>>,
    /// The history folded so far: what the next write continues from.
    pub history: HistoryFacts,
}

/// Sum up one lead from its state and its whole history (oldest first).
pub fn lead_facts(lead: &Lead, history: &[HistoryEntry]) -> LeadFacts {
    LeadFacts::update(None, lead, history)
}

impl LeadFacts {
    /// The facts after a write: `previous` (none for a new lead) with `appended` folded in,
    /// read with the lead as written.
    pub fn update(
        previous: Option<&LeadFacts>,
        lead: &Lead,
        appended: &[HistoryEntry],
    ) -> LeadFacts {
        let mut history = previous.map(|p| p.history.clone()).unwrap_or_default();
        for entry in appended {
            history.push(entry);
        }
        Self::derive(lead, history)
    }

    fn derive(lead: &Lead, history: HistoryFacts) -> LeadFacts {
        let clock = lead.sla.as_ref();
        let mut assignments = history.assignments.clone();
        if assignments.is_empty() {
            assignments.extend(lead.owner.as_ref().map(|o| o.rep_id.clone()));
        }
        let mut responses = history.responses.clone();
        if responses.is_empty() {
            if let Some((c, at)) = clock.and_then(|c| Some((c, c.responded_at?))) {
                responses.push((c.rep_id.clone(), (at - c.assigned_at).num_seconds()));
            }
        }
        let mut breaches = history.breaches.clone();
        if breaches.is_empty() {
            if let Some(c) = clock.filter(|c| c.breached_at.is_some()) {
                breaches.push(c.rep_id.clone());
            }
        }
        let assigned = !assignments.is_empty() || clock.is_some();
        let contacted = history.dispositions > 0
            || matches!(
                lead.status,
                Status::Contacted | Status::Qualified | Status::Won | Status::Lost
            );
        let reached_mql = lead.mql
            || assigned
            || lead.status == Status::Mql
            || history.routing_fallback
            || history.reactivated;
        let name_part = |key: &str| {
            lead.attributes
                .get(key)
                .map(|v| v.to_string().trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let name = match (name_part("first_name"), name_part("last_name")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (f, l) => f.or(l),
        };
        let first_assigned_at = history
            .first_assigned_at
            .or_else(|| clock.map(|c| c.assigned_at));
        LeadFacts {
            lead_id: lead.id.clone(),
            created_at: lead.created_at,
            email: lead.email.clone(),
            name,
            source: lead.attributes.get("source").map(|v| v.to_string()),
            tier: clock.map_or(lead.tier, |c| c.tier),
            score: lead.score.total,
            reached_mql,
            assigned,
            contacted,
            qualified: history.qualified_disposition
                || matches!(lead.status, Status::Won | Status::Qualified),
            won: lead.status == Status::Won,
            open_with: lead
                .owner
                .as_ref()
                .filter(|_| lead.status.is_owned())
                .map(|o| o.rep_id.clone()),
            owner: lead
                .owner
                .as_ref()
                .map(|o| o.rep_id.clone())
                .or_else(|| lead.previous_owners.last().cloned())
                .or_else(|| assignments.last().cloned()),
            assignments,
            responses,
            breaches,
            pipeline_amount: history.pipeline_amount,
            won_amount: history.won_amount,
            recycled: history.recycled || lead.recycled_at.is_some(),
            reactivated: history.reactivated,
            open_clock: clock
                .filter(|c| c.responded_at.is_none() && c.closed_at.is_none())
                .filter(|_| lead.status.is_owned())
                .map(|c| OpenClock {
                    rep_id: c.rep_id.clone(),
                    assigned_at: c.assigned_at,
                    due_at: c.first_response_due_at,
                    breached_at: c.breached_at,
                }),
            accepted_at: history
                .last_event_before_assignment
                .filter(|_| assigned)
                .map(|at| first_assigned_at.map_or(at, |assigned| at.min(assigned))),
            first_assigned_at,
            first_contact_at: history
                .first_disposition_at
                .or_else(|| clock.and_then(|c| c.responded_at)),
            history,
        }
    }
}
