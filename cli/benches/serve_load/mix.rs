//! The realistic mix: the people of `leadflow demo`'s scenario (seed 7), as they behave there
//! — anonymous page views, an `identify` with their form's attributes, then sessions of page
//! views, email opens and clicks, downloads, webinars, pricing views and the odd demo request —
//! replayed in the scenario's order with weeks compressed into seconds. About 11 events per
//! lead; a minority qualify (score ≥ 60) and are routed, the rest stay in nurture or are
//! disqualified (students, job seekers, competitors).

use std::collections::HashMap;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use leadflow::domain::AttrValue;
use leadflow::usecases::ingest::InboundEvent;
use leadflow_demo::{Scenario, ScenarioParams};
use serde_json::{json, Map, Value};

/// The demo's seed: the same people every run.
const SEED: u64 = 7;
/// The scenario's weeks; the volume per week is sized to the events wanted.
const WEEKS: u32 = 4;
/// Fewer events per lead than the demo's scenario has (≈10.5), so that it has enough.
const EVENTS_PER_LEAD: f64 = 9.0;

/// At least `n` of the scenario's events, in its time order (the first `n`).
pub fn scenario_events(n: usize) -> Vec<InboundEvent> {
    let config = leadflow::config::Config::default();
    let leads = (n as f64 / EVENTS_PER_LEAD).ceil() as u32 + 1;
    let params = ScenarioParams {
        weeks: WEEKS,
        leads_per_week: leads.div_ceil(WEEKS).max(1),
    };
    let start: DateTime<Utc> = "2026-01-05T00:00:00Z".parse().expect("a start date");
    let mut events = Scenario::generate_with(SEED, params, start, &config).events;
    events.truncate(n);
    events
}

/// The event as `POST /v1/events` takes it, happening at `at` (the moment it is sent: the
/// scenario's weeks are compressed, so nothing decays between a lead's events).
pub fn event_json(event: &InboundEvent, at: &str) -> Value {
    let mut lead = Map::new();
    if let Some(email) = &event.email {
        lead.insert("email".into(), json!(email));
    }
    if let Some(x) = &event.external_id {
        lead.insert("external_id".into(), json!(x));
    }
    for (key, value) in &event.attributes {
        let value = match value {
            AttrValue::Text(t) => json!(t),
            // company_size must be an integer.
            AttrValue::Number(n) if n.fract() == 0.0 => json!(*n as i64),
            AttrValue::Number(n) => json!(n),
        };
        lead.insert(key.clone(), value);
    }
    json!({"id": event.id, "type": event.event_type, "occurred_at": at,
           "lead": lead, "properties": event.properties})
}

/// The event that made a lead an MQL: the last `event` entry of its history before the first
/// `scored` entry at or above `threshold`.
pub fn qualifying_event(lead: &Value, threshold: f64) -> Option<String> {
    let mut last_event = None;
    for entry in lead["history"].as_array()? {
        match entry["kind"].as_str()? {
            "event" => last_event = entry["detail"]["event_id"].as_str().map(str::to_string),
            "scored" if entry["detail"]["total"].as_f64()? >= threshold => return last_event,
            _ => {}
        }
    }
    None
}

/// Send → owner latency (ms) of each routed lead, from the send time of the event that
/// qualified it to its `owner.assigned_at`.
pub fn qualified_latencies(
    routed: &[Value],
    sent_at: &HashMap<String, SystemTime>,
    threshold: f64,
) -> Vec<f64> {
    routed
        .iter()
        .filter_map(|lead| {
            let event = qualifying_event(lead, threshold)?;
            let sent: DateTime<Utc> = (*sent_at.get(&event)?).into();
            let owned: DateTime<Utc> = lead["owner"]["assigned_at"].as_str()?.parse().ok()?;
            Some((owned - sent).num_microseconds()? as f64 / 1000.0)
        })
        .collect()
}
