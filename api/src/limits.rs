//! The domain's limits (`leadflow::domain::limits`) applied to JSON fields, shared by
//! `/v1/events`, `/v1/batch` and `/v1/metrics`. Each check returns the problem in words for
//! the error's `details`; the caller names the field.

use chrono::{DateTime, Utc};
use leadflow::domain::limits::{
    self, MAX_ATTRIBUTES, MAX_KEY_CHARS, MAX_PROPERTIES, MAX_PROPERTY_BYTES,
};
use serde_json::{Map, Value};

/// An RFC 3339 time with an offset, within the span every store keeps.
pub fn time(text: &str) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| "not an RFC 3339 time with an offset (e.g. 2026-11-23T10:00:00Z)")?
        .with_timezone(&Utc);
    limits::check_time(at)?;
    Ok(at)
}

/// An attribute or property name.
pub fn key(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name must not be empty".into());
    }
    limits::check_chars(name, MAX_KEY_CHARS)
        .map_err(|_| format!("the name is longer than {MAX_KEY_CHARS} characters"))
}

/// How many attributes one event gives its lead.
pub fn attribute_count(n: usize) -> Result<(), String> {
    if n > MAX_ATTRIBUTES {
        Err(format!(
            "carries {n} attributes; an event may carry at most {MAX_ATTRIBUTES}"
        ))
    } else {
        Ok(())
    }
}

/// An event's properties: how many, their names, and each value's size. Problems as
/// `(field, message)`, the field under `properties`.
pub fn properties(props: &Map<String, Value>) -> Vec<(String, String)> {
    if props.len() > MAX_PROPERTIES {
        return vec![(
            "properties".into(),
            format!(
                "has {} properties; an event may carry at most {MAX_PROPERTIES}",
                props.len()
            ),
        )];
    }
    let mut problems = Vec::new();
    for (name, value) in props {
        if let Err(message) = key(name) {
            problems.push(("properties".into(), message));
        } else if json_len(value) > MAX_PROPERTY_BYTES {
            problems.push((
                format!("properties.{name}"),
                format!("is larger than {MAX_PROPERTY_BYTES} bytes of JSON"),
            ));
        }
    }
    problems
}

/// The properties that keep within the limits (for Segment, whose senders drop a refused
/// batch): the first `MAX_PROPERTIES` acceptable ones.
pub fn lenient_properties(props: &Map<String, Value>) -> Map<String, Value> {
    props
        .iter()
        .filter(|(name, value)| key(name).is_ok() && json_len(value) <= MAX_PROPERTY_BYTES)
        .take(MAX_PROPERTIES)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The length of a value as compact JSON, counted without building the text.
fn json_len(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value).expect("a JSON value serialises");
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_outside_the_span_are_refused() {
        assert!(time("2026-11-23T10:00:00+02:00").is_ok());
        assert!(time("1970-01-01T00:00:00Z").is_ok());
        assert!(time("1969-12-31T23:59:59Z").unwrap_err().contains("1970"));
        assert!(time("2200-01-01T00:00:00Z").is_err());
        assert!(time("0001-01-01T00:00:00Z").is_err());
        assert!(time("2026-11-23T10:00:00")
            .unwrap_err()
            .contains("RFC 3339"));
    }

    #[test]
    fn properties_are_bounded_in_number_names_and_size() {
        let ok = json!({"url": "/demo", "n": 3});
        assert!(properties(ok.as_object().unwrap()).is_empty());
        let big = json!({"blob": "x".repeat(MAX_PROPERTY_BYTES)});
        assert_eq!(properties(big.as_object().unwrap())[0].0, "properties.blob");
        let long_name: Map<String, Value> = [("k".repeat(65), json!(1))].into_iter().collect();
        assert_eq!(properties(&long_name)[0].0, "properties");
        let many: Map<String, Value> = (0..=MAX_PROPERTIES)
            .map(|i| (format!("p{i}"), json!(i)))
            .collect();
        assert_eq!(properties(&many).len(), 1);
        assert_eq!(lenient_properties(&many).len(), MAX_PROPERTIES);
        assert!(lenient_properties(big.as_object().unwrap()).is_empty());
    }

    #[test]
    fn json_len_is_the_compact_text_length() {
        let v = json!({"a": [1, "b"]});
        assert_eq!(json_len(&v), serde_json::to_string(&v).unwrap().len());
    }
}
