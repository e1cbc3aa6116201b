//! The tests a rule applies to one field: the matchers of the config contract.

use serde::{Deserialize, Serialize};

use super::attributes::{AttrValue, FieldValue};

/// A literal in an `in` list: the contract's lists are strings, but numbers are allowed too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Number(f64),
    Text(String),
}

impl Scalar {
    fn matches(&self, value: FieldValue<'_>) -> bool {
        match (self, value) {
            (Scalar::Text(t), FieldValue::Text(v)) => eq_ignore_case(v.trim(), t.trim()),
            (Scalar::Text(t), FieldValue::Number(_)) => value.to_string() == t.trim(),
            (Scalar::Number(n), _) => value.as_number() == Some(*n),
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Number(n) => write!(f, "{}", AttrValue::Number(*n)),
            Scalar::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// How a rule tests a field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Case-insensitive substring: any of these occurs in the value.
    ContainsAny(Vec<String>),
    /// Case-insensitive equality with any of these.
    In(Vec<Scalar>),
    /// Numeric, both ends inclusive.
    Between(f64, f64),
    /// Numeric, `value >= n`.
    AtLeast(f64),
    /// Numeric, `value <= n`.
    AtMost(f64),
    /// The field is present and not blank.
    Exists,
}

impl Matcher {
    /// Whether a field's value passes. A missing field never matches.
    pub fn matches(&self, value: Option<&AttrValue>) -> bool {
        self.matches_value(value.map(AttrValue::as_field))
    }

    /// `matches` on a borrowed value: the scoring hot path copies nothing.
    pub fn matches_value(&self, value: Option<FieldValue<'_>>) -> bool {
        let Some(value) = value else {
            return false;
        };
        match self {
            Matcher::ContainsAny(needles) => match value {
                FieldValue::Text(t) => needles.iter().any(|n| contains_ignore_case(t, n)),
                FieldValue::Number(_) => {
                    let text = value.to_string();
                    needles.iter().any(|n| contains_ignore_case(&text, n))
                }
            },
            Matcher::In(options) => options.iter().any(|o| o.matches(value)),
            Matcher::Between(lo, hi) => value.as_number().is_some_and(|n| n >= *lo && n <= *hi),
            Matcher::AtLeast(lo) => value.as_number().is_some_and(|n| n >= *lo),
            Matcher::AtMost(hi) => value.as_number().is_some_and(|n| n <= *hi),
            Matcher::Exists => match value {
                FieldValue::Text(t) => !t.trim().is_empty(),
                FieldValue::Number(_) => true,
            },
        }
    }

    /// The matcher in plain words, for summaries and explanations.
    pub fn describe(&self) -> String {
        fn list<T: std::fmt::Display>(items: &[T]) -> String {
            items
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
        match self {
            Matcher::ContainsAny(n) => format!("contains any of {}", list(n)),
            Matcher::In(o) => format!("is one of {}", list(o)),
            Matcher::Between(lo, hi) => format!(
                "is between {} and {}",
                AttrValue::Number(*lo),
                AttrValue::Number(*hi)
            ),
            Matcher::AtLeast(n) => format!("is at least {}", AttrValue::Number(*n)),
            Matcher::AtMost(n) => format!("is at most {}", AttrValue::Number(*n)),
            Matcher::Exists => "is present".to_string(),
        }
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Case-insensitive substring test; allocates only for non-ASCII text.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(&needle.to_lowercase())
    }
}

/// A field name and the test applied to it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCondition {
    pub field: String,
    pub matcher: Matcher,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> AttrValue {
        AttrValue::Text(s.into())
    }

    #[test]
    fn contains_any_is_case_insensitive_substring() {
        let m = Matcher::ContainsAny(vec!["vp".into(), "Head of".into()]);
        assert!(m.matches(Some(&text("SVP Sales"))));
        assert!(m.matches(Some(&text("head of growth"))));
        assert!(!m.matches(Some(&text("Engineer"))));
        assert!(!m.matches(None));
    }

    #[test]
    fn in_is_case_insensitive_equality_and_numeric_for_numbers() {
        let m = Matcher::In(vec![Scalar::Text("US".into()), Scalar::Number(7.0)]);
        assert!(m.matches(Some(&text("us"))));
        assert!(!m.matches(Some(&text("USA"))));
        assert!(m.matches(Some(&AttrValue::Number(7.0))));
        assert!(m.matches(Some(&text("7"))));
    }

    #[test]
    fn numeric_matchers_are_inclusive_and_ignore_non_numbers() {
        let b = Matcher::Between(200.0, 5000.0);
        assert!(b.matches(Some(&AttrValue::Number(200.0))));
        assert!(b.matches(Some(&AttrValue::Number(5000.0))));
        assert!(!b.matches(Some(&AttrValue::Number(5001.0))));
        assert!(b.matches(Some(&text("250"))));
        assert!(!b.matches(Some(&text("big"))));
        assert!(Matcher::AtLeast(1000.0).matches(Some(&AttrValue::Number(1000.0))));
        assert!(!Matcher::AtLeast(1000.0).matches(Some(&AttrValue::Number(999.0))));
        assert!(Matcher::AtMost(10.0).matches(Some(&AttrValue::Number(10.0))));
    }

    #[test]
    fn exists_needs_a_non_blank_value() {
        assert!(Matcher::Exists.matches(Some(&text("x"))));
        assert!(!Matcher::Exists.matches(Some(&text("  "))));
        assert!(!Matcher::Exists.matches(None));
    }
}
