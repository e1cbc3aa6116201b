//! The report a sales leader reads when the demo ends: where leads came in by tier, what
//! sales made of them, who carried the load, how fast leads were answered against the SLA,
//! and what was handed back to marketing. Plain ASCII, within 100 columns.

mod figures;
mod format;
mod table;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use leadflow::config::SlaTarget;
use leadflow::domain::{HistoryEntry, Lead, LeadId, Rep, Tier};

pub use figures::{Conversion, Figures, RepFigures, SlaFigures, TierFigures};
use format::{count, duration, median, money, percent};
use table::{Align, Table};

/// Everything the report reads, as the pipeline left it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    /// Every lead in its final state.
    pub leads: Vec<Lead>,
    /// Each lead's history, oldest first. Amounts come from `disposition` entries
    /// (`outcome`, `amount`), breaches from `sla_breached` entries.
    pub history: HashMap<LeadId, Vec<HistoryEntry>>,
    /// The roster at the end, each rep with the open leads they hold.
    pub reps: Vec<(Rep, u32)>,
    /// First-response targets by tier (`config.sla.tiers`): a tier without one starts no clock.
    pub sla_targets: BTreeMap<Tier, SlaTarget>,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
}

/// The report's text.
pub fn render(input: &ReportInput) -> String {
    let f = Figures::of(input);
    let mut out = String::new();
    header(&mut out, input, &f);
    leads_by_tier(&mut out, &f);
    conversion(&mut out, &f);
    reps(&mut out, input, &f);
    sla(&mut out, input, &f);
    lifecycle(&mut out, &f);
    out
}

fn section(out: &mut String, title: &str, note: &str) {
    out.push('\n');
    out.push_str(title);
    out.push('\n');
    if !note.is_empty() {
        out.push_str(note);
        out.push('\n');
    }
    out.push('\n');
}

fn header(out: &mut String, input: &ReportInput, f: &Figures) {
    let days = (input.ended - input.started).num_hours() as f64 / 24.0;
    let period = if days >= 14.0 && days % 7.0 == 0.0 {
        format!("{} weeks", days / 7.0)
    } else {
        format!("{days:.1} days")
    };
    let mqls: usize = f.by_tier.values().map(|t| t.mqls).sum();
    let routed: usize = f.conversion.values().map(|c| c.assigned).sum();
    out.push_str("leadflow demo report\n");
    out.push_str(&format!(
        "Period  {} to {} UTC ({period})\n",
        input.started.format("%Y-%m-%d %H:%M"),
        input.ended.format("%Y-%m-%d %H:%M"),
    ));
    out.push_str(&format!(
        "Leads   {} from {} events; {} reached MQL, {} went to sales, {} waiting for an owner\n",
        count(f.leads),
        count(f.events),
        count(mqls),
        count(routed),
        count(f.waiting),
    ));
}

fn leads_by_tier(out: &mut String, f: &Figures) {
    section(out, "Leads by tier", "(the highest tier each lead reached)");
    let mut t = Table::new(&[
        ("Tier", Align::Left),
        ("Leads", Align::Right),
        ("Share", Align::Right),
        ("MQLs", Align::Right),
        ("MQL rate", Align::Right),
    ]);
    let (mut leads, mut mqls) = (0, 0);
    for tier in Tier::ALL {
        let row = f.by_tier.get(&tier).cloned().unwrap_or_default();
        leads += row.leads;
        mqls += row.mqls;
        t.row(vec![
            tier.to_string(),
            count(row.leads),
            percent(row.leads, f.leads),
            count(row.mqls),
            percent(row.mqls, row.leads),
        ]);
    }
    t.total(vec![
        "All".into(),
        count(leads),
        percent(leads, f.leads),
        count(mqls),
        percent(mqls, leads),
    ]);
    out.push_str(&t.render());
}

fn conversion(out: &mut String, f: &Figures) {
    section(
        out,
        "Conversion by tier",
        "(by the tier at first assignment; win rate = won / (won + lost))",
    );
    let mut t = Table::new(&[
        ("Tier", Align::Left),
        ("Assigned", Align::Right),
        ("Qualified", Align::Right),
        ("Won", Align::Right),
        ("Lost", Align::Right),
        ("Win rate", Align::Right),
        ("Pipeline", Align::Right),
        ("Won amount", Align::Right),
    ]);
    let mut all = Conversion::default();
    let row = |tier: &str, c: &Conversion| {
        vec![
            tier.to_string(),
            count(c.assigned),
            count(c.qualified),
            count(c.won),
            count(c.lost),
            percent(c.won, c.won + c.lost),
            money(c.pipeline),
            money(c.won_amount),
        ]
    };
    for tier in Tier::ALL {
        let Some(c) = f.conversion.get(&tier) else {
            continue;
        };
        all.assigned += c.assigned;
        all.qualified += c.qualified;
        all.won += c.won;
        all.lost += c.lost;
        all.pipeline += c.pipeline;
        all.won_amount += c.won_amount;
        t.row(row(tier.as_str(), c));
    }
    t.total(row("All", &all));
    out.push_str(&t.render());
}

fn reps(out: &mut String, input: &ReportInput, f: &Figures) {
    section(
        out,
        "Assignments and load by rep",
        "(moved away: reassigned to someone else after an SLA breach; open: held at the end)",
    );
    let mut t = Table::new(&[
        ("Rep", Align::Left),
        ("Team", Align::Left),
        ("Assigned", Align::Right),
        ("Moved away", Align::Right),
        ("Open/cap", Align::Right),
        ("Med. response", Align::Right),
        ("Won", Align::Right),
        ("Won amount", Align::Right),
    ]);
    for (rep, open) in &input.reps {
        let r = f.reps.get(&rep.id).cloned().unwrap_or_default();
        let name = if rep.active {
            rep.id.clone()
        } else {
            format!("{} (inactive)", rep.id)
        };
        t.row(vec![
            name,
            rep.team.clone(),
            count(r.assigned),
            count(r.reassigned_away),
            format!("{open}/{}", rep.capacity),
            duration(median(&r.responses)),
            count(r.won),
            money(r.won_amount),
        ]);
    }
    out.push_str(&t.render());
}

fn sla(out: &mut String, input: &ReportInput, f: &Figures) {
    section(
        out,
        "First-response SLA by tier",
        "(one clock per assignment; met rate = met / (met + breached); open: unanswered, not breached)",
    );
    let mut t = Table::new(&[
        ("Tier", Align::Left),
        ("Target", Align::Right),
        ("Clocks", Align::Right),
        ("Met", Align::Right),
        ("Breached", Align::Right),
        ("Open", Align::Right),
        ("Met rate", Align::Right),
        ("Median 1st response", Align::Right),
    ]);
    let mut all = SlaFigures::default();
    for (tier, target) in &input.sla_targets {
        let s = f.sla.get(tier).cloned().unwrap_or_default();
        all.clocks += s.clocks;
        all.met += s.met;
        all.breached += s.breached;
        all.responses.extend_from_slice(&s.responses);
        t.row(vec![
            tier.to_string(),
            duration(Some(target.first_response.delta().num_seconds())),
            count(s.clocks),
            count(s.met),
            count(s.breached),
            count(s.open()),
            percent(s.met, s.met + s.breached),
            duration(median(&s.responses)),
        ]);
    }
    t.total(vec![
        "All".into(),
        String::new(),
        count(all.clocks),
        count(all.met),
        count(all.breached),
        count(all.open()),
        percent(all.met, all.met + all.breached),
        duration(median(&all.responses)),
    ]);
    out.push_str(&t.render());
    out.push_str(&format!(
        "\nMedian first response overall: {}\n",
        duration(median(&all.responses))
    ));
}

fn lifecycle(out: &mut String, f: &Figures) {
    section(out, "Handed back and closed", "");
    let mut t = Table::new(&[("", Align::Left), ("Leads", Align::Right)]);
    t.row(vec!["Recycled to marketing".into(), count(f.recycled)]);
    t.row(vec![
        "  of which for inactivity".into(),
        count(f.recycled_for_inactivity),
    ]);
    t.row(vec!["Reactivated (MQL again)".into(), count(f.reactivated)]);
    t.row(vec![
        "Disqualified by scoring".into(),
        count(f.disqualified_by_scoring),
    ]);
    t.row(vec![
        "Disqualified by sales".into(),
        count(f.disqualified_by_sales),
    ]);
    out.push_str(&t.render());
}
