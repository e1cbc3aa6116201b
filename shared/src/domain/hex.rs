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

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(
            super::prefixed("x_", &[0x00, 0x0f, 0xa5, 0xff]),
            "x_000fa5ff"
        );
    }
}
