//! The overview's panels as HTML: every figure comes from `Overview`, computed by the same code
//! as `GET /v1/metrics`; nothing is recomputed here but sums for the charts.

use leadflow::domain::{Rep, Tier};
use leadflow::metrics::overview::{
    FunnelRow, Headline, Overview, OverviewTable, SpeedBands, TeamFairness,
};
use maud::{html, Markup};

use crate::layout::{self, lead_link, points};
use crate::overview_filters::Filters;
use crate::svg::{self, Bar, Marker};

/// `3m 20s`, `2h 05m`, `3d 4h`; a dash for nothing measured.
pub fn duration(seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "—".to_string();
    };
    let sign = if s < 0 { "−" } else { "" };
    let s = s.abs();
    let text = match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86400, s % 86400 / 3600),
    };
    format!("{sign}{text}")
}

/// `87.5 %`; a dash for nothing measured.
pub fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1} %", r * 100.0))
        .unwrap_or_else(|| "—".to_string())
}

fn amount(a: f64) -> String {
    format!("{a:.0}")
}

fn csv_link(filters: &Filters, table: OverviewTable) -> Markup {
    html! {
        a.csv href={ "/overview.csv?table=" (table.as_str()) "&" (filters.query_string()) }
            download={ (table.as_str()) ".csv" } { "CSV" }
    }
}

pub fn render(o: &Overview, filters: &Filters, reps: &[Rep]) -> Markup {
    let mut teams: Vec<&str> = reps.iter().map(|r| r.team.as_str()).collect();
    teams.sort_unstable();
    teams.dedup();
    html! {
        h1 { "Overview" }
        (filter_form(filters, reps, &teams))
        p.muted {
            "Leads created " (filters.from) " to " (filters.to) ", figures as of "
            (layout::time(o.as_of)) "; the previous period is the " (o.query.length().num_days())
            " days before."
        }
        (headline(o, filters))
        h2 { "At risk and breached" (csv_link(filters, OverviewTable::Queue)) }
        (queue(o))
        h2 { "Speed to lead" (csv_link(filters, OverviewTable::Speed)) }
        (speed(o))
        h2 { "Reps" (csv_link(filters, OverviewTable::Reps)) }
        (rep_table(o))
        h2 { "Teams" (csv_link(filters, OverviewTable::Teams)) }
        (team_table(o))
        h2 { "Fairness" (csv_link(filters, OverviewTable::Fairness)) }
        @for team in &o.fairness { (fairness(team)) }
        h2 { "Funnel" (csv_link(filters, OverviewTable::Funnel)) }
        (funnel(&o.funnel))
        h2 { "Does the score deserve trust?" (csv_link(filters, OverviewTable::Score)) }
        (score(o))
    }
}

fn filter_form(f: &Filters, reps: &[Rep], teams: &[&str]) -> Markup {
    html! {
        form.filters #filters method="get" action="/" {
            label { "From" input type="date" name="from" value=(f.from); }
            label { "To" input type="date" name="to" value=(f.to); }
            label { "Team"
                select name="team" {
                    option value="" { "all" }
                    @for t in teams { option value=(t) selected[f.team.as_deref() == Some(*t)] { (t) } }
                }
            }
            label { "Rep"
                select name="rep" {
                    option value="" { "all" }
                    @for r in reps { option value=(r.id) selected[f.rep.as_deref() == Some(r.id.as_str())] { (r.name) } }
                }
            }
            label { "Tier"
                select name="tier" {
                    option value="" { "all" }
                    @for t in Tier::ALL { option value=(t) selected[f.tier == Some(t)] { (t) } }
                }
            }
            label { "Source" input type="text" name="source" value=[f.source.as_deref()] placeholder="any"; }
            button type="submit" { "Apply" }
        }
    }
}

fn figure(id: &str, label: &str, now: String, before: String) -> Markup {
    html! {
        div.figure id=(id) {
            div.value { (now) }
            div.label { (label) }
            div.previous { "previous period: " span.before { (before) } }
        }
    }
}

fn headline(o: &Overview, filters: &Filters) -> Markup {
    let (h, p): (&Headline, &Headline) = (&o.headline, &o.previous);
    html! {
        h2 { "Headline" (csv_link(filters, OverviewTable::Headline)) }
        div.strip #headline {
            (figure("leads", "leads", h.leads.to_string(), p.leads.to_string()))
            (figure("within-sla", "touched within SLA", rate(h.touched_within_sla_rate), rate(p.touched_within_sla_rate)))
            (figure("p50", "p50 first response", duration(h.p50_first_response_seconds), duration(p.p50_first_response_seconds)))
            (figure("p90", "p90 first response", duration(h.p90_first_response_seconds), duration(p.p90_first_response_seconds)))
            (figure("open-breaches", "open breaches", h.open_breaches.to_string(), p.open_breaches.to_string()))
            (figure("mql-acceptance", "MQL acceptance", rate(h.mql_acceptance_rate), rate(p.mql_acceptance_rate)))
            (figure("mql-to-sql", "MQL → SQL", rate(h.mql_to_sql_rate), rate(p.mql_to_sql_rate)))
        }
    }
}

/// Rows of the at-risk queue on the page (breaches first); the CSV has them all.
pub const QUEUE_SHOWN: usize = 200;

fn queue(o: &Overview) -> Markup {
    let hidden = o.queue.len().saturating_sub(QUEUE_SHOWN);
    html! {
        @if o.queue.is_empty() { p.muted { "No open first-response clock." } }
        @else {
            @if hidden > 0 {
                p.muted { "The first " (QUEUE_SHOWN) " of " (o.queue.len()) " open clocks; the CSV has every one." }
            }
            table #queue {
                thead { tr { th { "Lead" } th { "Name" } th { "Tier" } th.num { "Score" } th { "Owner" } th { "Deadline" } th.num { "Time left" } } }
                tbody {
                    @for row in o.queue.iter().take(QUEUE_SHOWN) {
                        tr class=[row.breached.then_some("breached")] {
                            td { (lead_link(&row.lead_id)) }
                            td { (row.name.as_deref().or(row.email.as_deref()).unwrap_or("")) }
                            td { (row.tier) }
                            td.num { (points(row.score)) }
                            td { (row.owner_name.as_deref().unwrap_or(&row.owner)) }
                            td { (layout::time(row.deadline)) }
                            td class={ "num" @if row.breached { " bad" } } {
                                @if row.breached { "overdue " (duration(Some(-row.seconds_left))) }
                                @else { (duration(Some(row.seconds_left))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

const BAND_LABELS: [&str; 6] = [
    "< 5 min",
    "5–15 min",
    "15–60 min",
    "1–24 h",
    "> 24 h",
    "never",
];

fn band_counts(b: &SpeedBands) -> [usize; 6] {
    [
        b.under_5m,
        b.from_5m_to_15m,
        b.from_15m_to_60m,
        b.from_1h_to_24h,
        b.over_24h,
        b.never,
    ]
}

fn speed(o: &Overview) -> Markup {
    let mut total = [0usize; 6];
    for row in &o.speed {
        for (t, n) in total.iter_mut().zip(band_counts(&row.bands)) {
            *t += n;
        }
    }
    let bars: Vec<Bar> = BAND_LABELS
        .iter()
        .zip(total)
        .map(|(label, n)| Bar {
            label: label.to_string(),
            value: n as f64,
        })
        .collect();
    html! {
        div.grid2 {
            table #speed {
                thead {
                    tr { th { "Tier" } @for l in BAND_LABELS { th.num { (l) } }
                         th.num { "System p50 / p90" } th.num { "Human p50 / p90" } }
                }
                tbody {
                    @for row in &o.speed {
                        tr {
                            td { (row.tier) }
                            @for n in band_counts(&row.bands) { td.num { (n) } }
                            td.num { (duration(row.system_p50_seconds)) " / " (duration(row.system_p90_seconds)) }
                            td.num { (duration(row.human_p50_seconds)) " / " (duration(row.human_p90_seconds)) }
                        }
                    }
                }
            }
            (svg::bars("Leads by time from acceptance to first contact, every tier", &bars))
        }
        p.muted { "System delay: accepted → assigned. Human delay: assigned → first contact." }
    }
}

fn rep_table(o: &Overview) -> Markup {
    html! {
        table #reps {
            thead { tr { th { "Rep" } th { "Team" } th.num { "Assigned" } th.num { "Open / capacity" }
                         th.num { "Median first response" } th.num { "p90" } th.num { "SLA met" }
                         th.num { "Breaches" } th.num { "Reassigned away" } } }
            tbody {
                @for r in &o.reps {
                    tr data-rep=(r.rep_id) {
                        td { (r.name) @if !r.active { " " span.muted { "(inactive)" } } }
                        td { (r.team) }
                        td.num { (r.assigned) }
                        td class={ "num" @if r.capacity > 0 && r.open_now >= r.capacity { " warn" } } { (r.open_now) " / " (r.capacity) }
                        td.num { (duration(r.median_first_response_seconds)) }
                        td.num { (duration(r.p90_first_response_seconds)) }
                        td.num { (rate(r.sla_met_rate)) }
                        td.num { (r.breaches) }
                        td.num { (r.reassignments) }
                    }
                }
            }
        }
    }
}

fn team_table(o: &Overview) -> Markup {
    html! {
        table #teams {
            thead { tr { th { "Team" } th.num { "Reps" } th.num { "Assigned" } th.num { "Open / capacity" }
                         th.num { "Median first response" } th.num { "p90" } th.num { "SLA met" }
                         th.num { "Breaches" } th.num { "Reassignments" } } }
            tbody {
                @for t in &o.teams {
                    tr {
                        td { (t.team) } td.num { (t.reps) } td.num { (t.assigned) }
                        td.num { (t.open_now) " / " (t.capacity) }
                        td.num { (duration(t.median_first_response_seconds)) }
                        td.num { (duration(t.p90_first_response_seconds)) }
                        td.num { (rate(t.sla_met_rate)) } td.num { (t.breaches) } td.num { (t.reassignments) }
                    }
                }
            }
        }
    }
}

fn fairness(team: &TeamFairness) -> Markup {
    html! {
        section.panel.fairness data-team=(team.team) {
            h3 { "Team " (team.team) " · " (team.strategy.as_str().replace('_', " ")) }
            p.muted {
                (team.assignments) " assignments in the period. The rotation has made " (team.picks)
                " picks (virtual time " (team.virtual_time) "); next up: "
                strong { (team.next.as_deref().unwrap_or("nobody available")) } "."
            }
            table {
                thead { tr { th { "Rep" } th.num { "Weight" } th.num { "Assigned" } th.num { "Share" }
                             th.num { "Promised share" } th { "Available" } th.num { "Pass" } th.num { "Turn" } } }
                tbody {
                    @for r in &team.reps {
                        tr {
                            td { (r.rep_id) } td.num { (r.weight) } td.num { (r.assigned) }
                            td.num { (rate(r.share)) } td.num { (rate(r.expected_share)) }
                            td { @if r.available { "yes" } @else { span.muted { "no" } } }
                            td.num { (r.pass) }
                            td.num { (r.turn.map(|t| t.to_string()).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
        }
    }
}

fn funnel(rows: &[FunnelRow]) -> Markup {
    let total = rows.iter().find(|r| r.tier.is_none());
    let bars: Vec<Bar> = total
        .map(|t| {
            [
                ("MQL", t.mql),
                ("assigned", t.assigned),
                ("contacted", t.contacted),
                ("qualified", t.qualified),
                ("won", t.won),
            ]
            .into_iter()
            .map(|(label, n)| Bar {
                label: label.into(),
                value: n as f64,
            })
            .collect()
        })
        .unwrap_or_default();
    html! {
        div.grid2 {
            table #funnel {
                thead { tr { th { "Tier" } th.num { "Leads" } th.num { "MQL" } th.num { "Assigned" } th.num { "Contacted" }
                             th.num { "Qualified" } th.num { "Won" } th.num { "Recycled" } th.num { "Reactivated" }
                             th.num { "Pipeline" } th.num { "Won amount" } } }
                tbody {
                    @for r in rows {
                        tr class=[r.tier.is_none().then_some("sum")] {
                            td { (r.tier.map(|t| t.to_string()).unwrap_or_else(|| "All".into())) }
                            td.num { (r.leads) } td.num { (r.mql) } td.num { (r.assigned) } td.num { (r.contacted) }
                            td.num { (r.qualified) } td.num { (r.won) } td.num { (r.recycled) } td.num { (r.reactivated) }
                            td.num { (amount(r.pipeline_amount)) } td.num { (amount(r.won_amount)) }
                        }
                    }
                }
            }
            (svg::bars("The funnel, every tier", &bars))
        }
    }
}

fn score(o: &Overview) -> Markup {
    let s = &o.score;
    let counts: Vec<u64> = s.bands.iter().map(|b| b.leads as u64).collect();
    let x_max = s.bands.last().map(|b| f64::from(b.to)).unwrap_or(100.0);
    let markers = [
        Marker {
            label: "MQL".into(),
            at: s.mql_threshold,
        },
        Marker {
            label: "A".into(),
            at: s.tier_a,
        },
        Marker {
            label: "B".into(),
            at: s.tier_b,
        },
        Marker {
            label: "C".into(),
            at: s.tier_c,
        },
    ];
    html! {
        div.grid2 {
            (svg::histogram("Leads by current score, with the tier and MQL thresholds", &counts, x_max, &markers))
            table #score {
                thead { tr { th { "Score" } th.num { "Leads" } th.num { "Qualified" } th.num { "Won" }
                             th.num { "Win rate" } th.num { "Won amount" } } }
                tbody {
                    @for b in &s.bands {
                        tr {
                            td { (b.from) "–" (b.to) } td.num { (b.leads) } td.num { (b.qualified) } td.num { (b.won) }
                            td.num { (rate(b.win_rate)) } td.num { (amount(b.won_amount)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates_read_as_people_say_them() {
        assert_eq!(duration(Some(42)), "42s");
        assert_eq!(duration(Some(200)), "3m 20s");
        assert_eq!(duration(Some(7500)), "2h 05m");
        assert_eq!(duration(Some(3 * 86400 + 4 * 3600)), "3d 4h");
        assert_eq!(duration(Some(-90)), "−1m 30s");
        assert_eq!(duration(None), "—");
        assert_eq!(rate(Some(0.875)), "87.5 %");
        assert_eq!(rate(None), "—");
    }

    #[test]
    fn a_long_queue_shows_its_head_and_says_how_many_more() {
        use leadflow::config::Config;
        use leadflow::metrics::overview::{OverviewQuery, QueueRow};
        use leadflow::metrics::{compute_overview, OverviewContext};
        use leadflow::routing::PoolStates;

        let now: chrono::DateTime<chrono::Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let config = Config::default();
        let pools = PoolStates::default();
        let context = OverviewContext {
            reps: &[],
            pools: &pools,
            config: &config,
            now,
            open_clocks: &[],
        };
        let query = OverviewQuery::new(now - chrono::TimeDelta::days(30), now).unwrap();
        let mut overview = compute_overview(std::iter::empty(), &context, &query);
        overview.queue = (0..QUEUE_SHOWN + 50)
            .map(|i| QueueRow {
                lead_id: format!("ld_{i}"),
                name: None,
                email: None,
                tier: Tier::A,
                score: 80.0,
                owner: "ana".into(),
                owner_name: None,
                assigned_at: now,
                deadline: now,
                seconds_left: 60,
                breached: false,
            })
            .collect();
        let html = queue(&overview).into_string();
        assert_eq!(html.matches("href=\"/leads/").count(), QUEUE_SHOWN);
        assert!(html.contains(&format!("The first {QUEUE_SHOWN} of {}", QUEUE_SHOWN + 50)));
    }
}
