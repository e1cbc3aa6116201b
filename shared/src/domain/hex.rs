//! Lower-case hex of a digest prefix, for ids (without a `format!` per byte).

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Append the hex of `bytes` to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
}

/// `prefix` followed by the hex of `bytes`.
pub fn prefixed(prefix: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(prefix.len() + 2 * bytes.len());
    out.push_str(prefix);
    push_hex(&mut out, bytes);
    out
}

/// The lower-case hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    prefixed("", bytes)
}

/// The bytes of a hex string (either case); `None` when it is not hex of whole bytes.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decoding_undoes_encoding_and_refuses_what_is_not_hex() {
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        assert_eq!(
            super::decode(&super::encode(&bytes)).as_deref(),
            Some(&bytes[..])
        );
        assert_eq!(super::decode("0F"), Some(vec![0x0f]));
        assert_eq!(super::decode("abc"), None, "odd length");
        assert_eq!(super::decode("zz"), None, "not hex");
        assert_eq!(super::decode("é1"), None, "not ascii");
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(
            super::prefixed("x_", &[0x00, 0x0f, 0xa5, 0xff]),
            "x_000fa5ff"
        );
    }
}
