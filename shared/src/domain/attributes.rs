//! A lead's attributes: the typed ones of the API contract and any custom string or number
//! field, in one ordered map so that rules can name any of them by field name.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One attribute value. The contract allows strings and numbers only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    Number(f64),
    Text(String),
}

impl AttrValue {
    /// The value as a number: numbers as they are, text when it parses as one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            AttrValue::Number(n) => Some(*n),
            AttrValue::Text(t) => t.trim().parse().ok(),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            AttrValue::Text(t) => Some(t),
            AttrValue::Number(_) => None,
        }
    }
}

/// A borrowed view of a field's value, so that rules can test fields without copying them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Number(f64),
    Text(&'a str),
}

impl<'a> FieldValue<'a> {
    pub fn as_number(self) -> Option<f64> {
        match self {
            FieldValue::Number(n) => Some(n),
            FieldValue::Text(t) => t.trim().parse().ok(),
        }
    }
}

impl AttrValue {
    pub fn as_field(&self) -> FieldValue<'_> {
        match self {
            AttrValue::Number(n) => FieldValue::Number(*n),
            AttrValue::Text(t) => FieldValue::Text(t),
        }
    }
}

impl fmt::Display for FieldValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Number(n) => AttrValue::Number(*n).fmt(f),
            FieldValue::Text(t) => f.write_str(t),
        }
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                write!(f, "{}", *n as i64)
            }
            AttrValue::Number(n) => write!(f, "{n}"),
            AttrValue::Text(t) => f.write_str(t),
        }
    }
}

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Text(s.to_string())
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Text(s)
    }
}

impl From<f64> for AttrValue {
    fn from(n: f64) -> Self {
        AttrValue::Number(n)
    }
}

impl From<i64> for AttrValue {
    fn from(n: i64) -> Self {
        AttrValue::Number(n as f64)
    }
}

/// Attribute name => value. Ordered so that serialisation and iteration are deterministic.
pub type Attributes = BTreeMap<String, AttrValue>;

/// Names of the attributes the API contract types; everything else is a custom attribute.
pub const TYPED_ATTRIBUTES: [&str; 11] = [
    "first_name",
    "last_name",
    "title",
    "company",
    "company_domain",
    "company_size",
    "industry",
    "country",
    "region",
    "product_interest",
    "source",
];

/// Fields a rule may name that are derived rather than stored as attributes.
pub const DERIVED_FIELDS: [&str; 2] = ["email", "email_domain"];
