//! `notify`: the notify queue receives `LeadAssigned`, `LeadReassigned`, `SlaBreached` and
//! `FollowUpMissed` from the bus; each alert goes out once per channel (the delivery log
//! remembers what was sent, so a redelivered event is not alerted twice).

use aws_lambda_events::sqs::SqsEvent;
use leadflow::config::Config;
use leadflow::ports::{DeliveryLog, LeadStore, Notifier, Outbox, Publisher, RepStore};
use leadflow::usecases::notify::deliver;

use super::batch::{body, handle_batch, BatchOutcome};
use super::envelope::domain_event;

/// An alert channel: its name (part of the once-per-event key) and its notifier.
pub struct Channel<N> {
    pub name: &'static str,
    pub notifier: N,
}

/// Deliver the alerts of the batch on every channel. Notify writes no lead, but the relay at
/// the end still publishes what other handlers left in the outbox.
pub async fn handle_notify<S, N, P>(
    store: &S,
    channels: &[Channel<N>],
    publisher: &P,
    config: &Config,
    event: &SqsEvent,
) -> BatchOutcome
where
    S: LeadStore + RepStore + DeliveryLog + Outbox,
    N: Notifier,
    P: Publisher,
{
    handle_batch(event, store, publisher, "notify", |record| async move {
        let event = domain_event(body(record)?).map_err(|e| e.to_string())?;
        for channel in channels {
            deliver(
                store,
                &channel.notifier,
                store,
                channel.name,
                &event,
                config,
            )
            .await
            .map_err(|e| format!("event {} on {}: {e}", event.event_id, channel.name))?;
        }
        Ok(())
    })
    .await
}
