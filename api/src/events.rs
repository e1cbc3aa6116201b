//! `POST /v1/events`: the whole request is validated first, every problem of every event listed
//! with its index and field; only a request without any problem is handed to ingest.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::{Config, NegativeTrigger};
use leadflow::domain::identity::normalize_email;
use leadflow::domain::limits::{self as domain_limits, MAX_TEXT_CHARS};
use leadflow::domain::{AttrValue, Attributes};
use leadflow::usecases::ingest::InboundEvent;
use serde_json::{Map, Value};

use crate::error::{ApiError, Detail};
use crate::limits;

/// Most events (or batch messages) one request may carry.
pub const MAX_EVENTS: usize = 500;
/// How far in the future an `occurred_at` may be.
pub const FUTURE_TOLERANCE: TimeDelta = TimeDelta::minutes(5);
pub use leadflow::domain::limits::MAX_ID_CHARS;

/// Whether `event_type` is `identify`, an engagement signal, or a negative rule's signal.
pub fn is_known_type(event_type: &str, config: &Config) -> bool {
    event_type == "identify"
        || config.scoring.engagement.signals.contains_key(event_type)
        || config
            .scoring
            .negative
            .iter()
            .any(|r| matches!(&r.trigger, NegativeTrigger::Signal(s) if s == event_type))
}

/// Every type `/v1/events` accepts, for the error message.
fn known_types(config: &Config) -> Vec<String> {
    let mut names = vec!["identify".to_string()];
    names.extend(config.scoring.engagement.signals.keys().cloned());
    for rule in &config.scoring.negative {
        if let NegativeTrigger::Signal(s) = &rule.trigger {
            if !names.contains(s) {
                names.push(s.clone());
            }
        }
    }
    names
}

/// The events of a valid request, in order, or a 400 listing every problem.
pub fn validate_request(
    body: &Value,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, ApiError> {
    let events = match body.get("events") {
        Some(Value::Array(events)) => events,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "events",
                "must be an array of events",
            ))
        }
        None => return Err(ApiError::invalid_field("events", "is required")),
    };
    if events.is_empty() {
        return Err(ApiError::invalid_field(
            "events",
            "must list at least one event",
        ));
    }
    if events.len() > MAX_EVENTS {
        return Err(ApiError::invalid_field(
            "events",
            format!(
                "lists {} events; a request may carry at most {MAX_EVENTS}",
                events.len()
            ),
        ));
    }
    let mut details = Vec::new();
    let mut valid = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let before = details.len();
        let parsed = validate_event(index, event, config, now, &mut details);
        if details.len() == before {
            valid.extend(parsed);
        }
    }
    if details.is_empty() {
        return Ok(valid);
    }
    let invalid: HashSet<usize> = details.iter().filter_map(|d| d.index).collect();
    let message = match invalid.len() {
        1 => "1 event is invalid".to_string(),
        n => format!("{n} events are invalid"),
    };
    Err(ApiError::invalid(message, details))
}

fn validate_event(
    index: usize,
    event: &Value,
    config: &Config,
    now: DateTime<Utc>,
    details: &mut Vec<Detail>,
) -> Option<InboundEvent> {
    let mut problem =
        |field: &str, message: String| details.push(Detail::at(index, field, message));
    let Some(obj) = event.as_object() else {
        problem("", "an event must be an object".into());
        return None;
    };

    let id = match obj.get("id") {
        Some(Value::String(s)) if (1..=MAX_ID_CHARS).contains(&s.chars().count()) => {
            Some(s.clone())
        }
        Some(Value::String(_)) => {
            problem("id", format!("must be 1 to {MAX_ID_CHARS} characters"));
            None
        }
        Some(_) => {
            problem("id", "must be a string".into());
            None
        }
        None => {
            problem("id", "is required".into());
            None
        }
    };

    let event_type = match obj.get("type") {
        Some(Value::String(t)) if is_known_type(t, config) => Some(t.clone()),
        // Not echoed: a type this long is no type, and the answer stays small.
        Some(Value::String(t)) if t.len() > MAX_ID_CHARS => {
            problem(
                "type",
                format!(
                    "is not a known event type; use one of {}",
                    known_types(config).join(", ")
                ),
            );
            None
        }
        Some(Value::String(t)) => {
            problem(
                "type",
                format!(
                    "{t:?} is not a known event type; use one of {}",
                    known_types(config).join(", ")
                ),
            );
            None
        }
        Some(_) => {
            problem("type", "must be a string".into());
            None
        }
        None => {
            problem("type", "is required".into());
            None
        }
    };

    let occurred_at = match obj.get("occurred_at") {
        Some(Value::String(s)) => match limits::time(s) {
            Ok(t) if t > now + FUTURE_TOLERANCE => {
                problem("occurred_at", "is more than 5 minutes in the future".into());
                None
            }
            Ok(t) => Some(t),
            Err(message) => {
                problem("occurred_at", message);
                None
            }
        },
        Some(_) => {
            problem("occurred_at", "must be a string (an RFC 3339 time)".into());
            None
        }
        None => {
            problem("occurred_at", "is required".into());
            None
        }
    };

    let lead = match obj.get("lead") {
        Some(Value::Object(lead)) => validate_lead(lead, &mut problem),
        Some(_) => {
            problem("lead", "must be an object".into());
            None
        }
        None => {
            problem(
                "lead",
                "is required (with an email or an external_id)".into(),
            );
            None
        }
    };

    let properties = match obj.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => {
            for (field, message) in limits::properties(p) {
                problem(&field, message);
            }
            p.clone()
        }
        Some(_) => {
            problem("properties", "must be an object".into());
            Map::new()
        }
    };

    let (email, external_id, attributes) = lead?;
    Some(InboundEvent {
        id: id?,
        event_type: event_type?,
        occurred_at: occurred_at?,
        email,
        external_id,
        attributes,
        properties,
    })
}

type LeadParts = (Option<String>, Option<String>, Attributes);

fn validate_lead(
    lead: &Map<String, Value>,
    problem: &mut impl FnMut(&str, String),
) -> Option<LeadParts> {
    let mut ok = true;
    let email = match lead.get("email") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => match normalize_email(raw) {
            Ok(e) => Some(e),
            Err(message) => {
                problem("lead.email", message);
                ok = false;
                None
            }
        },
        Some(_) => {
            problem("lead.email", "must be a string".into());
            ok = false;
            None
        }
    };
    let external_id = match lead.get("external_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(x)) if x.trim().chars().nth(MAX_ID_CHARS).is_some() => {
            problem(
                "lead.external_id",
                format!("must be 1 to {MAX_ID_CHARS} characters"),
            );
            ok = false;
            None
        }
        Some(Value::String(x)) if !x.trim().is_empty() => Some(x.trim().to_string()),
        Some(Value::String(_)) => {
            problem("lead.external_id", "must not be empty".into());
            ok = false;
            None
        }
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            problem("lead.external_id", "must be a string".into());
            ok = false;
            None
        }
    };
    if ok && email.is_none() && external_id.is_none() {
        problem("lead", "needs an email or an external_id".into());
        ok = false;
    }

    let given = lead
        .iter()
        .filter(|(k, v)| *k != "email" && *k != "external_id" && !v.is_null())
        .count();
    if let Err(message) = limits::attribute_count(given) {
        problem("lead", message);
        return None;
    }
    let mut attributes = Attributes::new();
    for (key, value) in lead {
        if key == "email" || key == "external_id" || value.is_null() {
            continue;
        }
        if let Err(message) = limits::key(key) {
            // The name itself is the problem: the field is the lead, not an unreadable path.
            problem("lead", message);
            ok = false;
            continue;
        }
        let field = format!("lead.{key}");
        match attribute(key, value) {
            Ok(Some(v)) => {
                attributes.insert(key.clone(), v);
            }
            Ok(None) => {}
            Err(message) => {
                problem(&field, message);
                ok = false;
            }
        }
    }
    ok.then_some((email, external_id, attributes))
}

/// One lead field as an attribute: typed ones checked, other strings (up to
/// `MAX_TEXT_CHARS`) and numbers kept. An empty string says nothing and is dropped.
pub fn attribute(key: &str, value: &Value) -> Result<Option<AttrValue>, String> {
    match key {
        "company_size" => company_size(value).map(Some),
        "country" => match value {
            Value::String(s) => country_code(s).map(|c| Some(AttrValue::Text(c))),
            _ => Err("must be an ISO 3166 alpha-2 code (a string such as \"US\")".into()),
        },
        _ => match value {
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => {
                let text = s.trim();
                domain_limits::check_chars(text, MAX_TEXT_CHARS)?;
                Ok(Some(AttrValue::Text(text.to_string())))
            }
            Value::Number(n) if is_typed_text(key) => {
                Err(format!("must be a string (got the number {n})"))
            }
            Value::Number(n) => n
                .as_f64()
                .map(|f| Some(AttrValue::Number(f)))
                .ok_or_else(|| "is not a representable number".to_string()),
            Value::Bool(_) => Err("must be a string or a number, not a boolean".into()),
            Value::Array(_) => Err("must be a string or a number, not an array".into()),
            Value::Object(_) => Err("must be a string or a number, not an object".into()),
            Value::Null => Ok(None),
        },
    }
}

/// The typed attributes other than `company_size` and `country` are text.
fn is_typed_text(key: &str) -> bool {
    leadflow::domain::attributes::TYPED_ATTRIBUTES.contains(&key)
}

fn company_size(value: &Value) -> Result<AttrValue, String> {
    let n = value
        .as_u64()
        .map(|n| n as f64)
        .or_else(|| value.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0));
    n.map(AttrValue::Number)
        .ok_or_else(|| "must be a non-negative whole number".to_string())
}

/// An ISO 3166-1 alpha-2 code, upper-cased; refused when it is not an assigned code.
pub fn country_code(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "{raw:?} is not an ISO 3166 alpha-2 code (two letters, e.g. \"US\")"
        ));
    }
    isocountry::CountryCode::for_alpha2(&code)
        .map(|_| code.clone())
        .map_err(|_| format!("{raw:?} is not an ISO 3166 alpha-2 country code"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    fn good_event(id: &str) -> Value {
        json!({"id": id, "type": "demo_request", "occurred_at": "2026-11-23T09:59:00Z",
               "lead": {"email": " Ana@Acme.io ", "external_id": "crm-123", "first_name": "Ana",
                        "company_size": 250, "country": "us", "region": "CA",
                        "score_hint": 7, "source": "webinar"},
               "properties": {"url": "/demo"}})
    }

    #[test]
    fn a_good_event_becomes_an_inbound_event() {
        let config = Config::default();
        let events =
            validate_request(&json!({"events": [good_event("e1")]}), &config, now()).unwrap();
        let e = &events[0];
        assert_eq!(e.email.as_deref(), Some("ana@acme.io"));
        assert_eq!(e.external_id.as_deref(), Some("crm-123"));
        assert_eq!(e.attributes["country"], AttrValue::Text("US".into()));
        assert_eq!(e.attributes["company_size"], AttrValue::Number(250.0));
        assert_eq!(e.attributes["score_hint"], AttrValue::Number(7.0));
        assert!(!e.attributes.contains_key("email"));
        assert_eq!(e.properties["url"], json!("/demo"));
    }

    #[test]
    fn every_problem_of_every_event_is_listed() {
        let config = Config::default();
        let body = json!({"events": [
            good_event("ok"),
            {"id": "", "type": "teleport", "occurred_at": "yesterday",
             "lead": {"email": "nope", "company_size": -3, "country": "XX",
                      "address": {"city": "Paris"}, "tags": ["a"], "vip": true, "title": 5},
             "properties": []},
            {"id": "x".repeat(129), "type": "identify", "occurred_at": "2026-11-23T10:06:00Z",
             "lead": {"first_name": "NoKey"}},
            {"occurred_at": "2026-11-23T10:00:00", "lead": "ana@acme.io"},
            "not an object"
        ]});
        let e = validate_request(&body, &config, now()).unwrap_err();
        assert_eq!(e.message, "4 events are invalid");
        let got: Vec<(usize, &str)> = e
            .details
            .iter()
            .map(|d| (d.index.unwrap(), d.field.as_str()))
            .collect();
        let want = vec![
            (1, "id"),
            (1, "type"),
            (1, "occurred_at"),
            (1, "lead.email"),
            (1, "lead.address"),
            (1, "lead.company_size"),
            (1, "lead.country"),
            (1, "lead.tags"),
            (1, "lead.title"),
            (1, "lead.vip"),
            (1, "properties"),
            (2, "id"),
            (2, "occurred_at"),
            (2, "lead"),
            (3, "id"),
            (3, "type"),
            (3, "occurred_at"),
            (3, "lead"),
            (4, ""),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn negative_signals_are_accepted_types() {
        let config = Config::default();
        assert!(is_known_type("careers_page_view", &config));
        assert!(is_known_type("identify", &config));
        assert!(is_known_type("page_view", &config));
        assert!(!is_known_type("Demo Requested", &config));
    }

    #[test]
    fn request_level_limits() {
        let config = Config::default();
        let many: Vec<Value> = (0..501).map(|i| good_event(&format!("e{i}"))).collect();
        let e = validate_request(&json!({"events": many}), &config, now()).unwrap_err();
        assert_eq!(e.details[0].field, "events");
        assert!(e.message.contains("500"));
        assert!(validate_request(&json!({"events": []}), &config, now()).is_err());
        assert!(validate_request(&json!({"evts": []}), &config, now()).is_err());
        let max: Vec<Value> = (0..500).map(|i| good_event(&format!("e{i}"))).collect();
        assert_eq!(
            validate_request(&json!({"events": max}), &config, now())
                .unwrap()
                .len(),
            500
        );
    }

    #[test]
    fn countries_are_checked_against_the_iso_list() {
        assert_eq!(country_code("fr").unwrap(), "FR");
        assert_eq!(country_code(" GB ").unwrap(), "GB");
        for bad in ["UK", "XX", "USA", "U1", ""] {
            assert!(country_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_need_an_offset() {
        assert!(limits::time("2026-11-23T10:00:00+02:00").is_ok());
        assert!(limits::time("2026-11-23T10:00:00.123Z").is_ok());
        assert!(limits::time("2026-11-23T10:00:00").is_err());
        assert!(limits::time("2026-11-23").is_err());
    }
}
