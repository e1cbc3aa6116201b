//! What every handler shares: the config (replaceable at run time), the store and the clock.

use std::future::Future;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use leadflow::config::Config;
use leadflow::domain::Lead;
use leadflow::metrics::{lead_facts, LeadFacts};
use leadflow::ports::{DueKind, Intake, LeadStore, RepStore, StoreError};

/// "Now", injected so that tests and the demo's virtual clock decide it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

impl<F> Clock for F
where
    F: Fn() -> DateTime<Utc> + Send + Sync + 'static,
{
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The leads `GET /v1/metrics` and the dashboard are about. No port lists leads by creation
/// time yet, so the API asks for it here; each store adapter implements it.
pub trait LeadScan: Send + Sync {
    /// Every lead with `since <= created_at < until`.
    fn leads_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Lead>, StoreError>> + Send;

    /// The metrics summary of every lead with `since <= created_at < until`. Shared, not
    /// copied: a dashboard reads a hundred thousand of them per page.
    ///
    /// The default computes them from each lead's history (one read per lead); a store that
    /// keeps them on write (`LeadFacts::update`) answers without reading any history.
    fn facts_created_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Arc<LeadFacts>>, StoreError>> + Send
    where
        Self: LeadStore + Sized,
    {
        async move {
            let leads = self.leads_created_between(since, until).await?;
            let mut facts = Vec::with_capacity(leads.len());
            for lead in &leads {
                let history = self.history(&lead.id).await?;
                facts.push(Arc::new(lead_facts(lead, &history)));
            }
            Ok(facts)
        }
    }

    /// The metrics summary of every lead whose first-response clock is open (waiting for an
    /// answer, breached or not), whenever it was created: the dashboard's at-risk queue.
    ///
    /// The default reads the leads the SLA checker has due at any time (the sparse SLA due
    /// index) and their history; it misses a breached clock that has nothing more due (no
    /// reassignment configured). A store that keeps facts on write answers from them.
    fn facts_with_open_clock(
        &self,
    ) -> impl Future<Output = Result<Vec<Arc<LeadFacts>>, StoreError>> + Send
    where
        Self: LeadStore + Sized,
    {
        async move {
            // Any time at all, within what every store can encode (SQLite: nanoseconds).
            let whenever = DateTime::<Utc>::from_timestamp(7_000_000_000, 0)
                .expect("the year 2191 is a valid instant");
            let ids = self.due(DueKind::Sla, whenever, usize::MAX).await?;
            let mut facts = Vec::with_capacity(ids.len());
            for id in &ids {
                let Some(lead) = self.lead(id).await? else {
                    continue;
                };
                let history = self.history(id).await?;
                let f = lead_facts(&lead, &history);
                if f.open_clock.is_some() {
                    facts.push(Arc::new(f));
                }
            }
            facts.sort_by(|a, b| a.lead_id.cmp(&b.lead_id));
            Ok(facts)
        }
    }
}

/// Everything the router needs of a store.
pub trait ApiStore:
    LeadStore + RepStore + Intake + LeadScan + Clone + Send + Sync + 'static
{
}

impl<T> ApiStore for T where
    T: LeadStore + RepStore + Intake + LeadScan + Clone + Send + Sync + 'static
{
}

/// The configuration in force; `replace` swaps it (a reload) without stopping the server.
/// Requests in flight keep the config they started with.
#[derive(Debug, Clone)]
pub struct ConfigHandle(Arc<RwLock<Arc<Config>>>);

impl ConfigHandle {
    pub fn new(config: Config) -> Self {
        ConfigHandle(Arc::new(RwLock::new(Arc::new(config))))
    }

    pub fn current(&self) -> Arc<Config> {
        // A writer cannot panic halfway through replacing an Arc, so a poisoned lock still
        // holds a whole config.
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn replace(&self, config: Config) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }
}

pub struct AppState<S> {
    pub config: ConfigHandle,
    pub store: S,
    pub clock: Arc<dyn Clock>,
}

impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            config: self.config.clone(),
            store: self.store.clone(),
            clock: self.clock.clone(),
        }
    }
}

impl<S> AppState<S> {
    pub fn new(config: ConfigHandle, store: S, clock: Arc<dyn Clock>) -> Self {
        AppState {
            config,
            store,
            clock,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
