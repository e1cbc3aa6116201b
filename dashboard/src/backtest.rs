//! What the rules page reads of the backtest a version was published with (`leadflow backtest
//! --json`, attached by `leadflow publish --backtest`): AUC and conversion by tier of each
//! scoring, and how many historical leads change tier. Only these fields are read, so the
//! dashboard does not build the training crate.

use leadflow::domain::Tier;
use maud::{html, Markup};
use serde::Deserialize;

use crate::svg::{self, Bar};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BacktestSummary {
    pub rows: usize,
    pub positives: usize,
    pub candidates: Vec<Candidate>,
    #[serde(default)]
    pub baseline: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Candidate {
    pub outcome: Outcome,
    #[serde(default)]
    pub changes: Option<TierChanges>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Outcome {
    pub label: String,
    pub version: String,
    pub auc: Option<f64>,
    pub tiers: Vec<TierConversion>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TierConversion {
    pub tier: Tier,
    pub leads: usize,
    pub conversions: usize,
    pub conversion_rate: Option<f64>,
    pub lift: Option<f64>,
}

/// `moves[from][to]`, tiers in the order A, B, C, D.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TierChanges {
    pub moves: [[usize; 4]; 4],
    pub changed: usize,
    pub up: usize,
    pub down: usize,
}

impl BacktestSummary {
    pub fn parse(json: &str) -> Result<BacktestSummary, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The candidate that tested `version` (publish refuses a report without one).
    pub fn candidate(&self, version: &str) -> Option<&Candidate> {
        self.candidates
            .iter()
            .find(|c| c.outcome.version == version)
    }
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1} %", r * 100.0))
}

fn auc(a: Option<f64>) -> String {
    a.map_or_else(|| "—".into(), |a| format!("{a:.3}"))
}

fn conversion_bars(outcome: &Outcome) -> Vec<Bar> {
    outcome
        .tiers
        .iter()
        .map(|t| Bar {
            label: t.tier.to_string(),
            value: t.conversion_rate.unwrap_or(0.0) * 100.0,
        })
        .collect()
}

/// The panel for the version `version`, published with `json` attached.
pub fn panel(version: &str, json: &str) -> Markup {
    let summary = match BacktestSummary::parse(json) {
        Ok(s) => s,
        Err(e) => {
            return html! {
                section.panel #backtest { h2 { "What its backtest said" } p.error { "The attached backtest report does not read: " (e.to_string()) } }
            }
        }
    };
    let Some(candidate) = summary.candidate(version) else {
        return html! {
            section.panel #backtest { h2 { "What its backtest said" } p.error { "The attached backtest report did not test " code { (version) } "." } }
        };
    };
    let outcomes: Vec<&Outcome> = std::iter::once(&candidate.outcome)
        .chain(summary.baseline.as_ref())
        .collect();
    let overall = summary.positives as f64 / summary.rows.max(1) as f64;
    html! {
        section.panel #backtest {
            h2 { "What its backtest said would change" }
            p {
                "Before it was published, " code { (version) } " scored " (summary.rows)
                " historical leads (" (summary.positives) " converted, " (rate(Some(overall))) ")."
                @if let (Some(changes), Some(baseline)) = (&candidate.changes, &summary.baseline) {
                    " Against " (baseline.label) " (" code { (baseline.version) } "), "
                    strong { (changes.changed) " leads change tier" } ": " (changes.up)
                    " to a hotter tier, " (changes.down) " to a colder one."
                }
            }
            table #backtest-outcomes {
                thead {
                    tr {
                        th { "Scoring" } th { "Version" } th.num { "AUC" }
                        @for tier in Tier::ALL { th.num { "Tier " (tier) " converts" } }
                    }
                }
                tbody {
                    @for o in &outcomes {
                        tr {
                            td { (o.label) } td { code { (o.version) } } td.num { (auc(o.auc)) }
                            @for tier in Tier::ALL {
                                td.num {
                                    @if let Some(t) = o.tiers.iter().find(|t| t.tier == tier) {
                                        (rate(t.conversion_rate)) " of " (t.leads)
                                    } @else { "—" }
                                }
                            }
                        }
                    }
                }
            }
            div.grid2 {
                @for o in &outcomes {
                    div {
                        h3 { "Conversion by tier: " (o.label) }
                        (svg::bars(&format!("Conversion rate (%) by tier, {}", o.label), &conversion_bars(o)))
                    }
                }
            }
            @if let Some(changes) = &candidate.changes {
                h3 { "Tier moves (rows: before, columns: after)" }
                table #tier-moves {
                    thead { tr { th { "from \\ to" } @for tier in Tier::ALL { th.num { (tier) } } } }
                    tbody {
                        @for (i, from) in Tier::ALL.iter().enumerate() {
                            tr {
                                td { (from) }
                                @for n in changes.moves[i] { td.num { (n) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
