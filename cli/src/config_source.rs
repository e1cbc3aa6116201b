//! Where the binary gets its configuration: a file, or the built-in example, with `env:`
//! values read from the process environment. The only place the CLI reads a config file.

use std::path::{Path, PathBuf};

use leadflow::config::{self, Config, ConfigErrors};

#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    #[error("{}: cannot read the configuration: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(ConfigErrors),
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Load `path`, or the built-in example when there is none.
pub fn load(path: Option<&Path>) -> Result<Config, LoadFailure> {
    match path {
        None => Config::example(&process_env).map_err(LoadFailure::Invalid),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| LoadFailure::Unreadable {
                path: path.to_path_buf(),
                source,
            })?;
            config::load_str(&text, &path.display().to_string(), &process_env)
                .map_err(LoadFailure::Invalid)
        }
    }
}

/// How the loaded configuration is named in messages.
pub fn source_name(path: Option<&Path>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => config::EXAMPLE_SOURCE.to_string(),
    }
}
