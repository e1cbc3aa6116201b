//! What a lead's own activity and the passing of time do: an event updates attributes and
//! engagement and rescores; the decay job re-tiers leads whose decayed score crossed a bound
//! and recycles owned leads left without activity for `decay.recycle_after`.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Transition;
use crate::config::Config;
use crate::domain::{
    Attributes, DomainEvent, DomainEventKind as Ev, HistoryEntry, HistoryKind as H, Lead, Status,
};
use crate::scoring::{self, engagement, Evaluation, Scorer};

/// Reason recorded when the decay job recycles a lead nobody worked.
pub const INACTIVITY_REASON: &str = "inactivity";

/// What an inbound event says about a lead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind<'a> {
    /// Attributes only.
    Identify,
    /// An engagement signal or a signal named by a negative rule.
    Signal(&'a str),
}

/// One inbound event, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventInput<'a> {
    pub event_id: &'a str,
    pub kind: EventKind<'a>,
    pub occurred_at: DateTime<Utc>,
    pub attributes: &'a Attributes,
}

/// Why a lead is being rescored: its own event, or the decay schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Trigger {
    Event { total_before: f64 },
    Decay,
}

/// Apply an inbound event to a lead and rescore it as of `now`, with the rules and the
/// model of `scorer` (a plain version string: the rules alone).
pub fn apply_event<'s>(
    mut lead: Lead,
    input: &EventInput<'_>,
    config: &Config,
    scorer: impl Into<Scorer<'s>>,
    now: DateTime<Utc>,
) -> Transition {
    let scorer = scorer.into();
    let scoring = &config.scoring;
    // Reactivation needs an upward crossing of the MQL threshold, so a recycled lead's total
    // just before the event matters.
    let total_before = if lead.status == Status::Recycled {
        scoring::evaluate_with(&lead, scoring, scorer, now)
            .score
            .total
    } else {
        lead.score.total
    };
    lead.merge_attributes(input.attributes, input.occurred_at);
    let type_name = match input.kind {
        EventKind::Identify => "identify",
        EventKind::Signal(signal) => {
            let points = scoring
                .engagement
                .signals
                .get(signal)
                .map_or(0.0, |s| s.points);
            let half_life = scoring.engagement.half_life.delta();
            engagement::add_event(
                &mut lead.engagement,
                signal,
                points,
                input.occurred_at,
                half_life,
            );
            lead.last_activity_at = Some(
                lead.last_activity_at
                    .map_or(input.occurred_at, |t| t.max(input.occurred_at)),
            );
            signal
        }
    };
    let mut history = vec![HistoryEntry::new(
        input.occurred_at,
        H::Event,
        json!({"event_id": input.event_id, "type": type_name}),
    )];
    let evaluation = scoring::evaluate_with(&lead, scoring, scorer, now);
    let trigger = Trigger::Event { total_before };
    let mut t = apply_evaluation(lead, evaluation, trigger, input.event_id, config, now);
    history.append(&mut t.history);
    t.history = history;
    t
}

/// The decay job's look at a lead that is due: recycle it if nobody worked it for
/// `decay.recycle_after`, and re-tier it on its decayed score.
pub fn reevaluate<'s>(
    mut lead: Lead,
    config: &Config,
    scorer: impl Into<Scorer<'s>>,
    now: DateTime<Utc>,
) -> Transition {
    let scorer = scorer.into();
    if lead.status.is_terminal() {
        lead.next_crossing_at = None;
        return Transition::unchanged(lead);
    }
    // The cause names the instant the lead was due, so a retried job derives the same ids.
    let cause = format!(
        "decay:{}:{}",
        lead.id,
        decay_due_at(&lead, config)
            .unwrap_or(now)
            .timestamp_millis()
    );
    let mut history = Vec::new();
    let mut events = Vec::new();
    if recycle_due_at(&lead, config).is_some_and(|due| now >= due) {
        let from = lead.owner_id().unwrap_or_default().to_string();
        let last = last_touch(&lead);
        recycle(&mut lead, now);
        history.push(HistoryEntry::new(
            now,
            H::Recycled,
            json!({"reason": INACTIVITY_REASON, "by": "system", "rep_id": from, "last_activity_at": last}),
        ));
        events.push(DomainEvent::new(
            &cause,
            Ev::LeadRecycled,
            &lead.id,
            now,
            json!({"reason": INACTIVITY_REASON, "rep_id": from}),
        ));
    }
    let evaluation = scoring::evaluate_with(&lead, &config.scoring, scorer, now);
    let mut t = apply_evaluation(lead, evaluation, Trigger::Decay, &cause, config, now);
    history.append(&mut t.history);
    events.append(&mut t.events);
    t.history = history;
    t.events = events;
    t
}

/// Hand a lead back to marketing: no owner, status recycled, no longer an MQL (it must
/// cross the threshold again to come back).
pub fn recycle(lead: &mut Lead, now: DateTime<Utc>) {
    if let Some(owner) = lead.owner.take() {
        lead.previous_owners.push(owner.rep_id);
    }
    lead.status = Status::Recycled;
    // The clock stays on record (its response time feeds metrics) but is closed.
    if let Some(clock) = lead.sla.as_mut() {
        crate::sla::apply(clock, crate::sla::SlaAction::Close, now);
    }
    lead.mql = false;
    lead.recycled_at = Some(now);
}

/// When the decay job must look at the lead next: its next threshold crossing or, for an
/// owned lead, the time it is recycled if nobody works it — whichever comes first.
pub fn decay_due_at(lead: &Lead, config: &Config) -> Option<DateTime<Utc>> {
    if lead.status.is_terminal() {
        return None;
    }
    match (lead.next_crossing_at, recycle_due_at(lead, config)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When an owned lead left alone is recycled: `recycle_after` past its last touch.
pub fn recycle_due_at(lead: &Lead, config: &Config) -> Option<DateTime<Utc>> {
    if !lead.status.is_owned() {
        return None;
    }
    last_touch(lead).map(|t| t + config.decay.recycle_after.delta())
}

/// The latest of the lead's own activity, its assignment and any disposition.
fn last_touch(lead: &Lead) -> Option<DateTime<Utc>> {
    let assigned = lead.owner.as_ref().map(|o| o.assigned_at);
    match (lead.last_activity_at, assigned) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Store a new evaluation on the lead and move its status where the score says.
fn apply_evaluation(
    mut lead: Lead,
    evaluation: Evaluation,
    trigger: Trigger,
    cause: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> Transition {
    let mut history = Vec::new();
    let mut events = Vec::new();
    let (old_tier, old_mql, old_status) = (lead.tier, lead.mql, lead.status);
    let Evaluation {
        score,
        tier,
        mql,
        disqualification,
        next_crossing_at,
    } = evaluation;

    let rescored = matches!(trigger, Trigger::Event { .. }) || tier != old_tier || mql != old_mql;
    lead.score = score;
    lead.tier = tier;
    lead.mql = mql;
    if rescored {
        // The whole score, explanation included, as it was computed: never recomputed later.
        history.push(HistoryEntry::scored(now, lead.score.clone()));
        let s = &lead.score;
        events.push(DomainEvent::new(
            cause,
            Ev::LeadScored,
            &lead.id,
            now,
            json!({"total": s.total, "tier": tier, "mql": mql}),
        ));
    }
    if tier != old_tier {
        history.push(HistoryEntry::new(
            now,
            H::TierChanged,
            json!({"from": old_tier, "to": tier}),
        ));
    }

    match (&disqualification, lead.status) {
        (Some(d), status) if !status.is_terminal() => {
            // As with a disqualifying disposition the owner stays on record; the lead no longer
            // counts as open, and the SLA checker closes its clock.
            lead.status = Status::Disqualified;
            lead.disqualify_reason = Some(d.reason.clone());
            let detail = json!({"rule": d.rule, "reason": d.reason, "by": "scoring"});
            history.push(HistoryEntry::new(now, H::Disqualified, detail.clone()));
            events.push(DomainEvent::new(
                cause,
                Ev::LeadDisqualified,
                &lead.id,
                now,
                detail,
            ));
        }
        (_, Status::New | Status::Nurture | Status::Mql) => {
            lead.status = if lead.mql {
                Status::Mql
            } else {
                Status::Nurture
            };
        }
        (_, Status::Recycled) => {
            let crossed_up = match trigger {
                // Decided on the score as processed: the lead's score just before this event
                // (decayed to now) and just after it. An event stamped before the recycle but
                // processed after it counts like any other: comparing stamps with the recycle
                // time made the outcome depend on the clients' clocks.
                Trigger::Event { total_before, .. } => {
                    let threshold = config.scoring.mql_threshold;
                    total_before < threshold && lead.score.total >= threshold
                }
                Trigger::Decay => false,
            };
            if crossed_up {
                lead.status = Status::Mql;
                lead.mql = true;
                let detail = json!({"total": lead.score.total, "recycled_at": lead.recycled_at});
                history.push(HistoryEntry::new(now, H::Reactivated, detail.clone()));
                events.push(DomainEvent::new(
                    cause,
                    Ev::LeadReactivated,
                    &lead.id,
                    now,
                    detail,
                ));
            } else {
                lead.mql = false;
            }
        }
        _ => {}
    }
    if lead.status == Status::Mql && old_status != Status::Mql {
        events.push(DomainEvent::new(
            cause,
            Ev::LeadQualified,
            &lead.id,
            now,
            json!({"total": lead.score.total, "tier": lead.tier}),
        ));
    }
    lead.next_crossing_at = if lead.status.is_terminal() {
        None
    } else {
        next_crossing_at
    };
    Transition {
        lead,
        history,
        events,
    }
}

#[cfg(test)]
#[path = "activity_tests.rs"]
mod tests;
