//! Helpers of the config tests: edit the example, load it, find the line an error must name.
#![allow(dead_code)]

use leadflow::config::{self, Config, ConfigError, ConfigErrors, EXAMPLE_TOML};

pub const SOURCE: &str = "leadflow.toml";

/// The example with each `(old, new)` applied; `old` must occur exactly once.
pub fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = EXAMPLE_TOML.to_string();
    for (old, new) in edits {
        assert_eq!(
            text.matches(old).count(),
            1,
            "{old:?} must occur once in the example"
        );
        text = text.replacen(old, new, 1);
    }
    text
}

pub fn load(text: &str) -> Result<Config, ConfigErrors> {
    config::load_str(text, SOURCE, &config::no_env)
}

pub fn load_with(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    config::load_str(text, SOURCE, &env_of(vars))
}

/// As `load_with`, loaded for a server (`config::load_for_serving`).
pub fn load_serving_with(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    config::load_for_serving(text, SOURCE, &env_of(vars))
}

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

pub fn errors(text: &str) -> ConfigErrors {
    match load(text) {
        Ok(_) => panic!("the configuration was accepted"),
        Err(e) => e,
    }
}

/// The 1-based line of the one occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "{needle:?} must occur once"
    );
    let offset = text.find(needle).unwrap();
    text[..offset].matches('\n').count() + 1
}

/// The error at `path`; fails listing every error when there is none.
pub fn error_at<'e>(errors: &'e ConfigErrors, path: &str) -> &'e ConfigError {
    errors
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no error at {path}; errors:\n{errors}"))
}

/// Apply `edits` to the example and check that loading it fails with an error at `path`, on
/// the line of `line_needle` (in the edited text), whose message contains `says`.
pub fn refused(edits: &[(&str, &str)], path: &str, line_needle: &str, says: &str) -> ConfigErrors {
    let text = edited(edits);
    let errors = errors(&text);
    let error = error_at(&errors, path);
    assert_eq!(
        error.line,
        Some(line_of(&text, line_needle)),
        "wrong line for {path}: {error}"
    );
    assert!(
        error.message.contains(says),
        "message of {path} should contain {says:?}: {error}"
    );
    errors
}
