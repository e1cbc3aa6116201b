//! Where the binary gets its configuration: a file, or the built-in example, with `env:`
//! values read from the process environment. The only place the CLI reads a config file.

use std::path::{Path, PathBuf};

use leadflow::config::{self, Config, ConfigError, ConfigErrors};
use leadflow::scoring::ModelBlend;
use leadflow_predict::hybrid::{load_blend, model_path};

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

/// What the configuration is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `serve` and `config check`: a file's `[auth].api_keys` element whose variable is unset
    /// is an error (`config::load_for_serving`), not a silent fall-back to a generated key.
    /// The built-in default (no file) keeps its documented behaviour: `LEADFLOW_API_KEY`
    /// unset means no key configured, and `serve` generates one for the run and prints it.
    Serving,
    /// Commands that score or simulate and authenticate nobody (`demo`, `replay`, `backtest`,
    /// `publish`): an unset key variable drops the key, as everywhere else in the config.
    Offline,
}

/// Load `path`, or the built-in example when there is none. A `[model]` file that does not
/// load makes the configuration invalid.
pub fn load(path: Option<&Path>, purpose: Purpose) -> Result<Config, LoadFailure> {
    load_with_model(path, purpose).map(|(config, _)| config)
}

/// Load `path` (or the built-in example) and the model its `[model]` section names, relative
/// to the configuration's directory. A model that does not load is reported at `model.path`.
pub fn load_with_model(
    path: Option<&Path>,
    purpose: Purpose,
) -> Result<(Config, Option<ModelBlend>), LoadFailure> {
    let (text, source_name) = match path {
        None => (
            config::EXAMPLE_TOML.to_string(),
            config::EXAMPLE_SOURCE.to_string(),
        ),
        Some(path) => (
            std::fs::read_to_string(path).map_err(|source| LoadFailure::Unreadable {
                path: path.to_path_buf(),
                source,
            })?,
            path.display().to_string(),
        ),
    };
    let load = match (path, purpose) {
        (Some(_), Purpose::Serving) => config::load_for_serving,
        _ => config::load_str,
    };
    let config = load(&text, &source_name, &process_env).map_err(LoadFailure::Invalid)?;
    let Some(section) = &config.model else {
        return Ok((config, None));
    };
    let dir = path
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match load_blend(section, dir) {
        Ok(blend) => Ok((config, Some(blend))),
        Err(e) => Err(LoadFailure::Invalid(ConfigErrors {
            errors: vec![ConfigError {
                source_name,
                path: "model.path".to_string(),
                line: config::line_of_key(&text, &["model", "path"]),
                message: format!(
                    "cannot load the model file {}: {e}",
                    model_path(section, dir).display()
                ),
            }],
        })),
    }
}

/// How the loaded configuration is named in messages.
pub fn source_name(path: Option<&Path>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => config::EXAMPLE_SOURCE.to_string(),
    }
}
