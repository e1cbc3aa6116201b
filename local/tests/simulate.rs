//! The virtual-clock simulation: inputs in time order, schedules on simulated time, and a
//! reactor answering assignments.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use leadflow::config::Config;
use leadflow::domain::{AttrValue, Attributes, Lead, Rep, Status};
use leadflow::lifecycle::disposition::{Disposition, Outcome};
use leadflow::ports::{Alert, Notifier, NotifyError, RepStore};
use leadflow::usecases::ingest::InboundEvent;
use leadflow_local::pipeline::Pipeline;
use leadflow_local::simulate::{Input, Reactor, Simulation};
use leadflow_store_sqlite::SqliteStore;

struct Silent;

impl Notifier for Silent {
    async fn send(&self, _: &Alert) -> Result<(), NotifyError> {
        Ok(())
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn event(id: &str, email: &str, at: DateTime<Utc>) -> InboundEvent {
    let attributes: Attributes = [
        ("title", AttrValue::from("VP Marketing")),
        ("company_size", AttrValue::from(250i64)),
        ("industry", AttrValue::from("software")),
        ("country", AttrValue::from("US")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    InboundEvent {
        id: id.into(),
        event_type: "demo_request".into(),
        occurred_at: at,
        email: Some(email.into()),
        external_id: None,
        attributes,
        properties: Default::default(),
    }
}

/// Contacts every lead two minutes after assignment, except ben's, never.
struct TwoMinutes;

impl Reactor for TwoMinutes {
    fn on_assignment(&mut self, _lead: &Lead, rep: &Rep, at: DateTime<Utc>) -> Vec<Disposition> {
        if rep.id == "ben" {
            return Vec::new();
        }
        vec![Disposition {
            outcome: Outcome::Contacted,
            rep_id: rep.id.clone(),
            occurred_at: Some(at + TimeDelta::minutes(2)),
            reason: None,
            amount: None,
            note: None,
        }]
    }
}

#[tokio::test]
async fn inputs_schedules_and_reactions_run_on_simulated_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let config = Config::default();
    for rep in &config.reps {
        store.put_rep(rep.clone()).await.unwrap();
    }
    let pipeline = Pipeline::new(
        store.clone(),
        Arc::new(config),
        Vec::<leadflow_local::pipeline::Channel<Silent>>::new(),
    );
    let mut sim = Simulation::new(pipeline, t0());
    for i in 0..4 {
        let at = t0() + TimeDelta::minutes(10 * i);
        sim.schedule(
            at,
            Input::Event(Box::new(event(
                &format!("e{i}"),
                &format!("p{i}@acme.io"),
                at,
            ))),
        );
    }
    let mut fractions = Vec::new();
    sim.run(t0() + TimeDelta::hours(2), &mut TwoMinutes, |f| {
        fractions.push(f)
    })
    .await
    .unwrap();
    assert_eq!(sim.stats.events, 4);
    assert!(sim.stats.sla_checks >= 119, "{:?}", sim.stats);
    assert_eq!(fractions.last(), Some(&1.0));
    let leads = store.leads_created_between(None, None).await.unwrap();
    assert_eq!(leads.len(), 4);
    // Ana's leads were contacted in time; ben's were breached and reassigned to ana, who then
    // contacted them too.
    for lead in &leads {
        assert_eq!(
            lead.status,
            Status::Contacted,
            "{} {:?}",
            lead.id,
            lead.owner
        );
        assert_eq!(lead.owner_id(), Some("ana"));
    }
    let reassigned = leads
        .iter()
        .filter(|l| l.previous_owners == ["ben"])
        .count();
    assert_eq!(reassigned, 2, "round robin gave ben every other lead");
}

#[tokio::test]
async fn retention_runs_on_simulated_time_and_a_copy_inside_the_window_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let pipeline = Pipeline::new(
        store.clone(),
        Arc::new(Config::default()),
        Vec::<leadflow_local::pipeline::Channel<Silent>>::new(),
    );
    let mut sim = Simulation::new(pipeline, t0());
    let day = |d: i64| t0() + TimeDelta::days(d);
    // An event, its copy 29 days later (inside the 30-day window), another 45 days later.
    for at in [day(0), day(29), day(45)] {
        sim.schedule(
            at,
            Input::Event(Box::new(event("e0", "p0@acme.io", day(0)))),
        );
    }
    sim.run(day(46), &mut TwoMinutes, |_| {}).await.unwrap();
    assert_eq!(sim.stats.retention_runs, 46 * 24);
    assert_eq!(sim.stats.duplicates, 1, "the copy of day 29 is refused");
    assert_eq!(
        sim.stats.events, 2,
        "day 0's id was forgotten after 30 days (as AWS's seen item expires): day 45's copy is new"
    );
    assert!(
        sim.stats.pruned >= 2,
        "its seen and applied ids were pruned: {:?}",
        sim.stats
    );
}
