//! The ports: what the use cases need from the outside world, as narrow traits. Adapters
//! implement them — memory (tests), SQLite (`leadflow serve`), DynamoDB/SQS/EventBridge (AWS).
//! Futures are `Send` so that any runtime can drive them from any thread.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::AlertKind;
use crate::domain::identity::KnownLead;
use crate::domain::{
    Attributes, DomainEvent, HistoryEntry, Lead, LeadId, Rep, RepId, Status, Tier,
};
use crate::routing::{PoolStates, PoolUpdate, RepLoad};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The lead was written by someone else since it was read: read again and retry.
    #[error("lead {lead_id} changed since it was read (expected version {expected:?})")]
    Conflict {
        lead_id: LeadId,
        expected: Option<u64>,
    },
    /// The team's rotation moved since it was read: read again and retry.
    #[error("the rotation of team {team} moved since it was read")]
    PoolConflict { team: String },
    /// The event this write applies was applied before: nothing to do.
    #[error("event {0} was already applied")]
    AlreadyApplied(String),
    /// A listing cursor this store never issued: the caller's mistake, not a failure.
    #[error("cursor {0:?} was not issued by this store")]
    InvalidCursor(String),
    #[error("storage failed: {0}")]
    Backend(#[source] BoxError),
}

impl StoreError {
    pub fn backend(e: impl Into<BoxError>) -> Self {
        StoreError::Backend(e.into())
    }

    /// Whether reading again and retrying can succeed.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            StoreError::Conflict { .. } | StoreError::PoolConflict { .. }
        )
    }
}

/// When each scheduled job must next look at a lead; the stores index leads by these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueTimes {
    pub sla: Option<DateTime<Utc>>,
    pub decay: Option<DateTime<Utc>>,
    /// A qualified lead that waits in the fallback queue is routed again at this time.
    pub route: Option<DateTime<Utc>>,
}

/// The scheduled jobs that read leads by due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    Sla,
    Decay,
    Route,
}

/// Everything one change of a lead writes, atomically: the lead (if its stored version is
/// still `expected_version`), its new history, the domain events it causes (an outbox, so
/// that publishing after the write cannot be lost), identity links, rep load changes, the
/// rotation move and the account owner.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadWrite {
    /// The lead as it must be stored; its `version` is `expected_version + 1` (or 1).
    pub lead: Lead,
    /// `None`: the lead must not exist yet.
    pub expected_version: Option<u64>,
    pub history: Vec<HistoryEntry>,
    pub events: Vec<DomainEvent>,
    /// Refuse the write with `AlreadyApplied` if this event was applied to the lead before.
    pub applied_event: Option<String>,
    pub link_email: Option<String>,
    pub link_external_id: Option<String>,
    /// Open-lead count changes: +1 for a new owner, -1 when a lead leaves a rep.
    pub rep_load: Vec<(RepId, i32)>,
    /// The rotation move, applied only if the pool is still where the decision saw it.
    pub pool: Option<PoolUpdate>,
    /// `company_domain` => rep: who owns the account from now on.
    pub account_owner: Option<(String, RepId)>,
    pub due: DueTimes,
}

impl LeadWrite {
    /// A write of `lead` over the version it was read at; bumps the version.
    pub fn over(mut lead: Lead, due: DueTimes) -> Self {
        let expected_version = if lead.version == 0 {
            None
        } else {
            Some(lead.version)
        };
        lead.version += 1;
        LeadWrite {
            lead,
            expected_version,
            history: Vec::new(),
            events: Vec::new(),
            applied_event: None,
            link_email: None,
            link_external_id: None,
            rep_load: Vec::new(),
            pool: None,
            account_owner: None,
            due,
        }
    }
}

/// Filters and paging of `GET /v1/leads`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadQuery {
    pub status: Option<Status>,
    pub tier: Option<Tier>,
    pub owner: Option<RepId>,
    pub limit: usize,
    /// Opaque: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadPage {
    pub leads: Vec<Lead>,
    pub next_cursor: Option<String>,
}

pub trait LeadStore: Send + Sync {
    fn lead(&self, id: &str) -> impl Future<Output = Result<Option<Lead>, StoreError>> + Send;
    fn lead_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<KnownLead>, StoreError>> + Send;
    fn lead_by_external_id(
        &self,
        external_id: &str,
    ) -> impl Future<Output = Result<Option<KnownLead>, StoreError>> + Send;
    /// Apply a `LeadWrite` atomically, or nothing of it.
    fn write_lead(&self, write: LeadWrite) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A lead's history, oldest first.
    fn history(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<HistoryEntry>, StoreError>> + Send;
    fn list_leads(
        &self,
        query: &LeadQuery,
    ) -> impl Future<Output = Result<LeadPage, StoreError>> + Send;
    /// Leads whose `kind` due time is at or before `now`, earliest first.
    fn due(
        &self,
        kind: DueKind,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<LeadId>, StoreError>> + Send;
}

pub trait RepStore: Send + Sync {
    /// Every rep with the number of open leads they hold.
    fn reps(&self) -> impl Future<Output = Result<Vec<RepLoad>, StoreError>> + Send;
    /// Create or replace a rep (its open-lead count is kept).
    fn put_rep(&self, rep: Rep) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every team's rotation state.
    fn pools(&self) -> impl Future<Output = Result<PoolStates, StoreError>> + Send;
    /// Who owns the account of a company domain.
    fn account_owner(
        &self,
        company_domain: &str,
    ) -> impl Future<Output = Result<Option<RepId>, StoreError>> + Send;
}

/// A message on the score queue: one accepted inbound event, with the lead it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreJob {
    pub event_id: String,
    pub lead_id: LeadId,
    /// `identify`, or the signal's name.
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// Whether an inbound event was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    Accepted,
    Duplicate,
}

/// Durable acceptance of inbound events: once `accept` returns, each new event is on the score
/// queue and will be processed even if the process dies; an id seen before is a duplicate.
pub trait Intake: Send + Sync {
    fn accept(
        &self,
        jobs: Vec<ScoreJob>,
    ) -> impl Future<Output = Result<Vec<Acceptance>, StoreError>> + Send;
}

/// Domain events waiting to be published (written with the change that caused them).
pub trait Outbox: Send + Sync {
    fn pending(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DomainEvent>, StoreError>> + Send;
    fn mark_published(
        &self,
        event_ids: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Some entries were refused: these must be retried.
    #[error("{} of the events were not published: {reason}", failed.len())]
    Partial { failed: Vec<String>, reason: String },
    #[error("publishing failed: {0}")]
    Backend(#[source] BoxError),
}

/// The event bus.
pub trait Publisher: Send + Sync {
    fn publish(
        &self,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// An alert for a person: who it is for and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The domain event it comes from: a notifier sends each event at most once.
    pub event_id: String,
    pub kind: AlertKind,
    pub lead_id: LeadId,
    pub rep_id: Option<RepId>,
    pub rep_name: Option<String>,
    pub rep_email: Option<String>,
    pub slack_user: Option<String>,
    pub manager_email: Option<String>,
    pub tier: Tier,
    pub score: f64,
    /// One line for a chat message or an email subject.
    pub title: String,
    /// A few lines of detail.
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Worth retrying later (network, 5xx, rate limit).
    #[error("alert not delivered, will retry: {0}")]
    Transient(#[source] BoxError),
    /// Retrying cannot help (bad URL, 4xx other than 429).
    #[error("alert refused: {0}")]
    Permanent(#[source] BoxError),
}

pub trait Notifier: Send + Sync {
    fn send(&self, alert: &Alert) -> impl Future<Output = Result<(), NotifyError>> + Send;
}

/// Remembers which deliveries were done, so a redelivered event is not alerted twice. A crash
/// between sending and recording can still send twice; recording first could lose the alert.
pub trait DeliveryLog: Send + Sync {
    fn is_delivered(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn record_delivered(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}
