//! API keys (Bearer, or Basic with the key as user name on `/v1/batch`) and the optional
//! `Leadflow-Signature` of `POST /v1/events`. Secrets are compared in constant time and never
//! logged.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// How far a signature's time may be from now, either way.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// Which credentials a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    /// Bearer, or Basic with the key as user name (the Segment convention).
    BearerOrBasic,
}

/// Check an `Authorization` header value against the configured keys.
pub fn authorize(header: Option<&str>, keys: &[String], scheme: Scheme) -> Result<(), ApiError> {
    let header = header.ok_or_else(|| ApiError::unauthorized("Authorization header is missing"))?;
    let (kind, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let presented = if kind.eq_ignore_ascii_case("bearer") {
        rest.trim().to_string()
    } else if kind.eq_ignore_ascii_case("basic") && scheme == Scheme::BearerOrBasic {
        basic_user(rest.trim())?
    } else if scheme == Scheme::BearerOrBasic {
        return Err(ApiError::unauthorized(
            "Authorization must be `Bearer <key>` or `Basic` with the key as user name",
        ));
    } else {
        return Err(ApiError::unauthorized(
            "Authorization must be `Bearer <key>`",
        ));
    };
    if is_known_key(&presented, keys) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("the API key is not valid"))
    }
}

fn basic_user(encoded: &str) -> Result<String, ApiError> {
    let bad = || ApiError::unauthorized("Basic credentials are not valid base64 `user:password`");
    let bytes = STANDARD.decode(encoded).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    Ok(text
        .split_once(':')
        .map_or(text.as_str(), |(u, _)| u)
        .to_string())
}

/// Whether `presented` is one of `keys`. Both sides are hashed first, so that the comparison
/// takes the same time whatever the lengths, and every key is compared.
fn is_known_key(presented: &str, keys: &[String]) -> bool {
    if presented.is_empty() {
        return false;
    }
    let p = Sha256::digest(presented.as_bytes());
    keys.iter()
        .filter(|k| !k.is_empty())
        .fold(subtle::Choice::from(0), |found, k| {
            found | Sha256::digest(k.as_bytes()).as_slice().ct_eq(p.as_slice())
        })
        .into()
}

/// Verify `Leadflow-Signature: t=<unix seconds>,v1=<hex>` over `"<t>." + body`. Each body in
/// `bodies` is tried (the bytes on the wire and, for a gzip body, the JSON inside), and every
/// `v1` given (several may be sent while a secret is rotated).
pub fn verify_signature(
    header: Option<&str>,
    secret: &str,
    bodies: &[&[u8]],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let header =
        header.ok_or_else(|| ApiError::unauthorized("Leadflow-Signature header is missing"))?;
    let malformed = || {
        ApiError::unauthorized("Leadflow-Signature must be `t=<unix seconds>,v1=<hex HMAC-SHA256>`")
    };
    let mut timestamp: Option<&str> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = Some(v.trim()),
            Some(("v1", v)) => {
                signatures.push(leadflow::domain::hex::decode(v.trim()).ok_or_else(malformed)?)
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or_else(malformed)?;
    let seconds: i64 = t.parse().map_err(|_| malformed())?;
    if signatures.is_empty() {
        return Err(malformed());
    }
    if (now.timestamp() - seconds).abs() > SIGNATURE_TOLERANCE_SECS {
        return Err(ApiError::unauthorized(format!(
            "Leadflow-Signature time is more than {SIGNATURE_TOLERANCE_SECS} s from now"
        )));
    }
    let matches = bodies.iter().any(|body| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(t.as_bytes());
        mac.update(b".");
        mac.update(body);
        let expected = mac.finalize().into_bytes();
        signatures
            .iter()
            .any(|s| bool::from(expected.as_slice().ct_eq(s.as_slice())))
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "Leadflow-Signature does not match the body",
        ))
    }
}

/// The signature header for `body` at `t` (for clients and tests).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex = leadflow::domain::hex::encode(&mac.finalize().into_bytes());
    format!("t={t},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn keys() -> Vec<String> {
        vec!["k-one".into(), "k-two".into()]
    }

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn bearer_keys() {
        assert!(authorize(Some("Bearer k-two"), &keys(), Scheme::Bearer).is_ok());
        assert!(authorize(Some("bearer k-one"), &keys(), Scheme::Bearer).is_ok());
        for bad in [
            None,
            Some("Bearer nope"),
            Some("Bearer "),
            Some("k-one"),
            Some("Token k-one"),
        ] {
            let e = authorize(bad, &keys(), Scheme::Bearer).unwrap_err();
            assert_eq!(e.code, ErrorCode::Unauthorized, "{bad:?}");
        }
        // No key configured: nothing gets in.
        assert!(authorize(Some("Bearer "), &[], Scheme::Bearer).is_err());
        assert!(authorize(Some("Bearer x"), &[String::new()], Scheme::Bearer).is_err());
    }

    #[test]
    fn basic_with_the_key_as_user_only_where_allowed() {
        let basic = format!("Basic {}", STANDARD.encode("k-one:"));
        assert!(authorize(Some(&basic), &keys(), Scheme::BearerOrBasic).is_ok());
        assert!(authorize(Some(&basic), &keys(), Scheme::Bearer).is_err());
        let wrong = format!("Basic {}", STANDARD.encode("nope:"));
        assert!(authorize(Some(&wrong), &keys(), Scheme::BearerOrBasic).is_err());
        assert!(authorize(Some("Basic !!!"), &keys(), Scheme::BearerOrBasic).is_err());
        // RudderStack sends the write key with no colon at all in some versions.
        let bare = format!("Basic {}", STANDARD.encode("k-two"));
        assert!(authorize(Some(&bare), &keys(), Scheme::BearerOrBasic).is_ok());
    }

    #[test]
    fn signatures_valid_invalid_expired() {
        let body = br#"{"events":[]}"#;
        let t = now().timestamp();
        let good = sign("s3cret", t, body);
        assert!(verify_signature(Some(&good), "s3cret", &[body], now()).is_ok());
        assert!(verify_signature(Some(&good), "other", &[body], now()).is_err());
        assert!(verify_signature(Some(&good), "s3cret", &[b"{}"], now()).is_err());
        let late = now() + chrono::TimeDelta::seconds(301);
        let e = verify_signature(Some(&good), "s3cret", &[body], late).unwrap_err();
        assert!(e.message.contains("300"));
        let just_in_time = now() + chrono::TimeDelta::seconds(300);
        assert!(verify_signature(Some(&good), "s3cret", &[body], just_in_time).is_ok());
        for bad in [
            "",
            "t=abc,v1=00",
            "v1=00",
            &format!("t={t}"),
            &format!("t={t},v1=zz"),
        ] {
            assert!(
                verify_signature(Some(bad), "s3cret", &[body], now()).is_err(),
                "{bad}"
            );
        }
        assert!(verify_signature(None, "s3cret", &[body], now()).is_err());
        // A rotated secret: the second v1 matches.
        let rotated = format!(
            "{},v1={}",
            sign("old", t, body),
            &good.split("v1=").nth(1).unwrap()
        );
        assert!(verify_signature(Some(&rotated), "s3cret", &[body], now()).is_ok());
    }
}
