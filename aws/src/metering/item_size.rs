//! DynamoDB's item-size rule, applied to items as they travel on the wire (DynamoDB JSON:
//! `{"name": {"S": "..."}}`): what every request unit is computed from.
//!
//! - an attribute costs the UTF-8 length of its name plus the size of its value;
//! - `S`: UTF-8 length; `B`: the raw bytes (base64 on the wire); `N`: 1 byte plus one per two
//!   significant digits; `BOOL`/`NULL`: 1 byte;
//! - `L`/`M`: 3 bytes, plus each element and 1 byte per element (map keys count as names);
//! - `SS`/`NS`/`BS`: the sum of their elements.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

/// The size DynamoDB bills for an item read or written through the SDK.
pub fn stored_item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + attribute_size(value))
        .sum()
}

fn attribute_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(items) => items.iter().map(String::len).sum(),
        AttributeValue::Ns(items) => items.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(items) => items.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(items) => 3 + items.iter().map(|i| 1 + attribute_size(i)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + attribute_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// The size of a whole item (a map of attribute name to typed value).
pub(crate) fn item_size(item: &Map<String, Value>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

/// The size of one typed value (`{"S": "..."}`).
pub(crate) fn value_size(value: &Value) -> usize {
    let Some((kind, v)) = value.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    match (kind.as_str(), v) {
        ("S", Value::String(s)) => s.len(),
        ("N", Value::String(n)) => number_size(n),
        ("B", Value::String(b64)) => base64_len(b64),
        ("BOOL", _) | ("NULL", _) => 1,
        ("SS", Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::len).sum(),
        ("NS", Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(number_size)
            .sum(),
        ("BS", Value::Array(items)) => items.iter().filter_map(Value::as_str).map(base64_len).sum(),
        ("L", Value::Array(items)) => 3 + items.iter().map(|i| 1 + value_size(i)).sum::<usize>(),
        ("M", Value::Object(m)) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// A number: 1 byte plus one byte per two significant digits.
fn number_size(n: &str) -> usize {
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    1 + significant.max(1).div_ceil(2)
}

/// The decoded length of base64 text.
fn base64_len(b64: &str) -> usize {
    let padding = b64.bytes().rev().take_while(|b| *b == b'=').count();
    (b64.len() / 4) * 3 - padding.min(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn names_and_strings_count_their_utf8_bytes() {
        assert_eq!(item_size(&item(json!({"pk": {"S": "LEAD#1"}}))), 2 + 6);
        assert_eq!(item_size(&item(json!({"é": {"S": "€"}}))), 2 + 3);
    }

    #[test]
    fn binaries_count_decoded_bytes_and_numbers_their_digits() {
        // "AAEC" is 3 bytes, "AAE=" 2.
        assert_eq!(item_size(&item(json!({"b": {"B": "AAEC"}}))), 1 + 3);
        assert_eq!(item_size(&item(json!({"b": {"B": "AAE="}}))), 1 + 2);
        assert_eq!(value_size(&json!({"N": "7"})), 2);
        assert_eq!(value_size(&json!({"N": "12345"})), 4);
        assert_eq!(value_size(&json!({"N": "1000"})), 2);
    }

    #[test]
    fn maps_and_lists_carry_three_bytes_and_one_per_element() {
        let m = json!({"M": {"ab": {"S": "xyz"}}});
        assert_eq!(value_size(&m), 3 + 1 + 2 + 3);
        assert_eq!(value_size(&json!({"L": []})), 3);
        assert_eq!(value_size(&json!({"L": [{"BOOL": true}]})), 3 + 1 + 1);
    }
}
