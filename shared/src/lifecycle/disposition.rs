//! Dispositions: what a rep reports about a lead they own (`POST /v1/leads/{id}/dispositions`).
//!
//! [`apply_disposition`] checks a disposition against the lead and the config and returns the
//! lead after it, the history it adds, and the figures metrics need. Invalid input (a 400) and a
//! disposition that conflicts with the lead's state (a 409) are told apart by
//! [`DispositionError::kind`].

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::config::model::{DispositionsConfig, SlaConfig};
use crate::domain::history::{HistoryEntry, HistoryKind};
use crate::domain::limits::{self, MAX_ID_CHARS, MAX_NOTE_CHARS, MAX_REASON_CHARS};
use crate::domain::{DomainEvent, DomainEventKind, Lead, RepId, Status, Tier};
use crate::sla;

/// How far ahead of `now` an `occurred_at` may be: clients' clocks drift a little.
pub const FUTURE_TOLERANCE: TimeDelta = TimeDelta::minutes(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Contacted,
    MeetingBooked,
    Qualified,
    Disqualified,
    Recycled,
    Won,
    Lost,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Contacted,
        Outcome::MeetingBooked,
        Outcome::Qualified,
        Outcome::Disqualified,
        Outcome::Recycled,
        Outcome::Won,
        Outcome::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Contacted => "contacted",
            Outcome::MeetingBooked => "meeting_booked",
            Outcome::Qualified => "qualified",
            Outcome::Disqualified => "disqualified",
            Outcome::Recycled => "recycled",
            Outcome::Won => "won",
            Outcome::Lost => "lost",
        }
    }

    /// The reason codes this outcome must pick from; `None` when it takes no reason.
    pub fn reasons(self, config: &DispositionsConfig) -> Option<&[String]> {
        match self {
            Outcome::Disqualified => Some(&config.disqualify_reasons),
            Outcome::Recycled => Some(&config.recycle_reasons),
            Outcome::Lost => Some(&config.lost_reasons),
            _ => None,
        }
    }

    /// Whether the outcome may carry an amount (pipeline or revenue).
    pub fn takes_amount(self) -> bool {
        matches!(self, Outcome::Qualified | Outcome::Won | Outcome::Lost)
    }

    /// The lead's status after this outcome, from `from`; `None` when it makes no sense there.
    /// A contact or a meeting on a lead already contacted or qualified is a further touch: the
    /// status stays.
    pub fn next_status(self, from: Status) -> Option<Status> {
        if !from.is_owned() {
            return None;
        }
        let to = match self {
            Outcome::Contacted | Outcome::MeetingBooked => match from {
                Status::Contacted | Status::Qualified => return Some(from),
                _ => Status::Contacted,
            },
            Outcome::Qualified => Status::Qualified,
            Outcome::Disqualified => Status::Disqualified,
            Outcome::Recycled => Status::Recycled,
            Outcome::Won => Status::Won,
            Outcome::Lost => Status::Lost,
        };
        from.can_become(to).then_some(to)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
                format!("{s:?} is not an outcome; use one of {}", names.join(", "))
            })
    }
}

/// The body of `POST /v1/leads/{lead_id}/dispositions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposition {
    pub outcome: Outcome,
    pub rep_id: RepId,
    /// When it happened; the time it is recorded when absent.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub amount: Option<f64>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Disposition {
    pub fn new(outcome: Outcome, rep_id: &str, occurred_at: DateTime<Utc>) -> Self {
        Disposition {
            outcome,
            rep_id: rep_id.to_string(),
            occurred_at: Some(occurred_at),
            reason: None,
            amount: None,
            note: None,
        }
    }

    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_string());
        self
    }

    pub fn with_amount(mut self, amount: f64) -> Self {
        self.amount = Some(amount);
        self
    }
}

/// Whether an error is the caller's input (400) or a clash with the lead's state (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    Conflict,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispositionError {
    #[error("`reason` is required for outcome `{outcome}`; use one of {}", allowed.join(", "))]
    MissingReason {
        outcome: Outcome,
        allowed: Vec<String>,
    },
    #[error(
        "`reason` {reason:?} is not a reason for outcome `{outcome}`; use one of {}",
        allowed.join(", ")
    )]
    InvalidReason {
        outcome: Outcome,
        reason: String,
        allowed: Vec<String>,
    },
    #[error("`{field}` is not taken by outcome `{outcome}`")]
    FieldNotTaken {
        field: &'static str,
        outcome: Outcome,
    },
    #[error("`amount` must be a finite number, zero or more (got {amount})")]
    InvalidAmount { amount: f64 },
    #[error("`occurred_at` {occurred_at} is before the lead was assigned ({assigned_at})")]
    BeforeAssignment {
        occurred_at: DateTime<Utc>,
        assigned_at: DateTime<Utc>,
    },
    #[error("`occurred_at` {occurred_at} is in the future (now is {now})")]
    InFuture {
        occurred_at: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    #[error("`{field}` is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("`occurred_at` {0}")]
    TimeOutOfRange(String),
    #[error("the lead has no owner: no disposition can be recorded on it")]
    NoOwner,
    #[error("`rep_id` {rep_id:?} does not own the lead; its owner is {owner:?}")]
    NotOwner { rep_id: RepId, owner: RepId },
    #[error("outcome `{outcome}` is not allowed on a lead in status `{status}`")]
    NotAllowed { outcome: Outcome, status: Status },
}

impl DispositionError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            DispositionError::NoOwner
            | DispositionError::NotOwner { .. }
            | DispositionError::NotAllowed { .. } => ErrorKind::Conflict,
            _ => ErrorKind::Invalid,
        }
    }

    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            DispositionError::MissingReason { .. } | DispositionError::InvalidReason { .. } => {
                "reason"
            }
            DispositionError::FieldNotTaken { field, .. } => field,
            DispositionError::InvalidAmount { .. } => "amount",
            DispositionError::TooLong { field, .. } => field,
            DispositionError::BeforeAssignment { .. }
            | DispositionError::InFuture { .. }
            | DispositionError::TimeOutOfRange(_) => "occurred_at",
            DispositionError::NoOwner | DispositionError::NotAllowed { .. } => "outcome",
            DispositionError::NotOwner { .. } => "rep_id",
        }
    }
}

/// A disposition applied: the lead after it and what it tells the rest of the system.
#[derive(Debug, Clone, PartialEq)]
pub struct DispositionOutcome {
    pub lead: Lead,
    /// In order: `disposition`, then `recycled` or `disqualified` (and `tier_changed`).
    pub history: Vec<HistoryEntry>,
    /// The status before the disposition.
    pub previous_status: Status,
    /// When it happened (`now` when the request gave no `occurred_at`).
    pub occurred_at: DateTime<Utc>,
    /// The reason code, trimmed; `None` when the outcome takes none.
    pub reason: Option<String>,
    /// Set when this disposition stopped the first-response clock.
    pub response_time: Option<TimeDelta>,
    /// Pipeline (qualified) or revenue (won, lost) amount.
    pub amount: Option<f64>,
    /// `DispositionRecorded`, then `LeadRecycled` or `LeadDisqualified` when it did that.
    pub events: Vec<DomainEvent>,
}

/// Check `disposition` against `lead` and the config, and return the lead after it.
pub fn apply_disposition(
    lead: &Lead,
    disposition: &Disposition,
    reasons: &DispositionsConfig,
    sla_config: &SlaConfig,
    now: DateTime<Utc>,
) -> Result<DispositionOutcome, DispositionError> {
    check_limits(disposition)?;
    let outcome = disposition.outcome;
    let reason = checked_reason(outcome, disposition.reason.as_deref(), reasons)?;
    let amount = checked_amount(outcome, disposition.amount)?;

    let from = lead.status;
    if from.is_terminal() {
        return Err(DispositionError::NotAllowed {
            outcome,
            status: from,
        });
    }
    let owner = lead.owner.as_ref().ok_or(DispositionError::NoOwner)?;
    if owner.rep_id != disposition.rep_id {
        return Err(DispositionError::NotOwner {
            rep_id: disposition.rep_id.clone(),
            owner: owner.rep_id.clone(),
        });
    }
    let to = outcome
        .next_status(from)
        .ok_or(DispositionError::NotAllowed {
            outcome,
            status: from,
        })?;

    let at = disposition.occurred_at.unwrap_or(now);
    if at < owner.assigned_at {
        return Err(DispositionError::BeforeAssignment {
            occurred_at: at,
            assigned_at: owner.assigned_at,
        });
    }
    if at > now + FUTURE_TOLERANCE {
        return Err(DispositionError::InFuture {
            occurred_at: at,
            now,
        });
    }

    let mut next = lead.clone();
    next.status = to;
    // A back-dated disposition must not make the lead look idle sooner.
    next.last_activity_at = Some(lead.last_activity_at.map_or(at, |last| last.max(at)));
    let response_time = update_clock(&mut next, to, at, sla_config);

    let mut detail = Map::new();
    detail.insert("outcome".into(), json!(outcome));
    detail.insert("rep_id".into(), json!(disposition.rep_id));
    detail.insert("from".into(), json!(from));
    detail.insert("to".into(), json!(to));
    insert_some(&mut detail, "reason", reason.as_ref().map(|r| json!(r)));
    insert_some(&mut detail, "amount", amount.map(|a| json!(a)));
    insert_some(
        &mut detail,
        "note",
        disposition.note.as_ref().map(|n| json!(n)),
    );
    insert_some(
        &mut detail,
        "response_seconds",
        response_time.map(|t| json!(t.num_seconds())),
    );
    let mut history = vec![HistoryEntry::new(
        at,
        HistoryKind::Disposition,
        Value::Object(detail),
    )];

    match outcome {
        Outcome::Recycled => {
            super::activity::recycle(&mut next, at);
            history.push(HistoryEntry::new(
                at,
                HistoryKind::Recycled,
                json!({"rep_id": owner.rep_id, "reason": reason}),
            ));
        }
        Outcome::Disqualified => {
            next.disqualify_reason = reason.clone();
            history.push(HistoryEntry::new(
                at,
                HistoryKind::Disqualified,
                json!({"rep_id": owner.rep_id, "reason": reason, "source": "disposition"}),
            ));
            // The contract: a disqualified lead is tier D.
            if lead.tier != Tier::D {
                next.tier = Tier::D;
                history.push(HistoryEntry::new(
                    at,
                    HistoryKind::TierChanged,
                    json!({"from": lead.tier, "to": Tier::D}),
                ));
            }
        }
        _ => {}
    }

    // The same disposition retried derives the same event ids.
    let cause = format!(
        "disposition:{}:{}:{}:{}",
        lead.id,
        outcome.as_str(),
        owner.rep_id,
        at.timestamp_millis()
    );
    let mut events = vec![DomainEvent::new(
        &cause,
        DomainEventKind::DispositionRecorded,
        &lead.id,
        at,
        history[0].detail(),
    )];
    let follow_up = match outcome {
        Outcome::Recycled => Some(DomainEventKind::LeadRecycled),
        Outcome::Disqualified => Some(DomainEventKind::LeadDisqualified),
        _ => None,
    };
    if let (Some(kind), Some(entry)) = (follow_up, history.get(1)) {
        events.push(DomainEvent::new(&cause, kind, &lead.id, at, entry.detail()));
    }

    Ok(DispositionOutcome {
        lead: next,
        history,
        previous_status: from,
        occurred_at: at,
        reason,
        response_time,
        amount,
        events,
    })
}

/// Record the response on the current owner's clock; close the clock when the lead leaves the
/// owned statuses. Returns the response time when this stopped the first-response clock.
fn update_clock(
    lead: &mut Lead,
    to: Status,
    at: DateTime<Utc>,
    sla_config: &SlaConfig,
) -> Option<TimeDelta> {
    let owner = lead.owner.as_ref().map(|o| o.rep_id.clone());
    let clock = lead.sla.as_mut()?;
    // A clock left from an earlier owner is not this rep's to answer.
    let response = if owner.as_deref() == Some(clock.rep_id.as_str()) {
        sla::record_response(clock, at, sla_config.follow_up.as_ref())
    } else {
        None
    };
    if !to.is_owned() {
        sla::apply(clock, sla::SlaAction::Close, at);
    }
    response
}

/// The domain's limits on what a rep may send: nothing longer is stored or echoed back.
fn check_limits(d: &Disposition) -> Result<(), DispositionError> {
    let texts = [
        ("rep_id", Some(d.rep_id.as_str()), MAX_ID_CHARS),
        ("reason", d.reason.as_deref(), MAX_REASON_CHARS),
        ("note", d.note.as_deref(), MAX_NOTE_CHARS),
    ];
    for (field, text, max) in texts {
        if text.is_some_and(|t| limits::check_chars(t, max).is_err()) {
            return Err(DispositionError::TooLong { field, max });
        }
    }
    if let Some(at) = d.occurred_at {
        limits::check_time(at).map_err(DispositionError::TimeOutOfRange)?;
    }
    Ok(())
}

fn checked_reason(
    outcome: Outcome,
    given: Option<&str>,
    config: &DispositionsConfig,
) -> Result<Option<String>, DispositionError> {
    let given = given.map(str::trim).filter(|r| !r.is_empty());
    let Some(allowed) = outcome.reasons(config) else {
        return match given {
            Some(_) => Err(DispositionError::FieldNotTaken {
                field: "reason",
                outcome,
            }),
            None => Ok(None),
        };
    };
    // No codes configured for this outcome: a reason is optional and free.
    if allowed.is_empty() {
        return Ok(given.map(str::to_string));
    }
    match given {
        None => Err(DispositionError::MissingReason {
            outcome,
            allowed: allowed.to_vec(),
        }),
        Some(r) if allowed.iter().any(|a| a == r) => Ok(Some(r.to_string())),
        Some(r) => Err(DispositionError::InvalidReason {
            outcome,
            reason: r.to_string(),
            allowed: allowed.to_vec(),
        }),
    }
}

fn checked_amount(outcome: Outcome, amount: Option<f64>) -> Result<Option<f64>, DispositionError> {
    match amount {
        None => Ok(None),
        Some(_) if !outcome.takes_amount() => Err(DispositionError::FieldNotTaken {
            field: "amount",
            outcome,
        }),
        Some(a) if a.is_finite() && a >= 0.0 => Ok(Some(a)),
        Some(a) => Err(DispositionError::InvalidAmount { amount: a }),
    }
}

fn insert_some(detail: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        detail.insert(key.to_string(), v);
    }
}
