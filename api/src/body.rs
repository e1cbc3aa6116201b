//! Reading a JSON request body: the media type (415), the size limit (413) applied after
//! gzip decoding, which is streamed with a cap so that a small bomb cannot inflate unbounded.

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use flate2::read::MultiGzDecoder;
use http_body_util::LengthLimitError;
use serde_json::Value;

use crate::error::{ApiError, ErrorCode};

/// Most bytes a request body may have, once decompressed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request body as received and as decoded.
#[derive(Debug, Clone)]
pub struct RawBody {
    /// The bytes on the wire (compressed when the client compressed them).
    pub wire: Bytes,
    /// The JSON text.
    pub decoded: Bytes,
}

/// Check the media type and encoding, read at most `MAX_BODY_BYTES`, and decode gzip.
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<RawBody, ApiError> {
    require_json(headers)?;
    let gzip = content_encoding_is_gzip(headers)?;
    // A compressed body is held to the same limit: gzip never makes real JSON bigger.
    let wire = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.downcast_ref::<LengthLimitError>().is_some())
                || e.to_string().contains("length limit");
            if too_large {
                too_large_error()
            } else {
                ApiError::invalid("the request body could not be read", Vec::new())
            }
        })?;
    let decoded = if gzip {
        Bytes::from(gunzip_capped(&wire, MAX_BODY_BYTES)?)
    } else {
        wire.clone()
    };
    Ok(RawBody { wire, decoded })
}

/// Parse the decoded body as JSON.
pub fn parse_json(body: &RawBody) -> Result<Value, ApiError> {
    serde_json::from_slice(&body.decoded).map_err(|e| {
        ApiError::invalid(
            format!("the body is not valid JSON: {e}"),
            vec![crate::error::Detail::field("body", e.to_string())],
        )
    })
}

fn too_large_error() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than {MAX_BODY_BYTES} bytes (1 MiB)"),
    )
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match media_type.as_deref() {
        Some("application/json") => Ok(()),
        Some(other) => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("Content-Type {other:?} is not supported; send application/json"),
        )),
        None => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Content-Type is missing; send application/json",
        )),
    }
}

fn content_encoding_is_gzip(headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(false);
    };
    let value = value.to_str().unwrap_or("").trim().to_ascii_lowercase();
    match value.as_str() {
        "" | "identity" => Ok(false),
        "gzip" | "x-gzip" => Ok(true),
        other => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("Content-Encoding {other:?} is not supported; send gzip or no encoding"),
        )),
    }
}

/// Inflate `compressed`, refusing (413) as soon as the output passes `cap` bytes.
pub fn gunzip_capped(compressed: &[u8], cap: usize) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    MultiGzDecoder::new(compressed)
        .take(cap as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            ApiError::invalid(
                format!("the body is not valid gzip: {e}"),
                vec![crate::error::Detail::field(
                    "Content-Encoding",
                    "the body is not valid gzip",
                )],
            )
        })?;
    if out.len() > cap {
        return Err(too_large_error());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflates_within_the_cap() {
        assert_eq!(
            gunzip_capped(&gzip(b"{\"a\":1}"), 100).unwrap(),
            b"{\"a\":1}"
        );
        assert_eq!(gunzip_capped(&gzip(&[b' '; 100]), 100).unwrap().len(), 100);
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![b' '; 50 * 1024 * 1024]);
        assert!(bomb.len() < MAX_BODY_BYTES / 10);
        let e = gunzip_capped(&bomb, MAX_BODY_BYTES).unwrap_err();
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    }

    #[test]
    fn garbage_is_not_gzip() {
        let e = gunzip_capped(b"{\"not\": \"gzip\"}", 100).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        let truncated = &gzip(b"hello world")[..8];
        assert_eq!(
            gunzip_capped(truncated, 100).unwrap_err().code,
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn media_types() {
        let mut h = HeaderMap::new();
        assert_eq!(
            require_json(&h).unwrap_err().code,
            ErrorCode::UnsupportedMediaType
        );
        h.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(require_json(&h).is_ok());
        h.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert_eq!(
            require_json(&h).unwrap_err().code,
            ErrorCode::UnsupportedMediaType
        );
        h.insert(header::CONTENT_ENCODING, "br".parse().unwrap());
        assert_eq!(
            content_encoding_is_gzip(&h).unwrap_err().code,
            ErrorCode::UnsupportedMediaType
        );
        h.insert(header::CONTENT_ENCODING, "GZIP".parse().unwrap());
        assert!(content_encoding_is_gzip(&h).unwrap());
    }
}
