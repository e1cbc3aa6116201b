//! The simulated sales team's roster, shaped by the config's routing rules: one group of reps
//! per team the rules name, in the time zones of the countries a team serves, with a new hire
//! who starts mid-way and a few absences (out of office) as timed roster updates.

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use leadflow::config::Config;
use leadflow::domain::condition::{Matcher, Scalar};
use leadflow::domain::rep::{Rep, WorkingHours};
use rand::RngExt;

use crate::calendar::local_instant;
use crate::catalog::{self, REP_NAMES};
use crate::rng::{stream, DemoRng};

/// Manager copied on alerts for the teams that handle the largest accounts.
const MANAGER_EMAIL: &str = "sales-lead@example.com";
/// Where reps of a team serving no particular country work.
const AMERICAN_ZONES: [Tz; 3] = [
    chrono_tz::America::New_York,
    chrono_tz::America::Chicago,
    chrono_tz::America::Los_Angeles,
];
const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];
/// Absences in a scenario (fewer when the roster is small).
const ABSENCES: usize = 3;

/// A team as the routing rules describe it.
#[derive(Debug, Clone, PartialEq)]
struct TeamPlan {
    name: String,
    /// A rule without conditions sends everything else here: the busiest team.
    catch_all: bool,
    /// A rule on company size: the team handles large accounts.
    by_size: bool,
    /// Countries its rules name, in order.
    countries: Vec<String>,
}

impl TeamPlan {
    fn new(name: &str) -> Self {
        TeamPlan {
            name: name.to_string(),
            catch_all: false,
            by_size: false,
            countries: Vec::new(),
        }
    }

    fn size(&self) -> usize {
        if self.catch_all {
            4
        } else if !self.countries.is_empty() {
            3
        } else {
            2
        }
    }

    fn zones(&self) -> Vec<Tz> {
        let zones: Vec<Tz> = self
            .countries
            .iter()
            .filter_map(|c| catalog::country(c))
            .filter_map(|c| c.zones.first())
            .filter_map(|(name, _)| name.parse::<Tz>().ok())
            .collect();
        if zones.is_empty() {
            AMERICAN_ZONES.to_vec()
        } else {
            zones
        }
    }
}

/// The teams of the routing rules in order; the roster's teams when no rule names one.
fn team_plans(config: &Config) -> Vec<TeamPlan> {
    let mut plans: Vec<TeamPlan> = Vec::new();
    for rule in &config.routing.rules {
        let index = match plans.iter().position(|p| p.name == rule.team) {
            Some(i) => i,
            None => {
                plans.push(TeamPlan::new(&rule.team));
                plans.len() - 1
            }
        };
        let plan = &mut plans[index];
        plan.catch_all |= rule.when.is_empty();
        for condition in &rule.when {
            match (condition.field.as_str(), &condition.matcher) {
                ("company_size", _) => plan.by_size = true,
                ("country", Matcher::In(values)) => {
                    for value in values {
                        if let Scalar::Text(code) = value {
                            plan.countries.push(code.trim().to_ascii_uppercase());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if plans.is_empty() {
        for rep in &config.reps {
            if !plans.iter().any(|p| p.name == rep.team) {
                plans.push(TeamPlan::new(&rep.team));
            }
        }
    }
    if plans.is_empty() {
        let mut inbound = TeamPlan::new("inbound");
        inbound.catch_all = true;
        plans.push(inbound);
    }
    plans
}

fn hours(tz: Tz, start: (u32, u32)) -> WorkingHours {
    let start = NaiveTime::from_hms_opt(start.0, start.1, 0).expect("a valid clock time");
    WorkingHours {
        timezone: tz,
        days: WEEKDAYS.to_vec(),
        start,
        end: start + TimeDelta::hours(9),
    }
}

/// The initial roster and its timed updates (sorted by time) for a scenario of
/// `[start, end)`.
pub fn generate(
    seed: u64,
    config: &Config,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (Vec<Rep>, Vec<(DateTime<Utc>, Rep)>) {
    let mut rng = stream(seed, "roster");
    let mut reps = Vec::new();
    let mut names = REP_NAMES.iter().cycle().enumerate();
    let mut new_hire_team = None;
    for plan in team_plans(config) {
        let zones = plan.zones();
        for i in 0..plan.size() {
            let (n, (first, last)) = names.next().expect("the name list cycles");
            let mut rep = Rep::new(&rep_id(first, n), &plan.name);
            rep.name = format!("{first} {last}");
            rep.capacity = if plan.by_size {
                rng.random_range(2..=3) * 5
            } else {
                rng.random_range(4..=7) * 5
            };
            rep.weight = rng.random_range(1..=3);
            // One late shift on the busiest team, so that evenings are covered.
            let shift = if plan.catch_all && i == 2 {
                (11, 0)
            } else {
                [(8, 30), (9, 0)][rng.random_range(0..2)]
            };
            rep.working_hours = Some(hours(zones[i % zones.len()], shift));
            if plan.by_size {
                rep.manager_email = Some(MANAGER_EMAIL.to_string());
            }
            reps.push(rep);
        }
        if plan.catch_all && new_hire_team.is_none() {
            new_hire_team = Some((plan.name.clone(), zones[0]));
        }
    }

    let mut changes = absences(&mut rng, &reps, start, end);
    if let Some((team, zone)) = new_hire_team {
        let (n, (first, last)) = names.next().expect("the name list cycles");
        let mut hire = Rep::new(&rep_id(first, n), &team);
        hire.name = format!("{first} {last}");
        hire.capacity = 15;
        hire.working_hours = Some(hours(zone, (9, 0)));
        hire.active = false;
        // Starts on the Monday of the scenario's middle week.
        let middle = start + (end - start) / 2;
        let monday = monday_on_or_after(middle.with_timezone(&zone).date_naive());
        let first_day = local_instant(zone, monday, NaiveTime::MIN);
        if first_day < end {
            let mut active = hire.clone();
            active.active = true;
            changes.push((first_day, active));
            reps.push(hire);
        }
    }
    changes.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    (reps, changes)
}

fn rep_id(first: &str, n: usize) -> String {
    let id = first.to_ascii_lowercase();
    // The name list cycles for very large rosters; ids must stay unique.
    match n / REP_NAMES.len() {
        0 => id,
        round => format!("{id}{}", round + 1),
    }
}

fn monday_on_or_after(day: chrono::NaiveDate) -> chrono::NaiveDate {
    let ahead = (7 - day.weekday().num_days_from_monday()) % 7;
    day + TimeDelta::days(i64::from(ahead))
}

/// A few reps away for 2–5 days each, from a morning inside the scenario.
fn absences(
    rng: &mut DemoRng,
    reps: &[Rep],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Rep)> {
    let days = (end - start).num_days();
    if days < 7 || reps.len() < 2 {
        return Vec::new();
    }
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < ABSENCES.min(reps.len() - 1) {
        let i = rng.random_range(0..reps.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen
        .into_iter()
        .map(|i| {
            let rep = &reps[i];
            let zone = rep
                .working_hours
                .as_ref()
                .map_or(chrono_tz::UTC, |h| h.timezone);
            let first_day = (start + TimeDelta::days(rng.random_range(2..days - 3)))
                .with_timezone(&zone)
                .date_naive();
            let length = rng.random_range(2..=5);
            let away_from = local_instant(zone, first_day, NaiveTime::MIN);
            let back = local_instant(
                zone,
                first_day + TimeDelta::days(length),
                NaiveTime::from_hms_opt(8, 0, 0).expect("a valid clock time"),
            );
            let mut away = rep.clone();
            away.out_of_office_until = Some(back);
            (away_from, away)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadflow::config::{load_str, no_env, EXAMPLE_SOURCE, EXAMPLE_TOML};

    fn example() -> Config {
        load_str(EXAMPLE_TOML, EXAMPLE_SOURCE, &no_env).expect("the example loads")
    }

    #[test]
    fn teams_follow_the_routing_rules() {
        let plans = team_plans(&example());
        let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["enterprise", "emea", "inbound"]);
        assert!(plans[0].by_size && !plans[0].catch_all);
        assert_eq!(plans[1].countries, ["GB", "DE", "FR"]);
        assert!(plans[2].catch_all);
    }

    #[test]
    fn emea_reps_work_in_european_zones() {
        let start = "2026-11-02T00:00:00Z".parse().unwrap();
        let end = start + TimeDelta::weeks(4);
        let (reps, _) = generate(1, &example(), start, end);
        for rep in reps.iter().filter(|r| r.team == "emea") {
            let zone = rep.working_hours.as_ref().unwrap().timezone.name();
            assert!(zone.starts_with("Europe/"), "{} works in {zone}", rep.id);
        }
    }
}
