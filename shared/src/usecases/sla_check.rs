//! The SLA checker: read only the clocks now due, and record what is due on each — a breach
//! (once per assignment), a missed follow-up cadence, a closed clock — or take the lead from a
//! rep who never answered and give it to someone else, in one write per lead.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::route::decide;
use super::wake::{losing_reps, wake_teams_of};
use super::{cause, due_times, load_changes, with_retries, UseCaseError};
use crate::config::Config;
use crate::domain::{DomainEvent, DomainEventKind, HistoryEntry, HistoryKind, Lead, LeadId, RepId};
use crate::ports::{DueKind, LeadStore, LeadWrite, RepStore};
use crate::routing::RoutingDecision;
use crate::sla::{self, SlaAction};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaReport {
    pub checked: usize,
    pub breached: usize,
    pub reassigned: usize,
    pub follow_ups_missed: usize,
    pub closed: usize,
    /// Reassignments due with nobody new eligible: the owner kept the lead, the manager was told.
    pub escalated: usize,
    /// Waiting leads routed because a reassignment freed a place in their team.
    pub woken: usize,
    /// Leads that could not be checked this time (they stay due and are retried).
    pub failed: Vec<(LeadId, String)>,
}

/// Check up to `limit` clocks due at `now`.
pub async fn check_slas<S: LeadStore + RepStore>(
    store: &S,
    config: &Config,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<SlaReport, UseCaseError> {
    let mut report = SlaReport::default();
    let mut freed = Vec::new();
    for id in store.due(DueKind::Sla, now, limit).await? {
        report.checked += 1;
        match with_retries(&id, || check_one(store, &id, config, now)).await {
            Ok((done, escalated, losing)) => {
                report.escalated += usize::from(escalated);
                freed.extend(losing);
                for action in done {
                    match action {
                        SlaAction::Breach => report.breached += 1,
                        SlaAction::Reassign => report.reassigned += 1,
                        SlaAction::FollowUpMissed => report.follow_ups_missed += 1,
                        SlaAction::Close => report.closed += 1,
                    }
                }
            }
            Err(e) => report.failed.push((id.clone(), e.to_string())),
        }
    }
    // A reassignment leaves the previous owner a place: their team's waiting leads need not wait.
    report.woken = wake_teams_of(store, &freed, config, now).await;
    Ok(report)
}

/// The actions recorded on one lead (a reassignment counts only if someone else took it), and
/// whether a reassignment that found nobody new escalated, and the reps who lost the lead.
async fn check_one<S: LeadStore + RepStore>(
    store: &S,
    id: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(Vec<SlaAction>, bool, Vec<RepId>), UseCaseError> {
    let Some(mut lead) = store.lead(id).await? else {
        return Ok((Vec::new(), false, Vec::new()));
    };
    let before = lead.clone();
    let actions = lead
        .sla
        .as_ref()
        .map(|clock| sla::check(clock, lead.status, now))
        .unwrap_or_default();
    let c = cause("sla", &lead, now);
    let mut history = Vec::new();
    let mut events = Vec::new();
    let mut reassign_from = None;
    let mut done = Vec::new();
    for action in actions {
        let clock = lead.sla.as_mut().expect("actions come from a clock");
        if action == SlaAction::Reassign {
            // Not applied yet: the clock closes only if someone new takes the lead.
            reassign_from = Some(clock.rep_id.clone());
            continue;
        }
        sla::apply(clock, action, now);
        let clock = clock.clone();
        let detail = json!({
            "rep_id": clock.rep_id, "tier": clock.tier, "score": lead.score.total,
            "assigned_at": clock.assigned_at, "first_response_due_at": clock.first_response_due_at,
        });
        match action {
            SlaAction::Breach => {
                history.push(sla::breach_entry(&clock, now));
                events.push(DomainEvent::new(
                    &c,
                    DomainEventKind::SlaBreached,
                    &lead.id,
                    now,
                    detail,
                ));
            }
            SlaAction::FollowUpMissed => {
                let detail = json!({"rep_id": clock.rep_id, "touches": clock.touches,
                    "expected": clock.follow_up_touches, "window_ended_at": clock.follow_up_due_at});
                history.push(HistoryEntry::new(
                    now,
                    HistoryKind::FollowUpMissed,
                    detail.clone(),
                ));
                events.push(DomainEvent::new(
                    &c,
                    DomainEventKind::FollowUpMissed,
                    &lead.id,
                    now,
                    detail,
                ));
            }
            SlaAction::Reassign | SlaAction::Close => {}
        }
        done.push(action);
    }

    let mut escalated = false;
    let mut routed = None;
    if let Some(from) = &reassign_from {
        let decided = decide(store, lead.clone(), Some(from), config, now).await?;
        match decided.write {
            Some(w) if w.lead.owner.is_some() && w.lead.owner_id() != Some(from.as_str()) => {
                done.push(SlaAction::Reassign);
                routed = Some(w);
            }
            _ => {
                let clock = lead
                    .sla
                    .as_mut()
                    .expect("a reassignment comes from a clock");
                if sla::escalate(clock, now) {
                    escalated = true;
                    let (entry, event) = escalation(&lead, from, &decided.decision, &c, now);
                    history.push(entry);
                    events.push(event);
                }
            }
        }
    }
    let mut write = routed.unwrap_or_else(|| {
        let mut w = LeadWrite::over(lead, Default::default());
        w.due = due_times(&w.lead, config);
        w
    });
    write.rep_load = load_changes(&before, &write.lead);
    history.append(&mut write.history);
    events.append(&mut write.events);
    write.history = history;
    write.events = events;
    let losing = losing_reps(&write.rep_load).cloned().collect();
    store.write_lead(write).await?;
    Ok((done, escalated, losing))
}

/// The history entry (with the routing decision that found nobody) and the `SlaEscalated`
/// event of a reassignment that could not happen: `from` keeps the lead.
fn escalation(
    lead: &Lead,
    from: &RepId,
    decision: &RoutingDecision,
    cause: &str,
    now: DateTime<Utc>,
) -> (HistoryEntry, DomainEvent) {
    let clock = lead.sla.as_ref().expect("an escalation comes from a clock");
    let mut detail = serde_json::to_value(decision).expect("a routing decision serialises");
    if let Some(map) = detail.as_object_mut() {
        map.insert("rep_id".into(), json!(from));
        map.insert("kept_by".into(), json!(from));
        map.insert("episode_owners".into(), json!(clock.episode_owners));
    }
    let entry = HistoryEntry::new(now, HistoryKind::Escalated, detail);
    let event = DomainEvent::new(
        cause,
        DomainEventKind::SlaEscalated,
        &lead.id,
        now,
        json!({
            "rep_id": from, "tier": clock.tier, "score": lead.score.total,
            "assigned_at": clock.assigned_at, "first_response_due_at": clock.first_response_due_at,
            "team": decision.team, "episode_owners": clock.episode_owners,
        }),
    );
    (entry, event)
}
