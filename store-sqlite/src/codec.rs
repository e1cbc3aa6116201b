//! How values are laid out in columns: instants as integer nanoseconds since the epoch (exact,
//! and ordered as integers, so index range scans compare numbers), documents as JSON text.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::SqliteError;

/// An instant as stored: nanoseconds since 1970 (covers 1677-2262).
pub(crate) fn instant(field: &'static str, at: DateTime<Utc>) -> Result<i64, SqliteError> {
    at.timestamp_nanos_opt()
        .ok_or_else(|| SqliteError::TimeOutOfRange {
            field,
            value: at.to_rfc3339(),
        })
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
}
