//! Unknown keys, wrong types and syntax: refused with the key path and the line, all at once.

mod config_support;

use config_support::{edited, error_at, errors, line_of, refused};

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let errors = refused(
        &[("max = 50", "max = 50\nmaximum = 70")],
        "scoring.fit.maximum",
        "maximum = 70",
        "unknown key `maximum`",
    );
    assert_eq!(errors.len(), 1, "{errors}");
}

#[test]
fn an_unknown_key_in_a_rep_is_named_with_its_line() {
    refused(
        &[(
            "name = \"Ben Okafor\"",
            "name = \"Ben Okafor\"\nnickname = \"Benny\"",
        )],
        "reps[1].nickname",
        "nickname",
        "unknown key",
    );
}

#[test]
fn an_unknown_section_is_named() {
    refused(
        &[("[decay]", "[decays]")],
        "decays",
        "[decays]",
        "unknown section",
    );
}

#[test]
fn a_missing_required_section_is_named() {
    let text = edited(&[(
        "[decay]\ncheck_interval = \"1h\"         # how often leads whose decayed score crossed a threshold are re-tiered\nrecycle_after = \"30d\"         # an owned lead with no activity and no disposition for this long is recycled\n",
        "",
    )]);
    let errors = errors(&text);
    let e = error_at(&errors, "decay");
    assert!(e.message.contains("missing"), "{e}");
}

#[test]
fn a_missing_required_key_is_located_at_its_table() {
    let text = edited(&[("[sla]\ncheck_interval = \"1m\"", "[sla]")]);
    let errors = errors(&text);
    let e = error_at(&errors, "sla.check_interval");
    assert!(e.message.contains("required"), "{e}");
    assert_eq!(e.line, Some(line_of(&text, "[sla]")));
}

#[test]
fn a_wrong_type_is_named_with_its_line() {
    refused(
        &[("capacity = 10", "capacity = \"ten\"")],
        "reps[3].capacity",
        "capacity = \"ten\"",
        "invalid type",
    );
    refused(
        &[("mql_threshold = 60", "mql_threshold = \"sixty\"")],
        "scoring.mql_threshold",
        "mql_threshold = \"sixty\"",
        "invalid type",
    );
    refused(
        &[("account_match = true", "account_match = 1")],
        "routing.account_match",
        "account_match = 1",
        "invalid type",
    );
}

#[test]
fn a_bad_enum_value_is_named() {
    refused(
        &[("strategy = \"round_robin\"", "strategy = \"random\"")],
        "routing.strategy",
        "strategy = \"random\"",
        "round_robin",
    );
    refused(
        &[("notify_on = [\"assigned\",", "notify_on = [\"assinged\",")],
        "alerts.notify_on[0]",
        "assinged",
        "unknown variant",
    );
}

#[test]
fn a_bad_duration_is_named_with_its_line() {
    refused(
        &[("half_life = \"14d\"", "half_life = \"-14d\"")],
        "scoring.engagement.half_life",
        "half_life = \"-14d\"",
        "negative",
    );
    refused(
        &[("recycle_after = \"30d\"", "recycle_after = \"a month\"")],
        "decay.recycle_after",
        "recycle_after = \"a month\"",
        "not a duration",
    );
}

#[test]
fn a_bad_time_zone_and_day_are_named() {
    refused(
        &[(
            "timezone = \"Europe/Paris\"",
            "timezone = \"Europe/Atlantis\"",
        )],
        "reps[2].working_hours.timezone",
        "Europe/Atlantis",
        "IANA",
    );
}

#[test]
fn an_unknown_sla_tier_is_refused() {
    refused(
        &[("[sla.tiers.C]", "[sla.tiers.E]")],
        "sla.tiers.E",
        "[sla.tiers.E]",
        "unknown variant `E`",
    );
}

#[test]
fn a_rule_without_a_matcher_is_refused_at_the_rule() {
    refused(
        &[("contains_any = [\"student\", \"intern\"]\n", "")],
        "scoring.negative[2]",
        "[[scoring.negative]]\nname = \"student\"",
        "needs one of",
    );
    refused(
        &[(
            "between = [200, 5000]         # inclusive\n",
            "between = [200, 5000]\nat_least = 3\n",
        )],
        "scoring.fit.rules[1]",
        "[[scoring.fit.rules]]\nname = \"target company size\"",
        "more than one",
    );
}

#[test]
fn a_bad_when_value_is_named() {
    refused(
        &[(
            "when = { country = [\"GB\", \"DE\", \"FR\"] }",
            "when = { country = true }",
        )],
        "routing.rules[1].when.country",
        "country = true",
        "must be a value, a list of values, or a matcher",
    );
}

#[test]
fn a_syntax_error_gives_its_line() {
    let text = edited(&[("mql_threshold = 60", "mql_threshold = = 60")]);
    let errors = errors(&text);
    assert_eq!(errors.len(), 1);
    let e = &errors.errors[0];
    assert!(e.message.starts_with("invalid TOML"), "{e}");
    assert_eq!(e.line, Some(line_of(&text, "mql_threshold = = 60")));
}

#[test]
fn a_duplicate_key_is_a_syntax_error_with_its_line() {
    let text = edited(&[("B = 60", "B = 60\nB = 61")]);
    let errors = errors(&text);
    assert_eq!(errors.errors[0].line, Some(line_of(&text, "B = 61")));
}

#[test]
fn every_error_is_reported_at_once() {
    let text = edited(&[
        ("B = 60", "B = 85"),
        ("capacity = 10", "capacity = 0"),
        (
            "name = \"Ben Okafor\"",
            "name = \"Ben Okafor\"\nnickname = \"Benny\"",
        ),
        ("email = \"chloe@example.com\"", "email = \"chloe\""),
        ("disqualify = \"student\"", "disqualify = \"schoolkid\""),
        ("between = [200, 5000]         # inclusive\n", ""),
        ("points = -20", "points = \"minus twenty\""),
        ("recycle_after = \"30d\"", "recycle_after = \"0s\""),
        (
            "[segment.track_events]",
            "[segment.track_events]\n\"Signed Up\" = \"signup\"",
        ),
        (
            "name = \"emea\"\nwhen = { country = [\"GB\", \"DE\", \"FR\"] }\nteam = \"emea\"",
            "name = \"emea\"\nwhen = { country = [\"GB\", \"DE\", \"FR\"] }\nteam = \"europe\"",
        ),
    ]);
    let errors = errors(&text);
    let expected = [
        ("scoring.tiers.B", "B = 85"),
        ("reps[3].capacity", "capacity = 0"),
        ("reps[1].nickname", "nickname"),
        ("reps[2].email", "email = \"chloe\""),
        ("scoring.negative[2].disqualify", "schoolkid"),
        (
            "scoring.fit.rules[1]",
            "[[scoring.fit.rules]]\nname = \"target company size\"",
        ),
        ("scoring.negative[0].points", "minus twenty"),
        ("decay.recycle_after", "recycle_after = \"0s\""),
        ("segment.track_events.\"Signed Up\"", "\"Signed Up\""),
        ("routing.rules[1].team", "team = \"europe\""),
    ];
    for (path, needle) in expected {
        let e = error_at(&errors, path);
        assert_eq!(e.line, Some(line_of(&text, needle)), "{e}");
    }
    assert_eq!(
        errors.len(),
        expected.len(),
        "unexpected extra errors:\n{errors}"
    );
    let lines: Vec<usize> = errors.iter().map(|e| e.line.unwrap()).collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "errors are in document order"
    );
}
