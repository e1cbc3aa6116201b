//! The `[model]` section of the configuration: hybrid scoring.

use leadflow::config::{
    line_of_key, load_str, no_env, Config, DEFAULT_TOP_CONTRIBUTIONS, EXAMPLE_TOML,
};

fn with_model(section: &str) -> String {
    format!("{EXAMPLE_TOML}\n[model]\n{section}")
}

fn load(text: &str) -> Result<Config, leadflow::config::ConfigErrors> {
    load_str(text, "leadflow.toml", &no_env)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.starts_with(needle)).unwrap() + 1
}

#[test]
fn without_a_model_section_scoring_is_rules_only() {
    assert_eq!(load(EXAMPLE_TOML).unwrap().model, None);
}

#[test]
fn a_model_section_loads_with_three_contributions_by_default() {
    let config = load(&with_model("path = \"model.json\"\nweight = 0.3\n")).unwrap();
    let model = config.model.unwrap();
    assert_eq!(model.path, "model.json");
    assert_eq!(model.weight, 0.3);
    assert_eq!(model.top_contributions, DEFAULT_TOP_CONTRIBUTIONS);
    assert_eq!(DEFAULT_TOP_CONTRIBUTIONS, 3);
}

#[test]
fn a_weight_outside_zero_to_one_is_refused_at_its_key_and_line() {
    let text = with_model("path = \"model.json\"\nweight = 1.5\n");
    let errors = load(&text).unwrap_err();
    let error = errors.iter().find(|e| e.path == "model.weight").unwrap();
    assert_eq!(error.line, Some(line_of(&text, "weight = 1.5")));
    assert!(error.message.contains("between 0 and 1"), "{error}");
}

#[test]
fn a_blank_path_too_many_contributions_and_unknown_keys_are_refused() {
    let text = with_model("path = \" \"\nweight = 0.5\ntop_contributions = 500\n");
    let errors = load(&text).unwrap_err();
    assert!(errors.has_path("model.path"), "{errors}");
    assert!(errors.has_path("model.top_contributions"), "{errors}");

    let text = with_model("path = \"m.json\"\nweight = 0.5\nblend = \"max\"\n");
    let errors = load(&text).unwrap_err();
    assert!(
        errors.to_string().contains("unknown key `blend`"),
        "{errors}"
    );

    let text = with_model("path = \"m.json\"\n");
    let errors = load(&text).unwrap_err();
    assert!(errors.has_path("model.weight"), "{errors}");
}

#[test]
fn line_of_key_finds_a_key_for_errors_found_outside_the_crate() {
    let text = with_model("path = \"model.json\"\nweight = 0.3\n");
    assert_eq!(
        line_of_key(&text, &["model", "path"]),
        Some(line_of(&text, "path = \"model.json\""))
    );
    assert_eq!(line_of_key(&text, &["model", "nothing"]), None);
}
