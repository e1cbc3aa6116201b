//! `/rules`: the configuration in force in plain words, the published versions, and the
//! published model's coefficients, calibration and lift, and what the backtest it was
//! published with said would change.

use std::collections::BTreeMap;

use axum::extract::State;
use leadflow::config::{describe_conditions, Config, NegativeEffect, NegativeTrigger};
use leadflow::domain::Tier;
use leadflow_api::ApiStore;
use maud::{html, Markup};

use crate::backtest;
use crate::error::PageError;
use crate::layout::{self, points, Nav};
use crate::model::ModelSummary;
use crate::svg::{self, Bar};
use crate::versions::PublishedVersion;
use crate::{Dashboard, VersionLog};

/// Versions listed in the history.
pub const VERSIONS_SHOWN: usize = 20;
/// Coefficients shown for a model.
pub const COEFFICIENTS_SHOWN: usize = 10;

pub async fn show<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
) -> Result<Markup, PageError> {
    let config = dashboard.api.config.current();
    let versions = dashboard.versions.published(VERSIONS_SHOWN).await?;
    let body = html! {
        h1 { "Rules in force" }
        (scoring(&config))
        (routing(&config))
        (sla(&config))
        (history(&versions))
        (model(versions.first()))
        @if let Some((latest, json)) = versions.first().and_then(|v| Some((v, v.backtest_json.as_deref()?))) {
            (backtest::panel(&latest.version, json))
        }
    };
    Ok(layout::page("Rules", Some(Nav::Rules), body))
}

fn signed(n: f64) -> String {
    if n > 0.0 {
        format!("+{}", points(n))
    } else {
        points(n)
    }
}

fn scoring(config: &Config) -> Markup {
    let s = &config.scoring;
    let e = &s.engagement;
    html! {
        section.panel #scoring {
            h2 { "Scoring" }
            p {
                "A lead is tier A from " (points(s.tiers.a)) ", B from " (points(s.tiers.b))
                ", C from " (points(s.tiers.c)) ", D below. It becomes marketing-qualified (MQL) at "
                strong { (points(s.mql_threshold)) } ", and loses a tier or MQL only when it falls "
                (points(s.demote_margin)) " below the threshold."
            }
            h3 { "Fit: who the lead is (at most " (points(s.fit.max)) " points)" }
            table #fit {
                thead { tr { th { "Rule" } th { "When" } th.num { "Points" } } }
                tbody {
                    @for rule in &s.fit.rules {
                        tr { td { (rule.name) } td { (describe_conditions(std::slice::from_ref(&rule.condition))) } td.num { (signed(rule.points)) } }
                    }
                }
            }
            h3 { "Engagement: what the lead does (at most " (points(e.max)) " points, half-life " (e.half_life) ")" }
            p.muted { "Each event's points halve every " (e.half_life) "." }
            table #signals {
                thead { tr { th { "Signal" } th.num { "Points per event" } th.num { "Cap" } } }
                tbody {
                    @for (name, signal) in &e.signals {
                        tr.signal { td { (name) } td.num { (signed(signal.points)) } td.num { (signal.cap.map(points).unwrap_or_else(|| "—".into())) } }
                    }
                }
            }
            h3 { "Penalties and disqualifiers" }
            @if s.negative.is_empty() { p.muted { "None." } }
            ul {
                @for rule in &s.negative {
                    li {
                        strong { (rule.name) } ": "
                        @match &rule.trigger {
                            NegativeTrigger::Field(c) => { "when " (describe_conditions(std::slice::from_ref(c))) }
                            NegativeTrigger::Signal(signal) => { "after a " (signal) " event" }
                        }
                        ", "
                        @match &rule.effect {
                            NegativeEffect::Penalty(p) => { (signed(*p)) " points" }
                            NegativeEffect::Disqualify(reason) => { "disqualified (" (reason) ")" }
                        }
                    }
                }
            }
        }
    }
}

fn routing(config: &Config) -> Markup {
    let r = &config.routing;
    let mut teams: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for rep in &config.reps {
        teams
            .entry(rep.team.as_str())
            .or_default()
            .push(rep.id.as_str());
    }
    let strategy = match r.strategy {
        leadflow::config::Strategy::RoundRobin => "round robin: each eligible rep in turn",
        leadflow::config::Strategy::Weighted => {
            "weighted: each rep's share in proportion to its weight"
        }
        leadflow::config::Strategy::LeastLoaded => {
            "least loaded: the eligible rep with the fewest open leads"
        }
    };
    html! {
        section.panel #routing {
            h2 { "Routing" }
            p {
                "Strategy " strong { (strategy) } ". "
                @if r.account_match { "A lead of a known account goes to the account's owner first. " }
                @if r.respect_working_hours { "Reps receive leads only during their working hours. " }
                "A lead nobody can take waits in " code { (r.fallback) } "."
            }
            table #routing-rules {
                thead { tr { th { "#" } th { "Rule" } th { "When" } th { "Team" } th { "Reps" } } }
                tbody {
                    @for (i, rule) in r.rules.iter().enumerate() {
                        tr {
                            td { (i + 1) } td { (rule.name) } td { (describe_conditions(&rule.when)) } td { (rule.team) }
                            td { (teams.get(rule.team.as_str()).map(|ids| ids.join(", ")).unwrap_or_else(|| "no reps".into())) }
                        }
                    }
                }
            }
        }
    }
}

fn sla(config: &Config) -> Markup {
    html! {
        section.panel #sla {
            h2 { "Response-time targets" }
            p.muted { "Checked every " (config.sla.check_interval) "." }
            table {
                thead { tr { th { "Tier" } th { "First response within" } th { "Reassigned after a breach" } } }
                tbody {
                    @for tier in Tier::ALL {
                        tr {
                            td { (tier) }
                            @match config.sla.tiers.get(&tier) {
                                Some(t) => { td { (t.first_response) } td { (t.reassign_after.map(|d| d.to_string()).unwrap_or_else(|| "never".into())) } }
                                None => { td colspan="2" { "no target" } }
                            }
                        }
                    }
                }
            }
            @if let Some(f) = &config.sla.follow_up {
                p { "After the first contact, " (f.touches) " more touches within " (f.within) "." }
            }
        }
    }
}

fn history(versions: &[PublishedVersion]) -> Markup {
    html! {
        section.panel #versions {
            h2 { "Version history" }
            @if versions.is_empty() {
                p.muted { "Nothing published yet: the configuration file is in force (" code { "leadflow publish" } " records a version)." }
            } @else {
                table {
                    thead { tr { th { "#" } th { "Version" } th { "Changed" } th { "When" } th { "By" } th { "What changed" } } }
                    tbody {
                        @for v in versions {
                            tr {
                                td { (v.seq) } td { code { (v.version) } } td { (v.kind) }
                                td { (layout::time(v.published_at)) } td { (v.published_by) }
                                td {
                                    @if let Some(note) = &v.note { p { em { (note) } } }
                                    ul { @for line in &v.summary { li { (line) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn model(latest: Option<&PublishedVersion>) -> Markup {
    let Some((json, weight)) =
        latest.and_then(|v| Some((v.model_json.as_deref()?, v.model_weight?)))
    else {
        return html! {
            section.panel #model { h2 { "Predictive model" } p.muted { "No model is published: scores come from the rules alone." } }
        };
    };
    let model = match ModelSummary::parse(json) {
        Ok(m) => m,
        Err(e) => {
            return html! {
                section.panel #model { h2 { "Predictive model" } p.error { "The published model file does not read: " (e.to_string()) } }
            }
        }
    };
    let m = &model.metrics;
    let calibration: Vec<(f64, f64)> = m
        .calibration
        .iter()
        .map(|b| (b.mean_predicted, b.observed_rate))
        .collect();
    let lift: Vec<Bar> = m
        .tiers
        .iter()
        .map(|t| Bar {
            label: t.tier.to_string(),
            value: t.lift.unwrap_or(0.0),
        })
        .collect();
    html! {
        section.panel #model {
            h2 { "Predictive model " code { (model.model_version) } }
            p {
                "Blended at weight " (points(weight)) " (total = " (points(1.0 - weight)) " × rules + "
                (points(weight)) " × probability × 100). Trained " (layout::time(model.trained_at))
                " to predict " code { (model.target) } "; on " (m.rows) " held-out leads ("
                (m.positives) " converted) its AUC is " (format!("{:.3}", m.auc)) "."
            }
            h3 { "Largest coefficients" }
            table #coefficients {
                thead { tr { th { "Feature" } th.num { "Weight (log-odds)" } } }
                tbody {
                    @for c in model.largest_coefficients(COEFFICIENTS_SHOWN) {
                        tr { td { (c.column) } td.num { (format!("{:+.3}", c.weight)) } }
                    }
                }
            }
            div.grid2 {
                div { h3 { "Calibration by decile" } (svg::calibration("Predicted against observed conversion by decile", &calibration)) }
                div { h3 { "Lift by tier" } (svg::bars("Conversion lift by tier against the average", &lift)) }
            }
            h3 { "What the held-out evaluation says by tier" }
            table #tier-outcomes {
                thead { tr { th { "Tier" } th.num { "Leads" } th.num { "Converted" } th.num { "Rate" } th.num { "Lift" } } }
                tbody {
                    @for t in &m.tiers {
                        tr {
                            td { (t.tier) } td.num { (t.leads) } td.num { (t.conversions) }
                            td.num { (t.conversion_rate.map(|r| format!("{:.1} %", r * 100.0)).unwrap_or_else(|| "—".into())) }
                            td.num { (t.lift.map(|l| format!("{l:.2}×")).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
            @if let Some(v) = latest {
                h3 { "What publishing it changed" }
                ul { @for line in &v.summary { li { (line) } } }
            }
        }
    }
}
