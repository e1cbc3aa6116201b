//! Issue 12, defects 5-7: times outside the stores' span, unbounded strings, and cursors the
//! server never issued are each a 400 naming the field, and change nothing.

mod support;

use axum::http::StatusCode;
use leadflow::domain::limits::{
    MAX_ATTRIBUTES, MAX_ID_CHARS, MAX_NOTE_CHARS, MAX_PROPERTIES, MAX_PROPERTY_BYTES,
    MAX_REASON_CHARS, MAX_TEXT_CHARS,
};
use leadflow::ports::LeadStore;
use serde_json::{json, Value};
use support::*;

/// The `(index, field)` pairs of a 400, after checking its shape.
fn fields(r: &Reply) -> Vec<(Option<u64>, String)> {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "invalid_request");
    r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["index"].as_u64(),
                d["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn nothing_changed(t: &TestApp) {
    assert!(
        t.store.take_score_jobs().is_empty(),
        "no event was accepted"
    );
    assert!(t.store.all_leads().is_empty(), "no lead was created");
}

fn with(mut event: Value, path: &[&str], value: Value) -> Value {
    let mut at = &mut event;
    for key in &path[..path.len() - 1] {
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = value;
    event
}

#[tokio::test]
async fn event_times_outside_the_span_are_a_400_on_occurred_at() {
    let t = app();
    for at in [
        "1600-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
    ] {
        let e = with(
            event("e1", "ana@acme.io", "demo_request"),
            &["occurred_at"],
            json!(at),
        );
        let r = t.post_json("/v1/events", &json!({"events": [e]})).await;
        assert_eq!(fields(&r), [(Some(0), "occurred_at".to_string())], "{at}");
        let message = r.body["error"]["details"][0]["message"].as_str().unwrap();
        assert!(message.contains("1970-01-01T00:00:00Z"), "{message}");
        nothing_changed(&t);
    }
    let edge = with(
        event("e2", "ana@acme.io", "demo_request"),
        &["occurred_at"],
        json!("1970-01-01T00:00:00Z"),
    );
    let r = t.post_json("/v1/events", &json!({"events": [edge]})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
}

#[tokio::test]
async fn segment_times_outside_the_span_are_a_400_naming_the_field() {
    let t = app();
    let identify = |extra: Value| {
        let mut m = json!({"type": "identify", "messageId": "m1", "userId": "u-1",
                           "traits": {"email": "ana@acme.io"}});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        m
    };
    let cases = [
        (
            json!({"batch": [identify(json!({"timestamp": "0001-01-01T00:00:00Z"}))]}),
            "timestamp",
        ),
        (
            json!({"batch": [identify(json!({"originalTimestamp": "1600-01-01T00:00:00Z"}))]}),
            "originalTimestamp",
        ),
        (
            json!({"batch": [identify(json!({"sentAt": "9999-01-01T00:00:00Z",
                                             "originalTimestamp": "2026-11-23T09:00:00Z"}))]}),
            "sentAt",
        ),
        // Each time within the span, but the skew correction lands before 1970.
        (
            json!({"batch": [identify(json!({"sentAt": "2199-01-01T00:00:00Z",
                                             "originalTimestamp": "1971-01-01T00:00:00Z"}))]}),
            "originalTimestamp",
        ),
    ];
    for (body, field) in cases {
        let r = t.post_json("/v1/batch", &body).await;
        assert_eq!(fields(&r), [(Some(0), field.to_string())], "{body}");
        nothing_changed(&t);
    }
    let r = t
        .post_json(
            "/v1/batch",
            &json!({"sentAt": "0001-01-01T00:00:00Z",
                    "batch": [identify(json!({"originalTimestamp": "2026-11-23T09:00:00Z"}))]}),
        )
        .await;
    assert_eq!(fields(&r), [(None, "sentAt".to_string())]);
    nothing_changed(&t);
}

#[tokio::test]
async fn other_times_outside_the_span_are_refused() {
    let t = app();
    t.owned_lead("ld_d", "ana").await;
    let before = t.store.lead("ld_d").await.unwrap().unwrap();
    let r = t
        .post_json(
            "/v1/leads/ld_d/dispositions",
            &json!({"outcome": "contacted", "rep_id": "ana",
                    "occurred_at": "1600-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(fields(&r), [(None, "occurred_at".to_string())]);
    assert_eq!(t.store.lead("ld_d").await.unwrap().unwrap(), before);

    let rep = json!({"name": "Ana", "email": "ana@acme.io", "team": "inbound",
                     "out_of_office_until": "2300-01-01T00:00:00Z"});
    let r = t.send(json_request("PUT", "/v1/reps/ana", &rep)).await;
    assert_eq!(fields(&r), [(None, "out_of_office_until".to_string())]);
    assert_eq!(t.get("/v1/reps/ana").await.status, StatusCode::NOT_FOUND);

    let r = t.get("/v1/metrics?since=0001-01-01T00:00:00Z").await;
    assert_eq!(fields(&r), [(None, "since".to_string())]);
}

#[tokio::test]
async fn the_emails_of_the_issue_are_refused_by_rfc_5321() {
    let t = app();
    // A 1,000,005-character address whose every part on its own is valid.
    let mut labels = vec!["d".repeat(59); 16_666];
    labels.push("e".repeat(40));
    let huge = format!("a@{}.io", labels.join("."));
    assert_eq!(huge.len(), 1_000_005);
    let long_label = format!("ana@{}.io", "d".repeat(290));
    for email in [huge, long_label] {
        let e = event("e1", &email, "demo_request");
        let r = t.post_json("/v1/events", &json!({"events": [e]})).await;
        assert_eq!(fields(&r), [(Some(0), "lead.email".to_string())]);
        nothing_changed(&t);
    }
    let rep = json!({"name": "Ana", "team": "inbound",
                     "email": format!("ana@{}.io", "d".repeat(64))});
    let r = t.send(json_request("PUT", "/v1/reps/ana", &rep)).await;
    assert_eq!(fields(&r), [(None, "email".to_string())]);
}

#[tokio::test]
async fn every_event_string_has_a_maximum_named_in_the_error() {
    let t = app();
    let long = |n: usize| json!("x".repeat(n + 1));
    let base = || event("e1", "ana@acme.io", "demo_request");
    let many_attrs: serde_json::Map<String, Value> = (0..MAX_ATTRIBUTES)
        .map(|i| (format!("a{i}"), json!(i)))
        .collect();
    let mut too_many = base();
    too_many["lead"].as_object_mut().unwrap().extend(many_attrs);
    let many_props: serde_json::Map<String, Value> = (0..=MAX_PROPERTIES)
        .map(|i| (format!("p{i}"), json!(i)))
        .collect();
    let cases = [
        (with(base(), &["id"], long(MAX_ID_CHARS)), "id"),
        (with(base(), &["type"], long(100_000)), "type"),
        (
            with(base(), &["lead", "external_id"], long(MAX_ID_CHARS)),
            "lead.external_id",
        ),
        (
            with(base(), &["lead", "title"], long(MAX_TEXT_CHARS)),
            "lead.title",
        ),
        (
            with(base(), &["lead", "first_name"], long(MAX_TEXT_CHARS)),
            "lead.first_name",
        ),
        (
            with(base(), &["lead", "company"], long(MAX_TEXT_CHARS)),
            "lead.company",
        ),
        (
            with(base(), &["lead", "industry"], long(MAX_TEXT_CHARS)),
            "lead.industry",
        ),
        (
            with(base(), &["lead", "hobby"], long(MAX_TEXT_CHARS)),
            "lead.hobby",
        ),
        (with(base(), &["lead", &"k".repeat(65)], json!("v")), "lead"),
        (too_many, "lead"),
        (
            with(base(), &["properties"], Value::Object(many_props)),
            "properties",
        ),
        (
            with(base(), &["properties", "blob"], long(MAX_PROPERTY_BYTES)),
            "properties.blob",
        ),
        (
            with(base(), &["properties", &"k".repeat(65)], json!(1)),
            "properties",
        ),
    ];
    for (e, field) in cases {
        let r = t.post_json("/v1/events", &json!({"events": [e]})).await;
        assert_eq!(fields(&r), [(Some(0), field.to_string())], "{field}");
        assert!(
            r.body.to_string().len() < 4096,
            "the answer does not echo the long value ({field})"
        );
        nothing_changed(&t);
    }
    // At the limits, the event is accepted.
    let mut edge = base();
    edge["id"] = json!("i".repeat(MAX_ID_CHARS));
    edge["lead"]["title"] = json!("t".repeat(MAX_TEXT_CHARS));
    edge["lead"]["external_id"] = json!("x".repeat(MAX_ID_CHARS));
    edge["properties"] = json!({"blob": "b".repeat(MAX_PROPERTY_BYTES - 2)});
    let r = t.post_json("/v1/events", &json!({"events": [edge]})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
}

#[tokio::test]
async fn segment_ids_are_bounded_and_long_traits_left_out() {
    let t = app();
    let r = t
        .post_json(
            "/v1/batch",
            &json!({"batch": [{"type": "identify", "messageId": "m1",
                               "userId": "u".repeat(MAX_ID_CHARS + 1),
                               "timestamp": "2026-11-23T09:00:00Z"}]}),
        )
        .await;
    assert_eq!(fields(&r), [(Some(0), "userId".to_string())]);
    nothing_changed(&t);
    // A message type that is ignored is not read, long id or not.
    let page = json!({"batch": [{"type": "page", "userId": "u".repeat(MAX_ID_CHARS + 1)}]});
    assert_eq!(t.post_json("/v1/batch", &page).await.status, StatusCode::OK);

    let traits = json!({"email": "ana@acme.io", "title": "t".repeat(MAX_TEXT_CHARS + 1),
                        "plan": "pro", "k".repeat(65): "v"});
    let body = json!({"batch": [{"type": "identify", "messageId": "m2", "userId": "u-1",
                                 "timestamp": "2026-11-23T09:00:00Z", "traits": traits}]});
    let r = t.post_json("/v1/batch", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let jobs = t.store.take_score_jobs();
    let keys: Vec<&String> = jobs[0].attributes.keys().collect();
    assert_eq!(
        keys,
        ["plan"],
        "the long title and the long name are left out"
    );
}

#[tokio::test]
async fn disposition_and_rep_strings_have_maximums() {
    let t = app();
    t.owned_lead("ld_d", "ana").await;
    let before = t.store.lead("ld_d").await.unwrap().unwrap();
    let url = "/v1/leads/ld_d/dispositions";
    let cases = [
        (
            json!({"outcome": "contacted", "rep_id": "ana", "note": "n".repeat(MAX_NOTE_CHARS + 1)}),
            "note",
        ),
        (
            json!({"outcome": "contacted", "rep_id": "r".repeat(MAX_ID_CHARS + 1)}),
            "rep_id",
        ),
        (
            json!({"outcome": "qualified", "rep_id": "ana",
                   "reason": "r".repeat(MAX_REASON_CHARS + 1)}),
            "reason",
        ),
    ];
    for (body, field) in cases {
        let r = t.post_json(url, &body).await;
        assert_eq!(fields(&r), [(None, field.to_string())], "{field}");
        assert_eq!(t.store.lead("ld_d").await.unwrap().unwrap(), before);
    }
    let rep = |k: &str, v: Value| {
        let mut r = json!({"name": "Ana", "email": "ana@acme.io", "team": "inbound"});
        r[k] = v;
        r
    };
    for (body, field) in [
        (rep("name", json!("n".repeat(MAX_TEXT_CHARS + 1))), "name"),
        (rep("team", json!("t".repeat(MAX_TEXT_CHARS + 1))), "team"),
        (
            rep("slack_user", json!("s".repeat(MAX_TEXT_CHARS + 1))),
            "slack_user",
        ),
    ] {
        let r = t.send(json_request("PUT", "/v1/reps/ana", &body)).await;
        assert_eq!(fields(&r), [(None, field.to_string())], "{field}");
    }
    let long_id = format!("/v1/reps/{}", "r".repeat(MAX_ID_CHARS + 1));
    let r = t
        .send(json_request("PUT", &long_id, &rep("name", json!("Ana"))))
        .await;
    assert_eq!(fields(&r), [(None, "id".to_string())]);
    assert_eq!(t.get("/v1/reps").await.body["reps"], json!([]));
}

#[tokio::test]
async fn a_cursor_never_issued_is_a_400_naming_cursor() {
    let t = app();
    for id in ["ld_a", "ld_b", "ld_c"] {
        t.owned_lead(id, "ana").await;
    }
    let first = t.get("/v1/leads?limit=1").await;
    let issued = first.body["next_cursor"].as_str().unwrap().to_string();
    let next = t.get(&format!("/v1/leads?limit=1&cursor={issued}")).await;
    assert_eq!(next.status, StatusCode::OK, "an issued cursor still works");
    assert_ne!(next.body["leads"], first.body["leads"]);
    for bad in ["abc", "%21%21", "c1", "bTEueno", "ld_a"] {
        let r = t.get(&format!("/v1/leads?cursor={bad}")).await;
        assert_eq!(fields(&r), [(None, "cursor".to_string())], "{bad}");
    }
}
