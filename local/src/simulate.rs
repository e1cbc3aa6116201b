//! The pipeline on a virtual clock: timed inputs (events, dispositions, roster changes) are
//! fed in time order, the SLA and decay schedules fire at their configured intervals of
//! simulated time (and retention every simulated `RETENTION_EVERY`), and a `Reactor` (the simulated sales team) answers each assignment with
//! dispositions it plans for later. Used by `leadflow demo` and `leadflow replay`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::domain::{DomainEvent, DomainEventKind, Lead, Rep};
use leadflow::lifecycle::disposition::Disposition;
use leadflow::ports::{LeadStore, Notifier, RepStore};
use leadflow::usecases::disposition::record_disposition;
use leadflow::usecases::ingest::{ingest, InboundEvent};
use leadflow::usecases::UseCaseError;

use crate::clock::{Clock, VirtualClock};
use crate::pipeline::{Pipeline, PipelineError};

/// How often retention runs in simulated time.
pub const RETENTION_EVERY: TimeDelta = TimeDelta::hours(1);

/// The queue the simulation reads assignments from.
pub const SALES_QUEUE: &str = "sales";

/// The demo's bus: the default routes, plus assignments to the simulated sales team.
pub fn simulation_routes(event: &DomainEvent) -> Vec<&'static str> {
    let mut queues = crate::pipeline::default_routes(event);
    if matches!(
        event.kind,
        DomainEventKind::LeadAssigned | DomainEventKind::LeadReassigned
    ) {
        queues.push(SALES_QUEUE);
    }
    queues
}

/// Something that happens at a given simulated time.
#[derive(Debug, Clone)]
pub enum Input {
    Event(Box<InboundEvent>),
    Disposition {
        lead_id: String,
        disposition: Box<Disposition>,
    },
    Roster(Box<Rep>),
}

/// Answers assignments, as a sales team would.
pub trait Reactor {
    fn on_assignment(
        &mut self,
        lead: &Lead,
        rep: &Rep,
        assigned_at: DateTime<Utc>,
    ) -> Vec<Disposition>;
}

/// Nobody answers (replay: the dispositions, if any, are in the input).
pub struct NoReactor;

impl Reactor for NoReactor {
    fn on_assignment(&mut self, _: &Lead, _: &Rep, _: DateTime<Utc>) -> Vec<Disposition> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulationStats {
    pub events: usize,
    pub duplicates: usize,
    pub dispositions: usize,
    /// Dispositions the lead's state no longer allowed (e.g. it was reassigned meanwhile).
    pub dispositions_refused: usize,
    pub sla_checks: usize,
    pub decay_runs: usize,
    pub retention_runs: usize,
    /// Rows retention removed (dedupe markers past their window).
    pub pruned: usize,
}

pub struct Simulation<N> {
    pub pipeline: Pipeline<N>,
    pub clock: VirtualClock,
    agenda: BinaryHeap<Reverse<(DateTime<Utc>, u64, usize)>>,
    inputs: Vec<Option<Input>>,
    seq: u64,
    pub stats: SimulationStats,
}

impl<N: Notifier> Simulation<N> {
    pub fn new(mut pipeline: Pipeline<N>, start: DateTime<Utc>) -> Self {
        pipeline.routes = simulation_routes;
        Simulation {
            pipeline,
            clock: VirtualClock::starting_at(start),
            agenda: BinaryHeap::new(),
            inputs: Vec::new(),
            seq: 0,
            stats: SimulationStats::default(),
        }
    }

    pub fn schedule(&mut self, at: DateTime<Utc>, input: Input) {
        self.inputs.push(Some(input));
        self.seq += 1;
        self.agenda
            .push(Reverse((at, self.seq, self.inputs.len() - 1)));
    }

    /// Run until `end` (simulated). `progress` gets the fraction of simulated time done.
    pub async fn run(
        &mut self,
        end: DateTime<Utc>,
        reactor: &mut impl Reactor,
        mut progress: impl FnMut(f64),
    ) -> Result<(), SimulationError> {
        let start = self.clock.now();
        let sla_every = self
            .pipeline
            .config
            .sla
            .check_interval
            .delta()
            .max(TimeDelta::seconds(1));
        let decay_every = self
            .pipeline
            .config
            .decay
            .check_interval
            .delta()
            .max(TimeDelta::seconds(1));
        let (mut next_sla, mut next_decay) = (start + sla_every, start + decay_every);
        let mut next_retention = start + RETENTION_EVERY;
        loop {
            let next_input = self.agenda.peek().map(|Reverse((at, _, _))| *at);
            let now = [
                Some(next_sla),
                Some(next_decay),
                Some(next_retention),
                next_input,
            ]
            .into_iter()
            .flatten()
            .min()
            .expect("the schedules always have a next time");
            if now > end {
                break;
            }
            self.clock.advance_to(now);
            let mut events = Vec::new();
            let mut inputs_ran = false;
            while let Some(Reverse((at, _, index))) = self.agenda.peek().copied() {
                if at > now {
                    break;
                }
                self.agenda.pop();
                inputs_ran = true;
                match self.inputs[index].take().expect("each input runs once") {
                    Input::Event(e) => events.push(*e),
                    Input::Roster(rep) => self
                        .pipeline
                        .store
                        .put_rep(*rep)
                        .await
                        .map_err(PipelineError::from)?,
                    Input::Disposition {
                        lead_id,
                        disposition,
                    } => {
                        self.flush_events(&mut events, now).await?;
                        self.stats.dispositions += 1;
                        match record_disposition(
                            &self.pipeline.store,
                            &lead_id,
                            &disposition,
                            &self.pipeline.config,
                            now,
                        )
                        .await
                        {
                            Ok(_) => {}
                            Err(UseCaseError::Disposition(_) | UseCaseError::LeadNotFound(_)) => {
                                self.stats.dispositions_refused += 1
                            }
                            Err(e) => return Err(PipelineError::from(e).into()),
                        }
                    }
                }
            }
            // Only a step that changed something can have left work on the queues; skipping
            // the rest keeps a month of one-minute SLA ticks cheap.
            let mut changed = self.flush_events(&mut events, now).await? || inputs_ran;
            if now >= next_sla {
                let (report, routed) = self.pipeline.tick_sla(now).await?;
                if !report.failed.is_empty() {
                    return Err(SimulationError::Unsettled(report.failed));
                }
                changed |= report.checked > 0 || routed > 0;
                self.stats.sla_checks += 1;
                next_sla += sla_every;
            }
            if now >= next_decay {
                let report = self.pipeline.tick_decay(now).await?;
                if !report.failed.is_empty() {
                    return Err(SimulationError::Unsettled(report.failed));
                }
                changed |= report.checked > 0;
                self.stats.decay_runs += 1;
                next_decay += decay_every;
            }
            if now >= next_retention {
                let report = self.pipeline.tick_retention(now).await?;
                self.stats.retention_runs += 1;
                self.stats.pruned += report.total();
                next_retention += RETENTION_EVERY;
            }
            if changed {
                self.pipeline.drain(now).await?;
                self.react(reactor, now).await?;
            }
            let total = (end - start).num_seconds().max(1) as f64;
            progress(((now - start).num_seconds() as f64 / total).clamp(0.0, 1.0));
        }
        self.clock.advance_to(end);
        self.pipeline.drain(end).await?;
        progress(1.0);
        Ok(())
    }

    /// Ingest what accumulated; whether there was anything.
    async fn flush_events(
        &mut self,
        events: &mut Vec<InboundEvent>,
        now: DateTime<Utc>,
    ) -> Result<bool, SimulationError> {
        if events.is_empty() {
            return Ok(false);
        }
        for chunk in std::mem::take(events).chunks(500) {
            let report = ingest(&self.pipeline.store, chunk.to_vec(), now)
                .await
                .map_err(PipelineError::from)?;
            self.stats.events += report.accepted;
            self.stats.duplicates += report.duplicates;
        }
        Ok(true)
    }

    /// Let the sales team answer the assignments made so far.
    async fn react(
        &mut self,
        reactor: &mut impl Reactor,
        now: DateTime<Utc>,
    ) -> Result<(), SimulationError> {
        let store = self.pipeline.store.clone();
        loop {
            let claimed = store
                .claim(SALES_QUEUE, 500, std::time::Duration::from_secs(60), now)
                .await
                .map_err(PipelineError::from)?;
            if claimed.is_empty() {
                return Ok(());
            }
            let reps = store.reps().await.map_err(PipelineError::from)?;
            for message in claimed {
                let event: DomainEvent = message
                    .decode()
                    .map_err(|e| SimulationError::Decode(e.to_string()))?;
                let lead = store
                    .lead(&event.lead_id)
                    .await
                    .map_err(PipelineError::from)?;
                let rep_id = event.detail.get("rep_id").and_then(|v| v.as_str());
                let rep = reps.iter().find(|r| Some(r.rep.id.as_str()) == rep_id);
                if let (Some(lead), Some(rep)) = (lead, rep) {
                    for d in reactor.on_assignment(&lead, &rep.rep, event.occurred_at) {
                        let at = d.occurred_at.unwrap_or(now).max(now);
                        self.schedule(
                            at,
                            Input::Disposition {
                                lead_id: lead.id.clone(),
                                disposition: Box::new(d),
                            },
                        );
                    }
                }
                store.ack(message.id).await.map_err(PipelineError::from)?;
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("a queued message could not be read: {0}")]
    Decode(String),
    /// A schedule could not settle some leads: in a simulation that is a bug, not a retry.
    #[error("the schedules could not settle {} lead(s), first {:?}", .0.len(), .0.first())]
    Unsettled(Vec<(String, String)>),
}
