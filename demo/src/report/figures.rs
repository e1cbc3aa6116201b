//! The report's figures, computed from the leads' final state and their histories.
//!
//! Each lead's history is replayed in order: `tier_changed` tells the tier at each moment, an
//! `assigned` or `reassigned` entry starts an SLA clock (for a tier with a target), an
//! `sla_breached` entry breaches it, and the first disposition carrying `response_seconds`
//! answers it. Reassigned leads' earlier clocks exist only in history, so the replay, not
//! `lead.sla`, is the source.

use std::collections::{BTreeMap, HashMap};

use leadflow::domain::{HistoryEntry, HistoryKind, Lead, Status, Tier};
use serde_json::Value;

use super::ReportInput;

/// Leads whose highest tier reached was this one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierFigures {
    pub leads: usize,
    /// Of those, leads that reached MQL at some point.
    pub mqls: usize,
}

/// What became of leads first assigned at this tier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversion {
    pub assigned: usize,
    pub qualified: usize,
    pub won: usize,
    pub lost: usize,
    /// The amount of each qualified lead's latest `qualified` disposition.
    pub pipeline: f64,
    pub won_amount: f64,
}

/// First-response SLA clocks started at this tier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaFigures {
    pub clocks: usize,
    /// Answered without a breach.
    pub met: usize,
    /// `sla_breached` entries.
    pub breached: usize,
    /// Response times (seconds) of answered clocks, breached or not.
    pub responses: Vec<i64>,
}

impl SlaFigures {
    /// Clocks neither answered in time nor breached yet: still running when the period ended,
    /// or closed without an answer.
    pub fn open(&self) -> usize {
        self.clocks.saturating_sub(self.met + self.breached)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepFigures {
    /// Leads given to the rep, by assignment or reassignment.
    pub assigned: usize,
    /// Leads taken from the rep by reassignment.
    pub reassigned_away: usize,
    pub responses: Vec<i64>,
    pub won: usize,
    pub won_amount: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub leads: usize,
    pub events: usize,
    pub by_tier: BTreeMap<Tier, TierFigures>,
    pub conversion: BTreeMap<Tier, Conversion>,
    pub sla: BTreeMap<Tier, SlaFigures>,
    pub reps: HashMap<String, RepFigures>,
    pub recycled: usize,
    pub recycled_for_inactivity: usize,
    pub reactivated: usize,
    pub disqualified_by_scoring: usize,
    pub disqualified_by_sales: usize,
    /// MQLs waiting for an owner when the period ended.
    pub waiting: usize,
}

/// One SLA clock met during the replay.
struct Clock {
    tier: Tier,
    rep: String,
    answered: bool,
    breached: bool,
}

fn text<'a>(detail: &'a Value, key: &str) -> Option<&'a str> {
    detail.get(key).and_then(Value::as_str)
}

fn tier_of(detail: &Value, key: &str) -> Option<Tier> {
    text(detail, key).and_then(|t| t.parse().ok())
}

impl Figures {
    pub fn of(input: &ReportInput) -> Figures {
        let mut f = Figures {
            leads: input.leads.len(),
            ..Figures::default()
        };
        let empty = Vec::new();
        for lead in &input.leads {
            let history = input.history.get(&lead.id).unwrap_or(&empty);
            f.replay(lead, history, input);
        }
        f
    }

    fn replay(&mut self, lead: &Lead, history: &[HistoryEntry], input: &ReportInput) {
        let mut entries: Vec<&HistoryEntry> = history.iter().collect();
        entries.sort_by_key(|e| e.at);

        let mut tier = Tier::D;
        let mut peak = lead.tier;
        let mut routed = false;
        let mut first_tier: Option<Tier> = None;
        let mut clocks: Vec<Clock> = Vec::new();
        let (mut qualified, mut won, mut lost) = (false, false, false);
        let (mut pipeline, mut won_amount) = (0.0, 0.0);

        for entry in entries {
            let detail = match entry.kind {
                HistoryKind::Scored => continue,
                _ => entry.detail(),
            };
            match entry.kind {
                HistoryKind::Event => self.events += 1,
                HistoryKind::TierChanged => {
                    if let Some(to) = tier_of(&detail, "to") {
                        tier = to;
                        if to.is_above(peak) {
                            peak = to;
                        }
                    }
                }
                HistoryKind::Assigned | HistoryKind::Reassigned => {
                    routed = true;
                    let rep = text(&detail, "rep_id").unwrap_or_default().to_string();
                    self.reps.entry(rep.clone()).or_default().assigned += 1;
                    if let Some(from) =
                        text(&detail, "from").filter(|_| entry.kind == HistoryKind::Reassigned)
                    {
                        self.reps
                            .entry(from.to_string())
                            .or_default()
                            .reassigned_away += 1;
                    }
                    first_tier.get_or_insert(tier);
                    if input.sla_targets.contains_key(&tier) {
                        self.sla.entry(tier).or_default().clocks += 1;
                        clocks.push(Clock {
                            tier,
                            rep,
                            answered: false,
                            breached: false,
                        });
                    }
                }
                HistoryKind::SlaBreached => {
                    let rep = text(&detail, "rep_id").unwrap_or_default();
                    let clock = clocks.iter_mut().rev().find(|c| c.rep == rep);
                    let breach_tier = tier_of(&detail, "tier")
                        .or(clock.as_ref().map(|c| c.tier))
                        .unwrap_or(tier);
                    if let Some(c) = clock {
                        c.breached = true;
                    }
                    self.sla.entry(breach_tier).or_default().breached += 1;
                }
                HistoryKind::Disposition => {
                    let rep = text(&detail, "rep_id").unwrap_or_default();
                    let amount = detail.get("amount").and_then(Value::as_f64);
                    if let Some(seconds) = detail.get("response_seconds").and_then(Value::as_i64) {
                        let clock = clocks
                            .iter_mut()
                            .rev()
                            .find(|c| c.rep == rep && !c.answered);
                        if let Some(c) = clock {
                            c.answered = true;
                            let sla = self.sla.entry(c.tier).or_default();
                            sla.responses.push(seconds);
                            if !c.breached {
                                sla.met += 1;
                            }
                        }
                        self.reps
                            .entry(rep.to_string())
                            .or_default()
                            .responses
                            .push(seconds);
                    }
                    match text(&detail, "outcome") {
                        Some("qualified") => {
                            qualified = true;
                            pipeline = amount.unwrap_or(pipeline);
                        }
                        Some("won") => {
                            won = true;
                            won_amount = amount.unwrap_or(pipeline);
                            let r = self.reps.entry(rep.to_string()).or_default();
                            r.won += 1;
                            r.won_amount += won_amount;
                        }
                        Some("lost") => lost = true,
                        _ => {}
                    }
                }
                HistoryKind::Recycled => {
                    self.recycled += 1;
                    if text(&detail, "by") == Some("system") {
                        self.recycled_for_inactivity += 1;
                    }
                }
                HistoryKind::Reactivated => self.reactivated += 1,
                HistoryKind::Disqualified => {
                    if text(&detail, "by") == Some("scoring") {
                        self.disqualified_by_scoring += 1;
                    } else {
                        self.disqualified_by_sales += 1;
                    }
                }
                HistoryKind::RoutingFallback => routed = true,
                _ => {}
            }
        }

        let reached_mql = routed
            || lead.mql
            || matches!(
                lead.status,
                Status::Mql | Status::Assigned | Status::Contacted | Status::Qualified
            );
        let row = self.by_tier.entry(peak).or_default();
        row.leads += 1;
        row.mqls += usize::from(reached_mql);
        if lead.status == Status::Mql && lead.owner.is_none() {
            self.waiting += 1;
        }
        if let Some(t) = first_tier {
            let c = self.conversion.entry(t).or_default();
            c.assigned += 1;
            c.qualified += usize::from(qualified);
            c.won += usize::from(won);
            c.lost += usize::from(lost);
            if qualified {
                c.pipeline += pipeline;
            }
            c.won_amount += won_amount;
        }
    }
}
