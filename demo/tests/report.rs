//! The report on a small hand-made input whose figures are known.

mod common;

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::domain::lead::Owner;
use leadflow::domain::{HistoryEntry, HistoryKind as H, Lead, Rep, Status, Tier};
use leadflow_demo::{render, ReportInput};
use serde_json::json;

use common::example_config;

fn t0() -> DateTime<Utc> {
    "2026-11-02T00:00:00Z".parse().unwrap()
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes)
}

fn lead(id: &str, status: Status, tier: Tier) -> Lead {
    let mut l = Lead::new(id.into(), Some(format!("{id}@acme.io")), None, t0());
    l.status = status;
    l.tier = tier;
    l
}

fn e(minutes: i64, kind: H, detail: serde_json::Value) -> HistoryEntry {
    HistoryEntry::new(at(minutes), kind, detail)
}

fn events(n: usize) -> Vec<HistoryEntry> {
    (0..n)
        .map(|i| {
            e(
                i as i64,
                H::Event,
                json!({"event_id": format!("x{i}"), "type": "page_view"}),
            )
        })
        .collect()
}

fn tier_up(minutes: i64, to: &str) -> HistoryEntry {
    e(minutes, H::TierChanged, json!({"from": "D", "to": to}))
}

fn assigned(minutes: i64, rep: &str) -> HistoryEntry {
    e(
        minutes,
        H::Assigned,
        json!({"outcome": "assigned", "rep_id": rep, "via": "rotation"}),
    )
}

fn disposition(minutes: i64, rep: &str, outcome: &str, extra: serde_json::Value) -> HistoryEntry {
    let mut detail = json!({"outcome": outcome, "rep_id": rep});
    for (k, v) in extra.as_object().unwrap() {
        detail[k] = v.clone();
    }
    e(minutes, H::Disposition, detail)
}

/// Five leads: won at A, breached then reassigned then lost at A, recycled and reactivated at
/// B, disqualified by scoring, and one left in nurture at C.
fn input() -> ReportInput {
    let mut history = HashMap::new();
    let mut won = lead("ld_1", Status::Won, Tier::B);
    won.owner = Some(Owner {
        rep_id: "ana".into(),
        assigned_at: at(10),
    });
    let mut h = events(2);
    h.extend([
        tier_up(5, "A"),
        assigned(10, "ana"),
        disposition(13, "ana", "contacted", json!({"response_seconds": 180})),
        disposition(600, "ana", "qualified", json!({"amount": 20000.0})),
        disposition(9000, "ana", "won", json!({"amount": 18000.0})),
        e(9500, H::TierChanged, json!({"from": "A", "to": "B"})),
    ]);
    history.insert(won.id.clone(), h);

    let lost = lead("ld_2", Status::Lost, Tier::A);
    let mut h = events(2);
    h.extend([
        tier_up(5, "A"),
        assigned(10, "ana"),
        e(15, H::SlaBreached, json!({"rep_id": "ana", "tier": "A"})),
        e(
            30,
            H::Reassigned,
            json!({"outcome": "assigned", "rep_id": "ben", "from": "ana"}),
        ),
        disposition(32, "ben", "contacted", json!({"response_seconds": 120})),
        disposition(700, "ben", "qualified", json!({"amount": 5000.0})),
        disposition(
            8000,
            "ben",
            "lost",
            json!({"amount": 5000.0, "reason": "price"}),
        ),
    ]);
    history.insert(lost.id.clone(), h);

    let mut waiting = lead("ld_3", Status::Mql, Tier::B);
    waiting.mql = true;
    let mut h = events(2);
    h.extend([
        tier_up(5, "B"),
        assigned(10, "ben"),
        disposition(70, "ben", "contacted", json!({"response_seconds": 3600})),
        disposition(2000, "ben", "recycled", json!({"reason": "not_ready"})),
        e(
            2000,
            H::Recycled,
            json!({"rep_id": "ben", "reason": "not_ready"}),
        ),
        e(5000, H::Reactivated, json!({"total": 65.0})),
    ]);
    history.insert(waiting.id.clone(), h);

    let dq = lead("ld_4", Status::Disqualified, Tier::D);
    let mut h = events(2);
    h.push(e(
        1,
        H::Disqualified,
        json!({"rule": "student", "reason": "student", "by": "scoring"}),
    ));
    history.insert(dq.id.clone(), h);

    let nurture = lead("ld_5", Status::Nurture, Tier::C);
    let mut h = events(2);
    h.push(tier_up(5, "C"));
    history.insert(nurture.id.clone(), h);

    let mut ana = Rep::new("ana", "inbound");
    ana.capacity = 20;
    let ben = Rep::new("ben", "emea");
    ReportInput {
        leads: vec![won, lost, waiting, dq, nurture],
        history,
        reps: vec![(ana, 0), (ben, 2)],
        sla_targets: example_config().sla.tiers,
        started: t0(),
        ended: t0() + TimeDelta::weeks(4),
    }
}

/// The lines of the section titled `title`, up to the next blank line after its table.
fn section<'a>(report: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = report.lines().skip_while(|l| *l != title).skip(1);
    let mut out = Vec::new();
    let mut in_table = false;
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            if in_table {
                break;
            }
            continue;
        }
        in_table |= line.starts_with("  ");
        out.push(line);
    }
    assert!(!out.is_empty(), "no section {title:?} in\n{report}");
    out
}

/// The cells of the row whose first cell is `first`.
fn row(lines: &[&str], first: &str) -> Vec<String> {
    let line = lines
        .iter()
        .find(|l| l.trim_start().split("  ").next() == Some(first))
        .unwrap_or_else(|| panic!("no row {first:?} in {lines:#?}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn the_report_shows_the_known_figures() {
    let report = render(&input());
    println!("{report}");

    assert!(report.contains("2026-11-02 00:00 to 2026-11-30 00:00 UTC (4 weeks)"));
    assert!(
        report.contains("5 from 10 events; 3 reached MQL, 3 went to sales, 1 waiting for an owner")
    );

    let tiers = section(&report, "Leads by tier");
    assert_eq!(row(&tiers, "A"), ["A", "2", "40.0%", "2", "100.0%"]);
    assert_eq!(row(&tiers, "B"), ["B", "1", "20.0%", "1", "100.0%"]);
    assert_eq!(row(&tiers, "C"), ["C", "1", "20.0%", "0", "0.0%"]);
    assert_eq!(row(&tiers, "D"), ["D", "1", "20.0%", "0", "0.0%"]);
    assert_eq!(row(&tiers, "All"), ["All", "5", "100.0%", "3", "60.0%"]);

    let conversion = section(&report, "Conversion by tier");
    assert_eq!(
        row(&conversion, "A"),
        ["A", "2", "2", "1", "1", "50.0%", "$25,000", "$18,000"]
    );
    assert_eq!(
        row(&conversion, "B"),
        ["B", "1", "0", "0", "0", "-", "$0", "$0"]
    );
    assert_eq!(
        row(&conversion, "All"),
        ["All", "3", "2", "1", "1", "50.0%", "$25,000", "$18,000"]
    );

    let reps = section(&report, "Assignments and load by rep");
    assert_eq!(
        row(&reps, "ana"),
        ["ana", "inbound", "2", "1", "0/20", "3m 00s", "1", "$18,000"]
    );
    assert_eq!(
        row(&reps, "ben"),
        ["ben", "emea", "2", "0", "2/25", "2m 00s", "0", "$0"]
    );

    let sla = section(&report, "First-response SLA by tier");
    assert_eq!(
        row(&sla, "A"),
        ["A", "5m 00s", "3", "2", "1", "0", "66.7%", "2m 00s"]
    );
    assert_eq!(
        row(&sla, "B"),
        ["B", "2h 00m", "1", "1", "0", "0", "100.0%", "1h 00m"]
    );
    assert_eq!(
        row(&sla, "C"),
        ["C", "1d 00h", "0", "0", "0", "0", "-", "-"]
    );
    assert_eq!(
        row(&sla, "All"),
        ["All", "4", "3", "1", "0", "75.0%", "3m 00s"]
    );
    assert!(report.contains("Median first response overall: 3m 00s"));

    let closed = section(&report, "Handed back and closed");
    assert_eq!(
        row(&closed, "Recycled to marketing"),
        ["Recycled to marketing", "1"]
    );
    assert_eq!(
        row(&closed, "of which for inactivity"),
        ["of which for inactivity", "0"]
    );
    assert_eq!(
        row(&closed, "Reactivated (MQL again)"),
        ["Reactivated (MQL again)", "1"]
    );
    assert_eq!(
        row(&closed, "Disqualified by scoring"),
        ["Disqualified by scoring", "1"]
    );
    assert_eq!(
        row(&closed, "Disqualified by sales"),
        ["Disqualified by sales", "0"]
    );
}

#[test]
fn the_report_is_plain_ascii_within_100_columns() {
    let report = render(&input());
    for line in report.lines() {
        assert!(line.is_ascii(), "not ASCII: {line}");
        assert!(line.len() <= 100, "{} columns: {line}", line.len());
    }
}

#[test]
fn an_empty_period_renders_without_figures() {
    let mut empty = input();
    empty.leads.clear();
    empty.history.clear();
    let report = render(&empty);
    let tiers = section(&report, "Leads by tier");
    assert_eq!(row(&tiers, "All"), ["All", "0", "-", "0", "-"]);
    assert!(report.contains("Median first response overall: -"));
}
