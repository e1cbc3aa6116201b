//! The configuration loader against any text: arbitrary strings, and the valid example mutated
//! (lines dropped, duplicated or swapped, characters replaced, tokens inserted, truncated).
//! Never a panic; either a config or errors that each name a key or a line.

use leadflow::config::{self, ConfigErrors, EXAMPLE_TOML};
use proptest::prelude::*;

const SOURCE: &str = "fuzz.toml";

fn env(name: &str) -> Option<String> {
    match name {
        "LEADFLOW_API_KEY" => Some("a-key-of-enough-length-0123".into()),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

/// Every error says where: a key path, or a line of the document.
fn errors_say_where(errors: &ConfigErrors, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty(), "a refusal with no error");
    let lines = text.split('\n').count();
    for e in errors {
        prop_assert!(
            !e.path.is_empty() || e.line.is_some(),
            "neither key nor line: {e}"
        );
        if let Some(line) = e.line {
            prop_assert!((1..=lines).contains(&line), "line {line} of {lines}: {e}");
        }
        prop_assert!(e.to_string().starts_with(SOURCE), "{e}");
    }
    Ok(())
}

/// Load `text` every way the binaries do; none may panic.
fn check(text: &str) -> Result<(), TestCaseError> {
    for result in [
        config::load_str(text, SOURCE, &config::no_env),
        config::load_str(text, SOURCE, &env),
        config::load_for_serving(text, SOURCE, &env),
    ] {
        if let Err(errors) = result {
            errors_say_where(&errors, text)?;
        }
    }
    Ok(())
}

/// One edit of a document.
#[derive(Debug, Clone)]
enum Mutation {
    DropLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    ReplaceChar(prop::sample::Index, char),
    Insert(prop::sample::Index, String),
    Truncate(prop::sample::Index),
}

/// Fragments that mean something to TOML or to the loader.
const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\"\"\"",
    "#",
    ".",
    "\n",
    "-1",
    "0",
    "1e999",
    "nan",
    "inf",
    "-inf",
    "9223372036854775808",
    "true",
    "1979-05-27T07:32:00Z",
    "\"env:LEADFLOW_API_KEY\"",
    "\"env:UNSET\"",
    "\"env:EMPTY\"",
    "\"env:\"",
    "\"1h\"",
    "\"-5m\"",
    "\"\"",
    "[]",
    "{}",
    "\n[[reps]]\n",
    "\n[auth]\n",
    "\n[model]\n",
    "x = 1\n",
    "\u{0}",
    "\u{feff}",
    "é",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        index().prop_map(Mutation::DropLine),
        index().prop_map(Mutation::DuplicateLine),
        (index(), index()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (index(), any::<char>()).prop_map(|(at, c)| Mutation::ReplaceChar(at, c)),
        (index(), prop::sample::select(TOKENS)).prop_map(|(at, t)| Mutation::Insert(at, t.into())),
        (index(), "[ -~]{1,12}").prop_map(|(at, t)| Mutation::Insert(at, t)),
        index().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    let mut chars: Vec<char> = text.chars().collect();
    match m {
        Mutation::DropLine(i) => {
            lines.remove(i.index(lines.len()));
        }
        Mutation::DuplicateLine(i) => {
            let at = i.index(lines.len());
            lines.insert(at, lines[at]);
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
        }
        Mutation::ReplaceChar(i, c) => {
            if !chars.is_empty() {
                let at = i.index(chars.len());
                chars[at] = *c;
            }
            return chars.into_iter().collect();
        }
        Mutation::Insert(i, token) => {
            let at = i.index(chars.len() + 1);
            chars.splice(at..at, token.chars());
            return chars.into_iter().collect();
        }
        Mutation::Truncate(i) => {
            chars.truncate(i.index(chars.len() + 1));
            return chars.into_iter().collect();
        }
    }
    lines.join("\n")
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(1_500))]

    #[test]
    fn any_string_loads_or_is_refused_saying_where(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn toml_looking_text_loads_or_is_refused_saying_where(
        text in "(\\[[a-z_.]{0,12}\\]\n|[a-z_]{1,10} ?= ?(\"[ -~]{0,10}\"|[0-9.e+-]{1,6}|true|\\[\\]|\\{\\})\n){0,12}"
    ) {
        check(&text)?;
    }

    #[test]
    fn the_example_mutated_loads_or_is_refused_saying_where(
        mutations in prop::collection::vec(mutation(), 1..6)
    ) {
        let mut text = EXAMPLE_TOML.to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(&text)?;
    }
}

#[test]
fn the_unmutated_example_loads_every_way() {
    for result in [
        config::load_str(EXAMPLE_TOML, SOURCE, &config::no_env),
        config::load_for_serving(EXAMPLE_TOML, SOURCE, &env),
    ] {
        assert!(result.is_ok(), "{}", result.unwrap_err());
    }
    // Loaded for a server with its key variable unset, the example is refused at the key.
    let errors = config::load_for_serving(EXAMPLE_TOML, SOURCE, &config::no_env).unwrap_err();
    assert!(errors.has_path("auth.api_keys[0]"), "{errors}");
}
