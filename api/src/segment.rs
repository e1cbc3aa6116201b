//! `POST /v1/batch`: Segment's and RudderStack's batch format mapped to inbound events.
//!
//! Segment's libraries retry a batch on 5xx and drop it on 4xx, and traits are free-form, so
//! this is lenient where the sender cannot do better: a trait that is not a valid value (an
//! email that is not an address, a country name instead of a code, a nested object nobody
//! maps) is left out, and a message that names no lead (no email, no `userId`: anonymous
//! traffic) is acknowledged and ignored; so is a trait or property past the limits of
//! `leadflow::domain::limits` (too long, too many). What makes the request itself wrong — no
//! `batch` array, more than 500 messages, an identify or mapped track without a `messageId`,
//! an id or `userId` too long, a time that is not a time or is outside the accepted span — is
//! a 400 listing every such problem, and nothing is accepted.

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::domain::identity::normalize_email;
use leadflow::domain::{AttrValue, Attributes};
use leadflow::usecases::ingest::InboundEvent;
use serde_json::{Map, Value};

use crate::error::{ApiError, Detail};
use crate::events::{attribute, country_code, FUTURE_TOLERANCE, MAX_EVENTS, MAX_ID_CHARS};
use crate::limits;
use leadflow::domain::limits::MAX_ATTRIBUTES;

/// The inbound events a batch carries (ignored messages left out), or a 400.
pub fn map_batch(
    body: &Value,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, ApiError> {
    let messages = match body.get("batch") {
        Some(Value::Array(m)) => m,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "batch",
                "must be an array of messages",
            ))
        }
        None => return Err(ApiError::invalid_field("batch", "is required")),
    };
    if messages.len() > MAX_EVENTS {
        return Err(ApiError::invalid_field(
            "batch",
            format!(
                "lists {} messages; a request may carry at most {MAX_EVENTS}",
                messages.len()
            ),
        ));
    }
    let sent_at = match body.get("sentAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(limits::time(s).map_err(|m| ApiError::invalid_field("sentAt", m))?)
        }
        Some(_) => return Err(ApiError::invalid_field("sentAt", "must be a string")),
    };
    let mut details = Vec::new();
    let mut events = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        match map_message(message, config, sent_at, now) {
            Ok(Some(event)) => events.push(event),
            Ok(None) => {}
            Err(problems) => details.extend(
                problems
                    .into_iter()
                    .map(|(field, msg)| Detail::at(index, field, msg)),
            ),
        }
    }
    if details.is_empty() {
        Ok(events)
    } else {
        let n = details
            .iter()
            .filter_map(|d| d.index)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        Err(ApiError::invalid(
            if n == 1 {
                "1 message is invalid".to_string()
            } else {
                format!("{n} messages are invalid")
            },
            details,
        ))
    }
}

type Problems = Vec<(&'static str, String)>;

fn map_message(
    message: &Value,
    config: &Config,
    batch_sent_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<InboundEvent>, Problems> {
    let Some(msg) = message.as_object() else {
        return Err(vec![("", "a message must be an object".into())]);
    };
    let kind = msg
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let context_traits = msg
        .get("context")
        .and_then(|c| c.get("traits"))
        .and_then(Value::as_object);
    let user_id = msg.get("userId").and_then(id_text);

    let (event_type, traits) = match kind.as_str() {
        "identify" => {
            // RudderStack sends traits in context.traits only; `traits` wins on overlap.
            let mut traits = context_traits.cloned().unwrap_or_default();
            if let Some(own) = msg.get("traits").and_then(Value::as_object) {
                traits.extend(own.clone());
            }
            ("identify".to_string(), traits)
        }
        "track" => {
            let name = msg.get("event").and_then(Value::as_str).unwrap_or("");
            match config.segment.track_events.get(name) {
                Some(signal) => (signal.clone(), Map::new()),
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };

    let email = if kind == "identify" {
        traits.get("email")
    } else {
        context_traits.and_then(|t| t.get("email"))
    }
    .and_then(Value::as_str)
    .and_then(|e| normalize_email(e).ok());
    if email.is_none() && user_id.is_none() {
        return Ok(None);
    }

    let mut problems = Problems::new();
    // Checked only on messages that are kept: an ignored message is not read.
    if user_id
        .as_deref()
        .is_some_and(|u| u.chars().nth(MAX_ID_CHARS).is_some())
    {
        problems.push(("userId", format!("must be 1 to {MAX_ID_CHARS} characters")));
    }
    let id = match msg.get("messageId").and_then(id_text) {
        Some(id) if id.chars().count() <= MAX_ID_CHARS => Some(id),
        Some(_) => {
            problems.push((
                "messageId",
                format!("must be 1 to {MAX_ID_CHARS} characters"),
            ));
            None
        }
        None => {
            problems.push(("messageId", "is required".into()));
            None
        }
    };
    let occurred_at = match message_time(msg, batch_sent_at, now) {
        Ok(t) if t > now + FUTURE_TOLERANCE => {
            problems.push(("timestamp", "is more than 5 minutes in the future".into()));
            None
        }
        Ok(t) => Some(t),
        Err((field, message)) => {
            problems.push((field, message));
            None
        }
    };
    let (Some(id), Some(occurred_at), true) = (id, occurred_at, problems.is_empty()) else {
        return Err(problems);
    };
    let properties = msg
        .get("properties")
        .and_then(Value::as_object)
        .map(limits::lenient_properties)
        .unwrap_or_default();
    Ok(Some(InboundEvent {
        id,
        event_type,
        occurred_at,
        email,
        external_id: user_id,
        attributes: trait_attributes(&traits),
        properties,
    }))
}

/// `timestamp`; else `originalTimestamp` corrected for the sender's clock skew as Segment does
/// (`now - (sentAt - originalTimestamp)`); else now. A time given but unreadable, or outside
/// the accepted span (before or after the correction), is an error naming its field.
fn message_time(
    msg: &Map<String, Value>,
    batch_sent_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, (&'static str, String)> {
    let read = |key: &'static str| -> Result<Option<DateTime<Utc>>, (&'static str, String)> {
        match msg.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => limits::time(s).map(Some).map_err(|m| (key, m)),
            Some(_) => Err((key, "must be a string (an ISO 8601 time)".into())),
        }
    };
    if let Some(t) = read("timestamp")? {
        return Ok(t);
    }
    let original = read("originalTimestamp")?;
    let sent_at = read("sentAt")?.or(batch_sent_at);
    let at = match (original, sent_at) {
        // Both within the span, so the difference cannot overflow.
        (Some(o), Some(s)) => now - (s - o),
        (Some(o), None) => o,
        _ => now,
    };
    leadflow::domain::limits::check_time(at).map_err(|m| ("originalTimestamp", m))?;
    Ok(at)
}

/// A Segment id: a string, or a number sent as one.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Segment's reserved traits mapped to the contract's attributes; other string and number
/// traits kept as they are; anything that is not a valid value left out.
fn trait_attributes(traits: &Map<String, Value>) -> Attributes {
    let company = traits.get("company").and_then(Value::as_object);
    let address = traits.get("address").and_then(Value::as_object);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let first = |keys: &[&str]| keys.iter().find_map(|k| traits.get(*k));

    let mut out = Attributes::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            if let Ok(Some(a)) = attribute(key, &v) {
                out.insert(key.to_string(), a);
            }
        }
    };
    put("first_name", first(&["firstName", "first_name"]).cloned());
    put("last_name", first(&["lastName", "last_name"]).cloned());
    put("title", traits.get("title").cloned());
    put(
        "company",
        company
            .and_then(|c| c.get("name"))
            .or_else(|| traits.get("company").filter(|v| v.is_string()))
            .cloned(),
    );
    put(
        "company_size",
        company
            .and_then(|c| c.get("employee_count"))
            .or_else(|| first(&["employees", "company_size"]))
            .cloned(),
    );
    put(
        "industry",
        company
            .and_then(|c| c.get("industry"))
            .or_else(|| traits.get("industry"))
            .cloned(),
    );
    let domain = text(traits.get("company_domain"))
        .or_else(|| text(company.and_then(|c| c.get("domain"))))
        .or_else(|| text(company.and_then(|c| c.get("website"))).and_then(|w| host_of(&w)))
        .or_else(|| text(traits.get("website")).and_then(|w| host_of(&w)));
    put("company_domain", domain.map(Value::String));
    let country = text(address.and_then(|a| a.get("country")))
        .or_else(|| text(traits.get("country")))
        .and_then(|c| country_code(&c).ok());
    put("country", country.map(Value::String));
    put(
        "region",
        address
            .and_then(|a| a.get("state").or_else(|| a.get("region")))
            .or_else(|| traits.get("region"))
            .cloned(),
    );
    put("product_interest", traits.get("product_interest").cloned());
    put("source", traits.get("source").cloned());

    const MAPPED: [&str; 19] = [
        "email",
        "firstName",
        "first_name",
        "lastName",
        "last_name",
        "title",
        "company",
        "employees",
        "company_size",
        "industry",
        "company_domain",
        "website",
        "address",
        "country",
        "region",
        "product_interest",
        "source",
        "userId",
        "id",
    ];
    for (key, value) in traits {
        if out.len() >= MAX_ATTRIBUTES {
            break;
        }
        if MAPPED.contains(&key.as_str()) || out.contains_key(key) || limits::key(key).is_err() {
            continue;
        }
        if let Ok(Some(a @ (AttrValue::Text(_) | AttrValue::Number(_)))) = attribute(key, value) {
            out.insert(key.clone(), a);
        }
    }
    out
}

/// The host of a web address, without `www.`, lower-cased.
fn host_of(url: &str) -> Option<String> {
    let rest = url.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (host.contains('.') && !host.starts_with('.')).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn identify_maps_reserved_traits_and_context_traits() {
        let body = json!({"batch": [{
            "type": "identify", "messageId": "m1", "userId": "u-42",
            "timestamp": "2026-11-23T09:00:00.000Z",
            "traits": {"email": "Ana@Acme.io", "firstName": "Ana", "title": "VP Marketing",
                       "company": {"name": "Acme", "employee_count": 250, "industry": "software",
                                   "website": "https://www.acme.io/about"},
                       "address": {"country": "us", "state": "CA"}, "plan": "pro", "seats": 12,
                       "flags": {"beta": true}},
            "context": {"traits": {"lastName": "Diaz", "title": "Intern"}}
        }], "sentAt": "2026-11-23T09:00:01Z"});
        let events = map_batch(&body, &Config::default(), now()).unwrap();
        let e = &events[0];
        assert_eq!((e.id.as_str(), e.event_type.as_str()), ("m1", "identify"));
        assert_eq!(e.email.as_deref(), Some("ana@acme.io"));
        assert_eq!(e.external_id.as_deref(), Some("u-42"));
        assert_eq!(
            e.occurred_at,
            "2026-11-23T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let a = &e.attributes;
        let t = |k: &str| a.get(k).cloned();
        assert_eq!(t("first_name"), Some("Ana".into()));
        assert_eq!(t("last_name"), Some("Diaz".into()));
        assert_eq!(
            t("title"),
            Some("VP Marketing".into()),
            "traits win over context.traits"
        );
        assert_eq!(t("company"), Some("Acme".into()));
        assert_eq!(t("company_size"), Some(AttrValue::Number(250.0)));
        assert_eq!(t("industry"), Some("software".into()));
        assert_eq!(t("company_domain"), Some("acme.io".into()));
        assert_eq!(t("country"), Some("US".into()));
        assert_eq!(t("region"), Some("CA".into()));
        assert_eq!(t("plan"), Some("pro".into()));
        assert_eq!(t("seats"), Some(AttrValue::Number(12.0)));
        assert!(!a.contains_key("flags") && !a.contains_key("email") && !a.contains_key("address"));
    }

    #[test]
    fn track_maps_through_the_config_and_ignores_the_rest() {
        let body = json!({"batch": [
            {"type": "track", "event": "Demo Requested", "messageId": "t1",
             "timestamp": "2026-11-23T09:30:00Z", "userId": "u-1",
             "context": {"traits": {"email": "ana@acme.io"}}, "properties": {"plan": "pro"}},
            {"type": "track", "event": "Logged In", "messageId": "t2", "userId": "u-1"},
            {"type": "page", "messageId": "p1", "userId": "u-1"},
            {"type": "track", "event": "Pricing Page Viewed", "messageId": "t3",
             "timestamp": "2026-11-23T09:31:00Z", "userId": 77},
            {"type": "identify", "messageId": "i9", "anonymousId": "anon",
             "traits": {"email": "not an address"}}
        ]});
        let events = map_batch(&body, &Config::default(), now()).unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = events
            .iter()
            .map(|e| {
                (
                    e.id.as_str(),
                    e.event_type.as_str(),
                    e.email.as_deref(),
                    e.external_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("t1", "demo_request", Some("ana@acme.io"), Some("u-1")),
                ("t3", "pricing_page_view", None, Some("77")),
            ]
        );
        assert_eq!(events[0].properties["plan"], json!("pro"));
    }

    #[test]
    fn clock_skew_is_corrected_with_sent_at() {
        // The sender's clock is 1 h ahead: sentAt - originalTimestamp is 10 s.
        let body = json!({"sentAt": "2026-11-23T11:00:10Z", "batch": [
            {"type": "identify", "messageId": "m1", "userId": "u",
             "originalTimestamp": "2026-11-23T11:00:00Z"}]});
        let events = map_batch(&body, &Config::default(), now()).unwrap();
        assert_eq!(
            events[0].occurred_at,
            now() - chrono::TimeDelta::seconds(10)
        );
    }

    #[test]
    fn structural_problems_are_a_400_with_details() {
        let body = json!({"batch": [
            {"type": "identify", "userId": "u", "timestamp": "2026-11-23T09:00:00Z"},
            {"type": "identify", "messageId": "m2", "userId": "u", "timestamp": "soon"},
            {"type": "track", "event": "Demo Requested", "messageId": "m3", "userId": "u",
             "timestamp": "2026-11-24T09:00:00Z"},
            7
        ]});
        let e = map_batch(&body, &Config::default(), now()).unwrap_err();
        let got: Vec<(usize, &str)> = e
            .details
            .iter()
            .map(|d| (d.index.unwrap(), d.field.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, "messageId"),
                (1, "timestamp"),
                (2, "timestamp"),
                (3, "")
            ]
        );
        assert_eq!(e.message, "4 messages are invalid");
        assert!(map_batch(&json!({"batch": {}}), &Config::default(), now()).is_err());
        let many: Vec<Value> = (0..501).map(|_| json!({"type": "page"})).collect();
        assert!(map_batch(&json!({"batch": many}), &Config::default(), now()).is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://www.Acme.io/x?y").as_deref(),
            Some("acme.io")
        );
        assert_eq!(host_of("acme.io").as_deref(), Some("acme.io"));
        assert_eq!(host_of("http://localhost:3000"), None);
    }
}
