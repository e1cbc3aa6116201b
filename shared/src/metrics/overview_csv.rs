//! The overview's tables as CSV: one header line, one line per row, numbers as the page
//! shows them unrounded, an empty cell for "nothing to measure".

use chrono::{DateTime, SecondsFormat, Utc};

use super::overview::{Overview, OverviewTable};

/// A cell's text.
trait Cell {
    fn cell(&self) -> String;
}

impl Cell for usize {
    fn cell(&self) -> String {
        self.to_string()
    }
}
impl Cell for u32 {
    fn cell(&self) -> String {
        self.to_string()
    }
}
impl Cell for u64 {
    fn cell(&self) -> String {
        self.to_string()
    }
}
impl Cell for i64 {
    fn cell(&self) -> String {
        self.to_string()
    }
}
impl Cell for f64 {
    fn cell(&self) -> String {
        self.to_string()
    }
}
impl Cell for bool {
    fn cell(&self) -> String {
        self.to_string()
    }
}
impl Cell for String {
    fn cell(&self) -> String {
        self.clone()
    }
}
impl Cell for DateTime<Utc> {
    fn cell(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}
impl Cell for crate::domain::Tier {
    fn cell(&self) -> String {
        self.as_str().to_string()
    }
}
impl<T: Cell> Cell for Option<T> {
    fn cell(&self) -> String {
        self.as_ref().map(Cell::cell).unwrap_or_default()
    }
}

macro_rules! row {
    ($($value:expr),* $(,)?) => { vec![$(Cell::cell(&$value)),*] };
}

/// Write `table` of `overview`.
pub(super) fn write(overview: &Overview, table: OverviewTable) -> String {
    let (header, rows) = rows(overview, table);
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    out.write_record(header).expect("csv to memory");
    for row in rows {
        out.write_record(&row).expect("csv to memory");
    }
    String::from_utf8(out.into_inner().expect("csv to memory")).expect("csv of UTF-8 is UTF-8")
}

fn rows(o: &Overview, table: OverviewTable) -> (&'static [&'static str], Vec<Vec<String>>) {
    match table {
        OverviewTable::Headline => (
            &[
                "period",
                "since",
                "until",
                "leads",
                "touched_within_sla_rate",
                "p50_first_response_seconds",
                "p90_first_response_seconds",
                "breaches",
                "open_breaches",
                "mql_acceptance_rate",
                "mql_to_sql_rate",
            ],
            [("current", &o.headline), ("previous", &o.previous)]
                .into_iter()
                .map(|(period, h)| {
                    row![
                        period.to_string(),
                        h.since,
                        h.until,
                        h.leads,
                        h.touched_within_sla_rate,
                        h.p50_first_response_seconds,
                        h.p90_first_response_seconds,
                        h.breaches,
                        h.open_breaches,
                        h.mql_acceptance_rate,
                        h.mql_to_sql_rate,
                    ]
                })
                .collect(),
        ),
        OverviewTable::Queue => (
            &[
                "lead_id",
                "name",
                "email",
                "tier",
                "score",
                "owner",
                "owner_name",
                "assigned_at",
                "deadline",
                "seconds_left",
                "breached",
            ],
            o.queue
                .iter()
                .map(|q| {
                    row![
                        q.lead_id,
                        q.name,
                        q.email,
                        q.tier,
                        q.score,
                        q.owner,
                        q.owner_name,
                        q.assigned_at,
                        q.deadline,
                        q.seconds_left,
                        q.breached,
                    ]
                })
                .collect(),
        ),
        OverviewTable::Speed => (
            &[
                "tier",
                "under_5m",
                "5m_to_15m",
                "15m_to_60m",
                "1h_to_24h",
                "over_24h",
                "never",
                "system_p50_seconds",
                "system_p90_seconds",
                "human_p50_seconds",
                "human_p90_seconds",
            ],
            o.speed
                .iter()
                .map(|s| {
                    let b = &s.bands;
                    row![
                        s.tier,
                        b.under_5m,
                        b.from_5m_to_15m,
                        b.from_15m_to_60m,
                        b.from_1h_to_24h,
                        b.over_24h,
                        b.never,
                        s.system_p50_seconds,
                        s.system_p90_seconds,
                        s.human_p50_seconds,
                        s.human_p90_seconds,
                    ]
                })
                .collect(),
        ),
        OverviewTable::Reps => (
            &[
                "rep_id",
                "name",
                "team",
                "active",
                "assigned",
                "open",
                "open_now",
                "capacity",
                "median_first_response_seconds",
                "p90_first_response_seconds",
                "sla_met_rate",
                "breaches",
                "reassignments",
            ],
            o.reps
                .iter()
                .map(|r| {
                    row![
                        r.rep_id,
                        r.name,
                        r.team,
                        r.active,
                        r.assigned,
                        r.open,
                        r.open_now,
                        r.capacity,
                        r.median_first_response_seconds,
                        r.p90_first_response_seconds,
                        r.sla_met_rate,
                        r.breaches,
                        r.reassignments,
                    ]
                })
                .collect(),
        ),
        OverviewTable::Teams => (
            &[
                "team",
                "reps",
                "assigned",
                "open",
                "open_now",
                "capacity",
                "median_first_response_seconds",
                "p90_first_response_seconds",
                "sla_met_rate",
                "breaches",
                "reassignments",
            ],
            o.teams
                .iter()
                .map(|t| {
                    row![
                        t.team,
                        t.reps,
                        t.assigned,
                        t.open,
                        t.open_now,
                        t.capacity,
                        t.median_first_response_seconds,
                        t.p90_first_response_seconds,
                        t.sla_met_rate,
                        t.breaches,
                        t.reassignments,
                    ]
                })
                .collect(),
        ),
        OverviewTable::Fairness => (
            &[
                "team",
                "strategy",
                "rep_id",
                "weight",
                "assigned",
                "share",
                "expected_share",
                "available",
                "pass",
                "turn",
                "next",
            ],
            o.fairness
                .iter()
                .flat_map(|t| {
                    t.reps.iter().map(move |r| {
                        row![
                            t.team,
                            t.strategy.as_str().to_string(),
                            r.rep_id,
                            r.weight,
                            r.assigned,
                            r.share,
                            r.expected_share,
                            r.available,
                            r.pass,
                            r.turn,
                            t.next.as_ref() == Some(&r.rep_id),
                        ]
                    })
                })
                .collect(),
        ),
        OverviewTable::Funnel => (
            &[
                "tier",
                "leads",
                "mql",
                "assigned",
                "contacted",
                "qualified",
                "won",
                "recycled",
                "reactivated",
                "pipeline_amount",
                "won_amount",
            ],
            o.funnel
                .iter()
                .map(|f| {
                    let tier = f.tier.map_or("all".to_string(), |t| t.as_str().to_string());
                    row![
                        tier,
                        f.leads,
                        f.mql,
                        f.assigned,
                        f.contacted,
                        f.qualified,
                        f.won,
                        f.recycled,
                        f.reactivated,
                        f.pipeline_amount,
                        f.won_amount,
                    ]
                })
                .collect(),
        ),
        OverviewTable::Score => (
            &[
                "from",
                "to",
                "leads",
                "qualified",
                "won",
                "qualification_rate",
                "win_rate",
                "won_amount",
            ],
            o.score
                .bands
                .iter()
                .map(|b| {
                    row![
                        b.from,
                        b.to,
                        b.leads,
                        b.qualified,
                        b.won,
                        b.qualification_rate,
                        b.win_rate,
                        b.won_amount,
                    ]
                })
                .collect(),
        ),
    }
}
