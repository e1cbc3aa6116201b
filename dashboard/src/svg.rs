//! Charts as inline SVG, drawn here: bars, a histogram with threshold lines, a line over time.
//! Each chart carries a `<title>` and its numbers as text, so it reads without the picture.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 14.0;

/// One labelled bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// A vertical line at `x` on a histogram's axis (a tier floor, the MQL threshold).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub label: String,
    pub at: f64,
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

fn y_of(value: f64, max: f64) -> f64 {
    TOP + plot_height() * (1.0 - if max > 0.0 { value / max } else { 0.0 })
}

fn axis(max: f64, format: fn(f64) -> String) -> Markup {
    html! {
        line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) stroke="#8a94a6" {}
        line x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) stroke="#8a94a6" {}
        text x=(LEFT - 4.0) y=(TOP + 4.0) text-anchor="end" { (format(max)) }
        text x=(LEFT - 4.0) y=(HEIGHT - BOTTOM) text-anchor="end" { "0" }
    }
}

fn whole(n: f64) -> String {
    format!("{n:.0}")
}

fn one_decimal(n: f64) -> String {
    format!("{n:.1}")
}

/// Bars side by side, each labelled below and valued above.
pub fn bars(title: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let slot = (WIDTH - LEFT) / bars.len().max(1) as f64;
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT) role="img" {
            title { (title) }
            (axis(max, whole))
            @for (i, bar) in bars.iter().enumerate() {
                @let x = LEFT + slot * i as f64 + slot * 0.15;
                @let y = y_of(bar.value, max);
                rect x=(x) y=(y) width=(slot * 0.7) height=(HEIGHT - BOTTOM - y) fill="#2457c5" {
                    title { (bar.label) ": " (one_decimal_trim(bar.value)) }
                }
                text x=(x + slot * 0.35) y=(y - 3.0) text-anchor="middle" { (one_decimal_trim(bar.value)) }
                text x=(x + slot * 0.35) y=(HEIGHT - BOTTOM + 14.0) text-anchor="middle" { (bar.label) }
            }
        }
    }
}

fn one_decimal_trim(n: f64) -> String {
    let s = one_decimal(n);
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A histogram over `[0, x_max]`: `counts[i]` leads in the i-th of equal bins, with markers
/// drawn as labelled vertical lines.
pub fn histogram(title: &str, counts: &[u64], x_max: f64, markers: &[Marker]) -> Markup {
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let plot_width = WIDTH - LEFT;
    let bin = plot_width / counts.len().max(1) as f64;
    let x_of = |v: f64| LEFT + plot_width * (v / x_max).clamp(0.0, 1.0);
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT) role="img" {
            title { (title) }
            (axis(max, whole))
            @for (i, count) in counts.iter().enumerate() {
                @let y = y_of(*count as f64, max);
                rect x=(LEFT + bin * i as f64 + 0.5) y=(y) width=(bin - 1.0) height=(HEIGHT - BOTTOM - y) fill="#7a9be0" {
                    title {
                        (whole(x_max * i as f64 / counts.len() as f64)) "–"
                        (whole(x_max * (i + 1) as f64 / counts.len() as f64)) ": " (count)
                    }
                }
            }
            text x=(WIDTH - 2.0) y=(HEIGHT - BOTTOM + 14.0) text-anchor="end" { (whole(x_max)) }
            @for marker in markers {
                line x1=(x_of(marker.at)) y1=(TOP) x2=(x_of(marker.at)) y2=(HEIGHT - BOTTOM)
                    stroke="#b42318" stroke-dasharray="4 3" {}
                text x=(x_of(marker.at) + 3.0) y=(TOP + 10.0) { (marker.label) " " (one_decimal_trim(marker.at)) }
            }
        }
    }
}

/// A line through `(time, value)` points in time order, the value axis from 0 to `y_max`.
pub fn line_over_time(title: &str, points: &[(DateTime<Utc>, f64)], y_max: f64) -> Markup {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return html! { p.muted { "No data." } };
    };
    let span = (last.0 - first.0).num_seconds().max(1) as f64;
    let plot_width = WIDTH - LEFT - 10.0;
    let x_of = |at: DateTime<Utc>| LEFT + plot_width * (at - first.0).num_seconds() as f64 / span;
    let path: Vec<String> = points
        .iter()
        .map(|(at, v)| format!("{:.1},{:.1}", x_of(*at), y_of(*v, y_max)))
        .collect();
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT) role="img" {
            title { (title) }
            (axis(y_max, whole))
            polyline points=(path.join(" ")) fill="none" stroke="#2457c5" stroke-width="2" {}
            @for (at, v) in points {
                circle cx=(x_of(*at)) cy=(y_of(*v, y_max)) r="3" fill="#2457c5" {
                    title { (crate::layout::time(*at)) ": " (one_decimal_trim(*v)) }
                }
            }
            text x=(LEFT) y=(HEIGHT - BOTTOM + 14.0) { (first.0.format("%Y-%m-%d")) }
            text x=(WIDTH - 2.0) y=(HEIGHT - BOTTOM + 14.0) text-anchor="end" { (last.0.format("%Y-%m-%d")) }
        }
    }
}

/// Predicted against observed rates (both 0–1) per decile, with the diagonal of perfect
/// calibration.
pub fn calibration(title: &str, points: &[(f64, f64)]) -> Markup {
    let size = HEIGHT - TOP - BOTTOM;
    let x_of = |p: f64| LEFT + size * p.clamp(0.0, 1.0);
    let y_of = |p: f64| TOP + size * (1.0 - p.clamp(0.0, 1.0));
    html! {
        svg.chart viewBox={ "0 0 " (LEFT + size + 20.0) " " (HEIGHT) } width=(LEFT + size + 20.0) height=(HEIGHT) role="img" {
            title { (title) }
            line x1=(x_of(0.0)) y1=(y_of(0.0)) x2=(x_of(1.0)) y2=(y_of(1.0)) stroke="#8a94a6" stroke-dasharray="4 3" {}
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(TOP + size) stroke="#8a94a6" {}
            line x1=(LEFT) y1=(TOP + size) x2=(LEFT + size) y2=(TOP + size) stroke="#8a94a6" {}
            text x=(LEFT - 4.0) y=(TOP + 4.0) text-anchor="end" { "1" }
            text x=(LEFT + size) y=(TOP + size + 14.0) text-anchor="end" { "predicted 1" }
            @for (predicted, observed) in points {
                circle cx=(x_of(*predicted)) cy=(y_of(*observed)) r="4" fill="#2457c5" {
                    title { "predicted " (format!("{predicted:.3}")) ", observed " (format!("{observed:.3}")) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_numbers() {
        let b = bars(
            "speed",
            &[
                Bar {
                    label: "< 5 min".into(),
                    value: 12.0,
                },
                Bar {
                    label: "never".into(),
                    value: 3.0,
                },
            ],
        )
        .into_string();
        assert!(b.starts_with("<svg"));
        assert!(b.contains("&lt; 5 min") && b.contains(">12<") && b.contains(">3<"));
        let h = histogram(
            "scores",
            &[1, 4, 2],
            100.0,
            &[Marker {
                label: "MQL".into(),
                at: 60.0,
            }],
        )
        .into_string();
        assert_eq!(h.matches("<rect").count(), 3);
        assert!(h.contains("MQL 60"));
        let t0: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
        let l = line_over_time(
            "score",
            &[(t0, 10.0), (t0 + chrono::TimeDelta::days(1), 40.0)],
            100.0,
        )
        .into_string();
        assert_eq!(l.matches("<circle").count(), 2);
        assert!(line_over_time("empty", &[], 100.0)
            .into_string()
            .contains("No data"));
    }
}
