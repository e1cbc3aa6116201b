//! The contract's example loads unchanged and is the built-in default.

mod config_support;

use config_support::{load_with, SOURCE};
use leadflow::config::{
    self, summary, Config, ConfigDuration, NegativeEffect, Strategy, EXAMPLE_TOML,
};
use leadflow::domain::Tier;

#[test]
fn the_example_loads_unchanged_without_environment() {
    let c = Config::example(&config::no_env).expect("the example is valid");
    assert!(
        c.auth.api_keys.is_empty(),
        "unset LEADFLOW_API_KEY drops the key"
    );
    assert_eq!(c.auth.signing_secret, None);
    assert_eq!(c.scoring.mql_threshold, 60.0);
    assert_eq!(c.scoring.demote_margin, 5.0);
    assert_eq!(
        (c.scoring.tiers.a, c.scoring.tiers.b, c.scoring.tiers.c),
        (80.0, 60.0, 40.0)
    );
    assert_eq!(c.scoring.fit.max, 50.0);
    assert_eq!(c.scoring.fit.rules.len(), 4);
    assert_eq!(c.scoring.fit.rules[1].name, "target company size");
    assert_eq!(
        c.scoring.engagement.half_life,
        ConfigDuration::from_secs(14 * 86_400)
    );
    assert_eq!(c.scoring.engagement.signals.len(), 7);
    assert_eq!(
        c.scoring.engagement.signals["pricing_page_view"].cap,
        Some(30.0)
    );
    assert_eq!(c.scoring.negative.len(), 4);
    assert_eq!(
        c.scoring.negative[3].effect,
        NegativeEffect::Disqualify("job_seeker".into())
    );
    assert_eq!(c.routing.strategy, Strategy::RoundRobin);
    assert!(c.routing.account_match && !c.routing.respect_working_hours);
    assert_eq!(c.routing.rules.len(), 3);
    assert!(c.routing.rules[2].when.is_empty());
    let ids: Vec<&str> = c.reps.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["ana", "ben", "chloe", "dev"]);
    assert_eq!(c.reps[3].capacity, 10);
    assert!(c.reps[2].working_hours.is_some());
    assert_eq!(c.sla.check_interval, ConfigDuration::from_secs(60));
    assert_eq!(
        c.sla.tiers[&Tier::A].reassign_after,
        Some(ConfigDuration::from_secs(900))
    );
    assert!(!c.sla.tiers.contains_key(&Tier::D));
    assert_eq!(c.sla.follow_up.unwrap().touches, 6);
    assert_eq!(
        c.decay.recycle_after,
        ConfigDuration::from_secs(30 * 86_400)
    );
    assert_eq!(c.dispositions.disqualify_reasons.len(), 9);
    assert_eq!(c.alerts.notify_on.len(), 3);
    assert_eq!(
        c.alerts.slack_webhook_url, None,
        "unset SLACK_WEBHOOK_URL turns Slack off"
    );
    assert_eq!(c.alerts.email_from.as_deref(), Some("leadflow@example.com"));
    assert_eq!(c.segment.track_events["Demo Requested"], "demo_request");
}

#[test]
fn the_example_reads_its_env_values() {
    let c = load_with(
        EXAMPLE_TOML,
        &[
            ("LEADFLOW_API_KEY", "lf_live_0123456789abcdef"),
            (
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T0/B0/secret",
            ),
        ],
    )
    .expect("valid");
    assert_eq!(c.auth.api_keys, ["lf_live_0123456789abcdef"]);
    assert_eq!(
        c.alerts.slack_webhook_url.as_deref(),
        Some("https://hooks.slack.com/services/T0/B0/secret")
    );
}

#[test]
fn default_is_the_example_and_passes_validate() {
    let c = Config::default();
    assert_eq!(c, Config::example(&config::no_env).unwrap());
    config::validate(&c, "default").expect("the default is valid");
}

#[test]
fn validate_refuses_a_config_broken_in_code() {
    let mut c = Config::default();
    c.scoring.tiers.b = 90.0;
    c.reps[0].capacity = 0;
    let errors = config::validate(&c, "built").unwrap_err();
    assert!(errors.has_path("scoring.tiers.B"), "{errors}");
    assert!(errors.has_path("reps[0].capacity"), "{errors}");
    assert!(errors.iter().all(|e| e.line.is_none()));
}

#[test]
fn validate_rep_checks_one_rep() {
    let mut rep = Config::default().reps[0].clone();
    config::validate_rep(&rep).expect("valid rep");
    rep.id = "ana diaz".into();
    rep.weight = 0;
    let errors = config::validate_rep(&rep).unwrap_err();
    assert!(
        errors.has_path("id") && errors.has_path("weight"),
        "{errors}"
    );
}

#[test]
fn summary_describes_the_config_and_masks_secrets() {
    let key = "lf_live_0123456789abcdef";
    let webhook = "https://hooks.slack.com/services/T0/B0/verysecret";
    let text = EXAMPLE_TOML.replace(
        "# signing_secret = \"env:LEADFLOW_SIGNING_SECRET\"",
        "signing_secret = \"env:LEADFLOW_SIGNING_SECRET\"",
    );
    let c = load_with(
        &text,
        &[
            ("LEADFLOW_API_KEY", key),
            ("SLACK_WEBHOOK_URL", webhook),
            ("LEADFLOW_SIGNING_SECRET", "whsec_abcdefghijklmnop"),
        ],
    )
    .unwrap();
    let s = summary(&c);
    for expected in [
        "A from 80, B from 60, C from 40",
        "MQL at 60",
        "+40 demo_request",
        "+10 pricing_page_view (at most 30)",
        "half-life 14d",
        "+20 senior title",
        "-20 personal email",
        "disqualify (job_seeker) job seeker: on a careers_page_view event",
        "Strategy round_robin",
        "3. everyone else: always => team inbound (ana, ben)",
        "1. enterprise: company_size is at least 1000 => team enterprise (dev)",
        "A: first response within 5m, reassigned 15m after a breach",
        "Follow-up: 6 touches within 14d",
        "recycled after 30d",
        "Slack: https://hooks.slack.com/…",
        "lf_l… (24 characters)",
    ] {
        assert!(s.contains(expected), "summary lacks {expected:?}:\n{s}");
    }
    assert!(!s.contains(key), "API key printed in full");
    assert!(!s.contains("verysecret"), "webhook token printed");
    assert!(!s.contains("abcdefghijklmnop"), "signing secret printed");
}

#[test]
fn errors_print_source_line_path_and_message() {
    let text = EXAMPLE_TOML.replace("B = 60", "B = 85");
    let errors = config::load_str(&text, SOURCE, &config::no_env).unwrap_err();
    let line = config_support::line_of(&text, "B = 85");
    assert_eq!(
        errors.to_string(),
        format!(
            "leadflow.toml:{line}: scoring.tiers.B: must be below scoring.tiers.A (80), found 85"
        )
    );
}
