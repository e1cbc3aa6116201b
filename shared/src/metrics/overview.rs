//! The dashboard's overview: every panel's figures as plain data, filtered by a query.
//!
//! The same definitions as `GET /v1/metrics` (see the parent module): the cohort is the leads
//! created in `[since, until)` that pass the filters, and every figure is about them as of
//! `now` — the at-risk queue and the open breaches included, so that every panel of one page
//! speaks of the same leads. The previous period is the same length just before `since`.
//!
//! Durations are whole seconds; a rate or a percentile with nothing to measure is `None`.
//! Every table can be written as CSV ([`Overview::csv`]).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Strategy;
use crate::domain::{LeadId, RepId, Tier};

/// What the overview is about. `since < until`; the filters combine (all must match).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewQuery {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The team that holds (or held) the lead: its current or last owner's team.
    pub team: Option<String>,
    /// The rep who holds (or held) the lead: its current or last owner.
    pub rep: Option<RepId>,
    /// The tier the lead counts in (the tier it was routed with, else its current tier).
    pub tier: Option<Tier>,
    /// The lead's `source` attribute, compared exactly.
    pub source: Option<String>,
}

/// Why a query cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverviewQueryError {
    #[error("since ({since}) must be before until ({until})")]
    EmptyRange {
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    },
}

impl OverviewQuery {
    /// The leads created in `[since, until)`, unfiltered.
    pub fn new(
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<OverviewQuery, OverviewQueryError> {
        let query = OverviewQuery {
            since,
            until,
            team: None,
            rep: None,
            tier: None,
            source: None,
        };
        query.check()?;
        Ok(query)
    }

    /// Refuse an empty or reversed range.
    pub fn check(&self) -> Result<(), OverviewQueryError> {
        if self.since < self.until {
            Ok(())
        } else {
            Err(OverviewQueryError::EmptyRange {
                since: self.since,
                until: self.until,
            })
        }
    }

    pub fn length(&self) -> TimeDelta {
        self.until - self.since
    }

    /// The same filters over the period of the same length that ends at `since`.
    pub fn previous(&self) -> OverviewQuery {
        OverviewQuery {
            since: self.since - self.length(),
            until: self.since,
            ..self.clone()
        }
    }
}

/// Everything the overview page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub query: OverviewQuery,
    /// The instant the figures are "as of".
    pub as_of: DateTime<Utc>,
    /// The headline for the query's period.
    pub headline: Headline,
    /// The headline for the previous period (`query.previous()`), same filters.
    pub previous: Headline,
    /// Open first-response clocks: breached first (longest overdue first), then by time left.
    pub queue: Vec<QueueRow>,
    /// Speed to lead, one row per tier (A to D).
    pub speed: Vec<SpeedRow>,
    /// One row per rep of the roster (and any other rep the cohort names), by team then id.
    pub reps: Vec<RepRow>,
    /// The same figures added up by team.
    pub teams: Vec<TeamRow>,
    /// One entry per team of the roster: assignment shares against the promised shares.
    pub fairness: Vec<TeamFairness>,
    /// The funnel, one row per tier (A to D), then the total (`tier: None`).
    pub funnel: Vec<FunnelRow>,
    /// Does the score deserve trust: histogram, thresholds, conversion by band.
    pub score: ScoreTrust,
}

/// The headline strip of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Leads in the cohort.
    pub leads: usize,
    /// Of the leads whose first response is decided (answered or breached), the share
    /// answered without a breach: `/v1/metrics`' `sla_met_rate` over every tier.
    pub touched_within_sla_rate: Option<f64>,
    /// Percentiles of each lead's first response time (assigned → first disposition).
    pub p50_first_response_seconds: Option<i64>,
    pub p90_first_response_seconds: Option<i64>,
    /// Breaches the cohort suffered.
    pub breaches: usize,
    /// Leads of the cohort whose first-response clock is breached and still open now.
    pub open_breaches: usize,
    /// MQL acceptance: of the leads that reached MQL, the share sales accepted — a rep
    /// worked it (recorded a disposition).
    pub mql_acceptance_rate: Option<f64>,
    /// Of the leads that reached MQL, the share that reached SQL.
    pub mql_to_sql_rate: Option<f64>,
}

/// One open first-response clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub lead_id: LeadId,
    /// `first_name last_name` when known.
    pub name: Option<String>,
    pub email: Option<String>,
    pub tier: Tier,
    pub score: f64,
    pub owner: RepId,
    pub owner_name: Option<String>,
    pub assigned_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// `deadline - as_of`; negative once overdue.
    pub seconds_left: i64,
    pub breached: bool,
}

/// How many leads of one tier were first contacted within each band of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeedBands {
    pub under_5m: usize,
    pub from_5m_to_15m: usize,
    pub from_15m_to_60m: usize,
    pub from_1h_to_24h: usize,
    pub over_24h: usize,
    /// Routed (assigned) but never contacted.
    pub never: usize,
}

/// Speed to lead for one tier, over the cohort's routed leads. The band is the total time
/// from the event that made the lead routable being accepted to the first contact; the
/// total is split into the system's part and the people's part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRow {
    pub tier: Tier,
    pub bands: SpeedBands,
    /// Accepted → assigned: the pipeline's and the rotation's delay.
    pub system_p50_seconds: Option<i64>,
    pub system_p90_seconds: Option<i64>,
    /// Assigned → first contact: the rep's delay.
    pub human_p50_seconds: Option<i64>,
    pub human_p90_seconds: Option<i64>,
}

/// One rep's figures over the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepRow {
    pub rep_id: RepId,
    pub name: String,
    pub team: String,
    pub active: bool,
    /// Assignments of cohort leads to this rep (a lead assigned twice to them counts twice).
    pub assigned: usize,
    /// Cohort leads this rep holds open now.
    pub open: usize,
    /// The rep's capacity (open leads at once); 0 for a rep no longer on the roster.
    pub capacity: u32,
    /// Every lead the rep holds open now, whatever its age: what capacity is measured against.
    pub open_now: u32,
    pub median_first_response_seconds: Option<i64>,
    pub p90_first_response_seconds: Option<i64>,
    /// Of this rep's decided clocks (answered or breached), the share answered in time.
    pub sla_met_rate: Option<f64>,
    pub breaches: usize,
    /// Leads taken away from this rep and given to another.
    pub reassignments: usize,
}

/// A team's figures: its reps' added up (percentiles over all their responses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    pub team: String,
    pub reps: usize,
    pub assigned: usize,
    pub open: usize,
    pub capacity: u32,
    pub open_now: u32,
    pub median_first_response_seconds: Option<i64>,
    pub p90_first_response_seconds: Option<i64>,
    pub sla_met_rate: Option<f64>,
    pub breaches: usize,
    pub reassignments: usize,
}

/// Whether a team's routing is fair: its reps' shares of the cohort's assignments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamFairness {
    pub team: String,
    pub strategy: Strategy,
    /// Assignments to this team's reps in the cohort.
    pub assignments: usize,
    /// Where the rotation stands now (stride scheduling's virtual time) and its picks so far.
    pub virtual_time: u64,
    pub picks: u64,
    /// Who the rotation would pick next among the reps able to take a lead now, if anyone.
    pub next: Option<RepId>,
    pub reps: Vec<FairShare>,
}

/// One rep's share of its team's assignments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairShare {
    pub rep_id: RepId,
    pub weight: u32,
    pub assigned: usize,
    /// `assigned / team assignments`; `None` when the team had none.
    pub share: Option<f64>,
    /// What the strategy promises: an equal split of the active reps (round robin), the
    /// weight over the active reps' weights (weighted); `None` for least-loaded, which
    /// promises no share.
    pub expected_share: Option<f64>,
    /// The rep could take a lead now (active, in office, under capacity, in working hours
    /// when the routing respects them).
    pub available: bool,
    /// The rep's pass in the rotation (smallest goes next).
    pub pass: u64,
    /// 1 for the next pick, 2 after, ... among available reps; `None` when unavailable.
    pub turn: Option<u32>,
}

/// The funnel of one tier, or of all (`tier: None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunnelRow {
    pub tier: Option<Tier>,
    pub leads: usize,
    pub mql: usize,
    pub assigned: usize,
    pub contacted: usize,
    pub qualified: usize,
    pub won: usize,
    pub recycled: usize,
    pub reactivated: usize,
    pub pipeline_amount: f64,
    pub won_amount: f64,
}

/// The score histogram with the thresholds to draw on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreTrust {
    pub bands: Vec<ScoreBandRow>,
    pub mql_threshold: f64,
    /// The lowest score of tiers A, B and C.
    pub tier_a: f64,
    pub tier_b: f64,
    pub tier_c: f64,
}

/// One band of 10 points of current score (100 falls in the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreBandRow {
    pub from: u32,
    pub to: u32,
    pub leads: usize,
    pub qualified: usize,
    pub won: usize,
    /// `won / leads`.
    pub win_rate: Option<f64>,
    /// `qualified / leads`.
    pub qualification_rate: Option<f64>,
    pub won_amount: f64,
}

/// The tables a user can download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverviewTable {
    Headline,
    Queue,
    Speed,
    Reps,
    Teams,
    Fairness,
    Funnel,
    Score,
}

impl OverviewTable {
    pub const ALL: [OverviewTable; 8] = [
        OverviewTable::Headline,
        OverviewTable::Queue,
        OverviewTable::Speed,
        OverviewTable::Reps,
        OverviewTable::Teams,
        OverviewTable::Fairness,
        OverviewTable::Funnel,
        OverviewTable::Score,
    ];

    /// The name in URLs and file names (`reps` → `reps.csv`).
    pub fn as_str(self) -> &'static str {
        match self {
            OverviewTable::Headline => "headline",
            OverviewTable::Queue => "queue",
            OverviewTable::Speed => "speed",
            OverviewTable::Reps => "reps",
            OverviewTable::Teams => "teams",
            OverviewTable::Fairness => "fairness",
            OverviewTable::Funnel => "funnel",
            OverviewTable::Score => "score",
        }
    }
}

impl std::str::FromStr for OverviewTable {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OverviewTable::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = OverviewTable::ALL.iter().map(|t| t.as_str()).collect();
                format!("{s:?} is not a table; use one of {}", names.join(", "))
            })
    }
}

impl Overview {
    /// One table as CSV (a header line, then one line per row).
    pub fn csv(&self, table: OverviewTable) -> String {
        super::overview_csv::write(self, table)
    }
}
