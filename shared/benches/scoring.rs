//! Scoring one event: apply it to a lead that already has history, rescore, re-tier, and find
//! the next threshold crossing (target ≤ 2 µs). `cargo bench -p leadflow --bench scoring`.

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use leadflow::config::{Config, EXAMPLE_TOML};
use leadflow::domain::{AttrValue, Attributes, Lead};
use leadflow::lifecycle::activity::{apply_event, EventInput, EventKind};
use leadflow::scoring;

fn bench_scoring(c: &mut Criterion) {
    let cfg: Config = toml::from_str(EXAMPLE_TOML).unwrap();
    let version = scoring::rules_version(&cfg.scoring);
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    let attrs: Attributes = [
        ("title", AttrValue::from("VP Marketing")),
        ("company_size", AttrValue::from(250i64)),
        ("industry", AttrValue::from("software")),
        ("country", AttrValue::from("US")),
        ("company_domain", AttrValue::from("acme.io")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut lead = Lead::new("ld_bench".into(), Some("ana@acme.io".into()), None, t0);
    let history = [
        "page_view",
        "email_open",
        "content_download",
        "pricing_page_view",
        "webinar_attended",
    ];
    for (i, signal) in history.iter().enumerate() {
        let at = t0 + TimeDelta::hours(i as i64 * 7);
        let id = format!("h{i}");
        let input = EventInput {
            event_id: &id,
            kind: EventKind::Signal(signal),
            occurred_at: at,
            attributes: &attrs,
        };
        lead = apply_event(lead, &input, &cfg, &version, at).lead;
    }
    let now = t0 + TimeDelta::days(2);
    let none = Attributes::new();

    c.bench_function("score one event (apply + rescore + next crossing)", |b| {
        b.iter_batched(
            || lead.clone(),
            |l| {
                let input = EventInput {
                    event_id: "evt-bench",
                    kind: EventKind::Signal("pricing_page_view"),
                    occurred_at: now,
                    attributes: &none,
                };
                apply_event(l, &input, &cfg, &version, now)
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("evaluate a lead (score only)", |b| {
        b.iter(|| scoring::evaluate(std::hint::black_box(&lead), &cfg.scoring, &version, now))
    });
}

criterion_group!(benches, bench_scoring);
criterion_main!(benches);
