//! The dashboard's session cookie: `<expiry>.<HMAC>`, signed with a secret derived from the
//! configured API keys, so that every process of one config (Lambda instances included) accepts
//! the same sessions, and changing the keys ends every session. The cookie holds no key and is
//! no key: `/v1/*` refuses it, and the pages refuse a key in its place.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const COOKIE_NAME: &str = "leadflow_session";
/// The longest value `issue` writes: a 19-digit expiry, a dot, 64 hex digits.
pub const MAX_COOKIE_VALUE: usize = 19 + 1 + 64;
/// How long a sign-in lasts.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);

/// Why a cookie is not a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("the session cookie is not `<expiry>.<signature>`")]
    Malformed,
    #[error("the session cookie's signature does not match")]
    BadSignature,
    #[error("the session has expired")]
    Expired,
}

/// Signs and checks sessions for one set of API keys.
pub struct SessionKeys<'a> {
    keys: &'a [String],
    secret: [u8; 32],
}

impl<'a> SessionKeys<'a> {
    pub fn new(keys: &'a [String]) -> Self {
        let mut hash = Sha256::new();
        hash.update(b"leadflow dashboard session secret v1");
        for key in keys.iter().filter(|k| !k.is_empty()) {
            hash.update((key.len() as u64).to_be_bytes());
            hash.update(key.as_bytes());
        }
        SessionKeys {
            keys,
            secret: hash.finalize().into(),
        }
    }

    /// The configured key equal to `presented`, compared in constant time.
    pub fn known_key(&self, presented: &str) -> Option<&'a str> {
        if presented.is_empty() {
            return None;
        }
        let p = Sha256::digest(presented.as_bytes());
        let mut found = None;
        for key in self.keys.iter().filter(|k| !k.is_empty()) {
            if bool::from(
                Sha256::digest(key.as_bytes())
                    .as_slice()
                    .ct_eq(p.as_slice()),
            ) {
                found = Some(key.as_str());
            }
        }
        found
    }

    /// The cookie value of a session signed in at `now`.
    pub fn issue(&self, now: DateTime<Utc>) -> String {
        let expiry = (now + SESSION_LIFETIME).timestamp();
        format!(
            "{expiry}.{}",
            leadflow::domain::hex::encode(&self.mac(expiry))
        )
    }

    /// Whether `value` is a live session at `now`. Anything but the exact shape `issue` writes
    /// is refused before any parsing or MAC work, so a cookie of any size costs at most a
    /// length check.
    pub fn verify(&self, value: &str, now: DateTime<Utc>) -> Result<(), SessionError> {
        if value.len() > MAX_COOKIE_VALUE {
            return Err(SessionError::Malformed);
        }
        let Some((expiry, signature)) = value.split_once('.') else {
            return Err(SessionError::Malformed);
        };
        // Canonical only: digits, and 64 lower-case hex digits (`parse` would also take `+1`,
        // and the hex decoder `+f`: other spellings of the same cookie).
        let digits = |s: &str, hex: bool| {
            s.bytes()
                .all(|b| b.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&b)))
        };
        if expiry.is_empty()
            || expiry.len() > 19
            || !digits(expiry, false)
            || signature.len() != 64
            || !digits(signature, true)
        {
            return Err(SessionError::Malformed);
        }
        let expiry: i64 = expiry.parse().map_err(|_| SessionError::Malformed)?;
        let signature = leadflow::domain::hex::decode(signature).ok_or(SessionError::Malformed)?;
        if self.keys.iter().all(|k| k.is_empty())
            || !bool::from(self.mac(expiry).as_slice().ct_eq(&signature))
        {
            return Err(SessionError::BadSignature);
        }
        if now.timestamp() >= expiry || expiry > (now + SESSION_LIFETIME).timestamp() {
            return Err(SessionError::Expired);
        }
        Ok(())
    }

    fn mac(&self, expiry: i64) -> Vec<u8> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        mac.update(format!("session|{expiry}").as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The session cookie among a `Cookie` header's pairs.
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME).then_some(value)
    })
}

/// `Set-Cookie` for a new session; `Secure` when the browser came over HTTPS.
pub fn set_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSION_LIFETIME.num_seconds()
    )
}

/// `Set-Cookie` that ends the session.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    fn keys() -> Vec<String> {
        vec!["key-one".into(), "key-two".into()]
    }

    #[test]
    fn a_session_lives_twelve_hours() {
        let keys = keys();
        let s = SessionKeys::new(&keys);
        let cookie = s.issue(now());
        assert_eq!(s.verify(&cookie, now()), Ok(()));
        assert_eq!(s.verify(&cookie, now() + TimeDelta::hours(11)), Ok(()));
        assert_eq!(
            s.verify(&cookie, now() + TimeDelta::hours(12)),
            Err(SessionError::Expired)
        );
        assert!(!cookie.contains("key-two"));
    }

    #[test]
    fn tampering_is_refused() {
        let keys = keys();
        let s = SessionKeys::new(&keys);
        let cookie = s.issue(now());
        let (expiry, rest) = cookie.split_once('.').unwrap();
        let later: i64 = expiry.parse::<i64>().unwrap() + 3600;
        assert_eq!(
            s.verify(&format!("{later}.{rest}"), now()),
            Err(SessionError::BadSignature)
        );
        for bad in ["", "a.b", "1.2.3", "x.zz", "key-one"] {
            assert!(s.verify(bad, now()).is_err(), "{bad}");
        }
    }

    #[test]
    fn changing_the_keys_ends_the_session() {
        let keys = keys();
        let cookie = SessionKeys::new(&keys).issue(now());
        let rotated = vec!["key-one".to_string()];
        assert_eq!(
            SessionKeys::new(&rotated).verify(&cookie, now()),
            Err(SessionError::BadSignature)
        );
        // No key configured: nobody signs in, no cookie is accepted.
        assert!(SessionKeys::new(&[])
            .verify(&SessionKeys::new(&[]).issue(now()), now())
            .is_err());
        assert_eq!(
            SessionKeys::new(&keys).known_key("key-two"),
            Some("key-two")
        );
        assert_eq!(SessionKeys::new(&keys).known_key("key"), None);
        assert_eq!(SessionKeys::new(&keys).known_key(""), None);
    }

    #[test]
    fn cookie_headers() {
        assert_eq!(cookie_value("a=1; leadflow_session=v.w; b=2"), Some("v.w"));
        assert_eq!(cookie_value("a=1"), None);
        let set = set_cookie("v", true);
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
            assert!(set.contains(flag), "{set}");
        }
        assert!(!set_cookie("v", false).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }
}
