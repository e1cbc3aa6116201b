//! The event bus on EventBridge: domain events go out with `PutEvents`, ten at a time, as
//! `source` = `leadflow`, `detail-type` = the event's kind name and `detail` = the event's
//! JSON. Entries EventBridge refuses (`FailedEntryCount` > 0) are sent again with backoff; those
//! still refused come back as `PublishError::Partial` naming them, so the outbox keeps them.

use std::future::Future;

use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
use aws_sdk_eventbridge::primitives::DateTime as AwsDateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use leadflow::domain::{DomainEvent, DomainEventKind};
use leadflow::ports::{BoxError, PublishError, Publisher};

use crate::batch_retry::{send_until_accepted, BatchFailure, EntryRetry};

/// The `source` of every leadflow event on the bus (the rules match on it).
pub const EVENT_SOURCE: &str = "leadflow";
/// The kinds some rule of `template.yaml` routes off the bus (to the route and notify
/// queues): the only ones worth an outbox item and an EventBridge entry. A test holds the
/// template's rules to this list.
pub const ROUTED_EVENT_KINDS: &[DomainEventKind] = &[
    DomainEventKind::LeadQualified,
    DomainEventKind::LeadAssigned,
    DomainEventKind::LeadReassigned,
    DomainEventKind::FollowUpMissed,
    DomainEventKind::SlaBreached,
    DomainEventKind::SlaEscalated,
];

/// The most entries one `PutEvents` takes.
pub const PUT_EVENTS_BATCH: usize = 10;

/// The `PutEvents` call, behind a trait so that tests can make EventBridge refuse entries
/// (the emulator never refuses a well-formed entry on its own).
pub trait PutEventsApi: Send + Sync {
    fn put_events(
        &self,
        entries: Vec<PutEventsRequestEntry>,
    ) -> impl Future<Output = Result<PutEventsOutput, BoxError>> + Send;
}

impl PutEventsApi for aws_sdk_eventbridge::Client {
    async fn put_events(
        &self,
        entries: Vec<PutEventsRequestEntry>,
    ) -> Result<PutEventsOutput, BoxError> {
        aws_sdk_eventbridge::Client::put_events(self)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string().into())
    }
}

/// The entry of `event` for `bus`.
pub fn entry(event: &DomainEvent, bus: &str) -> Result<PutEventsRequestEntry, serde_json::Error> {
    Ok(PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(EVENT_SOURCE)
        .detail_type(event.kind.name())
        .detail(serde_json::to_string(event)?)
        .time(AwsDateTime::from_millis(
            event.occurred_at.timestamp_millis(),
        ))
        .build())
}

/// The index and reason of each entry the output says was refused.
pub fn refused_entries(output: &PutEventsOutput) -> Vec<(usize, String)> {
    if output.failed_entry_count() == 0 {
        return Vec::new();
    }
    output
        .entries()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let code = e.error_code()?;
            Some((i, format!("{code}: {}", e.error_message().unwrap_or(""))))
        })
        .collect()
}

pub struct EventBridgePublisher<A = aws_sdk_eventbridge::Client> {
    api: A,
    bus: String,
    retry: EntryRetry,
}

impl<A: PutEventsApi> EventBridgePublisher<A> {
    pub fn new(api: A, bus: impl Into<String>) -> Self {
        EventBridgePublisher {
            api,
            bus: bus.into(),
            retry: EntryRetry::default(),
        }
    }

    pub fn with_retry(mut self, retry: EntryRetry) -> Self {
        self.retry = retry;
        self
    }

    pub fn bus(&self) -> &str {
        &self.bus
    }

    pub fn api(&self) -> &A {
        &self.api
    }

    async fn put(
        &self,
        entries: Vec<(String, PutEventsRequestEntry)>,
    ) -> Result<Vec<(usize, String)>, BoxError> {
        let output = self
            .api
            .put_events(entries.into_iter().map(|(_, e)| e).collect())
            .await?;
        Ok(refused_entries(&output))
    }
}

impl<A: PutEventsApi> Publisher for EventBridgePublisher<A> {
    async fn publish(&self, events: &[DomainEvent]) -> Result<(), PublishError> {
        let mut unpublished: Vec<String> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        for (n, chunk) in events.chunks(PUT_EVENTS_BATCH).enumerate() {
            let mut entries = Vec::with_capacity(chunk.len());
            for event in chunk {
                match entry(event, &self.bus) {
                    Ok(e) => entries.push((event.event_id.clone(), e)),
                    Err(e) => {
                        unpublished.push(event.event_id.clone());
                        reasons.push(format!("{}: detail not encodable: {e}", event.event_id));
                    }
                }
            }
            match send_until_accepted(entries, self.retry, |batch| self.put(batch)).await {
                Ok(()) => {}
                Err(BatchFailure::Refused { entries, reason }) => {
                    unpublished.extend(entries.into_iter().map(|(id, _)| id));
                    reasons.push(reason);
                }
                Err(BatchFailure::Call(source)) => {
                    // The call failed whole: this chunk and the rest are not published.
                    let rest = events[n * PUT_EVENTS_BATCH..]
                        .iter()
                        .map(|e| e.event_id.clone());
                    if n == 0 && unpublished.is_empty() {
                        return Err(PublishError::Backend(
                            format!("PutEvents to bus {}: {source}", self.bus).into(),
                        ));
                    }
                    for id in rest {
                        if !unpublished.contains(&id) {
                            unpublished.push(id);
                        }
                    }
                    reasons.push(format!("PutEvents to bus {}: {source}", self.bus));
                    break;
                }
            }
        }
        if unpublished.is_empty() {
            Ok(())
        } else {
            Err(PublishError::Partial {
                failed: unpublished,
                reason: reasons.join("; "),
            })
        }
    }
}
