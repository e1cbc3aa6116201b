//! `score`: the score queue's records are accepted events (`ScoreJob` JSON); each is applied
//! to its lead. A redelivered event is refused by the store (`applied_event`) and counts as
//! done, so duplicates and out-of-order deliveries change nothing twice.

use aws_lambda_events::sqs::SqsEvent;
use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::ports::{LeadStore, Outbox, Publisher, RepStore, ScoreJob};
use leadflow::scoring::Scorer;
use leadflow::usecases::score::score_event;

use super::batch::{body, handle_batch, BatchOutcome};

pub async fn handle_score<S, P>(
    store: &S,
    publisher: &P,
    config: &Config,
    scorer: Scorer<'_>,
    event: &SqsEvent,
    now: DateTime<Utc>,
) -> BatchOutcome
where
    S: LeadStore + RepStore + Outbox,
    P: Publisher,
{
    handle_batch(event, store, publisher, "score", |record| async move {
        let job: ScoreJob = serde_json::from_str(body(record)?)
            .map_err(|e| format!("the body is not a score job: {e}"))?;
        score_event(store, &job, config, scorer, now)
            .await
            .map(|_| ())
            .map_err(|e| format!("event {}: {e}", job.event_id))
    })
    .await
}
