//! `leadflow config check [FILE]`: load and validate, print a summary or every error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::config_source::{self, LoadFailure};

/// Exit code of an invalid configuration.
const EXIT_INVALID: u8 = 1;
/// Exit code when the file cannot be read at all.
const EXIT_UNREADABLE: u8 = 2;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file (the built-in default when no FILE) and summarise it.
    /// `env:NAME` values are read from the environment.
    Check {
        /// The TOML configuration file.
        file: Option<PathBuf>,
    },
}

pub fn run(args: ConfigArgs) -> ExitCode {
    match args.command {
        ConfigCommand::Check { file } => check(file),
    }
}

fn check(file: Option<PathBuf>) -> ExitCode {
    match config_source::load(file.as_deref(), config_source::Purpose::Serving) {
        Ok(config) => {
            println!("{}: valid", config_source::source_name(file.as_deref()));
            println!();
            print!("{}", leadflow::config::summary(&config));
            ExitCode::SUCCESS
        }
        Err(LoadFailure::Invalid(errors)) => {
            for error in &errors {
                eprintln!("{error}");
            }
            ExitCode::from(EXIT_INVALID)
        }
        Err(unreadable @ LoadFailure::Unreadable { .. }) => {
            eprintln!("{unreadable}");
            ExitCode::from(EXIT_UNREADABLE)
        }
    }
}
