//! `leadflow demo`: a seeded synthetic month of leads, reps and sales behaviour, run through
//! the real pipeline on a virtual clock, then the report a sales leader reads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use leadflow::config::{AlertKind, Config};
use leadflow::domain::{Lead, Rep};
use leadflow::lifecycle::disposition::Disposition;
use leadflow::ports::{Alert, Notifier, NotifyError, RepStore};
use leadflow::scoring::ModelBlend;
use leadflow_demo::{render, SalesTeam, Scenario, ScenarioParams};
use leadflow_local::pipeline::{Channel, Pipeline};
use leadflow_local::simulate::{Input, Reactor, Simulation};
use leadflow_store_sqlite::{ChangeKind, ChangelogEntry, Durability, SqliteStore, StoreOptions};

use crate::config_source;

#[derive(Debug, Args)]
pub struct DemoCmd {
    /// Seed of the synthetic scenario: the same seed gives the same month.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Simulated weeks.
    #[arg(long, default_value_t = 4)]
    pub weeks: u32,
    /// New leads per simulated week.
    #[arg(long, default_value_t = ScenarioParams::DEFAULT_LEADS_PER_WEEK)]
    pub leads_per_week: u32,
    /// Keep what the demo simulated in this data directory (`leadflow serve --data DIR`
    /// opens it, dashboard included); by default a temporary directory, removed at the end.
    /// Kept data is simulated up to this week's Monday, so that the dashboard's default
    /// period (the last 30 days) shows it.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Configuration (default: the built-in example).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The simulated month starts on a Monday, so that weeks line up with working days: a fixed
/// one for the report (the same seed prints the same month), the one `weeks` before this
/// week's for kept data (it ends when the week began, so that it reads as recent activity).
fn start(weeks: u32, kept: bool, today: NaiveDate) -> DateTime<Utc> {
    if !kept {
        return Utc.with_ymd_and_hms(2026, 10, 5, 0, 0, 0).unwrap();
    }
    let this_monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    (this_monday - TimeDelta::weeks(i64::from(weeks)))
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

pub fn run(args: DemoCmd) -> ExitCode {
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
    // No async runtime: the simulation is one sequential loop, and without tokio the store
    // runs each SQLite call inline instead of hopping to a blocking thread.
    match pollster::block_on(demo(args, config, model)) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("leadflow demo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Alerts have nowhere to go in the demo (no network): they are counted.
#[derive(Clone, Default)]
struct AlertCounter(Arc<Mutex<HashMap<AlertKind, usize>>>);

impl Notifier for AlertCounter {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        *self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(alert.kind)
            .or_default() += 1;
        Ok(())
    }
}

struct Sales<'a> {
    team: SalesTeam,
    scenario: &'a Scenario,
}

impl Reactor for Sales<'_> {
    fn on_assignment(&mut self, lead: &Lead, rep: &Rep, at: DateTime<Utc>) -> Vec<Disposition> {
        let truth = lead.email.as_deref().and_then(|e| self.scenario.persona(e));
        self.team.plan(lead, rep, at, truth)
    }
}

async fn demo(
    args: DemoCmd,
    mut config: Config,
    model: Option<ModelBlend>,
) -> Result<String, Box<dyn std::error::Error>> {
    if args.config.is_none() {
        // The simulated reps keep office hours in their own time zones; route accordingly, as
        // a team that works in shifts would.
        config.routing.respect_working_hours = true;
    }
    let temp;
    let dir = match &args.data {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    // A simulation can be rerun from scratch; it does not need each commit fsynced.
    let options = StoreOptions {
        durability: Durability::Normal,
        ..StoreOptions::default()
    };
    let store = SqliteStore::open_with(&dir, options)?;
    if store.lead_count().await? > 0 {
        return Err(format!(
            "{} already holds leads; give the demo an empty data directory",
            dir.display()
        )
        .into());
    }
    let params = ScenarioParams {
        weeks: args.weeks,
        leads_per_week: args.leads_per_week,
    };
    let start = start(args.weeks, args.data.is_some(), Utc::now().date_naive());
    let scenario = Scenario::generate_with(args.seed, params, start, &config);
    for rep in &scenario.reps {
        store.put_rep(rep.clone()).await?;
    }
    let alerts = AlertCounter::default();
    let config = Arc::new(config);
    let mut pipeline = Pipeline::new(
        store.clone(),
        config.clone(),
        vec![Channel {
            name: "demo",
            notifier: alerts.clone(),
        }],
    );
    if let Some(model) = model {
        pipeline = pipeline.with_model(model);
    }
    if args.data.is_some() {
        publish_demo_rules(
            &store,
            &config,
            args.config.as_deref(),
            &pipeline.version,
            start,
        )
        .await?;
    }
    let mut sim = Simulation::new(pipeline, scenario.start);
    for event in &scenario.events {
        sim.schedule(event.occurred_at, Input::Event(Box::new(event.clone())));
    }
    for (at, rep) in &scenario.roster_changes {
        sim.schedule(*at, Input::Roster(Box::new(rep.clone())));
    }
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1000)
    };
    bar.set_style(
        ProgressStyle::with_template("simulating {msg} [{bar:40}] {percent:>3}% {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!(
        "{} weeks, {} events",
        args.weeks,
        scenario.events.len()
    ));
    let mut sales = Sales {
        team: SalesTeam::new(&scenario, &config),
        scenario: &scenario,
    };
    let started = std::time::Instant::now();
    sim.run(scenario.end, &mut sales, |f| {
        bar.set_position((f * 1000.0) as u64)
    })
    .await?;
    bar.finish_and_clear();
    let wall = started.elapsed();

    let input = crate::report::gather(&store, &config, scenario.start, scenario.end).await?;
    let mut out = render(&input);
    let counts = alerts.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let count = |k: AlertKind| counts.get(&k).copied().unwrap_or(0);
    out.push_str(&format!(
        "\nPipeline: {} events accepted, {} dispositions ({} no longer applicable), {} SLA checks, {} decay runs.\n\
         Alerts: {} assigned, {} SLA breached, {} reassigned, {} follow-ups missed.\n\
         Simulated {} weeks in {:.1} s (seed {}).\n",
        sim.stats.events,
        sim.stats.dispositions,
        sim.stats.dispositions_refused,
        sim.stats.sla_checks,
        sim.stats.decay_runs,
        count(AlertKind::Assigned),
        count(AlertKind::SlaBreached),
        count(AlertKind::Reassigned),
        count(AlertKind::FollowUpMissed),
        args.weeks,
        wall.as_secs_f64(),
        args.seed,
    ));
    if let Some(dir) = &args.data {
        out.push_str(&format!(
            "Kept in {}: `leadflow serve --data {}` opens it.\n",
            dir.display(),
            dir.display()
        ));
    }
    Ok(out)
}

/// Kept data records the rules it was scored with as the first published version, so that
/// `serve` scores with them and the dashboard's rules page shows where they came from.
async fn publish_demo_rules(
    store: &SqliteStore,
    config: &Config,
    config_path: Option<&std::path::Path>,
    version: &str,
    at: DateTime<Utc>,
) -> Result<(), Box<dyn std::error::Error>> {
    let model = crate::publish_cmd::read_model(config, config_path)?;
    let mut summary = leadflow::scoring::changes::describe_changes(None, &config.scoring);
    if let Some(m) = &model {
        summary.push(format!(
            "model {} blended in at weight {} (held-out AUC {:.3})",
            m.model.model_version, m.weight, m.model.metrics.auc
        ));
    }
    let entry = ChangelogEntry {
        seq: 0,
        version: version.to_string(),
        kind: if model.is_some() {
            ChangeKind::RulesAndModel
        } else {
            ChangeKind::Rules
        },
        published_at: at,
        published_by: "leadflow demo".to_string(),
        note: Some("the rules the demo's weeks were scored with".to_string()),
        summary,
        scoring_config: config.scoring.clone(),
        model_json: model.as_ref().map(|m| m.json.clone()),
        model_weight: model.as_ref().map(|m| m.weight),
        backtest_json: None,
    };
    store.publish(&entry).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_data_ends_on_this_weeks_monday() {
        let wednesday = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let s = start(4, true, wednesday);
        assert_eq!(s, Utc.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap());
        assert_eq!(s.weekday(), chrono::Weekday::Mon);
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(start(4, true, monday), s);
        assert_eq!(
            start(4, false, wednesday),
            Utc.with_ymd_and_hms(2026, 10, 5, 0, 0, 0).unwrap()
        );
    }
}
