//! The simulated sales team: how a rep answers a lead assigned to them, as the dispositions
//! they will report and when.
//!
//! Each plan draws from its own stream (seed, lead, rep, assignment time), so plans do not
//! depend on the order in which the driver asks for them. A rep works only in their working
//! hours and not while out of office; each rep has their own pace and a small chance of never
//! picking a lead up.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::{Config, DispositionsConfig};
use leadflow::domain::{Lead, Rep, RepId, Tier};
use leadflow::lifecycle::disposition::{Disposition, Outcome};
use rand::seq::IndexedRandom;
use rand::RngExt;
use rand_distr::{Distribution, LogNormal};

use crate::calendar::{next_working_instant, shift_length};
use crate::rng::{stream, DemoRng};
use crate::scenario::Scenario;
use crate::world::{Persona, Segment};

/// Typical time to first contact by tier, before the rep's own pace: minutes for A, under an
/// hour for B, hours for C and a day for D; log-normal, so with a long tail.
fn first_contact_median(tier: Tier) -> TimeDelta {
    match tier {
        Tier::A => TimeDelta::minutes(3),
        Tier::B => TimeDelta::minutes(45),
        Tier::C => TimeDelta::hours(4),
        Tier::D => TimeDelta::hours(24),
    }
}

/// The truth assumed for a lead the scenario does not know.
const UNKNOWN: Persona = Persona {
    intent: 0.15,
    segment: Segment::OffProfile,
    will_convert: false,
    deal_size: 5_000.0,
};

/// Share of converting deals that close won (the rest are lost late, to price or a rival).
const WIN_RATE_OF_BUYERS: f64 = 0.85;

/// A rep's out-of-office period: from, until (exclusive).
type Absence = (DateTime<Utc>, DateTime<Utc>);

/// How one rep works, fixed for the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Habits {
    /// Multiplies every delay: below 1 a quick rep, above 1 a slow one.
    pace: f64,
    /// Chance that an assigned lead is never picked up.
    neglect: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SalesTeam {
    seed: u64,
    reasons: DispositionsConfig,
    /// Out-of-office periods by rep, from the scenario's roster changes.
    absences: HashMap<RepId, Vec<Absence>>,
}

impl SalesTeam {
    pub fn new(scenario: &Scenario, config: &Config) -> Self {
        let mut absences: HashMap<RepId, Vec<_>> = HashMap::new();
        for (at, rep) in &scenario.roster_changes {
            if let Some(until) = rep.out_of_office_until.filter(|u| u > at) {
                absences
                    .entry(rep.id.clone())
                    .or_default()
                    .push((*at, until));
            }
        }
        SalesTeam {
            seed: scenario.seed,
            reasons: config.dispositions.clone(),
            absences,
        }
    }

    fn habits(&self, rep: &Rep) -> Habits {
        let mut rng = stream(self.seed, &format!("habits:{}", rep.id));
        let pace = LogNormal::new(0.0, 0.45)
            .expect("valid log-normal parameters")
            .sample(&mut rng);
        Habits {
            pace,
            // 1.5%–6%: most leads are worked, a few fall through the cracks.
            neglect: rng.random_range(0.015..0.06),
        }
    }

    /// The dispositions `rep` will report on `lead`, assigned to them at `assigned_at`, in
    /// time order (each after the last and after `assigned_at`). Empty when the rep never
    /// picks the lead up.
    pub fn plan(
        &self,
        lead: &Lead,
        rep: &Rep,
        assigned_at: DateTime<Utc>,
        truth: Option<&Persona>,
    ) -> Vec<Disposition> {
        let label = format!(
            "plan:{}:{}:{}",
            lead.id,
            rep.id,
            assigned_at.timestamp_millis()
        );
        let mut plan = Plan {
            rng: stream(self.seed, &label),
            team: self,
            rep,
            habits: self.habits(rep),
            at: assigned_at,
            out: Vec::new(),
        };
        let truth = truth.unwrap_or(&UNKNOWN);
        if plan.rng.random_bool(plan.habits.neglect) {
            return Vec::new();
        }
        plan.work(lead.tier, truth);
        plan.out
    }

    fn reason(&self, outcome: Outcome, preferred: &[&str], rng: &mut DemoRng) -> Option<String> {
        let allowed = outcome.reasons(&self.reasons).unwrap_or(&[]);
        let matching: Vec<&String> = allowed
            .iter()
            .filter(|r| preferred.contains(&r.as_str()))
            .collect();
        matching
            .choose(rng)
            .copied()
            .or_else(|| allowed.choose(rng))
            .cloned()
    }
}

/// One plan being written: the time moves forward with each disposition.
struct Plan<'a> {
    rng: DemoRng,
    team: &'a SalesTeam,
    rep: &'a Rep,
    habits: Habits,
    at: DateTime<Utc>,
    out: Vec<Disposition>,
}

impl Plan<'_> {
    fn work(&mut self, tier: Tier, truth: &Persona) {
        let first = log_normal(&mut self.rng, first_contact_median(tier), 1.0);
        self.wait(first.mul_f64(self.habits.pace));

        if !truth.segment.can_buy() {
            let reason = match truth.segment {
                Segment::Competitor => "competitor",
                Segment::Student => "student",
                _ => "job_seeker",
            };
            return self.close(Outcome::Disqualified, &[reason, "bad_data"], None);
        }
        // A plainly bad fit is closed on the first call.
        if !truth.will_convert && self.rng.random_bool(0.25 * (1.0 - truth.intent)) {
            return self.close(Outcome::Disqualified, LACKS, None);
        }
        self.report(Outcome::Contacted);

        let replies = truth.will_convert || self.rng.random_bool(0.35 + 0.6 * truth.intent);
        if !replies {
            for _ in 0..self.rng.random_range(2..=5) {
                self.wait_days(1.0, 3.0);
                self.report(Outcome::Contacted);
            }
            self.wait_days(1.0, 3.0);
            return self.close(Outcome::Recycled, &["no_response"], None);
        }

        self.wait_days(0.5, 3.0);
        self.report(Outcome::MeetingBooked);
        self.wait_days(1.0, 4.0);
        let qualifies = truth.will_convert || self.rng.random_bool(0.6 * truth.intent);
        if !qualifies {
            return if self.rng.random_bool(0.5) {
                self.close(Outcome::Recycled, &["not_ready", "nurture"], None)
            } else {
                self.close(Outcome::Disqualified, LACKS, None)
            };
        }
        self.close(Outcome::Qualified, &[], Some(truth.deal_size));

        // Bigger deals take longer: about ten days at $10k, three weeks at $100k.
        let cycle_days = 10.0 * (truth.deal_size / 10_000.0).powf(0.3);
        let cycle = log_normal(&mut self.rng, days(cycle_days), 0.4);
        let touches = self.rng.random_range(1..=3);
        for _ in 0..touches {
            self.wait(cycle / (touches + 1));
            self.report(Outcome::MeetingBooked);
        }
        self.wait(cycle / (touches + 1));
        if truth.will_convert && self.rng.random_bool(WIN_RATE_OF_BUYERS) {
            let discount = self.rng.random_range(0.0..0.15);
            let amount = (truth.deal_size * (1.0 - discount) / 100.0).round() * 100.0;
            self.close(Outcome::Won, &[], Some(amount));
        } else {
            let reasons = ["price", "competitor", "no_decision", "timing"];
            self.close(Outcome::Lost, &reasons, Some(truth.deal_size));
        }
    }

    /// Let `delay` pass, then move to when the rep is next at work.
    fn wait(&mut self, delay: TimeDelta) {
        let earliest = self.at + delay.max(TimeDelta::minutes(1));
        self.at = self.at_work(earliest);
    }

    fn wait_days(&mut self, low: f64, high: f64) {
        let d = self.rng.random_range(low..high);
        self.wait(days(d));
    }

    /// The first moment from `t` when the rep is at work: after any absence, inside a shift.
    /// A rep who starts a shift with a backlog takes a little while to reach each lead.
    fn at_work(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        let mut at = t;
        // Waiting for a shift can land in an absence and an absence can end at night: settle
        // both (a few rounds suffice; absences do not overlap).
        for _ in 0..4 {
            let back = self.back_from_absence(at);
            let Some(hours) = &self.rep.working_hours else {
                return back;
            };
            let start = next_working_instant(hours, back);
            if start == at {
                return at;
            }
            let most = (shift_length(hours).num_minutes() / 2).clamp(1, 90);
            at = start + TimeDelta::minutes(self.rng.random_range(0..most));
        }
        at
    }

    /// The end of the rep's absence when `t` falls in one; `t` otherwise.
    fn back_from_absence(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.team
            .absences
            .get(&self.rep.id)
            .and_then(|periods| {
                periods
                    .iter()
                    .find(|(from, until)| t >= *from && t < *until)
            })
            .map_or(t, |(_, until)| *until)
    }

    fn report(&mut self, outcome: Outcome) {
        self.out
            .push(Disposition::new(outcome, &self.rep.id, self.at));
    }

    /// A disposition with a reason (from `preferred` when the config lists one) or an amount.
    fn close(&mut self, outcome: Outcome, preferred: &[&str], amount: Option<f64>) {
        let mut d = Disposition::new(outcome, &self.rep.id, self.at);
        d.reason = self.team.reason(outcome, preferred, &mut self.rng);
        d.amount = amount;
        self.out.push(d);
    }
}

/// Why a lead that will not buy is disqualified after a conversation.
const LACKS: &[&str] = &["no_need", "no_budget", "no_authority", "bad_timing"];

fn days(d: f64) -> TimeDelta {
    TimeDelta::seconds((d * 86_400.0) as i64)
}

/// A log-normal duration with this median and spread (sigma of the log).
fn log_normal(rng: &mut DemoRng, median: TimeDelta, sigma: f64) -> TimeDelta {
    let factor = LogNormal::new(0.0, sigma)
        .expect("valid log-normal parameters")
        .sample(rng);
    median.mul_f64(factor)
}

trait MulF64 {
    fn mul_f64(self, factor: f64) -> TimeDelta;
}

impl MulF64 for TimeDelta {
    fn mul_f64(self, factor: f64) -> TimeDelta {
        TimeDelta::milliseconds((self.num_milliseconds() as f64 * factor) as i64)
    }
}
