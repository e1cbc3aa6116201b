//! How one raw CSV cell is read: missing, a number, or a categorical level.

/// Cell values that mean "nothing was entered" (compared trimmed and case-insensitively).
/// `Select` is the web form's unchosen drop-down.
pub const MISSING_PLACEHOLDERS: [&str; 6] = ["", "select", "na", "n/a", "null", "nan"];

/// The level used for a missing categorical value.
pub const MISSING_LEVEL: &str = "__missing__";

/// The level for rare levels in training and for levels never seen in training.
pub const OTHER_LEVEL: &str = "__other__";

pub fn is_missing(raw: &str) -> bool {
    let trimmed = raw.trim();
    MISSING_PLACEHOLDERS
        .iter()
        .any(|placeholder| trimmed.eq_ignore_ascii_case(placeholder))
}

/// A finite number, or `None` when the cell is missing or not a number.
pub fn parse_number(raw: &str) -> Option<f64> {
    if is_missing(raw) {
        return None;
    }
    raw.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The categorical level of a cell: trimmed and lower-cased, or [`MISSING_LEVEL`].
pub fn level_of(raw: Option<&str>) -> String {
    match raw {
        Some(raw) if !is_missing(raw) => raw.trim().to_lowercase(),
        _ => MISSING_LEVEL.to_string(),
    }
}

/// An outcome cell: 1/0, true/false, yes/no (case-insensitive).
pub fn parse_outcome(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "1.0" | "true" | "yes" => Some(true),
        "0" | "0.0" | "false" | "no" => Some(false),
        _ => None,
    }
}
