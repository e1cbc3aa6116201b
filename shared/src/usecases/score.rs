//! Score one accepted event: apply it to its lead (creating the lead on first sight), rescore,
//! move the status, and write it all at once; the write refuses an event applied before.

use chrono::{DateTime, Utc};

use super::wake::{losing_reps, wake_teams_of};
use super::{due_times, load_changes, with_retries, UseCaseError};
use crate::config::Config;
use crate::domain::{DomainEvent, Lead};
use crate::lifecycle::activity::{apply_event, EventInput, EventKind};
use crate::ports::{LeadStore, LeadWrite, RepStore, ScoreJob, StoreError};
use crate::scoring::Scorer;

#[derive(Debug, Clone, PartialEq)]
pub enum ScoreOutcome {
    Applied {
        lead: Box<Lead>,
        events: Vec<DomainEvent>,
    },
    /// The event was applied before (a redelivery): nothing changed.
    Duplicate,
}

pub async fn score_event<'s, S: LeadStore + RepStore>(
    store: &S,
    job: &ScoreJob,
    config: &Config,
    scorer: impl Into<Scorer<'s>>,
    now: DateTime<Utc>,
) -> Result<ScoreOutcome, UseCaseError> {
    let scorer = scorer.into();
    with_retries(&job.lead_id, || attempt(store, job, config, scorer, now)).await
}

async fn attempt<'s, S: LeadStore + RepStore>(
    store: &S,
    job: &ScoreJob,
    config: &Config,
    scorer: Scorer<'s>,
    now: DateTime<Utc>,
) -> Result<ScoreOutcome, UseCaseError> {
    let stored = store.lead(&job.lead_id).await?;
    let mut lead = stored.unwrap_or_else(|| {
        Lead::new(
            job.lead_id.clone(),
            None,
            None,
            job.received_at.min(job.occurred_at),
        )
    });
    let before = lead.clone();
    let link_email = match (&lead.email, &job.email) {
        (None, Some(email)) => {
            lead.email = Some(email.clone());
            Some(email.clone())
        }
        _ => None,
    };
    let link_external_id = match &job.external_id {
        Some(x) if !lead.external_ids.contains(x) => {
            lead.external_ids.push(x.clone());
            Some(x.clone())
        }
        _ => None,
    };
    let kind = match job.event_type.as_str() {
        "identify" => EventKind::Identify,
        signal => EventKind::Signal(signal),
    };
    let input = EventInput {
        event_id: &job.event_id,
        kind,
        occurred_at: job.occurred_at,
        attributes: &job.attributes,
    };
    let t = apply_event(lead, &input, config, scorer, now);
    let mut write = LeadWrite::over(t.lead, Default::default());
    write.due = due_times(&write.lead, config);
    write.rep_load = load_changes(&before, &write.lead);
    write.history = t.history;
    write.events = t.events.clone();
    write.applied_event = Some(job.event_id.clone());
    write.link_email = link_email;
    write.link_external_id = link_external_id;
    let lead = write.lead.clone();
    let losing: Vec<_> = losing_reps(&write.rep_load).cloned().collect();
    match store.write_lead(write).await {
        Ok(()) => {
            // Disqualified by scoring while owned: the owner's team has a place again.
            wake_teams_of(store, &losing, config, now).await;
            Ok(ScoreOutcome::Applied {
                lead: Box::new(lead),
                events: t.events,
            })
        }
        Err(StoreError::AlreadyApplied(_)) => Ok(ScoreOutcome::Duplicate),
        Err(e) => Err(e.into()),
    }
}
