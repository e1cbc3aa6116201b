//! Helpers shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use leadflow::config::{load_str, no_env, Config, EXAMPLE_SOURCE, EXAMPLE_TOML};
use leadflow::domain::lead::Owner;
use leadflow::domain::{Lead, Rep, Status, Tier};
use leadflow::sla;
use leadflow_demo::Scenario;

pub fn example_config() -> Config {
    load_str(EXAMPLE_TOML, EXAMPLE_SOURCE, &no_env).expect("the example config loads")
}

/// A Monday.
pub fn start() -> DateTime<Utc> {
    "2026-11-02T00:00:00Z".parse().unwrap()
}

pub fn scenario(seed: u64) -> Scenario {
    Scenario::generate(seed, 4, start(), &example_config())
}

/// A lead of `tier` with this email just assigned to `rep` at `at`, with its SLA clock.
pub fn assigned_lead(
    email: &str,
    tier: Tier,
    rep: &Rep,
    at: DateTime<Utc>,
    config: &Config,
) -> Lead {
    let mut lead = Lead::new(format!("ld_{email}"), Some(email.to_string()), None, at);
    lead.tier = tier;
    lead.mql = true;
    lead.status = Status::Assigned;
    lead.owner = Some(Owner {
        rep_id: rep.id.clone(),
        assigned_at: at,
    });
    lead.sla = sla::start(tier, &rep.id, at, &config.sla);
    lead
}
