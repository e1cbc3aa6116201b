//! The session cookie decoder against what a browser (or anyone) may send: arbitrary values,
//! tampered signatures, truncations, huge values. Never a panic, never a session, and a value
//! longer than any real cookie is refused on its length alone.

mod support;

use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};
use leadflow_dashboard::session::{
    cookie_value, SessionError, SessionKeys, COOKIE_NAME, MAX_COOKIE_VALUE,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

fn now() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn keys() -> Vec<String> {
    vec!["key-one-0123456789".into(), "key-two-0123456789".into()]
}

fn runner_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(runner_config(2_000))]

    #[test]
    fn arbitrary_values_are_never_a_session(value in any::<String>()) {
        let keys = keys();
        prop_assert!(SessionKeys::new(&keys).verify(&value, now()).is_err());
    }

    #[test]
    fn cookie_shaped_values_are_never_a_session(
        expiry in "[+-]?[0-9]{0,21}",
        signature in "[0-9a-fA-F+]{0,70}",
    ) {
        let keys = keys();
        let value = format!("{expiry}.{signature}");
        prop_assert!(SessionKeys::new(&keys).verify(&value, now()).is_err(), "{}", value);
    }

    #[test]
    fn any_change_to_a_real_cookie_ends_it(at in any::<prop::sample::Index>(), with in any::<char>()) {
        let keys = keys();
        let s = SessionKeys::new(&keys);
        let cookie = s.issue(now());
        prop_assert_eq!(s.verify(&cookie, now()), Ok(()));
        let mut chars: Vec<char> = cookie.chars().collect();
        let i = at.index(chars.len());
        prop_assume!(chars[i] != with);
        chars[i] = with;
        let tampered: String = chars.into_iter().collect();
        prop_assert!(s.verify(&tampered, now()).is_err(), "{}", tampered);
    }

    #[test]
    fn truncated_or_extended_cookies_are_refused(cut in 0usize..84, tail in ".{1,40}") {
        let keys = keys();
        let s = SessionKeys::new(&keys);
        let cookie = s.issue(now());
        let cut = cut.min(cookie.len() - 1);
        prop_assert!(s.verify(&cookie[..cut], now()).is_err());
        let extended = format!("{cookie}{tail}");
        prop_assert!(s.verify(&extended, now()).is_err());
    }

    #[test]
    fn cookie_headers_of_any_text_do_not_panic(header in any::<String>()) {
        // Whatever it picks out is then only a candidate for `verify`.
        let keys = keys();
        if let Some(value) = cookie_value(&header) {
            prop_assert!(SessionKeys::new(&keys).verify(value, now()).is_err());
        }
    }
}

proptest! {
    // Large inputs: few cases, each up to a megabyte.
    #![proptest_config(runner_config(24))]

    #[test]
    fn huge_values_are_refused_on_their_length(
        byte in any::<u8>(),
        len in (MAX_COOKIE_VALUE + 1)..(1usize << 20),
    ) {
        let keys = keys();
        let s = SessionKeys::new(&keys);
        // Valid cookie, then padding: the prefix is a real session, the whole is not.
        let cookie = s.issue(now());
        let pad = char::from(b'0' + byte % 10).to_string().repeat(len - cookie.len().min(len));
        let huge = format!("{cookie}{pad}");
        prop_assert_eq!(s.verify(&huge, now()), Err(SessionError::Malformed));
        let flat = char::from(b'a' + byte % 26).to_string().repeat(len);
        prop_assert_eq!(s.verify(&flat, now()), Err(SessionError::Malformed));
    }
}

#[test]
fn an_issued_cookie_fits_the_length_limit_and_expires() {
    let keys = keys();
    let s = SessionKeys::new(&keys);
    let cookie = s.issue(now());
    assert!(cookie.len() <= MAX_COOKIE_VALUE, "{cookie}");
    assert_eq!(s.verify(&cookie, now()), Ok(()));
    assert_eq!(
        s.verify(&cookie, now() + TimeDelta::hours(12)),
        Err(SessionError::Expired)
    );
}

/// Through the router: a `Cookie` header of any printable text opens no page.
#[test]
fn no_cookie_header_opens_a_page() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let t = rt.block_on(support::seeded());
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 300,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let header = prop_oneof![
        "[ -~]{0,300}",
        "[ -~]{0,40}".prop_map(|v| format!("{COOKIE_NAME}={v}")),
        ("[0-9]{1,12}", "[0-9a-f]{64}").prop_map(|(e, m)| format!("a=1; {COOKIE_NAME}={e}.{m}")),
    ];
    runner
        .run(&header, |header| {
            let page = rt.block_on(t.get_with("/rules", Some(&header)));
            prop_assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", header);
            prop_assert_eq!(page.location(), Some("/signin"));
            Ok(())
        })
        .unwrap();
}
