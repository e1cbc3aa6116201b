//! What outside input may carry: the span of times every store can keep, and the longest
//! strings. Stated once here so that every entry point (the events API, the Segment batch,
//! dispositions, reps) refuses the same things, and no store is handed what it cannot keep:
//! a 202 is a promise to process. `docs/api-limits.md` documents these values.

use chrono::{DateTime, Utc};

/// The earliest time accepted from outside: 1970-01-01T00:00:00Z (Unix seconds).
pub const EARLIEST_UNIX_SECONDS: i64 = 0;
/// The first time no longer accepted: 2200-01-01T00:00:00Z (Unix seconds). Well inside what
/// integer nanoseconds since 1970 hold (to 2262), so every store keeps every accepted time.
pub const END_UNIX_SECONDS: i64 = 7_258_118_400;

/// Event ids, Segment `messageId` and `userId`, external ids, rep ids.
pub const MAX_ID_CHARS: usize = 128;
/// Free text: names, titles, company, industry, region, team, any text attribute.
pub const MAX_TEXT_CHARS: usize = 256;
/// Attribute and property names.
pub const MAX_KEY_CHARS: usize = 64;
/// Attributes one event may carry for its lead (typed and custom together).
pub const MAX_ATTRIBUTES: usize = 64;
/// Properties one event may carry.
pub const MAX_PROPERTIES: usize = 64;
/// One property value, as JSON text.
pub const MAX_PROPERTY_BYTES: usize = 2048;
/// A disposition's reason code.
pub const MAX_REASON_CHARS: usize = 64;
/// A disposition's note.
pub const MAX_NOTE_CHARS: usize = 4000;

/// RFC 5321 §4.5.3.1: local part, domain, one DNS label, and the whole address (a path
/// holds at most 256 octets including the angle brackets).
pub const MAX_EMAIL_LOCAL_OCTETS: usize = 64;
pub const MAX_EMAIL_DOMAIN_OCTETS: usize = 255;
pub const MAX_DNS_LABEL_OCTETS: usize = 63;
pub const MAX_EMAIL_OCTETS: usize = 254;

/// The earliest accepted time.
pub fn earliest_time() -> DateTime<Utc> {
    DateTime::from_timestamp(EARLIEST_UNIX_SECONDS, 0).expect("1970 is representable")
}

/// The first time no longer accepted.
pub fn end_time() -> DateTime<Utc> {
    DateTime::from_timestamp(END_UNIX_SECONDS, 0).expect("2200 is representable")
}

/// Whether `at` is within the accepted span; the message is for the API's `details`.
pub fn check_time(at: DateTime<Utc>) -> Result<(), String> {
    if (earliest_time()..end_time()).contains(&at) {
        Ok(())
    } else {
        Err(format!(
            "{} is out of range; {}",
            at.to_rfc3339(),
            time_range()
        ))
    }
}

/// The accepted span in words.
pub fn time_range() -> String {
    format!(
        "times must be from {} up to (not including) {}",
        earliest_time().format("%Y-%m-%dT%H:%M:%SZ"),
        end_time().format("%Y-%m-%dT%H:%M:%SZ")
    )
}

/// Whether `text` has at most `max` characters (Unicode scalar values).
pub fn check_chars(text: &str, max: usize) -> Result<(), String> {
    // Counting stops past `max`: a huge string costs no more than a long one.
    if text.chars().nth(max).is_none() {
        Ok(())
    } else {
        Err(format!("is longer than {max} characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_is_1970_to_2200() {
        assert_eq!(
            earliest_time(),
            "1970-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            end_time(),
            "2200-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // Both ends fit integer nanoseconds, the stores' tightest representation.
        assert!(earliest_time().timestamp_nanos_opt().is_some());
        assert!(end_time().timestamp_nanos_opt().is_some());
    }

    #[test]
    fn times_at_the_edges() {
        assert!(check_time(earliest_time()).is_ok());
        assert!(check_time(end_time() - chrono::TimeDelta::nanoseconds(1)).is_ok());
        assert!(check_time(end_time()).is_err());
        let err = check_time("1600-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()).unwrap_err();
        assert!(err.contains("1970-01-01T00:00:00Z"), "{err}");
    }

    #[test]
    fn characters_not_bytes_are_counted() {
        assert!(check_chars(&"é".repeat(4), 4).is_ok());
        assert!(check_chars(&"é".repeat(5), 4).is_err());
        assert!(check_chars("", 0).is_ok());
    }
}
