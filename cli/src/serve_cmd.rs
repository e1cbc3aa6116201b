//! `leadflow serve`: the whole pipeline in one process — the HTTP API, scoring, routing, the
//! SLA and decay schedules and the alerts — with its state in SQLite under `--data`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use leadflow::config::Config;
use leadflow::ports::{Alert, Notifier, NotifyError, RepStore};
use leadflow::scoring::ModelBlend;
use leadflow_api::{AppState, ConfigHandle, SystemClock};
use leadflow_local::pipeline::{Channel, Pipeline};
use leadflow_local::runtime::Runtime;
use leadflow_local::waking::WakingStore;
use leadflow_notify::{RetryPolicy, SlackWebhook, SmtpEmail};
use leadflow_store_sqlite::{Durability, SqliteStore, StoreOptions};
use tokio::sync::Notify;

use crate::config_source;
use crate::dashboard_versions::SqliteVersions;
use crate::log_writer::{say, say_err, LossyStderr};

#[derive(Debug, Args)]
pub struct ServeCmd {
    /// Configuration file (default: the built-in example).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where the embedded database lives; it survives restarts.
    #[arg(long, default_value = "./leadflow-data")]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// `normal` (default): an accepted event survives the process dying (even kill -9), as
    /// the API contract promises; the last commits may be lost on a power loss or kernel crash.
    /// `full`: every commit is fsynced, so it survives those too, at several times the cost.
    #[arg(long, value_enum, default_value_t = DurabilityArg::Normal)]
    pub durability: DurabilityArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DurabilityArg {
    Full,
    Normal,
}

/// The alert channels `[alerts]` configures.
enum AlertChannel {
    Slack(SlackWebhook),
    Email(SmtpEmail),
}

impl Notifier for AlertChannel {
    async fn send(&self, alert: &Alert) -> Result<(), NotifyError> {
        match self {
            AlertChannel::Slack(s) => s.send(alert).await,
            AlertChannel::Email(e) => e.send(alert).await,
        }
    }
}

/// Warnings and errors of the workers (a failed message, a schedule run that failed) go to
/// stderr; `RUST_LOG` sets the level (default `warn`). A line that cannot be written (stderr on
/// a full disk) is dropped: logging never stops a request or a worker.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LossyStderr)
        // Its own report of a failed write is an `eprintln!`, which would panic.
        .log_internal_errors(false)
        .try_init();
}

pub fn run(args: ServeCmd) -> ExitCode {
    init_logging();
    let (config, model) = match config_source::load_with_model(
        args.config.as_deref(),
        config_source::Purpose::Serving,
    ) {
        Ok(loaded) => loaded,
        Err(e) => {
            say_err!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(serve(args, config, model)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say_err!("leadflow serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A random API key for a server started without one.
fn generate_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)?;
    let mut key = String::from("lf_");
    leadflow::domain::hex::push_hex(&mut key, &bytes);
    Ok(key)
}

async fn serve(
    args: ServeCmd,
    mut config: Config,
    model: Option<ModelBlend>,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.data).map_err(|e| {
        format!(
            "cannot create the data directory {}: {e}",
            args.data.display()
        )
    })?;
    let durability = match args.durability {
        DurabilityArg::Full => Durability::Full,
        DurabilityArg::Normal => Durability::Normal,
    };
    let store = SqliteStore::open_with(
        &args.data,
        StoreOptions {
            durability,
            ..StoreOptions::default()
        },
    )?;
    // Messages a killed process had claimed would stay hidden for their visibility timeout:
    // this process is the only one on the directory, so they are claimable now.
    store.make_all_visible(chrono::Utc::now()).await?;
    // What `leadflow publish` made live scores the leads: the published rules and model win
    // over those of the config file (routing, SLAs and the rest still come from the file).
    let mut model = model;
    let published = store.latest_published().await?;
    if let Some(entry) = &published {
        config.scoring = entry.scoring_config.clone();
        model = crate::publish_cmd::published_blend(entry)?;
    }
    // The config's roster seeds the reps once; after that PUT /v1/reps/{id} manages them.
    let known: Vec<String> = store.reps().await?.into_iter().map(|r| r.rep.id).collect();
    for rep in &config.reps {
        if !known.contains(&rep.id) {
            store.put_rep(rep.clone()).await?;
        }
    }
    let generated = if config.auth.api_keys.is_empty() {
        let key = generate_key()?;
        config.auth.api_keys.push(key.clone());
        Some(key)
    } else {
        None
    };

    let mut channels = Vec::new();
    if let Some(slack) = SlackWebhook::from_alerts(&config.alerts, RetryPolicy::default())? {
        channels.push(Channel {
            name: "slack",
            notifier: AlertChannel::Slack(slack),
        });
    }
    if let Some(email) = SmtpEmail::from_alerts(&config.alerts, RetryPolicy::default())? {
        channels.push(Channel {
            name: "email",
            notifier: AlertChannel::Email(email),
        });
    }
    let channel_names: Vec<&str> = channels.iter().map(|c| c.name).collect();

    let wake = Arc::new(Notify::new());
    let config_arc = Arc::new(config.clone());
    let mut pipeline = Pipeline::new(store.clone(), config_arc, channels);
    if let Some(model) = model {
        pipeline = pipeline.with_model(model);
    }
    match &published {
        Some(entry) => say!(
            "Scoring with {} (published #{} by {} on {})",
            pipeline.version,
            entry.seq,
            entry.published_by,
            entry.published_at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => say!(
            "Scoring with {} (from the configuration; nothing published)",
            pipeline.version
        ),
    }
    let pipeline = Arc::new(pipeline);
    let clock = Arc::new(SystemClock);
    let workers = Runtime::start(pipeline, clock.clone(), wake.clone());
    let versions = SqliteVersions(store.clone());
    let api_store = WakingStore { inner: store, wake };
    // The API under /v1 and the dashboard's pages under / on one router.
    let app = leadflow_dashboard::app(
        AppState::new(ConfigHandle::new(config), api_store, clock),
        versions,
    );

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    say!(
        "leadflow listening on http://{addr} (data in {})",
        args.data.display()
    );
    say!("Dashboard: http://{addr}/ (sign in with an API key)");
    match generated {
        Some(key) => say!(
            "No [auth].api_keys configured: generated one for this run.\n  Authorization: Bearer {key}"
        ),
        None => say!("Authenticate with a key of [auth].api_keys:  Authorization: Bearer <key>"),
    }
    say!(
        "Alerts: {}",
        if channel_names.is_empty() {
            "off (no slack_webhook_url or smtp_url)".to_string()
        } else {
            channel_names.join(", ")
        }
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    workers.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
