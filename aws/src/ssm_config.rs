//! The configuration of a Lambda function: the TOML document from an SSM parameter (name in
//! `LEADFLOW_CONFIG_PARAMETER`; unset: the built-in default), with its `env:NAME` values read
//! first from the SecureString parameters under `LEADFLOW_SECRETS_PATH` (the parameter whose
//! last path segment is NAME), then from the process environment. Secrets never sit in the
//! template or the config parameter. A bad document fails the function's init, naming the key.

use std::collections::HashMap;

use aws_sdk_ssm::error::DisplayErrorContext;
use leadflow::config::{self, Config, ConfigErrors};

pub const CONFIG_PARAMETER_ENV: &str = "LEADFLOW_CONFIG_PARAMETER";
pub const SECRETS_PATH_ENV: &str = "LEADFLOW_SECRETS_PATH";

#[derive(Debug, thiserror::Error)]
pub enum ConfigLoadError {
    #[error("SSM parameter {name} ({CONFIG_PARAMETER_ENV}) cannot be read: {message}")]
    Parameter { name: String, message: String },
    #[error("SSM parameter {name} ({CONFIG_PARAMETER_ENV}) has no value")]
    EmptyParameter { name: String },
    #[error("the secrets under {path} ({SECRETS_PATH_ENV}) cannot be read: {message}")]
    Secrets { path: String, message: String },
    #[error("the configuration is invalid:\n{0}")]
    Invalid(ConfigErrors),
}

/// Where the configuration and its secrets come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSource {
    /// The SSM parameter holding the TOML document; `None`: the built-in default.
    pub parameter: Option<String>,
    /// The SSM path of the SecureString secrets; `None`: the process environment only.
    pub secrets_path: Option<String>,
}

impl ConfigSource {
    /// From `LEADFLOW_CONFIG_PARAMETER` and `LEADFLOW_SECRETS_PATH` (unset or empty: none).
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ConfigSource {
            parameter: var(CONFIG_PARAMETER_ENV),
            secrets_path: var(SECRETS_PATH_ENV),
        }
    }

    /// How errors in the document name it.
    pub fn source_name(&self) -> String {
        match &self.parameter {
            Some(name) => format!("ssm:{name}"),
            None => config::EXAMPLE_SOURCE.to_string(),
        }
    }
}

/// Load and validate the configuration. `env` is the process environment (a closure so that
/// tests pass their own); the secrets under the path win over it.
pub async fn load_config(
    ssm: &aws_sdk_ssm::Client,
    source: &ConfigSource,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Config, ConfigLoadError> {
    let text = match &source.parameter {
        Some(name) => read_parameter(ssm, name).await?,
        None => config::EXAMPLE_TOML.to_string(),
    };
    let secrets = match &source.secrets_path {
        Some(path) => load_secrets(ssm, path).await?,
        None => HashMap::new(),
    };
    let lookup = |name: &str| secrets.get(name).cloned().or_else(|| env(name));
    config::load_str(&text, &source.source_name(), &lookup).map_err(ConfigLoadError::Invalid)
}

/// The text of one parameter (decrypted if it is a SecureString).
async fn read_parameter(ssm: &aws_sdk_ssm::Client, name: &str) -> Result<String, ConfigLoadError> {
    let output = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| ConfigLoadError::Parameter {
            name: name.to_string(),
            message: DisplayErrorContext(e).to_string(),
        })?;
    output
        .parameter
        .and_then(|p| p.value)
        .ok_or_else(|| ConfigLoadError::EmptyParameter {
            name: name.to_string(),
        })
}

/// Every parameter under `path` (recursively, decrypted), by the last segment of its name.
pub async fn load_secrets(
    ssm: &aws_sdk_ssm::Client,
    path: &str,
) -> Result<HashMap<String, String>, ConfigLoadError> {
    let mut secrets = HashMap::new();
    let mut pages = ssm
        .get_parameters_by_path()
        .path(path)
        .recursive(true)
        .with_decryption(true)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ConfigLoadError::Secrets {
            path: path.to_string(),
            message: DisplayErrorContext(e).to_string(),
        })?;
        for parameter in page.parameters.unwrap_or_default() {
            let (Some(name), Some(value)) = (parameter.name, parameter.value) else {
                continue;
            };
            let key = name.rsplit('/').next().unwrap_or(&name).to_string();
            secrets.insert(key, value);
        }
    }
    Ok(secrets)
}
