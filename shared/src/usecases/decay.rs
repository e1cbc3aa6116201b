//! The decay job: read only the leads due (their decaying score crossed a bound, or an owned
//! lead sat idle for `decay.recycle_after`), re-tier or recycle them.

use chrono::{DateTime, Utc};

use super::wake::{losing_reps, wake_teams_of};
use super::{due_times, load_changes, with_retries, UseCaseError};
use crate::config::Config;
use crate::domain::{DomainEventKind, HistoryKind, LeadId, RepId};
use crate::lifecycle::activity::reevaluate;
use crate::ports::{DueKind, LeadStore, LeadWrite, RepStore};
use crate::scoring::Scorer;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecayReport {
    pub checked: usize,
    pub tier_changes: usize,
    pub recycled: usize,
    /// Waiting leads routed because a recycle freed a place in their team.
    pub woken: usize,
    pub failed: Vec<(LeadId, String)>,
}

pub async fn run_decay<'s, S: LeadStore + RepStore>(
    store: &S,
    config: &Config,
    scorer: impl Into<Scorer<'s>>,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<DecayReport, UseCaseError> {
    let scorer = scorer.into();
    let mut report = DecayReport::default();
    let mut freed = Vec::new();
    for id in store.due(DueKind::Decay, now, limit).await? {
        report.checked += 1;
        match with_retries(&id, || decay_one(store, &id, config, scorer, now)).await {
            Ok((tier_changed, recycled, losing)) => {
                report.tier_changes += usize::from(tier_changed);
                report.recycled += usize::from(recycled);
                freed.extend(losing);
            }
            Err(e) => report.failed.push((id.clone(), e.to_string())),
        }
    }
    // A recycled lead leaves its owner a place: the team's waiting leads need not wait.
    report.woken = wake_teams_of(store, &freed, config, now).await;
    Ok(report)
}

async fn decay_one<'s, S: LeadStore>(
    store: &S,
    id: &str,
    config: &Config,
    scorer: Scorer<'s>,
    now: DateTime<Utc>,
) -> Result<(bool, bool, Vec<RepId>), UseCaseError> {
    let Some(lead) = store.lead(id).await? else {
        return Ok((false, false, Vec::new()));
    };
    let before = lead.clone();
    let t = reevaluate(lead, config, scorer, now);
    let tier_changed = t.history.iter().any(|h| h.kind == HistoryKind::TierChanged);
    let recycled = t
        .events
        .iter()
        .any(|e| e.kind == DomainEventKind::LeadRecycled);
    // Written even when nothing changed, so that the due index moves on.
    let mut write = LeadWrite::over(t.lead, Default::default());
    write.due = due_times(&write.lead, config);
    write.rep_load = load_changes(&before, &write.lead);
    write.history = t.history;
    write.events = t.events;
    let losing = losing_reps(&write.rep_load).cloned().collect();
    store.write_lead(write).await?;
    Ok((tier_changed, recycled, losing))
}
