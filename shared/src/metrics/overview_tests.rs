//! The overview on a small seeded cohort: each panel, the filters, the previous period, CSV.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::overview::*;
use super::overview_compute::percentile;
use super::{compute, compute_overview, lead_facts, LeadFacts, OverviewContext};
use crate::config::{Config, Strategy};
use crate::domain::{AttrValue, HistoryEntry, HistoryKind, Lead, Owner, Rep, Status, Tier};
use crate::routing::{Pool, PoolStates, RepLoad, Slot};
use crate::sla::SlaClock;

fn t(minutes: i64) -> DateTime<Utc> {
    "2026-11-10T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
}

fn entry(at: DateTime<Utc>, kind: HistoryKind, detail: Value) -> HistoryEntry {
    HistoryEntry::new(at, kind, detail)
}

/// A lead built the way the use cases leave it, with its history, written in steps.
struct Seed {
    lead: Lead,
    writes: Vec<Vec<HistoryEntry>>,
}

impl Seed {
    fn new(id: &str, created: i64, tier: Tier, score: f64, source: &str) -> Seed {
        let mut lead = Lead::new(id.into(), Some(format!("{id}@acme.test")), None, t(created));
        lead.tier = tier;
        lead.score.total = score;
        lead.attributes
            .insert("source".into(), AttrValue::Text(source.into()));
        lead.attributes
            .insert("first_name".into(), AttrValue::Text(format!("F{id}")));
        lead.attributes
            .insert("last_name".into(), AttrValue::Text("Doe".into()));
        lead.status = if score >= 60.0 {
            Status::Mql
        } else {
            Status::Nurture
        };
        lead.mql = score >= 60.0;
        let event = entry(
            t(created),
            HistoryKind::Event,
            json!({"type": "demo_request"}),
        );
        Seed {
            lead,
            writes: vec![vec![event]],
        }
    }

    /// Routed to `rep` at minute `at`, due `due_in` minutes later.
    fn assign(mut self, rep: &str, at: i64, due_in: i64) -> Seed {
        let from = self.lead.owner.as_ref().map(|o| o.rep_id.clone());
        let mut detail = json!({"outcome": "assigned", "rep_id": rep, "via": "rotation"});
        let kind = match &from {
            Some(from) => {
                detail["from"] = json!(from);
                self.lead.previous_owners.push(from.clone());
                HistoryKind::Reassigned
            }
            None => HistoryKind::Assigned,
        };
        self.lead.owner = Some(Owner {
            rep_id: rep.into(),
            assigned_at: t(at),
        });
        self.lead.status = Status::Assigned;
        self.lead.sla = Some(SlaClock::waiting(
            self.lead.tier,
            rep,
            t(at),
            t(at + due_in),
        ));
        self.writes.push(vec![entry(t(at), kind, detail)]);
        self
    }

    fn breach(mut self, at: i64) -> Seed {
        let clock = self.lead.sla.as_mut().unwrap();
        clock.breached_at = Some(t(at));
        let rep = clock.rep_id.clone();
        self.writes.push(vec![entry(
            t(at),
            HistoryKind::SlaBreached,
            json!({"rep_id": rep}),
        )]);
        self
    }

    /// A disposition by the owner at minute `at`.
    fn dispose(mut self, at: i64, outcome: &str, to: Status, amount: Option<f64>) -> Seed {
        let clock = self.lead.sla.as_mut().unwrap();
        let rep = clock.rep_id.clone();
        let mut detail = json!({"outcome": outcome, "rep_id": rep, "to": to.as_str()});
        if clock.responded_at.is_none() {
            clock.responded_at = Some(t(at));
            detail["response_seconds"] = json!((t(at) - clock.assigned_at).num_seconds());
        }
        if let Some(a) = amount {
            detail["amount"] = json!(a);
        }
        self.lead.status = to;
        self.writes
            .push(vec![entry(t(at), HistoryKind::Disposition, detail)]);
        self
    }

    /// The facts as a store keeps them: one update per write.
    fn facts(&self) -> LeadFacts {
        let mut facts: Option<LeadFacts> = None;
        for w in &self.writes {
            facts = Some(LeadFacts::update(facts.as_ref(), &self.lead, w));
        }
        facts.unwrap()
    }

    fn history(&self) -> Vec<HistoryEntry> {
        self.writes.concat()
    }
}

fn rep(id: &str, team: &str, weight: u32, open: u32) -> RepLoad {
    let mut r = Rep::new(id, team);
    r.weight = weight;
    r.capacity = 10;
    RepLoad::new(r, open)
}

/// Week of 2026-11-09: ana, ben (team east), cy (team west). Previous week: one lead.
fn seeds() -> Vec<Seed> {
    vec![
        // Answered in 3 minutes, qualified then won.
        Seed::new("l1", 0, Tier::A, 92.0, "webinar")
            .assign("ana", 2, 5)
            .dispose(5, "contacted", Status::Contacted, None)
            .dispose(60, "qualified", Status::Qualified, Some(5000.0))
            .dispose(900, "won", Status::Won, Some(4000.0)),
        // Breached by ben, reassigned to ana who answered after 20 minutes.
        Seed::new("l2", 10, Tier::A, 85.0, "ads")
            .assign("ben", 11, 5)
            .breach(16)
            .assign("ana", 40, 5)
            .dispose(60, "contacted", Status::Contacted, None),
        // Open and overdue with ben (not yet flagged).
        Seed::new("l3", 20, Tier::B, 70.0, "webinar").assign("ben", 21, 60),
        // Open with time left with cy.
        Seed::new("l4", 30, Tier::B, 65.0, "ads").assign("cy", 31, 6000),
        // Never routed.
        Seed::new("l5", 40, Tier::C, 30.0, "organic"),
        // Previous week: answered in 10 minutes by cy.
        Seed::new("p1", -7 * 24 * 60 + 5, Tier::A, 88.0, "ads")
            .assign("cy", -7 * 24 * 60 + 6, 5)
            .dispose(-7 * 24 * 60 + 16, "contacted", Status::Contacted, None),
        // Three weeks ago, breached by ana and still unanswered: in no period's figures, but
        // in the queue.
        Seed::new("o1", -21 * 24 * 60, Tier::A, 90.0, "ads")
            .assign("ana", -21 * 24 * 60 + 1, 5)
            .breach(-21 * 24 * 60 + 6),
    ]
}

fn query() -> OverviewQuery {
    OverviewQuery::new(t(-60), t(7 * 24 * 60 - 60)).unwrap()
}

struct World {
    facts: Vec<LeadFacts>,
    reps: Vec<RepLoad>,
    pools: PoolStates,
    config: Config,
}

fn world() -> World {
    let mut config = Config::default();
    config.routing.strategy = Strategy::Weighted;
    let mut pools = PoolStates::default();
    let mut east = Pool {
        virtual_time: 100,
        picks: 7,
        ..Pool::default()
    };
    east.slots.insert(
        "ana".into(),
        Slot {
            pass: 300,
            queued_at: 5,
        },
    );
    east.slots.insert(
        "ben".into(),
        Slot {
            pass: 200,
            queued_at: 6,
        },
    );
    pools.teams.insert("east".into(), east);
    World {
        facts: seeds().iter().map(Seed::facts).collect(),
        reps: vec![
            rep("ana", "east", 3, 2),
            rep("ben", "east", 1, 2),
            rep("cy", "west", 1, 1),
        ],
        pools,
        config,
    }
}

fn overview_of(w: &World, q: &OverviewQuery) -> Overview {
    let open: Vec<&LeadFacts> = w.facts.iter().filter(|f| f.open_clock.is_some()).collect();
    let context = OverviewContext {
        reps: &w.reps,
        pools: &w.pools,
        config: &w.config,
        now: t(120),
        open_clocks: &open,
    };
    compute_overview(&w.facts, &context, q)
}

#[test]
fn facts_folded_write_by_write_equal_the_facts_of_the_whole_history() {
    for seed in seeds() {
        assert_eq!(
            seed.facts(),
            lead_facts(&seed.lead, &seed.history()),
            "{}",
            seed.lead.id
        );
    }
}

#[test]
fn the_funnel_is_v1_metrics_for_the_same_cohort() {
    let w = world();
    for q in [
        query(),
        OverviewQuery {
            tier: Some(Tier::A),
            ..query()
        },
        OverviewQuery {
            source: Some("ads".into()),
            ..query()
        },
    ] {
        let o = overview_of(&w, &q);
        let cohort: Vec<&LeadFacts> = w
            .facts
            .iter()
            .filter(|f| f.created_at >= q.since && f.created_at < q.until)
            .filter(|f| q.tier.is_none_or(|t| f.tier == t))
            .filter(|f| {
                q.source
                    .as_deref()
                    .is_none_or(|s| f.source.as_deref() == Some(s))
            })
            .collect();
        let roster = ["ana".to_string(), "ben".to_string(), "cy".to_string()];
        let m = compute(cohort.iter().copied(), &roster, q.since, q.until);
        for row in o.funnel.iter().filter(|r| r.tier.is_some()) {
            let tm = &m.by_tier[&row.tier.unwrap()];
            assert_eq!(
                (
                    row.leads,
                    row.mql,
                    row.assigned,
                    row.contacted,
                    row.qualified,
                    row.won
                ),
                (
                    tm.leads,
                    tm.mql,
                    tm.assigned,
                    tm.contacted,
                    tm.qualified,
                    tm.won
                )
            );
            assert_eq!(
                (row.pipeline_amount, row.won_amount),
                (tm.pipeline_amount, tm.won_amount)
            );
        }
        let total = o.funnel.last().unwrap();
        assert_eq!((total.tier, total.leads), (None, m.leads));
        for r in &o.reps {
            let rm = &m.by_rep[&r.rep_id];
            assert_eq!(
                (r.assigned, r.open, r.breaches),
                (rm.assigned, rm.open, rm.breaches)
            );
            assert_eq!(
                r.median_first_response_seconds,
                rm.median_first_response_seconds
            );
        }
    }
}

#[test]
fn headline_for_the_period_and_the_previous_one() {
    let o = overview_of(&world(), &query());
    let h = &o.headline;
    assert_eq!(h.leads, 5);
    // Decided: l1 (met), l2 (breached), l3 (breached? no flag yet: undecided): 1 of 2.
    assert_eq!(h.touched_within_sla_rate, Some(0.5));
    // First responses: l1 180 s, l2 1200 s (ana's, after the reassignment).
    assert_eq!(h.p50_first_response_seconds, Some(690));
    assert_eq!(h.p90_first_response_seconds, Some(1200));
    assert_eq!((h.breaches, h.open_breaches), (1, 1));
    // MQL: l1..l4; contacted: l1, l2; qualified: l1.
    assert_eq!(h.mql_acceptance_rate, Some(0.5));
    assert_eq!(h.mql_to_sql_rate, Some(0.25));

    let p = &o.previous;
    assert_eq!((p.since, p.until), (t(-60 - 7 * 24 * 60), t(-60)));
    assert_eq!(p.leads, 1);
    assert_eq!(p.touched_within_sla_rate, Some(1.0));
    assert_eq!(p.p50_first_response_seconds, Some(600));
}

#[test]
fn the_queue_shows_breaches_first_then_time_left() {
    let o = overview_of(&world(), &query());
    let ids: Vec<(&str, bool)> = o
        .queue
        .iter()
        .map(|q| (q.lead_id.as_str(), q.breached))
        .collect();
    // o1 was created weeks before the period: the queue is every clock open now.
    assert_eq!(ids, vec![("o1", true), ("l3", true), ("l4", false)]);
    assert_eq!(o.headline.leads, 5, "o1 is not in the period's figures");
    let l3 = &o.queue[1];
    assert_eq!(l3.name.as_deref(), Some("Fl3 Doe"));
    assert_eq!(
        (l3.owner.as_str(), l3.tier, l3.score),
        ("ben", Tier::B, 70.0)
    );
    assert_eq!(l3.deadline, t(81));
    assert_eq!(l3.seconds_left, -39 * 60);
    assert_eq!(o.queue[2].seconds_left, (t(6031) - t(120)).num_seconds());
}

#[test]
fn speed_to_lead_splits_system_and_human_delay() {
    let o = overview_of(&world(), &query());
    let a = &o.speed[0];
    assert_eq!(a.tier, Tier::A);
    // l1: event at 0, assigned 2, contact 5 -> 5 min total (the 5-15 band);
    // l2: event 10, assigned 11, contact 60 -> 50 min.
    assert_eq!(a.bands.from_5m_to_15m, 1);
    assert_eq!(a.bands.from_15m_to_60m, 1);
    assert_eq!(a.bands.never, 0);
    assert_eq!(
        (a.system_p50_seconds, a.system_p90_seconds),
        (Some(90), Some(120))
    );
    assert_eq!(
        (a.human_p50_seconds, a.human_p90_seconds),
        (Some(690), Some(1200))
    );
    let b = &o.speed[1];
    assert_eq!(b.bands.never, 2);
    assert_eq!(b.human_p50_seconds, None);
    // l5 was never routed: not in speed to lead at all.
    assert_eq!(o.speed[2].bands, SpeedBands::default());
}

#[test]
fn reps_and_teams() {
    let o = overview_of(&world(), &query());
    let row = |id: &str| o.reps.iter().find(|r| r.rep_id == id).unwrap();
    let ana = row("ana");
    assert_eq!((ana.team.as_str(), ana.assigned, ana.open), ("east", 2, 1));
    assert_eq!((ana.capacity, ana.open_now), (10, 2));
    assert_eq!(ana.sla_met_rate, Some(1.0));
    assert_eq!(ana.p90_first_response_seconds, Some(1200));
    let ben = row("ben");
    assert_eq!(
        (ben.assigned, ben.open, ben.breaches, ben.reassignments),
        (2, 1, 1, 1)
    );
    assert_eq!(ben.sla_met_rate, Some(0.0));
    let teams: Vec<(&str, usize, usize, u32)> = o
        .teams
        .iter()
        .map(|t| (t.team.as_str(), t.reps, t.assigned, t.capacity))
        .collect();
    assert_eq!(teams, vec![("east", 2, 4, 20), ("west", 1, 1, 10)]);
    // ana met 2 of 2 clocks, ben 0 of 1.
    assert_eq!(o.teams[0].sla_met_rate, Some(2.0 / 3.0));
    assert_eq!(o.teams[0].reassignments, 1);
}

#[test]
fn fairness_compares_shares_with_the_weights_and_shows_who_is_next() {
    let o = overview_of(&world(), &query());
    let east = &o.fairness[0];
    assert_eq!(
        (east.team.as_str(), east.strategy, east.assignments),
        ("east", Strategy::Weighted, 4)
    );
    assert_eq!((east.virtual_time, east.picks), (100, 7));
    // ben's pass (200) is smaller than ana's (300): ben goes next.
    assert_eq!(east.next.as_deref(), Some("ben"));
    let ana = &east.reps[0];
    assert_eq!((ana.share, ana.expected_share), (Some(0.5), Some(0.75)));
    assert_eq!((ana.turn, ana.pass), (Some(2), 300));
    assert_eq!(east.reps[1].expected_share, Some(0.25));
    // cy has no slot yet: placed at the pool's current position.
    let west = &o.fairness[1];
    assert_eq!((west.reps[0].pass, west.next.as_deref()), (0, Some("cy")));
}

#[test]
fn filters_narrow_every_panel_to_the_same_leads() {
    let w = world();
    let east = overview_of(
        &w,
        &OverviewQuery {
            team: Some("east".into()),
            ..query()
        },
    );
    assert_eq!(east.headline.leads, 3); // l1, l2 (ana), l3 (ben)
    assert!(east.reps.iter().all(|r| r.team == "east"));
    assert_eq!(east.fairness.len(), 1);
    let ben = overview_of(
        &w,
        &OverviewQuery {
            rep: Some("ben".into()),
            ..query()
        },
    );
    assert_eq!(ben.headline.leads, 1);
    assert_eq!(ben.queue.len(), 1);
    let ads = overview_of(
        &w,
        &OverviewQuery {
            source: Some("ads".into()),
            ..query()
        },
    );
    assert_eq!(ads.headline.leads, 2);
    assert_eq!(ads.previous.leads, 1);
    let c = overview_of(
        &w,
        &OverviewQuery {
            tier: Some(Tier::C),
            ..query()
        },
    );
    assert_eq!(
        (c.headline.leads, c.headline.mql_acceptance_rate),
        (1, None)
    );
}

#[test]
fn score_bands_with_thresholds_and_conversion() {
    let w = world();
    let o = overview_of(&w, &query());
    let s = &o.score;
    assert_eq!(s.mql_threshold, w.config.scoring.mql_threshold);
    assert_eq!(s.tier_a, w.config.scoring.tiers.a);
    let top = &s.bands[9];
    assert_eq!(
        (top.leads, top.won, top.won_amount, top.win_rate),
        (1, 1, 4000.0, Some(1.0))
    );
    assert_eq!(s.bands[8].leads, 1);
    assert_eq!(s.bands[8].win_rate, Some(0.0));
    assert_eq!(s.bands[0].win_rate, None);
    assert_eq!(s.bands.iter().map(|b| b.leads).sum::<usize>(), 5);
}

#[test]
fn every_table_is_csv_with_a_header_and_one_line_per_row() {
    let o = overview_of(&world(), &query());
    for table in OverviewTable::ALL {
        let text = o.csv(table);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let width = reader.headers().unwrap().len();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(rows.iter().all(|r| r.len() == width), "{table:?}");
        let expected = match table {
            OverviewTable::Headline => 2,
            OverviewTable::Queue => o.queue.len(),
            OverviewTable::Speed => 4,
            OverviewTable::Reps => o.reps.len(),
            OverviewTable::Teams => o.teams.len(),
            OverviewTable::Fairness => 3,
            OverviewTable::Funnel => 5,
            OverviewTable::Score => 10,
        };
        assert_eq!(rows.len(), expected, "{table:?}");
        assert_eq!(table.as_str().parse::<OverviewTable>(), Ok(table));
    }
    let queue = o.csv(OverviewTable::Queue);
    assert!(
        queue.starts_with("lead_id,name,email,tier,score,owner"),
        "{queue}"
    );
    assert!(
        queue.contains("l3,Fl3 Doe,l3@acme.test,B,70,ben,"),
        "{queue}"
    );
    assert!(o.csv(OverviewTable::Funnel).contains("\nall,5,4,"));
    assert!("nope"
        .parse::<OverviewTable>()
        .unwrap_err()
        .contains("headline"));
}

#[test]
fn a_query_needs_a_range_and_the_previous_period_has_its_length() {
    let err = OverviewQuery::new(t(10), t(10)).unwrap_err();
    assert!(err.to_string().contains("before until"), "{err}");
    let q = OverviewQuery {
        team: Some("east".into()),
        ..query()
    };
    let p = q.previous();
    assert_eq!(
        (p.until, p.length(), p.team),
        (q.since, q.length(), q.team.clone())
    );
}

#[test]
fn nearest_rank_percentiles() {
    assert_eq!(percentile(&mut [], 90.0), None);
    assert_eq!(percentile(&mut [7], 90.0), Some(7));
    let mut v: Vec<i64> = (1..=10).rev().collect();
    assert_eq!(percentile(&mut v, 90.0), Some(9));
    assert_eq!(percentile(&mut v, 50.0), Some(5));
    assert_eq!(percentile(&mut v, 100.0), Some(10));
}
