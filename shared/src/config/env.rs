//! `env:NAME` values: read from an environment lookup passed in (the domain reads no
//! environment itself). An unset (or empty) variable makes the value absent: an optional key
//! is left out, an array element is dropped, and a required key is reported with the variable
//! named. Whether the variable was unset or set empty is kept: loading for a server refuses an
//! unset one in `auth.api_keys` (see `load::load_for_serving`).

use std::collections::HashMap;

use super::locate::Remap;
use super::path::KeyPath;

/// Reads one environment variable; the CLI passes `|name| std::env::var(name).ok()`.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// An environment where no variable is set.
pub fn no_env(_name: &str) -> Option<String> {
    None
}

const PREFIX: &str = "env:";

/// What resolving the `env:` values of a document did, by document path.
#[derive(Debug, Default)]
pub(crate) struct EnvResolution {
    /// Values left out because their variable is unset (or empty) => the variable.
    pub(crate) unset: HashMap<KeyPath, String>,
    /// Those of `unset` whose variable is not set at all (not merely empty), in document order.
    pub(crate) never_set: Vec<KeyPath>,
    /// Values read from a variable => the variable and the value read.
    pub(crate) read: HashMap<KeyPath, (String, String)>,
    /// `env:` values whose variable name is malformed.
    pub(crate) malformed: Vec<(KeyPath, String)>,
}

impl EnvResolution {
    /// The variable a value at (or inside) `path` was read from, and the value read.
    pub(crate) fn variable_of(&self, path: &KeyPath) -> Option<(&str, &str)> {
        self.read
            .iter()
            .find(|(p, _)| path.starts_with(p))
            .map(|(_, (name, value))| (name.as_str(), value.as_str()))
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Replace every `env:NAME` string of `table` with the variable's value, or take it out when
/// the variable is unset or empty (an empty variable is how a deployment switches a feature off).
pub(crate) fn resolve(
    table: &mut toml::Table,
    env: EnvLookup<'_>,
    remap: &mut Remap,
) -> EnvResolution {
    let mut resolution = EnvResolution::default();
    resolve_table(table, &KeyPath::root(), env, remap, &mut resolution);
    resolution
}

enum Outcome {
    Keep,
    Remove,
}

fn resolve_table(
    table: &mut toml::Table,
    path: &KeyPath,
    env: EnvLookup<'_>,
    remap: &mut Remap,
    out: &mut EnvResolution,
) {
    let keys: Vec<String> = table.keys().cloned().collect();
    for key in keys {
        let Some(value) = table.get_mut(&key) else {
            continue;
        };
        if let Outcome::Remove = resolve_value(value, &path.key(&key), env, remap, out) {
            table.remove(&key);
        }
    }
}

fn resolve_value(
    value: &mut toml::Value,
    path: &KeyPath,
    env: EnvLookup<'_>,
    remap: &mut Remap,
    out: &mut EnvResolution,
) -> Outcome {
    match value {
        toml::Value::String(text) => {
            let Some(name) = text.strip_prefix(PREFIX) else {
                return Outcome::Keep;
            };
            if !is_variable_name(name) {
                out.malformed.push((
                    path.clone(),
                    format!(
                        "{text:?} does not name an environment variable; write \"env:NAME\" with letters, digits and _"
                    ),
                ));
                return Outcome::Keep;
            }
            let name = name.to_string();
            match env(&name) {
                Some(found) if !found.is_empty() => {
                    *text = found.clone();
                    out.read.insert(path.clone(), (name, found));
                    Outcome::Keep
                }
                set_empty => {
                    if set_empty.is_none() {
                        out.never_set.push(path.clone());
                    }
                    out.unset.insert(path.clone(), name);
                    Outcome::Remove
                }
            }
        }
        toml::Value::Array(items) => {
            let len = items.len();
            let mut kept = Vec::with_capacity(len);
            let mut kept_indices = Vec::with_capacity(len);
            for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                if let Outcome::Keep = resolve_value(&mut item, &path.index(i), env, remap, out) {
                    kept.push(item);
                    kept_indices.push(i);
                }
            }
            if kept_indices.len() != len {
                remap.set(path.clone(), kept_indices);
            }
            *items = kept;
            Outcome::Keep
        }
        toml::Value::Table(inner) => {
            resolve_table(inner, path, env, remap, out);
            Outcome::Keep
        }
        _ => Outcome::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn run(text: &str) -> (toml::Table, EnvResolution, Remap) {
        let mut table: toml::Table = toml::from_str(text).unwrap();
        let mut remap = Remap::default();
        let res = resolve(&mut table, &env, &mut remap);
        (table, res, remap)
    }

    #[test]
    fn set_variables_are_read_and_unset_ones_taken_out() {
        let (table, res, _) = run("a = 'env:SET'\nb = 'env:UNSET'\nc = 'env:EMPTY'\nd = 'plain'\n");
        assert_eq!(table["a"].as_str(), Some("value"));
        assert!(!table.contains_key("b") && !table.contains_key("c"));
        assert_eq!(table["d"].as_str(), Some("plain"));
        assert_eq!(res.unset[&KeyPath::of(&["b"])], "UNSET");
        assert_eq!(res.read[&KeyPath::of(&["a"])].0, "SET");
        assert_eq!(
            res.never_set,
            [KeyPath::of(&["b"])],
            "EMPTY is set, to nothing"
        );
    }

    #[test]
    fn array_elements_are_dropped_and_remembered() {
        let (table, _, remap) = run("[t]\nkeys = ['env:UNSET', 'env:SET', 'x']\n");
        let keys = table["t"]["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        let path = KeyPath::of(&["t", "keys"]);
        assert_eq!(remap.to_document(&path.index(0)), path.index(1));
        assert_eq!(remap.to_document(&path.index(1)), path.index(2));
    }

    #[test]
    fn malformed_names_are_reported() {
        let (_, res, _) = run("a = 'env:'\nb = 'env:1X'\nc = 'env:has space'\n");
        assert_eq!(res.malformed.len(), 3);
    }

    #[test]
    fn values_inside_a_variable_value_know_their_variable() {
        let (_, res, _) = run("[t]\nx = 'env:SET'\n");
        assert_eq!(
            res.variable_of(&KeyPath::of(&["t", "x"])),
            Some(("SET", "value"))
        );
        assert_eq!(res.variable_of(&KeyPath::of(&["t"])), None);
    }
}
