//! Fuzz-style properties of every parser that takes outside input, through the real router
//! on the memory store: arbitrary bytes and plausible-but-wrong JSON never panic or 5xx;
//! anything refused is a 4xx with the contract's error JSON and changes nothing; anything
//! accepted keeps within `leadflow::domain::limits`; a gzip bomb is refused without
//! inflating. Case counts keep the file to a few seconds in debug.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leadflow::domain::limits::{
    self, MAX_ATTRIBUTES, MAX_EMAIL_OCTETS, MAX_ID_CHARS, MAX_KEY_CHARS, MAX_PROPERTIES,
    MAX_PROPERTY_BYTES, MAX_TEXT_CHARS,
};
use leadflow::domain::AttrValue;
use leadflow::ports::{LeadStore, ScoreJob};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::*;

// ---- the allocator that measures how much one request holds at its peak ----

/// Counts live bytes per thread, so a current-thread runtime's request can be measured
/// while other tests run on other threads.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most bytes this thread held at once while `f` ran, above what it held before.
fn peak_while<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let out = f();
    (out, (PEAK.with(Cell::get) - start).max(0) as usize)
}

// ---- driving the router ----

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn send(rt: &tokio::runtime::Runtime, t: &TestApp, request: Request<Body>) -> Reply {
    rt.block_on(t.send(request))
}

fn raw(method: &str, uri: &str, body: Vec<u8>, encoding: Option<&str>) -> Request<Body> {
    let mut b = authed(method, uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(e) = encoding {
        b = b.header(header::CONTENT_ENCODING, e);
    }
    b.body(Body::from(body)).unwrap()
}

/// A refusal in the contract's shape: a 4xx, its code, a message, and details that name
/// fields.
fn assert_error(r: &Reply) {
    let code = r.status.as_u16();
    assert!((400..500).contains(&code), "not a 4xx: {code} {}", r.body);
    let want = match code {
        400 => "invalid_request",
        401 => "unauthorized",
        404 => "not_found",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        other => panic!("{other} is not a status of the contract: {}", r.body),
    };
    let error = &r.body["error"];
    assert_eq!(error["code"], want, "{}", r.body);
    assert!(!error["message"].as_str().unwrap_or("").is_empty());
    for d in error["details"].as_array().expect("details is an array") {
        assert!(d["field"].is_string() && d["message"].is_string(), "{d}");
    }
}

/// What an accepted event may carry, whatever the entry point.
fn assert_within_limits(job: &ScoreJob) {
    assert!(
        limits::check_time(job.occurred_at).is_ok(),
        "{}",
        job.occurred_at
    );
    assert!(job.event_id.chars().count() <= MAX_ID_CHARS);
    assert!(job
        .external_id
        .iter()
        .all(|x| x.chars().count() <= MAX_ID_CHARS));
    assert!(job.email.iter().all(|e| e.len() <= MAX_EMAIL_OCTETS));
    assert!(job.attributes.len() <= MAX_ATTRIBUTES);
    for (k, v) in &job.attributes {
        assert!(k.chars().count() <= MAX_KEY_CHARS, "{k}");
        if let AttrValue::Text(s) = v {
            assert!(s.chars().count() <= MAX_TEXT_CHARS, "{k}");
        }
    }
    assert!(job.properties.len() <= MAX_PROPERTIES);
    for (k, v) in &job.properties {
        assert!(k.chars().count() <= MAX_KEY_CHARS, "{k}");
        assert!(
            serde_json::to_string(v).unwrap().len() <= MAX_PROPERTY_BYTES,
            "{k}"
        );
    }
}

// ---- strategies ----

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Values that sit near the edges: times of any year, long runs, email-like text.
fn nasty() -> impl Strategy<Value = Value> {
    prop_oneof![
        any_json(),
        (0u32..10_000, 1u32..13, 1u32..29, 0u32..24)
            .prop_map(|(y, mo, d, h)| json!(format!("{y:04}-{mo:02}-{d:02}T{h:02}:00:00Z"))),
        (any::<char>(), 0usize..1200).prop_map(|(c, n)| json!(c.to_string().repeat(n))),
        (1usize..300, 1usize..300).prop_map(|(l, d)| json!(format!(
            "{}@{}.io",
            "a".repeat(l),
            "d".repeat(d)
        ))),
        Just(json!("2026-11-23T09:59:00Z")),
    ]
}

/// A good body with a few of its fields (or fields it does not have) replaced or removed.
fn mutated(base: Value, paths: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let edit = (
        prop_oneof![
            prop::sample::select(paths).prop_map(str::to_string),
            "[a-z_]{1,70}".prop_map(|k| k),
        ],
        prop::option::of(nasty()),
    );
    prop::collection::vec(edit, 0..4).prop_map(move |edits| {
        let mut body = base.clone();
        for (path, value) in edits {
            set(&mut body, &path, value);
        }
        body
    })
}

/// Set (or with `None` remove) a dotted path, creating objects on the way when it can.
fn set(target: &mut Value, path: &str, value: Option<Value>) {
    let mut at = target;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        let Some(obj) = at.as_object_mut() else {
            return;
        };
        if keys.peek().is_none() {
            match value {
                Some(v) => obj.insert(key.to_string(), v),
                None => obj.remove(key),
            };
            return;
        }
        at = obj.entry(key).or_insert_with(|| json!({}));
    }
}

const EVENT_PATHS: &[&str] = &[
    "id",
    "type",
    "occurred_at",
    "lead",
    "lead.email",
    "lead.external_id",
    "lead.title",
    "lead.company",
    "lead.company_size",
    "lead.country",
    "properties",
    "properties.url",
];

const SEGMENT_PATHS: &[&str] = &[
    "type",
    "event",
    "messageId",
    "userId",
    "timestamp",
    "originalTimestamp",
    "sentAt",
    "traits",
    "traits.email",
    "traits.title",
    "traits.company",
    "traits.company.name",
    "traits.address.country",
    "context.traits.email",
    "properties",
];

const DISPOSITION_PATHS: &[&str] = &[
    "outcome",
    "rep_id",
    "occurred_at",
    "reason",
    "amount",
    "note",
];

const REP_PATHS: &[&str] = &[
    "id",
    "name",
    "email",
    "team",
    "capacity",
    "weight",
    "active",
    "out_of_office_until",
    "working_hours",
    "working_hours.timezone",
    "manager_email",
    "slack_user",
];

fn good_event() -> Value {
    json!({"id": "e1", "type": "demo_request", "occurred_at": "2026-11-23T09:59:00Z",
           "lead": {"email": "ana@acme.io", "external_id": "crm-1", "title": "VP Marketing",
                    "company": "Acme", "company_size": 250, "country": "US"},
           "properties": {"url": "/demo"}})
}

fn good_message() -> Value {
    json!({"type": "identify", "messageId": "m1", "userId": "u-1",
           "timestamp": "2026-11-23T09:59:00Z",
           "traits": {"email": "ana@acme.io", "title": "VP", "company": {"name": "Acme"}},
           "context": {"traits": {"email": "ana@acme.io"}}, "properties": {"plan": "pro"}})
}

fn percent_encoded(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/events"),
    ("POST", "/v1/batch"),
    ("POST", "/v1/leads/ld_d/dispositions"),
    ("PUT", "/v1/reps/ana"),
];

// ---- the properties ----

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Bytes that are not JSON (or JSON of the wrong shape) on every body route.
    #[test]
    fn arbitrary_bytes_on_every_route(
        route in prop::sample::select(ROUTES),
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let rt = runtime();
        let t = app();
        rt.block_on(t.owned_lead("ld_d", "ana"));
        let before = rt.block_on(t.store.lead("ld_d")).unwrap();
        let r = send(&rt, &t, raw(route.0, route.1, bytes.clone(), None));
        let is_json = serde_json::from_slice::<Value>(&bytes).is_ok();
        if !(r.status.is_success() && is_json) {
            assert_error(&r);
            prop_assert!(t.store.take_score_jobs().is_empty());
            prop_assert_eq!(rt.block_on(t.store.lead("ld_d")).unwrap(), before);
        }
    }

    #[test]
    fn events_bodies(events in prop::collection::vec(mutated(good_event(), EVENT_PATHS), 1..4),
                     wrap in any::<bool>()) {
        let rt = runtime();
        let t = app();
        let body = if wrap { json!({"events": events}) } else { json!(events) };
        let r = rt.block_on(t.post_json("/v1/events", &body));
        if r.status == StatusCode::ACCEPTED {
            for job in t.store.take_score_jobs() {
                assert_within_limits(&job);
            }
        } else {
            prop_assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
            assert_error(&r);
            prop_assert!(!r.body["error"]["details"].as_array().unwrap().is_empty());
            prop_assert!(t.store.take_score_jobs().is_empty());
        }
    }

    #[test]
    fn segment_batches(
        messages in prop::collection::vec(mutated(good_message(), SEGMENT_PATHS), 0..4),
        sent_at in prop::option::of(nasty()),
    ) {
        let rt = runtime();
        let t = app();
        let mut body = json!({"batch": messages});
        if let Some(s) = sent_at {
            body["sentAt"] = s;
        }
        let r = rt.block_on(t.post_json("/v1/batch", &body));
        if r.status == StatusCode::OK {
            prop_assert_eq!(&r.body, &json!({"success": true}));
            for job in t.store.take_score_jobs() {
                assert_within_limits(&job);
            }
        } else {
            prop_assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
            assert_error(&r);
            prop_assert!(t.store.take_score_jobs().is_empty());
        }
    }

    #[test]
    fn dispositions(body in mutated(
        json!({"outcome": "contacted", "rep_id": "ana", "occurred_at": "2026-11-23T09:59:30Z",
               "note": "left a voicemail"}),
        DISPOSITION_PATHS,
    )) {
        let rt = runtime();
        let t = app();
        let before = rt.block_on(t.owned_lead("ld_d", "ana"));
        let r = rt.block_on(t.post_json("/v1/leads/ld_d/dispositions", &body));
        if r.status != StatusCode::OK {
            assert_error(&r);
            prop_assert_eq!(rt.block_on(t.store.lead("ld_d")).unwrap(), Some(before));
        }
    }

    #[test]
    fn reps(id in prop_oneof!["[a-z]{1,8}", "[a-z._-]{120,140}", "[^/?#%]{1,12}"],
            body in mutated(json!({"name": "Ana", "email": "ana@acme.io", "team": "inbound"}),
                            REP_PATHS)) {
        let rt = runtime();
        let t = app();
        let uri = format!("/v1/reps/{}", percent_encoded(&id));
        let r = send(&rt, &t, json_request("PUT", &uri, &body));
        if r.status == StatusCode::OK {
            prop_assert!(r.body["name"].as_str().unwrap().chars().count() <= MAX_TEXT_CHARS);
        } else {
            assert_error(&r);
            prop_assert_eq!(&rt.block_on(t.get("/v1/reps")).body["reps"], &json!([]));
        }
    }

    /// Whatever the `Leadflow-Signature` header says, an unsigned body is a 401.
    #[test]
    fn signature_headers(header_text in "[ -~]{0,120}", body in any_json()) {
        let rt = runtime();
        let mut config = config();
        config.auth.signing_secret = Some("s3cret".into());
        let t = app_with(config);
        let request = authed("POST", "/v1/events")
            .header(header::CONTENT_TYPE, "application/json")
            .header("leadflow-signature", header_text)
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap();
        let r = send(&rt, &t, request);
        prop_assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_error(&r);
        prop_assert!(t.store.take_score_jobs().is_empty());
    }

    /// Correctly signed, any body is still only accepted or refused.
    #[test]
    fn signed_bodies(events in prop::collection::vec(mutated(good_event(), EVENT_PATHS), 1..3)) {
        let rt = runtime();
        let mut config = config();
        config.auth.signing_secret = Some("s3cret".into());
        let t = app_with(config);
        let body = serde_json::to_vec(&json!({"events": events})).unwrap();
        let request = authed("POST", "/v1/events")
            .header(header::CONTENT_TYPE, "application/json")
            .header("leadflow-signature", leadflow_api::sign("s3cret", now().timestamp(), &body))
            .body(Body::from(body))
            .unwrap();
        let r = send(&rt, &t, request);
        if r.status != StatusCode::ACCEPTED {
            prop_assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
            assert_error(&r);
        }
    }

    #[test]
    fn cursors(cursor in prop_oneof![".{1,40}", "[A-Za-z0-9_-]{1,40}", "m1\\.[0-9a-f]{0,16}"]) {
        let rt = runtime();
        let t = app();
        rt.block_on(t.owned_lead("ld_a", "ana"));
        let r = rt.block_on(t.get(&format!("/v1/leads?cursor={}", percent_encoded(&cursor))));
        if r.status != StatusCode::OK {
            assert_error(&r);
            let field = &r.body["error"]["details"][0]["field"];
            prop_assert!(field == "cursor", "{}", r.body);
        }
    }

    /// Bytes sent as gzip: not gzip, truncated gzip, or gzip of anything.
    #[test]
    fn gzip_bodies(
        route in prop::sample::select(ROUTES),
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        compress in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let rt = runtime();
        let t = app();
        let body = if compress {
            let zipped = gzip(&bytes);
            let keep = cut.index(zipped.len() + 1);
            zipped[..keep].to_vec()
        } else {
            bytes.clone()
        };
        let r = send(&rt, &t, raw(route.0, route.1, body, Some("gzip")));
        let is_json = serde_json::from_slice::<Value>(&bytes).is_ok();
        if !(r.status.is_success() && compress && is_json) {
            assert_error(&r);
            prop_assert!(t.store.take_score_jobs().is_empty());
        }
    }
}

/// One gzip member inflating to 1 MiB of one byte, compressed once for every case.
fn member() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| gzip(&vec![b' '; 1024 * 1024]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// A bomb of concatenated members (up to 512 MiB inflated, under 1 MiB on the wire) is a
    /// 413 once 1 MiB has inflated, and the request never holds much more than that.
    #[test]
    fn gzip_bombs_are_refused_without_inflating(
        route in prop::sample::select(ROUTES),
        members in 2usize..512,
        prefix in prop::option::of(Just(b"{\"events\": [\"".to_vec())),
    ) {
        let rt = runtime();
        let t = app();
        let mut wire = prefix.map(|p| gzip(&p)).unwrap_or_default();
        for _ in 0..members {
            wire.extend_from_slice(member());
        }
        prop_assume!(wire.len() < 1024 * 1024);
        let request = raw(route.0, route.1, wire, Some("gzip"));
        let (r, peak) = peak_while(|| send(&rt, &t, request));
        prop_assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_error(&r);
        prop_assert!(peak < 8 * 1024 * 1024, "the request held {} bytes at its peak", peak);
    }
}

/// The allocator really counts: holding 16 MiB shows up as a peak of at least that.
#[test]
fn the_peak_measure_sees_a_large_allocation() {
    let (len, peak) = peak_while(|| vec![1u8; 16 * 1024 * 1024].len());
    assert_eq!(len, 16 * 1024 * 1024);
    assert!(peak >= 16 * 1024 * 1024, "{peak}");
}
