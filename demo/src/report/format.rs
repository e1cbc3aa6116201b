//! How figures are written in the report: plain ASCII, short, with thousands separators.

/// 1234567 -> "1,234,567".
pub fn count(n: usize) -> String {
    group(&n.to_string())
}

/// Dollars, rounded to the dollar: 1234.6 -> "$1,235".
pub fn money(amount: f64) -> String {
    let rounded = amount.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!("{sign}${}", group(&format!("{:.0}", rounded.abs())))
}

/// A share as a percentage with one decimal; "-" when there is nothing to divide by.
pub fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    format!("{:.1}%", 100.0 * part as f64 / whole as f64)
}

/// A duration in seconds, as precisely as it matters at its size: "45s", "4m 30s", "42m",
/// "3h 20m", "2d 4h". "-" when there is none.
pub fn duration(seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "-".to_string();
    };
    let s = s.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..600 => format!("{}m {:02}s", s / 60, s % 60),
        600..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h {:02}m", s / 3_600, (s % 3_600) / 60),
        _ => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// The median of some durations in seconds (the lower middle of an even count, so that the
/// figure is one that really happened).
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Some(sorted[(sorted.len() - 1) / 2])
}

fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_money_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(money(1234.6), "$1,235");
        assert_eq!(money(0.0), "$0");
    }

    #[test]
    fn durations_keep_the_precision_that_matters() {
        assert_eq!(duration(None), "-");
        assert_eq!(duration(Some(45)), "45s");
        assert_eq!(duration(Some(270)), "4m 30s");
        assert_eq!(duration(Some(42 * 60 + 10)), "42m");
        assert_eq!(duration(Some(3 * 3600 + 20 * 60)), "3h 20m");
        assert_eq!(duration(Some(2 * 86_400 + 4 * 3600 + 59)), "2d 04h");
    }

    #[test]
    fn median_is_a_value_that_happened() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5, 1, 3]), Some(3));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
    }

    #[test]
    fn percent_of_nothing_is_a_dash() {
        assert_eq!(percent(1, 0), "-");
        assert_eq!(percent(1, 3), "33.3%");
    }
}
