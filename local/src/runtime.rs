//! The pipeline running on its own: one task works the hot path (score, route, one
//! transaction per pass; woken when intake accepts an event, and polling as a fallback), one sends the alerts, and one each
//! fires the SLA, decay and retention schedules. Used by
//! `leadflow serve` with the system clock.

use std::sync::Arc;
use std::time::Duration;

use leadflow::ports::Notifier;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::pipeline::Pipeline;

/// How long the queue worker sleeps when idle and nobody wakes it.
pub const IDLE_POLL: Duration = Duration::from_millis(50);

/// How often waiting leads whose retry time came are routed.
pub const ROUTE_RETRY_TICK: Duration = Duration::from_secs(1);

/// How often the store forgets what is past its dedupe window (`Pipeline::tick_retention`).
pub const RETENTION_EVERY: Duration = Duration::from_secs(60);

pub struct Runtime {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Runtime {
    /// Start the workers. `wake` is notified by intake when it accepts events.
    pub fn start<N: Notifier + 'static>(
        pipeline: Arc<Pipeline<N>>,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
    ) -> Runtime {
        let (stop, stopped) = watch::channel(false);
        let alerts_due = Arc::new(Notify::new());
        let worker = tokio::spawn(work_queues(
            pipeline.clone(),
            clock.clone(),
            (wake, alerts_due.clone()),
            stopped.clone(),
        ));
        let alerts = tokio::spawn(send_alerts(
            pipeline.clone(),
            clock.clone(),
            alerts_due,
            stopped.clone(),
        ));
        let sla_every = pipeline.config.sla.check_interval.to_std();
        let decay_every = pipeline.config.decay.check_interval.to_std();
        let sla = {
            let (p, c) = (pipeline.clone(), clock.clone());
            tokio::spawn(every(sla_every, stopped.clone(), move || {
                let (p, c) = (p.clone(), c.clone());
                async move {
                    match p.tick_sla(c.now()).await {
                        Ok((r, _)) if !r.failed.is_empty() => {
                            tracing::error!(failed = ?r.failed, "SLA check left leads for the next run")
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "SLA check failed; it runs again next interval")
                        }
                    }
                }
            }))
        };
        // Waiting leads whose retry came (a shift starts, leave ends): checked every second,
        // an index read when nothing is due.
        let route = {
            let (p, c) = (pipeline.clone(), clock.clone());
            tokio::spawn(every(ROUTE_RETRY_TICK, stopped.clone(), move || {
                let (p, c) = (p.clone(), c.clone());
                async move {
                    match p.tick_route(c.now()).await {
                        Ok((_, failed)) if !failed.is_empty() => {
                            tracing::error!(?failed, "waiting leads stay for the next retry")
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "routing retry failed; it runs again")
                        }
                    }
                }
            }))
        };
        let retention = {
            let (p, c) = (pipeline.clone(), clock.clone());
            tokio::spawn(every(RETENTION_EVERY, stopped.clone(), move || {
                let (p, c) = (p.clone(), c.clone());
                async move {
                    match p.tick_retention(c.now()).await {
                        Ok(r) if r.total() > 0 => {
                            tracing::debug!(pruned = ?r, "retention removed rows past their window")
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "retention failed; it runs again next interval")
                        }
                    }
                }
            }))
        };
        let decay = tokio::spawn(every(decay_every, stopped, move || {
            let (p, c) = (pipeline.clone(), clock.clone());
            async move {
                match p.tick_decay(c.now()).await {
                    Ok(r) if !r.failed.is_empty() => {
                        tracing::error!(failed = ?r.failed, "decay left leads for the next run")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "decay failed; it runs again next interval")
                    }
                }
            }
        }));
        Runtime {
            stop,
            tasks: vec![worker, alerts, sla, route, decay, retention],
        }
    }

    /// Stop the workers after the work in hand; returns when they have stopped.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a worker task ended abnormally");
            }
        }
    }
}

/// The hot path (score, route): a pass whenever intake wakes it (polling as a fallback), at
/// once again while passes find full batches (a backlog), each pass stamped with the clock
/// as it starts; wakes the alert sender when a pass did something (it may have queued alerts).
async fn work_queues<N: Notifier>(
    pipeline: Arc<Pipeline<N>>,
    clock: Arc<dyn Clock>,
    (wake, alerts_due): (Arc<Notify>, Arc<Notify>),
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let more = match pipeline.hot_pass(clock.now()).await {
            Ok(pass) => {
                if pass.touched() > 0 {
                    alerts_due.notify_one();
                }
                pass.full
            }
            Err(e) => {
                tracing::error!(error = %e, "queue worker failed; retrying");
                false
            }
        };
        if !more {
            // A wake-up that came during the pass is kept by `Notify`: no accepted event
            // waits for the poll.
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stopped.changed() => {}
            }
        }
    }
}

/// Alerts off the hot path: a slow webhook delays other alerts, never scoring or routing.
async fn send_alerts<N: Notifier>(
    pipeline: Arc<Pipeline<N>>,
    clock: Arc<dyn Clock>,
    due: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if *stopped.borrow() {
            return;
        }
        if let Err(e) = pipeline.drain_alerts(clock.now()).await {
            tracing::error!(error = %e, "alert worker failed; retrying");
        }
        tokio::select! {
            _ = due.notified() => {}
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = stopped.changed() => {}
        }
    }
}

async fn every<F, Fut>(period: Duration, mut stopped: watch::Receiver<bool>, tick: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut interval = tokio::time::interval(period.max(Duration::from_millis(10)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => tick().await,
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
    }
}
