//! The EventBridge envelope a rule delivers to an SQS target: the domain event is its `detail`
//! and its kind name the `detail-type`.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use leadflow::domain::DomainEvent;

use crate::eventbridge::EVENT_SOURCE;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EnvelopeError {
    #[error("the body is not an EventBridge envelope of a leadflow event: {0}")]
    Malformed(String),
    #[error("source {0:?} is not {EVENT_SOURCE:?}")]
    Source(String),
    #[error("detail-type {detail_type:?} does not match the event's kind {kind}")]
    KindMismatch { detail_type: String, kind: String },
}

/// The domain event in an SQS body holding an EventBridge envelope.
pub fn domain_event(body: &str) -> Result<DomainEvent, EnvelopeError> {
    let envelope: EventBridgeEvent<DomainEvent> =
        serde_json::from_str(body).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    if envelope.source != EVENT_SOURCE {
        return Err(EnvelopeError::Source(envelope.source));
    }
    let kind = envelope.detail.kind.name();
    if envelope.detail_type != kind {
        return Err(EnvelopeError::KindMismatch {
            detail_type: envelope.detail_type,
            kind: kind.to_string(),
        });
    }
    Ok(envelope.detail)
}
