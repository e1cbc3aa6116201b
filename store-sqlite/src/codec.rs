//! How values are laid out in columns: instants as integer nanoseconds since the epoch (exact,
//! and ordered as integers, so index range scans compare numbers), documents as JSON text.

use chrono::{DateTime, Utc};
use leadflow::domain::limits;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::SqliteError;

/// An instant as stored: nanoseconds since 1970. Nanoseconds could hold 1677-2262; the store
/// keeps exactly the span the domain accepts from outside (`leadflow::domain::limits`), so a
/// time the API accepted is never refused here, and the two cannot drift apart.
pub(crate) fn instant(field: &'static str, at: DateTime<Utc>) -> Result<i64, SqliteError> {
    limits::check_time(at)
        .ok()
        .and_then(|()| at.timestamp_nanos_opt())
        .ok_or_else(|| SqliteError::TimeOutOfRange {
            field,
            value: at.to_rfc3339(),
            range: limits::time_range(),
        })
}

/// A query bound as an instant: clamped into the storable span, since no stored instant lies
/// outside it (a `since` of 1900 means "from the start", not an error).
pub(crate) fn bound(at: DateTime<Utc>) -> i64 {
    let at = at.clamp(limits::earliest_time(), limits::end_time());
    at.timestamp_nanos_opt()
        .expect("the domain's span fits in nanoseconds (tested in leadflow::domain::limits)")
}

/// The instant a stored column holds.
pub(crate) fn from_instant(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

pub(crate) fn to_json<T: Serialize>(what: &'static str, value: &T) -> Result<String, SqliteError> {
    serde_json::to_string(value).map_err(|source| SqliteError::Encode { what, source })
}

pub(crate) fn from_json<T: DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, SqliteError> {
    serde_json::from_str(text).map_err(|source| SqliteError::Decode { what, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_to_the_nanosecond_and_keep_their_order() {
        let a: DateTime<Utc> = "2026-11-23T10:00:00.000000001Z".parse().unwrap();
        let b: DateTime<Utc> = "2026-11-23T10:00:00.000000002Z".parse().unwrap();
        let (na, nb) = (instant("t", a).unwrap(), instant("t", b).unwrap());
        assert!(na < nb);
        assert_eq!(from_instant(na), a);
    }

    #[test]
    fn an_instant_past_2262_is_refused_with_its_field_named() {
        let far: DateTime<Utc> = "2300-01-01T00:00:00Z".parse().unwrap();
        let err = instant("due.sla", far).unwrap_err();
        assert!(err.to_string().contains("due.sla"), "{err}");
    }

    #[test]
    fn the_store_keeps_exactly_the_span_the_domain_accepts() {
        let first = limits::earliest_time();
        let last = limits::end_time() - chrono::TimeDelta::nanoseconds(1);
        assert_eq!(from_instant(instant("t", first).unwrap()), first);
        assert_eq!(from_instant(instant("t", last).unwrap()), last);
        let before: DateTime<Utc> = "1969-12-31T23:59:59Z".parse().unwrap();
        let err = instant("t", before).unwrap_err().to_string();
        assert!(err.contains("1970-01-01T00:00:00Z"), "{err}");
        assert!(instant("t", limits::end_time()).is_err());
    }

    #[test]
    fn query_bounds_are_clamped_not_refused() {
        let ancient: DateTime<Utc> = "1600-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(bound(ancient), 0);
        let far: DateTime<Utc> = "9999-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            bound(far),
            instant("t", limits::end_time() - chrono::TimeDelta::nanoseconds(1)).unwrap() + 1
        );
    }
}
