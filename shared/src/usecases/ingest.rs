//! Ingest: resolve each validated inbound event to its lead and durably accept it onto the
//! score queue; an event id seen before is acknowledged as a duplicate and changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::UseCaseError;
use crate::domain::identity::{self, KnownLead};
use crate::domain::{Attributes, LeadId};
use crate::ports::{Acceptance, Intake, LeadStore, ScoreJob};

/// One inbound event, already validated by the API (normalised email, typed attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEvent {
    pub id: String,
    /// `identify` or a signal name.
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub attributes: Attributes,
    pub properties: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    pub accepted: usize,
    pub duplicates: usize,
    /// (event id, lead id), in the order of the request.
    pub leads: Vec<(String, LeadId)>,
}

pub async fn ingest<S: LeadStore + Intake>(
    store: &S,
    events: Vec<InboundEvent>,
    now: DateTime<Utc>,
) -> Result<IngestReport, UseCaseError> {
    // Leads this batch already resolved, so that a later event in the same request finds a
    // lead an earlier one created.
    let mut by_email: HashMap<String, KnownLead> = HashMap::new();
    let mut by_external: HashMap<String, KnownLead> = HashMap::new();
    let mut jobs = Vec::with_capacity(events.len());
    for ev in events {
        let email_lead = match &ev.email {
            Some(e) => match by_email.get(e) {
                Some(k) => Some(k.clone()),
                None => store.lead_by_email(e).await?,
            },
            None => None,
        };
        let external_lead = match &ev.external_id {
            Some(x) => match by_external.get(x) {
                Some(k) => Some(k.clone()),
                None => store.lead_by_external_id(x).await?,
            },
            None => None,
        };
        let resolution = identity::resolve(
            ev.email.as_deref(),
            ev.external_id.as_deref(),
            email_lead.as_ref(),
            external_lead.as_ref(),
        )
        .expect("the API refuses events with neither email nor external_id");
        let known = KnownLead {
            id: resolution.lead_id.clone(),
            email: ev.email.clone().or(email_lead.and_then(|k| k.email)),
        };
        if let Some(e) = &ev.email {
            by_email.entry(e.clone()).or_insert_with(|| known.clone());
        }
        if let Some(x) = &ev.external_id {
            if resolution.conflict.is_none() {
                by_external
                    .entry(x.clone())
                    .or_insert_with(|| known.clone());
            }
        }
        jobs.push(ScoreJob {
            event_id: ev.id,
            lead_id: resolution.lead_id,
            event_type: ev.event_type,
            occurred_at: ev.occurred_at,
            received_at: now,
            email: ev.email,
            // An external id already linked to another lead is not moved.
            external_id: ev.external_id.filter(|_| resolution.conflict.is_none()),
            attributes: ev.attributes,
            properties: ev.properties,
        });
    }
    let leads: Vec<(String, LeadId)> = jobs
        .iter()
        .map(|j| (j.event_id.clone(), j.lead_id.clone()))
        .collect();
    let acceptance = store.accept(jobs).await?;
    let duplicates = acceptance
        .iter()
        .filter(|a| **a == Acceptance::Duplicate)
        .count();
    Ok(IngestReport {
        accepted: acceptance.len() - duplicates,
        duplicates,
        leads,
    })
}
