//! The `leadflow` command. Each subcommand is a module with its own clap arguments and a
//! `run` that returns the process exit code.

mod backtest_cmd;
mod config_cmd;
mod config_source;
mod dashboard_versions;
mod demo_cmd;
mod log_writer;
mod publish_cmd;
mod replay_cmd;
mod report;
mod serve_cmd;
mod train_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "leadflow", version, about = "Lead scoring, routing and SLAs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the configuration file.
    /// Run a seeded synthetic month through the real pipeline and print the report.
    Demo(demo_cmd::DemoCmd),
    /// Feed events from a JSON-lines file through the pipeline on their own clock.
    Replay(replay_cmd::ReplayCmd),
    /// Run the whole pipeline and the HTTP API on this machine.
    Serve(serve_cmd::ServeCmd),
    Config(config_cmd::ConfigArgs),
    /// Score historical leads with rules and/or a model and compare with a baseline.
    Backtest(backtest_cmd::BacktestCmd),
    /// Train and evaluate the predictive lead model on historical outcomes.
    Train(train_cmd::TrainCmd),
    /// Publish a rules configuration (and its model) as the scoring version, in the changelog.
    Publish(publish_cmd::PublishCmd),
    /// Print the published scoring versions, newest first: who, when, what changed.
    Changelog(publish_cmd::ChangelogCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => demo_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Replay(args) => replay_cmd::run(args),
        Command::Config(args) => config_cmd::run(args),
        Command::Train(args) => train_cmd::run(args),
        Command::Backtest(args) => backtest_cmd::run(args),
        Command::Publish(args) => publish_cmd::run_publish(args),
        Command::Changelog(args) => publish_cmd::run_changelog(args),
    }
}
