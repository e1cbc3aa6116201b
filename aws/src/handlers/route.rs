//! `route`: the route queue receives `LeadQualified` from the bus (an EventBridge rule with an
//! SQS target), so each body is the EventBridge envelope. Routing a lead that is already owned
//! changes nothing, so a duplicate delivery is harmless.

use aws_lambda_events::sqs::SqsEvent;
use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::domain::DomainEventKind;
use leadflow::ports::{LeadStore, Outbox, Publisher, RepStore};
use leadflow::usecases::route::route_lead;

use super::batch::{body, handle_batch, BatchOutcome};
use super::envelope::domain_event;

pub async fn handle_route<S, P>(
    store: &S,
    publisher: &P,
    config: &Config,
    event: &SqsEvent,
    now: DateTime<Utc>,
) -> BatchOutcome
where
    S: LeadStore + RepStore + Outbox,
    P: Publisher,
{
    handle_batch(event, store, publisher, "route", |record| async move {
        let event = domain_event(body(record)?).map_err(|e| e.to_string())?;
        if event.kind != DomainEventKind::LeadQualified {
            // The rule sends only LeadQualified here; anything else is not for this stage.
            tracing::warn!(kind = event.kind.name(), event_id = %event.event_id, "not a LeadQualified event: ignored");
            return Ok(());
        }
        route_lead(store, &event.lead_id, config, now)
            .await
            .map(|_| ())
            .map_err(|e| format!("lead {}: {e}", event.lead_id))
    })
    .await
}
