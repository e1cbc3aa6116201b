//! `leadflow replay --events FILE.jsonl`: feed `/v1/events`-shaped events (one JSON object a
//! line) through the pipeline on a virtual clock taken from their `occurred_at`, then print
//! the same report as the demo. Every line is validated first, as the API would; one invalid
//! line refuses the whole file, with every problem listed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use clap::Args;
use leadflow::config::Config;
use leadflow::ports::{Alert, Notifier, NotifyError, RepStore};
use leadflow::scoring::ModelBlend;
use leadflow::usecases::ingest::InboundEvent;
use leadflow_local::pipeline::{Channel, Pipeline};
use leadflow_local::simulate::{Input, NoReactor, Simulation};
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions};
use serde_json::{json, Value};

use crate::config_source;

#[derive(Debug, Args)]
pub struct ReplayCmd {
    /// Events, one `/v1/events` event object per line.
    #[arg(long)]
    pub events: PathBuf,
    /// Configuration (default: the built-in example).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Keep the resulting state here (default: a temporary directory).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Simulated time to keep running after the last event, so that SLA clocks and decay
    /// play out (a duration such as "1d").
    #[arg(long, default_value = "1d")]
    pub tail: String,
}

struct Silent;

impl Notifier for Silent {
    async fn send(&self, _: &Alert) -> Result<(), NotifyError> {
        Ok(())
    }
}

pub fn run(args: ReplayCmd) -> ExitCode {
    let (config, model) = match config_source::load_with_model(
        args.config.as_deref(),
        config_source::Purpose::Offline,
    ) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let events = match read_events(&args.events, &config) {
        Ok(events) => events,
        Err(problems) => {
            for p in problems {
                eprintln!("{p}");
            }
            return ExitCode::FAILURE;
        }
    };
    match pollster::block_on(replay(&args, config, model, events)) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("leadflow replay: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every line validated as the API validates a request; all problems, by line, or the events.
fn read_events(path: &PathBuf, config: &Config) -> Result<Vec<InboundEvent>, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
    // A replay is history: nothing is "in the future" of it.
    let far_future = Utc.with_ymd_and_hms(9000, 1, 1, 0, 0, 0).unwrap();
    let mut events = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let where_ = format!("{}:{}", path.display(), i + 1);
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{where_}: not JSON: {e}"));
                continue;
            }
        };
        match leadflow_api::events::validate_request(
            &json!({ "events": [value] }),
            config,
            far_future,
        ) {
            Ok(mut valid) => events.append(&mut valid),
            Err(e) if e.details.is_empty() => problems.push(format!("{where_}: {}", e.message)),
            Err(e) => problems.extend(
                e.details
                    .iter()
                    .map(|d| format!("{where_}: {}: {}", d.field, d.message)),
            ),
        }
    }
    if events.is_empty() && problems.is_empty() {
        problems.push(format!("{}: no events", path.display()));
    }
    if problems.is_empty() {
        events.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at).then(a.id.cmp(&b.id)));
        Ok(events)
    } else {
        Err(problems)
    }
}

async fn replay(
    args: &ReplayCmd,
    config: Config,
    model: Option<ModelBlend>,
    events: Vec<InboundEvent>,
) -> Result<String, Box<dyn std::error::Error>> {
    let tail: leadflow::config::ConfigDuration =
        args.tail.parse().map_err(|e| format!("--tail: {e}"))?;
    let temp;
    let dir = match &args.data {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let store = SqliteStore::open_with(
        &dir,
        StoreOptions {
            durability: Durability::Normal,
            ..StoreOptions::default()
        },
    )?;
    for rep in &config.reps {
        store.put_rep(rep.clone()).await?;
    }
    let start: DateTime<Utc> = events
        .first()
        .map(|e| e.occurred_at)
        .expect("at least one event");
    let end = events
        .last()
        .map(|e| e.occurred_at)
        .expect("at least one event")
        + tail.delta().max(TimeDelta::zero());
    let config = Arc::new(config);
    let mut pipeline = Pipeline::new(store.clone(), config.clone(), Vec::<Channel<Silent>>::new());
    if let Some(model) = model {
        pipeline = pipeline.with_model(model);
    }
    let mut sim = Simulation::new(pipeline, start);
    for event in events {
        sim.schedule(event.occurred_at, Input::Event(Box::new(event)));
    }
    sim.run(end, &mut NoReactor, |_| {}).await?;
    let input = crate::report::gather(&store, &config, start, end).await?;
    let mut out = leadflow_demo::render(&input);
    out.push_str(&format!(
        "\nReplay: {} events accepted, {} duplicates, {} SLA checks, {} decay runs.\n",
        sim.stats.events, sim.stats.duplicates, sim.stats.sla_checks, sim.stats.decay_runs
    ));
    Ok(out)
}
