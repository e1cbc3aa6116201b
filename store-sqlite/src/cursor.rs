//! The opaque cursor of lead listings: the sort key of the last lead of a page,
//! `(created_at, id)`, base64url-encoded. The next page starts strictly after it, so pages
//! never repeat or skip a lead (`created_at` never changes once a lead exists).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::SqliteError;

/// Where a page ends in the listing order `(created_at DESC, id ASC)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListPosition {
    pub created_at: i64,
    pub id: String,
}

const PREFIX: &str = "c1";

pub(crate) fn encode(pos: &ListPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}:{}:{}", pos.created_at, pos.id))
}

pub(crate) fn decode(cursor: &str) -> Result<ListPosition, SqliteError> {
    let invalid = || SqliteError::InvalidCursor(cursor.to_string());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, ':');
    let (Some(PREFIX), Some(created_at), Some(id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    Ok(ListPosition {
        created_at: created_at.parse().map_err(|_| invalid())?,
        id: id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_even_with_colons_in_the_id() {
        let pos = ListPosition {
            created_at: -42,
            id: "ld_a:b".into(),
        };
        assert_eq!(decode(&encode(&pos)).unwrap(), pos);
    }

    #[test]
    fn a_cursor_not_issued_here_is_refused() {
        for bad in ["", "!!", "bm9wZQ", &URL_SAFE_NO_PAD.encode("c1:x:ld_1")] {
            let err = decode(bad).unwrap_err();
            assert!(matches!(err, SqliteError::InvalidCursor(_)), "{bad}: {err}");
        }
    }
}
