//! `env:NAME` values: read when set, absent when unset (an optional key off, an array element
//! dropped, a required key an error naming the key and the variable); loaded for a server, an
//! unset API key variable is an error.

mod config_support;

use config_support::{edited, error_at, line_of, load, load_serving_with, load_with};

#[test]
fn a_set_variable_gives_its_value() {
    let text = edited(&[("email = \"ana@example.com\"", "email = \"env:ANA_EMAIL\"")]);
    let c = load_with(&text, &[("ANA_EMAIL", "ana.diaz@example.com")]).unwrap();
    assert_eq!(c.reps[0].email, "ana.diaz@example.com");
}

#[test]
fn an_unset_optional_key_is_absent() {
    let c = load(&edited(&[])).unwrap();
    assert_eq!(c.alerts.slack_webhook_url, None);
    let c = load_with(&edited(&[]), &[("SLACK_WEBHOOK_URL", "")]).unwrap();
    assert_eq!(
        c.alerts.slack_webhook_url, None,
        "an empty variable counts as unset"
    );
}

#[test]
fn an_unset_required_key_names_the_key_and_the_variable() {
    let text = edited(&[("email = \"ben@example.com\"", "email = \"env:BEN_EMAIL\"")]);
    let errors = load(&text).unwrap_err();
    let e = error_at(&errors, "reps[1].email");
    assert!(e.message.contains("BEN_EMAIL"), "{e}");
    assert!(e.message.contains("not set"), "{e}");
    assert_eq!(e.line, Some(line_of(&text, "env:BEN_EMAIL")));
}

#[test]
fn unset_api_key_elements_are_dropped_and_the_rest_keep_their_positions() {
    let text = edited(&[(
        "api_keys = [\"env:LEADFLOW_API_KEY\"]",
        "api_keys = [\"env:KEY_A\", \"env:KEY_B\", \"env:KEY_C\"]",
    )]);
    let c = load_with(
        &text,
        &[
            ("KEY_B", "bbbbbbbbbbbbbbbbbbbb"),
            ("KEY_C", "cccccccccccccccccccc"),
        ],
    )
    .unwrap();
    assert_eq!(
        c.auth.api_keys,
        ["bbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccc"]
    );

    let c = load(&text).unwrap();
    assert!(
        c.auth.api_keys.is_empty(),
        "no key set is valid: serve generates one"
    );

    // KEY_A unset, KEY_C weak: the error names the element as written, [2].
    let errors = load_with(
        &text,
        &[("KEY_B", "bbbbbbbbbbbbbbbbbbbb"), ("KEY_C", "short")],
    )
    .unwrap_err();
    let e = error_at(&errors, "auth.api_keys[2]");
    assert!(
        e.message.contains("weak") && e.message.contains("KEY_C"),
        "{e}"
    );
    assert!(
        !e.to_string().contains("short\""),
        "a secret must not be echoed: {e}"
    );
    assert_eq!(errors.len(), 1, "{errors}");
}

#[test]
fn a_value_read_from_a_variable_is_not_echoed_in_type_errors() {
    let text = edited(&[("capacity = 10", "capacity = \"env:DEV_CAPACITY\"")]);
    let errors = load_with(&text, &[("DEV_CAPACITY", "s3cr3tvalue")]).unwrap_err();
    let e = error_at(&errors, "reps[3].capacity");
    assert!(!e.message.contains("s3cr3tvalue"), "{e}");
    assert!(e.message.contains("DEV_CAPACITY"), "{e}");
    assert_eq!(
        e.line,
        Some(line_of(&text, "capacity = \"env:DEV_CAPACITY\""))
    );
}

#[test]
fn a_malformed_variable_name_is_refused() {
    let text = edited(&[(
        "email_from = \"leadflow@example.com\"",
        "email_from = \"env:bad name\"",
    )]);
    let errors = load(&text).unwrap_err();
    let e = error_at(&errors, "alerts.email_from");
    assert!(e.message.contains("environment variable"), "{e}");
    assert_eq!(e.line, Some(line_of(&text, "env:bad name")));
}

#[test]
fn for_a_server_an_unset_api_key_variable_is_an_error_naming_the_key_and_the_variable() {
    let text = edited(&[(
        "api_keys = [\"env:LEADFLOW_API_KEY\"]",
        "api_keys = [\"env:KEY_A\", \"env:KEY_B\", \"env:KEY_C\"]",
    )]);
    // KEY_A unset, KEY_B set, KEY_C set empty (switched off on purpose).
    let errors =
        load_serving_with(&text, &[("KEY_B", "bbbbbbbbbbbbbbbbbbbb"), ("KEY_C", "")]).unwrap_err();
    let e = error_at(&errors, "auth.api_keys[0]");
    assert!(
        e.message.contains("KEY_A") && e.message.contains("not set"),
        "{e}"
    );
    assert_eq!(e.line, Some(line_of(&text, "env:KEY_A")));
    assert!(e.to_string().contains("auth.api_keys[0]"), "{e}");
    assert_eq!(errors.len(), 1, "an empty KEY_C is not an error: {errors}");

    // Every variable set, or the unset one set empty: it loads, without the empty keys.
    for vars in [
        [("KEY_A", "aaaaaaaaaaaaaaaaaaaa"), ("KEY_C", "")],
        [("KEY_A", ""), ("KEY_C", "cccccccccccccccccccc")],
    ] {
        let mut vars = vars.to_vec();
        vars.push(("KEY_B", "bbbbbbbbbbbbbbbbbbbb"));
        let c = load_serving_with(&text, &vars).unwrap();
        assert_eq!(c.auth.api_keys.len(), 2, "{vars:?}");
    }

    // The whole key as one `env:` string is refused the same way.
    let whole = edited(&[(
        "api_keys = [\"env:LEADFLOW_API_KEY\"]",
        "api_keys = \"env:ALL_KEYS\"",
    )]);
    let errors = load_serving_with(&whole, &[]).unwrap_err();
    assert!(error_at(&errors, "auth.api_keys")
        .message
        .contains("ALL_KEYS"));
}

#[test]
fn for_a_server_other_unset_variables_keep_their_meaning() {
    // Only API keys are strict: Slack off when its variable is unset, as before.
    let c = load_serving_with(
        &edited(&[]),
        &[("LEADFLOW_API_KEY", "kkkkkkkkkkkkkkkkkkkk")],
    )
    .unwrap();
    assert_eq!(c.alerts.slack_webhook_url, None);
    assert_eq!(c.auth.api_keys, ["kkkkkkkkkkkkkkkkkkkk"]);
}
