//! The whole synthetic scenario for a seed: the roster and its timed changes, every inbound
//! event in time order, and the hidden truth about each person.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::{Config, NegativeTrigger};
use leadflow::domain::Rep;
use leadflow::usecases::ingest::InboundEvent;

use crate::behaviour::{self, IDENTIFY};
use crate::rng::stream;
use crate::roster;
use crate::world::{self, Persona};

/// How big a scenario is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioParams {
    pub weeks: u32,
    /// New people who show up each week (each becomes one lead).
    pub leads_per_week: u32,
}

impl ScenarioParams {
    /// About 550 new leads a week: 2,200 leads and some 25,000 events over four weeks.
    pub const DEFAULT_LEADS_PER_WEEK: u32 = 550;

    pub fn for_weeks(weeks: u32) -> Self {
        ScenarioParams {
            weeks,
            leads_per_week: Self::DEFAULT_LEADS_PER_WEEK,
        }
    }

    fn leads(&self) -> usize {
        self.weeks as usize * self.leads_per_week as usize
    }

    /// A company for every seven people or so, and never fewer than 60.
    fn companies(&self) -> usize {
        (self.leads() / 7).max(60)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub seed: u64,
    pub start: DateTime<Utc>,
    /// The end of the simulated period (exclusive): every event is before it.
    pub end: DateTime<Utc>,
    /// The roster at `start` (a rep who joins later is there, inactive).
    pub reps: Vec<Rep>,
    /// Roster updates (`PUT /v1/reps/{id}` bodies) with the time to apply each, in time order.
    pub roster_changes: Vec<(DateTime<Utc>, Rep)>,
    /// Every inbound event, sorted by `occurred_at` (then id).
    pub events: Vec<InboundEvent>,
    /// Each person's hidden truth, by (normalised) email.
    pub truth: HashMap<String, Persona>,
}

impl Scenario {
    /// The scenario of `seed` over `weeks` from `start`, at the default volume.
    pub fn generate(seed: u64, weeks: u32, start: DateTime<Utc>, config: &Config) -> Scenario {
        Self::generate_with(seed, ScenarioParams::for_weeks(weeks), start, config)
    }

    pub fn generate_with(
        seed: u64,
        params: ScenarioParams,
        start: DateTime<Utc>,
        config: &Config,
    ) -> Scenario {
        let end = start + TimeDelta::weeks(i64::from(params.weeks));
        let (reps, roster_changes) = roster::generate(seed, config, start, end);

        let mut rng = stream(seed, "companies");
        let companies = world::companies(&mut rng, params.companies());
        let mut rng = stream(seed, "people");
        let people = world::people(&mut rng, &companies, params.leads(), &mut HashSet::new());

        let known = accepted_types(config);
        let mut rng = stream(seed, "behaviour");
        let mut events = Vec::new();
        let mut truth = HashMap::with_capacity(people.len());
        for (index, person) in people.iter().enumerate() {
            let company = person.company.map(|i| &companies[i]);
            events.extend(behaviour::events_of(
                &mut rng, person, company, index, start, end, &known,
            ));
            truth.insert(person.email.clone(), person.persona.clone());
        }
        events.sort_by(|a, b| {
            a.occurred_at
                .cmp(&b.occurred_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Scenario {
            seed,
            start,
            end,
            reps,
            roster_changes,
            events,
            truth,
        }
    }

    /// The truth about the lead with this email, when it is one of the scenario's people.
    pub fn persona(&self, email: &str) -> Option<&Persona> {
        self.truth.get(email)
    }
}

/// The event types the config accepts: `identify`, its signals and the signals its negative
/// rules name. The scenario sends no other type.
fn accepted_types(config: &Config) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = config.scoring.engagement.signals.keys().cloned().collect();
    for rule in &config.scoring.negative {
        if let NegativeTrigger::Signal(signal) = &rule.trigger {
            known.insert(signal.clone());
        }
    }
    known.insert(IDENTIFY.to_string());
    known
}
