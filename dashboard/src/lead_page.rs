//! `/leads/{id}`: who the lead is, why it scores what it scores (lines that add up to the
//! total), its score over time, the routing decisions as they were recorded when made (never
//! recomputed), its SLA timeline and every disposition.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use leadflow::domain::{HistoryEntry, HistoryKind, Lead, Source};
use leadflow::routing::{Candidate, Outcome, RoutingDecision, Verdict, Via};
use leadflow_api::ApiStore;
use maud::{html, Markup};
use serde_json::Value;

use crate::error::PageError;
use crate::layout::{self, points, Nav};
use crate::svg;
use crate::{Dashboard, VersionLog};

pub async fn show<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    Path(lead_id): Path<String>,
) -> Result<Markup, PageError> {
    let store = &dashboard.api.store;
    let lead = store
        .lead(&lead_id)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("No lead has the id {lead_id:?}.")))?;
    let history = store.history(&lead_id).await?;
    let body = html! {
        h1 { "Lead " (lead.id) }
        div.grid2 {
            section.panel { h2 { "Who" } (attributes(&lead)) }
            section.panel { h2 { "Why it scores " (points(lead.score.total)) } (explanation(&lead)) }
        }
        section.panel { h2 { "Score over time" } (score_over_time(&history)) }
        section.panel #routing { h2 { "Routing" } (routing(&history)) }
        section.panel #sla { h2 { "SLA timeline" } (sla_timeline(&lead, &history)) }
        section.panel #dispositions { h2 { "Dispositions" } (dispositions(&history)) }
    };
    Ok(layout::page(
        &format!("Lead {}", lead.id),
        Some(Nav::Leads),
        body,
    ))
}

fn attributes(lead: &Lead) -> Markup {
    html! {
        dl.attrs {
            dt { "Email" } dd { (lead.email.as_deref().unwrap_or("—")) }
            dt { "Status" } dd { (lead.status) }
            dt { "Tier" } dd { (lead.tier) @if lead.mql { " · MQL" } }
            dt { "Owner" } dd { (lead.owner_id().unwrap_or("—")) }
            @if !lead.previous_owners.is_empty() {
                dt { "Previous owners" } dd { (lead.previous_owners.join(", ")) }
            }
            dt { "Created" } dd { (layout::time(lead.created_at)) }
            @if let Some(reason) = &lead.disqualify_reason { dt { "Disqualified" } dd { (reason) } }
            @if !lead.external_ids.is_empty() { dt { "External ids" } dd { (lead.external_ids.join(", ")) } }
            @for (key, value) in &lead.attributes {
                dt { (key) } dd { (value.to_string()) }
            }
        }
    }
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Fit => "fit",
        Source::Engagement => "engagement",
        Source::Negative => "negative",
        Source::Model => "model",
    }
}

/// Every contribution and their sum. The total is the sum clamped to 0–100; when clamping
/// changed it, the page says so instead of showing lines that do not add up.
fn explanation(lead: &Lead) -> Markup {
    let score = &lead.score;
    let sum: f64 = score.explanation.iter().map(|c| c.points).sum();
    let clamped = (sum - score.total).abs() > 0.005;
    html! {
        table #explanation {
            thead { tr { th { "Source" } th { "Rule" } th.num { "Points" } } }
            tbody {
                @for c in &score.explanation {
                    tr.contribution {
                        td { (source_name(c.source)) }
                        td {
                            (c.rule)
                            @if let Some(reason) = &c.disqualify { " " span.bad { "(disqualifies: " (reason) ")" } }
                            @if let Some(log_odds) = c.log_odds { " " span.muted { "(log-odds " (format!("{log_odds:+.3}")) ")" } }
                        }
                        td.num.points { (points(c.points)) }
                    }
                }
                tr.sum { td colspan="2" { "Sum" } td.num #sum { (points(sum)) } }
                @if clamped {
                    tr { td colspan="2" { "Total (the sum kept within 0–100)" } td.num #total { (points(score.total)) } }
                }
            }
        }
        p.muted { "Computed " (layout::time(score.computed_at)) " with " (score.model_version) "." }
    }
}

fn score_over_time(history: &[HistoryEntry]) -> Markup {
    let scores: Vec<(DateTime<Utc>, f64)> = history
        .iter()
        .filter(|e| e.kind == HistoryKind::Scored)
        .filter_map(|e| e.detail()["total"].as_f64().map(|t| (e.at, t)))
        .collect();
    svg::line_over_time("The lead's score over time", &scores, 100.0)
}

fn verdict(candidate: &Candidate) -> String {
    match candidate.verdict {
        Verdict::Eligible => "eligible".to_string(),
        Verdict::Skipped { reason } => format!("skipped: {}", reason.as_str().replace('_', " ")),
    }
}

/// Each routing decision as recorded in the history when it was made.
fn routing(history: &[HistoryEntry]) -> Markup {
    let decisions: Vec<(&HistoryEntry, RoutingDecision, Value)> = history
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                HistoryKind::Assigned
                    | HistoryKind::Reassigned
                    | HistoryKind::RoutingFallback
                    | HistoryKind::Escalated
            )
        })
        .filter_map(|e| {
            let detail = e.detail();
            serde_json::from_value(detail.clone())
                .ok()
                .map(|d| (e, d, detail))
        })
        .collect();
    html! {
        @if decisions.is_empty() { p.muted { "Not routed yet." } }
        @for (entry, decision, detail) in &decisions {
            article.decision {
                h3 {
                    (layout::time(entry.at)) " · "
                    @match &decision.outcome {
                        Outcome::Assigned { rep_id, via } => {
                            @if entry.kind == HistoryKind::Reassigned {
                                "reassigned from " (detail["from"].as_str().unwrap_or("?")) " to "
                            } @else { "assigned to " }
                            strong.owner { (rep_id) }
                            @if *via == Via::AccountOwner { " (the account's owner)" }
                        }
                        Outcome::Fallback { .. } if entry.kind == HistoryKind::Escalated => {
                            "reassignment skipped: nobody else could take it, so it stays with "
                            strong.owner { (detail["kept_by"].as_str().unwrap_or("?")) }
                            " and the manager was told"
                        }
                        Outcome::Fallback { queue, reason } => {
                            "waiting in " (queue) ": " (serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(|s| s.replace('_', " "))).unwrap_or_default())
                        }
                    }
                }
                p {
                    "Rule " strong.rule { (decision.rule.as_deref().unwrap_or("none matched")) }
                    ", team " (decision.team.as_deref().unwrap_or("—"))
                    ", strategy " span.strategy { (decision.strategy.as_str().replace('_', " ")) } "."
                    @if decision.previous_owner_only { " Only previous owners were free." }
                    @if let Some(pool) = &decision.pool_update {
                        " Rotation pick #" (pool.pick) " of team " (pool.team) "."
                    }
                }
                @if let Some(owner) = &decision.account_owner {
                    p { "Account owner " (owner.rep_id) ": " (verdict(owner)) }
                }
                table.candidates {
                    thead { tr { th { "Rep" } th.num { "Open / capacity" } th { "Verdict" } } }
                    tbody {
                        @for c in &decision.candidates {
                            tr.candidate data-rep=(c.rep_id) {
                                td { (c.rep_id) @if decision.assigned_rep() == Some(c.rep_id.as_str()) { " ✔ got it" } }
                                td.num { (c.open_leads) " / " (c.capacity) }
                                td.verdict { (verdict(c)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Assignments, deadlines, contact, breaches and reassignments in time order.
fn sla_timeline(lead: &Lead, history: &[HistoryEntry]) -> Markup {
    let mut lines: Vec<(DateTime<Utc>, String)> = history
        .iter()
        .filter_map(|e| {
            let d = e.detail();
            let rep = d["rep_id"].as_str().unwrap_or("?").to_string();
            let text = match e.kind {
                HistoryKind::Assigned => format!("assigned to {rep}"),
                HistoryKind::Reassigned => format!(
                    "reassigned from {} to {rep}",
                    d["from"].as_str().unwrap_or("?")
                ),
                HistoryKind::SlaBreached => format!("SLA breached by {rep}"),
                HistoryKind::Escalated => format!(
                    "reassignment due, but nobody else could take the lead: it stays with {rep} and the manager was told"
                ),
                HistoryKind::FollowUpMissed => "follow-up cadence missed".to_string(),
                HistoryKind::Disposition => {
                    format!(
                        "{} → {} by {rep}",
                        d["from"].as_str().unwrap_or("?"),
                        d["to"].as_str().unwrap_or("?")
                    )
                }
                HistoryKind::Recycled => "recycled".to_string(),
                HistoryKind::Reactivated => "reactivated".to_string(),
                _ => return None,
            };
            Some((e.at, text))
        })
        .collect();
    if let Some(clock) = &lead.sla {
        let due = clock.first_response_due_at;
        let state = match (clock.responded_at, clock.breached_at) {
            (Some(_), _) => "first response due (met)",
            (None, Some(_)) => "first response due (missed)",
            (None, None) => "first response due (open)",
        };
        lines.push((due, format!("{state} for tier {}", clock.tier)));
    }
    lines.sort_by_key(|(at, _)| *at);
    html! {
        @if lines.is_empty() { p.muted { "No SLA clock has run." } }
        ol.timeline {
            @for (at, text) in &lines { li { (layout::time(*at)) " — " (text) } }
        }
    }
}

fn dispositions(history: &[HistoryEntry]) -> Markup {
    let entries: Vec<(&HistoryEntry, Value)> = history
        .iter()
        .filter(|e| e.kind == HistoryKind::Disposition)
        .map(|e| (e, e.detail()))
        .collect();
    html! {
        @if entries.is_empty() { p.muted { "None recorded." } }
        @else {
            table {
                thead { tr { th { "When" } th { "Details" } } }
                tbody {
                    @for (entry, detail) in &entries {
                        tr {
                            td { (layout::time(entry.at)) }
                            td {
                                @if let Some(map) = detail.as_object() {
                                    @for (k, v) in map {
                                        span.muted { (k) ": " } (v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())) " "
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
