//! Loading a configuration document: parse, resolve `env:` values, deserialize each section
//! and each rule or rep on its own (so one bad element hides no other), run the semantic
//! checks, and report every problem with its key path and line.

use serde::de::DeserializeOwned;

use super::env::{self, EnvLookup, EnvResolution};
use super::error::{ConfigError, ConfigErrors};
use super::locate::{line_at, Locator, Remap};
use super::model::{
    AlertsConfig, AuthConfig, Config, DecayConfig, DispositionsConfig, FitRule, ModelConfig,
    NegativeRule, RoutingConfig, RoutingRule, ScoringConfig, SegmentConfig, SlaConfig,
};
use super::path::KeyPath;
use super::validate::{self, Sections};
use super::EXAMPLE_TOML;
use crate::domain::rep::Rep;

/// How errors in the built-in example name their source.
pub const EXAMPLE_SOURCE: &str = "leadflow.example.toml (built-in)";

/// The top-level tables of the contract, in the order of the example.
const SECTIONS: [&str; 10] = [
    "auth",
    "scoring",
    "routing",
    "reps",
    "sla",
    "decay",
    "dispositions",
    "alerts",
    "segment",
    "model",
];

/// Load and validate a configuration document. `source_name` is how errors name the
/// document (a file name); `env` reads the variables of `env:NAME` values. An unset variable
/// anywhere, `auth.api_keys` included, makes its value absent (see `env`): what commands that
/// only score or simulate want.
pub fn load_str(text: &str, source_name: &str, env: EnvLookup<'_>) -> Result<Config, ConfigErrors> {
    load_document(text, source_name, env, Use::Rules)
}

/// Load a document a server will authenticate with: as [`load_str`], and an `env:NAME`
/// element of `auth.api_keys` whose variable is not set at all is an error naming the key and
/// the variable. Dropping it would leave the server with fewer keys than written, or none
/// (and `serve` then generates one): a silent fallback where a key was asked for. A variable
/// set to the empty string is still dropped: that is a deployment switching a key off.
pub fn load_for_serving(
    text: &str,
    source_name: &str,
    env: EnvLookup<'_>,
) -> Result<Config, ConfigErrors> {
    load_document(text, source_name, env, Use::Serving)
}

/// What a document is loaded for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Rules,
    Serving,
}

fn load_document(
    text: &str,
    source_name: &str,
    env: EnvLookup<'_>,
    purpose: Use,
) -> Result<Config, ConfigErrors> {
    let document = toml_edit::Document::parse(text)
        .map_err(|e| syntax_error(text, source_name, e.message(), e.span()))?;
    let mut root: toml::Table =
        toml::from_str(text).map_err(|e| syntax_error(text, source_name, e.message(), e.span()))?;

    let locator = Locator::new(text, document);
    let mut remap = Remap::default();
    let env = env::resolve(&mut root, env, &mut remap);
    let mut loader = Loader {
        remap,
        env,
        locator: &locator,
        found: Vec::new(),
    };
    let malformed = std::mem::take(&mut loader.env.malformed);
    for (path, message) in malformed {
        loader.found.push((path, message));
    }
    if purpose == Use::Serving {
        let keys = KeyPath::of(&["auth", "api_keys"]);
        for path in loader.env.never_set.clone() {
            if path.starts_with(&keys) {
                let variable = loader.env.unset[&path].clone();
                loader.found.push((
                    path,
                    format!(
                        "environment variable {variable} is not set, so this API key is missing; \
                         set it (or set it to \"\" to switch the key off on purpose, or remove \
                         the entry)"
                    ),
                ));
            }
        }
    }

    let draft = Draft::load(&mut root, &mut loader);
    for issue in validate::check(&draft.sections()) {
        loader.report(&issue.path, issue.message);
    }
    if loader.found.is_empty() {
        if let Some(config) = draft.into_config() {
            return Ok(config);
        }
    }
    Err(loader.into_errors(source_name))
}

/// The 1-based line of a key (`&["model", "path"]`) in a document, for problems found
/// outside this crate, such as a model file that does not load. `None` when the document
/// does not parse or the key is not there.
pub fn line_of_key(text: &str, keys: &[&str]) -> Option<usize> {
    let document = toml_edit::Document::parse(text).ok()?;
    let locator = Locator::new(text, document);
    let path = KeyPath::of(keys);
    if locator.exists(&path) {
        locator.line_of(&path)
    } else {
        None
    }
}

/// Check a configuration built in code (no document, so no lines): the semantic rules only.
pub fn validate(config: &Config, source_name: &str) -> Result<(), ConfigErrors> {
    let errors: Vec<ConfigError> = validate::check(&Sections::of(config))
        .into_iter()
        .map(|issue| ConfigError {
            source_name: source_name.to_string(),
            path: issue.path.to_string(),
            line: None,
            message: issue.message,
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ConfigErrors { errors })
    }
}

/// Check one rep on its own, as `PUT /v1/reps/{id}` receives it; paths are the rep's fields.
pub fn validate_rep(rep: &Rep) -> Result<(), ConfigErrors> {
    let errors: Vec<ConfigError> = validate::rep_issues(rep, &KeyPath::root())
        .into_iter()
        .map(|issue| ConfigError {
            source_name: "rep".to_string(),
            path: issue.path.to_string(),
            line: None,
            message: issue.message,
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ConfigErrors { errors })
    }
}

impl Config {
    /// The contract's example, `env:` values read from `env`: the built-in default.
    pub fn example(env: EnvLookup<'_>) -> Result<Config, ConfigErrors> {
        load_str(EXAMPLE_TOML, EXAMPLE_SOURCE, env)
    }
}

impl Default for Config {
    /// The example with no environment: no API key (`serve` generates one), Slack off.
    fn default() -> Self {
        Config::example(&env::no_env).expect("the built-in example is valid (tested)")
    }
}

fn syntax_error(
    text: &str,
    source_name: &str,
    message: &str,
    span: Option<std::ops::Range<usize>>,
) -> ConfigErrors {
    ConfigErrors {
        errors: vec![ConfigError {
            source_name: source_name.to_string(),
            path: String::new(),
            line: span.map(|s| line_at(text, s.start)),
            message: format!("invalid TOML: {}", message.trim()),
        }],
    }
}

/// Collects problems at document paths while the tree is cleaned up and deserialized.
struct Loader<'l> {
    remap: Remap,
    env: EnvResolution,
    locator: &'l Locator<'l>,
    found: Vec<(KeyPath, String)>,
}

impl Loader<'_> {
    /// Record a problem at a path of the tree as it is now (translated to the document path
    /// at once: later removals must not shift it).
    fn report(&mut self, current: &KeyPath, message: String) {
        let path = self.remap.to_document(current);
        let message = match self.env.variable_of(&path) {
            // The value may be a secret: never repeat it.
            Some((name, value)) if !value.is_empty() => format!(
                "{} (value of environment variable {name})",
                message.replace(value, "<hidden>")
            ),
            _ => message,
        };
        self.found.push((path, message));
    }

    fn deserialize<T: DeserializeOwned>(&mut self, value: toml::Value, at: &KeyPath) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let path = at.join(&KeyPath::from_serde(e.path()));
                self.report_serde(path, e.inner().message());
                None
            }
        }
    }

    /// Serde's messages, reworded for a config file; a missing key is reported at the key.
    fn report_serde(&mut self, path: KeyPath, message: &str) {
        if let Some(field) = between(message, "missing field `", "`") {
            let key = path.key(field);
            let document = self.remap.to_document(&key);
            let message = match self.env.unset.get(&document) {
                Some(var) => format!("is required, but environment variable {var} is not set"),
                None => "is required but missing".to_string(),
            };
            self.report(&key, message);
            return;
        }
        // A bad map key (`[sla.tiers.E]`) is reported by serde at the map: name the key.
        if let Some(variant) = between(message, "unknown variant `", "`") {
            let key = path.key(variant);
            if self.locator.exists(&self.remap.to_document(&key)) {
                self.report(&key, message.to_string());
                return;
            }
        }
        let message = if message.starts_with("unknown field") {
            message
                .replacen("unknown field", "unknown key", 1)
                .replacen(", expected", "; expected", 1)
        } else if message.contains("untagged enum WhenSpec") {
            "must be a value, a list of values, or a matcher such as { at_least = 1000 }"
                .to_string()
        } else if message.contains("untagged enum Scalar") {
            "must be a string or a number".to_string()
        } else {
            message.to_string()
        };
        self.report(&path, message);
    }

    /// Deserialize a required (or defaulted) top-level section.
    fn section<T: DeserializeOwned>(
        &mut self,
        root: &mut toml::Table,
        name: &str,
        required: bool,
    ) -> Option<T> {
        let path = KeyPath::of(&[name]);
        match root.remove(name) {
            Some(value) => self.deserialize(value, &path),
            None if required => {
                self.report(&path, format!("required section [{name}] is missing"));
                None
            }
            None => self.deserialize(toml::Value::Table(toml::Table::new()), &path),
        }
    }

    /// Take the array `key` out of the table at `parent` and deserialize each element on its
    /// own. Returns the elements that loaded (`None` when the key is not an array) and whether
    /// all did.
    fn elements<T: DeserializeOwned>(
        &mut self,
        root: &mut toml::Table,
        parent: &[&str],
        key: &str,
    ) -> (Option<Vec<T>>, bool) {
        let path = KeyPath::of(parent).key(key);
        let Some(table) = table_at(root, parent) else {
            // The parent is missing or not a table: its section reports that.
            return (None, false);
        };
        match table.remove(key) {
            None => (Some(Vec::new()), true),
            Some(toml::Value::Array(items)) => {
                let len = items.len();
                let mut loaded = Vec::with_capacity(len);
                let mut failed = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    match self.deserialize::<T>(item, &path.index(i)) {
                        Some(v) => loaded.push(v),
                        None => failed.push(i),
                    }
                }
                if !failed.is_empty() {
                    self.remap.drop_positions(&path, &failed, len);
                }
                (Some(loaded), failed.is_empty())
            }
            Some(other) => {
                // Reported as serde words it ("invalid type: ..., expected a sequence").
                let parsed = self.deserialize::<Vec<T>>(other, &path);
                let ok = parsed.is_some();
                (parsed, ok)
            }
        }
    }

    fn into_errors(self, source_name: &str) -> ConfigErrors {
        let locator = self.locator;
        let mut errors: Vec<ConfigError> = Vec::with_capacity(self.found.len());
        for (path, message) in self.found {
            let error = ConfigError {
                source_name: source_name.to_string(),
                path: path.to_string(),
                line: locator.line_of(&path),
                message,
            };
            if !errors.contains(&error) {
                errors.push(error);
            }
        }
        // In document order; problems without a line (a missing section) first.
        errors.sort_by_key(|e| e.line.unwrap_or(0));
        ConfigErrors { errors }
    }
}

fn between<'m>(text: &'m str, start: &str, end: &str) -> Option<&'m str> {
    let rest = text.strip_prefix(start)?;
    rest.split_once(end).map(|(inside, _)| inside)
}

/// The `team` of every `[[reps]]` entry as written; `None` when one cannot be read.
fn declared_teams(root: &toml::Table) -> Option<Vec<String>> {
    match root.get("reps") {
        None => Some(Vec::new()),
        Some(toml::Value::Array(reps)) => reps
            .iter()
            .map(|rep| {
                rep.get("team")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            })
            .collect(),
        Some(_) => None,
    }
}

/// The `signal` of every `[[scoring.negative]]` rule as written (rules on a field name none);
/// `None` when one cannot be read.
fn declared_negative_signals(root: &toml::Table) -> Option<Vec<String>> {
    let scoring = root.get("scoring")?.as_table()?;
    match scoring.get("negative") {
        None => Some(Vec::new()),
        Some(toml::Value::Array(rules)) => {
            let mut signals = Vec::new();
            for rule in rules {
                match rule.get("signal") {
                    None => {}
                    Some(toml::Value::String(s)) => signals.push(s.clone()),
                    Some(_) => return None,
                }
            }
            Some(signals)
        }
        Some(_) => None,
    }
}

fn table_at<'t>(root: &'t mut toml::Table, keys: &[&str]) -> Option<&'t mut toml::Table> {
    let mut table = root;
    for key in keys {
        table = table.get_mut(*key)?.as_table_mut()?;
    }
    Some(table)
}

/// Whatever loaded; the rule lists and reps are kept apart from their sections so that
/// they are checked even when their section failed to load.
struct Draft {
    auth: Option<AuthConfig>,
    scoring: Option<ScoringConfig>,
    fit_rules: Option<Vec<FitRule>>,
    negative_rules: Option<Vec<NegativeRule>>,
    negative_signals: Option<Vec<String>>,
    routing: Option<RoutingConfig>,
    routing_rules: Option<Vec<RoutingRule>>,
    reps: Option<Vec<Rep>>,
    reps_complete: bool,
    declared_teams: Option<Vec<String>>,
    sla: Option<SlaConfig>,
    decay: Option<DecayConfig>,
    dispositions: Option<DispositionsConfig>,
    alerts: Option<AlertsConfig>,
    segment: Option<SegmentConfig>,
    /// `None` when `[model]` failed to load; `Some(None)` when there is none.
    model: Option<Option<ModelConfig>>,
}

impl Draft {
    fn load(root: &mut toml::Table, loader: &mut Loader<'_>) -> Draft {
        let declared_teams = declared_teams(root);
        let negative_signals = declared_negative_signals(root);
        let (fit_rules, _) = loader.elements(root, &["scoring", "fit"], "rules");
        let (negative_rules, _) = loader.elements(root, &["scoring"], "negative");
        let (routing_rules, _) = loader.elements(root, &["routing"], "rules");
        let (reps, reps_complete) = loader.elements(root, &[], "reps");
        let draft = Draft {
            auth: loader.section(root, "auth", true),
            scoring: loader.section(root, "scoring", true),
            fit_rules,
            negative_rules,
            negative_signals,
            routing: loader.section(root, "routing", true),
            routing_rules,
            reps,
            reps_complete,
            declared_teams,
            sla: loader.section(root, "sla", true),
            decay: loader.section(root, "decay", true),
            dispositions: loader.section(root, "dispositions", true),
            alerts: loader.section(root, "alerts", false),
            segment: loader.section(root, "segment", false),
            model: match root.remove("model") {
                None => Some(None),
                Some(value) => loader
                    .deserialize(value, &KeyPath::of(&["model"]))
                    .map(Some),
            },
        };
        let unknown: Vec<String> = root.keys().cloned().collect();
        for key in unknown {
            loader.report(
                &KeyPath::root().key(&key),
                format!("unknown section; expected one of {}", SECTIONS.join(", ")),
            );
        }
        draft
    }

    fn sections(&self) -> Sections<'_> {
        Sections {
            auth: self.auth.as_ref(),
            scoring: self.scoring.as_ref(),
            fit_rules: self.fit_rules.as_deref(),
            negative_rules: self.negative_rules.as_deref(),
            routing: self.routing.as_ref(),
            routing_rules: self.routing_rules.as_deref(),
            reps: self.reps.as_deref(),
            sla: self.sla.as_ref(),
            decay: self.decay.as_ref(),
            dispositions: self.dispositions.as_ref(),
            alerts: self.alerts.as_ref(),
            segment: self.segment.as_ref(),
            model: self.model.as_ref().and_then(Option::as_ref),
            declared_teams: self.declared_teams.as_deref(),
            reps_complete: self.reps_complete,
            negative_signals: self.negative_signals.as_deref(),
        }
    }

    /// The configuration, when every part loaded.
    fn into_config(self) -> Option<Config> {
        let mut scoring = self.scoring?;
        scoring.fit.rules = self.fit_rules?;
        scoring.negative = self.negative_rules?;
        let mut routing = self.routing?;
        routing.rules = self.routing_rules?;
        Some(Config {
            auth: self.auth?,
            scoring,
            routing,
            reps: self.reps?,
            sla: self.sla?,
            decay: self.decay?,
            dispositions: self.dispositions?,
            alerts: self.alerts?,
            segment: self.segment?,
            model: self.model?,
        })
    }
}
