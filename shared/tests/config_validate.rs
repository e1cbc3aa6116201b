//! Each semantic rule: a bad value is refused with its key path and the line it is on.

mod config_support;

use config_support::{edited, load, refused};

// ---- scoring ----

#[test]
fn tier_above_the_one_before_is_refused() {
    refused(
        &[("B = 60", "B = 85")],
        "scoring.tiers.B",
        "B = 85",
        "must be below scoring.tiers.A (80), found 85",
    );
    refused(
        &[("C = 40", "C = 70")],
        "scoring.tiers.C",
        "C = 70",
        "must be below scoring.tiers.B (60), found 70",
    );
}

#[test]
fn tier_outside_0_to_100_is_refused() {
    refused(
        &[("A = 80", "A = 120")],
        "scoring.tiers.A",
        "A = 120",
        "between 0 and 100",
    );
    refused(
        &[("C = 40", "C = -1")],
        "scoring.tiers.C",
        "C = -1",
        "between 0 and 100",
    );
}

#[test]
fn mql_threshold_outside_0_to_100_is_refused() {
    refused(
        &[("mql_threshold = 60", "mql_threshold = 150")],
        "scoring.mql_threshold",
        "mql_threshold = 150",
        "between 0 and 100",
    );
}

#[test]
fn negative_demote_margin_is_refused() {
    refused(
        &[("demote_margin = 5", "demote_margin = -1")],
        "scoring.demote_margin",
        "demote_margin = -1",
        "zero or more",
    );
}

#[test]
fn demote_margin_as_large_as_a_threshold_is_refused() {
    refused(
        &[("demote_margin = 5", "demote_margin = 45")],
        "scoring.demote_margin",
        "demote_margin = 45",
        "lowest tier threshold",
    );
    refused(
        &[
            ("mql_threshold = 60", "mql_threshold = 30"),
            ("demote_margin = 5", "demote_margin = 35"),
        ],
        "scoring.demote_margin",
        "demote_margin = 35",
        "must be below scoring.mql_threshold (30)",
    );
}

#[test]
fn fit_and_engagement_max_must_be_in_0_to_100() {
    refused(
        &[("max = 50", "max = 0")],
        "scoring.fit.max",
        "max = 0",
        "more than 0 and at most 100",
    );
    refused(
        &[("max = 60", "max = 150")],
        "scoring.engagement.max",
        "max = 150",
        "more than 0 and at most 100",
    );
}

#[test]
fn zero_half_life_is_refused() {
    refused(
        &[("half_life = \"14d\"", "half_life = \"0s\"")],
        "scoring.engagement.half_life",
        "half_life = \"0s\"",
        "longer than zero",
    );
}

#[test]
fn signal_points_and_cap_must_be_positive() {
    refused(
        &[(
            "demo_request      = { points = 40 }",
            "demo_request      = { points = 0 }",
        )],
        "scoring.engagement.signals.demo_request.points",
        "demo_request      = { points = 0 }",
        "more than zero",
    );
    refused(
        &[(
            "email_open        = { points = 1,  cap = 3 }",
            "email_open        = { points = 1,  cap = 0 }",
        )],
        "scoring.engagement.signals.email_open.cap",
        "cap = 0 }",
        "more than zero",
    );
}

#[test]
fn signal_names_must_be_event_types() {
    refused(
        &[(
            "page_view         = { points = 1,  cap = 5 }",
            "Page-View = { points = 1 }",
        )],
        "scoring.engagement.signals.Page-View",
        "Page-View",
        "lowercase letters, digits and _",
    );
    refused(
        &[(
            "page_view         = { points = 1,  cap = 5 }",
            "identify = { points = 1 }",
        )],
        "scoring.engagement.signals.identify",
        "identify =",
        "attribute updates",
    );
}

#[test]
fn fit_rule_points_must_be_non_zero() {
    refused(
        &[(
            "between = [200, 5000]         # inclusive\npoints = 15",
            "between = [200, 5000]\npoints = 0",
        )],
        "scoring.fit.rules[1].points",
        "points = 0",
        "non-zero",
    );
}

#[test]
fn empty_matcher_lists_are_refused() {
    refused(
        &[(
            "contains_any = [\"student\", \"intern\"]",
            "contains_any = []",
        )],
        "scoring.negative[2]",
        "[[scoring.negative]]\nname = \"student\"",
        "`contains_any` is empty",
    );
    refused(
        &[("in = [\"rivalcorp.com\"]", "in = []")],
        "scoring.negative[1]",
        "[[scoring.negative]]\nname = \"competitor\"",
        "`in` is empty",
    );
    refused(
        &[(
            "when = { country = [\"GB\", \"DE\", \"FR\"] }",
            "when = { country = [] }",
        )],
        "routing.rules[1]",
        "[[routing.rules]]\nname = \"emea\"",
        "empty list",
    );
}

#[test]
fn a_blank_needle_is_refused() {
    refused(
        &[(
            "contains_any = [\"student\", \"intern\"]",
            "contains_any = [\"student\", \" \"]",
        )],
        "scoring.negative[2].contains_any[1]",
        "contains_any = [\"student\", \" \"]",
        "match every value",
    );
}

#[test]
fn rule_names_must_be_unique_in_their_list() {
    refused(
        &[("name = \"served country\"", "name = \"ICP industry\"")],
        "scoring.fit.rules[3].name",
        "name = \"ICP industry\"\nfield = \"country\"",
        "already used by scoring.fit.rules[2]",
    );
    refused(
        &[("name = \"student\"", "name = \"competitor\"")],
        "scoring.negative[2].name",
        "name = \"competitor\"\nfield = \"title\"",
        "already used by scoring.negative[1]",
    );
    refused(
        &[("name = \"emea\"", "name = \"enterprise\"")],
        "routing.rules[1].name",
        "name = \"enterprise\"\nwhen = { country",
        "already used by routing.rules[0]",
    );
}

#[test]
fn negative_points_must_be_below_zero() {
    refused(
        &[("points = -20", "points = 7")],
        "scoring.negative[0].points",
        "points = 7",
        "below zero",
    );
}

#[test]
fn disqualify_reason_must_be_a_disposition() {
    refused(
        &[("disqualify = \"student\"", "disqualify = \"schoolkid\"")],
        "scoring.negative[2].disqualify",
        "schoolkid",
        "not in dispositions.disqualify_reasons",
    );
}

#[test]
fn negative_signal_must_be_an_identifier() {
    refused(
        &[(
            "signal = \"careers_page_view\"",
            "signal = \"Careers Page\"",
        )],
        "scoring.negative[3].signal",
        "signal = \"Careers Page\"",
        "not a valid event type",
    );
}

#[test]
fn track_event_must_map_to_a_known_signal() {
    refused(
        &[(
            "\"Demo Requested\" = \"demo_request\"",
            "\"Demo Requested\" = \"demo_requested\"",
        )],
        "segment.track_events.\"Demo Requested\"",
        "\"Demo Requested\"",
        "neither a signal",
    );
    // A negative rule's signal is a valid target: the example maps "Careers Page Viewed".
    assert!(load(&edited(&[])).is_ok());
}

// ---- routing and reps ----

#[test]
fn routing_rule_team_without_reps_is_refused() {
    refused(
        &[(
            "when = { company_size = { at_least = 1000 } }\nteam = \"enterprise\"",
            "when = { company_size = { at_least = 1000 } }\nteam = \"strategic\"",
        )],
        "routing.rules[0].team",
        "team = \"strategic\"",
        "no rep is in team \"strategic\"",
    );
}

#[test]
fn rules_after_a_rule_without_when_are_unreachable() {
    refused(
        &[(
            "name = \"emea\"\nwhen = { country = [\"GB\", \"DE\", \"FR\"] }\n",
            "name = \"emea\"\n",
        )],
        "routing.rules[2]",
        "[[routing.rules]]\nname = \"everyone else\"",
        "unreachable: routing.rules[1] (\"emea\")",
    );
}

#[test]
fn rep_ids_must_be_unique_non_empty_and_url_safe() {
    refused(
        &[("id = \"ben\"", "id = \"ana\"")],
        "reps[1].id",
        "id = \"ana\"\nname = \"Ben",
        "already used by reps[0]",
    );
    refused(
        &[("id = \"dev\"", "id = \"dev patel\"")],
        "reps[3].id",
        "id = \"dev patel\"",
        "URL-safe",
    );
    refused(
        &[("id = \"dev\"", "id = \"\"")],
        "reps[3].id",
        "id = \"\"",
        "must not be empty",
    );
}

#[test]
fn zero_capacity_and_weight_are_refused() {
    refused(
        &[("capacity = 10", "capacity = 0")],
        "reps[3].capacity",
        "capacity = 0",
        "more than zero",
    );
    refused(
        &[("weight = 1 ", "weight = 0 ")],
        "reps[0].weight",
        "weight = 0",
        "more than zero",
    );
}

#[test]
fn rep_emails_must_be_plausible() {
    refused(
        &[("email = \"dev@example.com\"", "email = \"dev.example.com\"")],
        "reps[3].email",
        "dev.example.com",
        "not an email address",
    );
    refused(
        &[(
            "manager_email = \"sales-lead@example.com\"",
            "manager_email = \"sales lead\"",
        )],
        "reps[3].manager_email",
        "manager_email = \"sales lead\"",
        "not an email address",
    );
}

#[test]
fn working_hours_need_a_length_and_days() {
    refused(
        &[(
            "start = \"09:00\", end = \"18:00\"",
            "start = \"09:00\", end = \"09:00\"",
        )],
        "reps[2].working_hours.end",
        "working_hours = {",
        "must differ from start",
    );
    refused(
        &[(
            "days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]",
            "days = []",
        )],
        "reps[2].working_hours.days",
        "working_hours = {",
        "at least one day",
    );
}

// ---- SLA, decay, dispositions ----

#[test]
fn sla_durations_must_be_positive() {
    refused(
        &[("check_interval = \"1m\"", "check_interval = \"0s\"")],
        "sla.check_interval",
        "check_interval = \"0s\"",
        "longer than zero",
    );
    refused(
        &[("first_response = \"2h\"", "first_response = \"0s\"")],
        "sla.tiers.B.first_response",
        "first_response = \"0s\"",
        "longer than zero",
    );
    refused(
        &[("reassign_after = \"15m\"", "reassign_after = \"0m\"")],
        "sla.tiers.A.reassign_after",
        "reassign_after = \"0m\"",
        "longer than zero",
    );
}

#[test]
fn follow_up_needs_touches_and_a_window() {
    refused(
        &[("touches = 6", "touches = 0")],
        "sla.follow_up.touches",
        "touches = 0",
        "more than zero",
    );
    refused(
        &[("within = \"14d\"", "within = \"0d\"")],
        "sla.follow_up.within",
        "within = \"0d\"",
        "longer than zero",
    );
}

#[test]
fn decay_durations_must_be_positive() {
    refused(
        &[("check_interval = \"1h\"", "check_interval = \"0h\"")],
        "decay.check_interval",
        "check_interval = \"0h\"",
        "longer than zero",
    );
    refused(
        &[("recycle_after = \"30d\"", "recycle_after = \"0s\"")],
        "decay.recycle_after",
        "recycle_after = \"0s\"",
        "longer than zero",
    );
}

#[test]
fn disposition_lists_must_be_non_empty_without_duplicates() {
    refused(
        &[(
            "recycle_reasons = [\"not_ready\", \"no_response\", \"nurture\"]",
            "recycle_reasons = []",
        )],
        "dispositions.recycle_reasons",
        "recycle_reasons = []",
        "at least one",
    );
    refused(
        &[(
            "lost_reasons = [\"price\", \"competitor\", \"no_decision\", \"timing\"]",
            "lost_reasons = [\"price\", \"competitor\", \"no_decision\", \"timing\", \"price\"]",
        )],
        "dispositions.lost_reasons[4]",
        "lost_reasons = [",
        "listed twice (also at dispositions.lost_reasons[0])",
    );
}

// ---- alerts and auth ----

#[test]
fn notify_on_without_duplicates() {
    refused(
        &[(
            "notify_on = [\"assigned\", \"sla_breached\", \"reassigned\"]",
            "notify_on = [\"assigned\", \"sla_breached\", \"assigned\"]",
        )],
        "alerts.notify_on[2]",
        "notify_on = [",
        "listed twice",
    );
}

#[test]
fn alert_urls_need_the_right_scheme_and_are_not_echoed() {
    let errors = refused(
        &[(
            "slack_webhook_url = \"env:SLACK_WEBHOOK_URL\"",
            "slack_webhook_url = \"hooks.slack.com/services/SECRET\"",
        )],
        "alerts.slack_webhook_url",
        "slack_webhook_url = \"hooks",
        "https://",
    );
    assert!(!errors.to_string().contains("SECRET"), "{errors}");
    refused(
        &[(
            "# smtp_url = \"smtp://127.0.0.1:2525\"",
            "smtp_url = \"http://127.0.0.1:2525\"",
        )],
        "alerts.smtp_url",
        "smtp_url = \"http",
        "smtp:// or smtps://",
    );
    let text = edited(&[(
        "# smtp_url = \"smtp://127.0.0.1:2525\"",
        "smtp_url = \"smtps://user:pw@mail.example.com:465\"",
    )]);
    assert!(load(&text).is_ok(), "an smtps URL with credentials is fine");
}

#[test]
fn email_from_must_be_plausible_and_is_required_with_smtp() {
    refused(
        &[(
            "email_from = \"leadflow@example.com\"",
            "email_from = \"leadflow\"",
        )],
        "alerts.email_from",
        "email_from = \"leadflow\"",
        "not an email address",
    );
    refused(
        &[
            ("email_from = \"leadflow@example.com\"             # SES in AWS; SMTP (smtp_url) when run locally\n", ""),
            ("# smtp_url = \"smtp://127.0.0.1:2525\"", "smtp_url = \"smtp://127.0.0.1:2525\""),
        ],
        "alerts.email_from",
        "[alerts]",
        "required when alerts.smtp_url is set",
    );
}

#[test]
fn weak_api_keys_are_refused_without_echoing_them() {
    let errors = refused(
        &[(
            "api_keys = [\"env:LEADFLOW_API_KEY\"]",
            "api_keys = [\"tooshort\"]",
        )],
        "auth.api_keys[0]",
        "api_keys = [",
        "weak key: 8 characters, at least 16",
    );
    assert!(!errors.to_string().contains("tooshort"), "{errors}");
    let text = edited(&[(
        "api_keys = [\"env:LEADFLOW_API_KEY\"]",
        "api_keys = [\"0123456789abcdef\"]",
    )]);
    assert!(load(&text).is_ok(), "16 characters is enough");
}
