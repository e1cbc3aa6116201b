use super::*;
use crate::config::tests_support::example_scoring;
use crate::config::ConfigDuration;

#[test]
fn identical_configs_have_no_changes() {
    let config = example_scoring();
    assert!(describe_changes(Some(&config), &config).is_empty());
}

#[test]
fn the_first_publication_is_summarised() {
    let config = example_scoring();
    let lines = describe_changes(None, &config);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("first published rules: 4 fit rules"),
        "{lines:?}"
    );
    assert!(lines[0].contains("tiers A 80 / B 60 / C 40"), "{lines:?}");
}

#[test]
fn thresholds_points_and_half_life_changes_are_each_a_line() {
    let old = example_scoring();
    let mut new = old.clone();
    new.tiers.a = 85.0;
    new.mql_threshold = 55.0;
    new.engagement.half_life = ConfigDuration::from_secs(7 * 86_400);
    new.engagement
        .signals
        .get_mut("pricing_page_view")
        .unwrap()
        .points = 12.0;
    let lines = describe_changes(Some(&old), &new);
    assert_eq!(
        lines,
        vec![
            "MQL threshold 60 → 55",
            "tier A threshold 80 → 85",
            "half-life 14d → 7d",
            "signal pricing_page_view: 10 → 12 points",
        ]
    );
}

#[test]
fn rules_and_signals_added_removed_and_changed_are_named() {
    let old = example_scoring();
    let mut new = old.clone();
    let industry = new
        .fit
        .rules
        .iter()
        .position(|r| r.name == "ICP industry")
        .unwrap();
    let mut renamed = new.fit.rules.remove(industry);
    renamed.name = "ICP industry (2027)".to_string();
    renamed.points += 5.0;
    new.fit.rules.push(renamed);
    new.fit.rules[0].points += 1.0;
    let first = new.fit.rules[0].name.clone();
    new.engagement.signals.remove("pricing_page_view");
    new.engagement.signals.insert(
        "webinar".to_string(),
        SignalConfig {
            points: 8.0,
            cap: Some(16.0),
        },
    );
    let dropped = new.negative.remove(0).name;
    let lines = describe_changes(Some(&old), &new);
    let old_points = old.fit.rules[0].points;
    for expected in [
        format!(
            "fit rule \"{first}\": {old_points} → {} points",
            old_points + 1.0
        ),
        "fit rule \"ICP industry (2027)\" added".to_string(),
        "fit rule \"ICP industry\" removed".to_string(),
        "signal webinar added (8 points)".to_string(),
        "signal pricing_page_view removed".to_string(),
        format!("negative rule \"{dropped}\" removed"),
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(&expected)),
            "missing {expected:?} in {lines:?}"
        );
    }
}
