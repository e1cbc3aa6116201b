//! A lead's state: who it is, what it has done (as decaying engagement), its current score,
//! status, owner and SLA clock. History and domain events are outputs of the use cases, not
//! part of this state, so that the state stays small enough for one store item.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::attributes::{AttrValue, Attributes, FieldValue};
use super::identity;
use super::rep::RepId;
use super::status::Status;
use super::tier::Tier;
use crate::sla::SlaClock;

pub type LeadId = String;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: LeadId,
    pub email: Option<String>,
    #[serde(default)]
    pub external_ids: Vec<String>,
    #[serde(default)]
    pub attributes: Attributes,
    /// When each attribute's value was observed: an older event never overwrites a newer value.
    #[serde(default)]
    pub attribute_times: BTreeMap<String, DateTime<Utc>>,
    pub status: Status,
    pub tier: Tier,
    /// Whether the lead currently counts as marketing-qualified (with hysteresis).
    #[serde(default)]
    pub mql: bool,
    #[serde(default)]
    pub engagement: EngagementState,
    pub score: Score,
    #[serde(default)]
    pub owner: Option<Owner>,
    /// Every rep who owned this lead before the current owner, oldest first.
    #[serde(default)]
    pub previous_owners: Vec<RepId>,
    #[serde(default)]
    pub sla: Option<SlaClock>,
    #[serde(default)]
    pub disqualify_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The latest event or disposition: what `decay.recycle_after` measures from.
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub recycled_at: Option<DateTime<Utc>>,
    /// When the decaying score will next fall below a bound that demotes the lead. The decay
    /// job's due time is this or the recycle time, whichever is first
    /// (`lifecycle::activity::decay_due_at`).
    #[serde(default)]
    pub next_crossing_at: Option<DateTime<Utc>>,
    /// A qualified lead nobody could take waits in the fallback queue; routing tries again then.
    #[serde(default)]
    pub route_retry_at: Option<DateTime<Utc>>,
    /// Since when it has been waiting for an owner (retries back off as the wait grows).
    #[serde(default)]
    pub waiting_since: Option<DateTime<Utc>>,
    /// Optimistic-locking version: each stored write increments it.
    #[serde(default)]
    pub version: u64,
}

impl Lead {
    /// A lead seen for the first time, before any scoring.
    pub fn new(
        id: LeadId,
        email: Option<String>,
        external_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Lead {
            id,
            email,
            external_ids: external_id.into_iter().collect(),
            attributes: Attributes::new(),
            attribute_times: BTreeMap::new(),
            status: Status::New,
            tier: Tier::D,
            mql: false,
            engagement: EngagementState::default(),
            score: Score::empty(now),
            owner: None,
            previous_owners: Vec::new(),
            sla: None,
            disqualify_reason: None,
            created_at: now,
            last_activity_at: None,
            recycled_at: None,
            next_crossing_at: None,
            route_retry_at: None,
            waiting_since: None,
            version: 0,
        }
    }

    /// A field as rules see it: `email` and `email_domain` are derived, the rest are attributes.
    pub fn field(&self, name: &str) -> Option<AttrValue> {
        match name {
            "email" => self.email.clone().map(AttrValue::Text),
            "email_domain" => self
                .email
                .as_deref()
                .and_then(identity::email_domain)
                .map(|d| AttrValue::Text(d.to_string())),
            _ => self.attributes.get(name).cloned(),
        }
    }

    /// `field` without copying: what scoring rules read.
    pub fn field_value(&self, name: &str) -> Option<FieldValue<'_>> {
        match name {
            "email" => self.email.as_deref().map(FieldValue::Text),
            "email_domain" => self
                .email
                .as_deref()
                .and_then(identity::email_domain)
                .map(FieldValue::Text),
            _ => self.attributes.get(name).map(AttrValue::as_field),
        }
    }

    /// The company domain used for account matching, lower-cased.
    pub fn company_domain(&self) -> Option<String> {
        self.attributes
            .get("company_domain")
            .map(|v| v.to_string().trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
    }

    pub fn owner_id(&self) -> Option<&str> {
        self.owner.as_ref().map(|o| o.rep_id.as_str())
    }

    /// Merge an event's attributes observed at `at`: a value replaces the stored one only when
    /// it is at least as recent, so events applied in any order leave the same attributes.
    /// (Two different values at the same instant: the larger string wins, for the same reason.)
    pub fn merge_attributes(&mut self, incoming: &Attributes, at: DateTime<Utc>) {
        for (key, value) in incoming {
            let newer = match self.attribute_times.get(key) {
                None => true,
                Some(seen) if at > *seen => true,
                Some(seen) if at == *seen => self
                    .attributes
                    .get(key)
                    .is_none_or(|old| value.to_string() >= old.to_string()),
                Some(_) => false,
            };
            if newer {
                self.attributes.insert(key.clone(), value.clone());
                self.attribute_times.insert(key.clone(), at);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub rep_id: RepId,
    pub assigned_at: DateTime<Utc>,
}

/// The decaying engagement of one lead, one accumulator per signal type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngagementState {
    pub signals: BTreeMap<String, SignalState>,
}

/// Σ points·2^(-(as_of - occurred)/half_life) over every event of one type, as of `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalState {
    pub value: f64,
    pub as_of: DateTime<Utc>,
    /// Events of this type seen, however old (negative signal rules trigger on it).
    pub count: u32,
    pub last_at: DateTime<Utc>,
}

/// Where a contribution to the score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Fit,
    Engagement,
    Negative,
    Model,
}

/// One line of a score's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub source: Source,
    pub rule: String,
    pub points: f64,
    /// Set on a disqualifying rule: the reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualify: Option<String>,
    /// Set on a model feature's line (0 points): its share of the model's log-odds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_odds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Within 0–100.
    pub total: f64,
    /// The fit points counted, after `fit.max`.
    pub fit: f64,
    /// The engagement points counted, after caps and `engagement.max`.
    pub engagement: f64,
    /// Penalties (zero or less).
    pub negative: f64,
    /// The model's share, `weight * probability * 100` (0 without a model). Fit, engagement
    /// and negative are then the rules' points already scaled by `1 - weight`.
    #[serde(default)]
    pub model: f64,
    pub model_version: String,
    pub computed_at: DateTime<Utc>,
    /// Every contribution; the points add up to the total before clamping.
    pub explanation: Vec<Contribution>,
}

impl Score {
    pub fn empty(now: DateTime<Utc>) -> Self {
        Score {
            total: 0.0,
            fit: 0.0,
            engagement: 0.0,
            negative: 0.0,
            model: 0.0,
            model_version: String::new(),
            computed_at: now,
            explanation: Vec::new(),
        }
    }
}
