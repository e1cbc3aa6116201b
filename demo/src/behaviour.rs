//! What a person does: when they first show up (weekday and business-hours heavy, in their
//! own time zone), then sessions of events whose number, spacing and depth follow their
//! hidden intent.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use leadflow::domain::{AttrValue, Attributes};
use leadflow::usecases::ingest::InboundEvent;
use rand::seq::IndexedRandom;
use rand::RngExt;
use rand_distr::{Distribution, Exp, Poisson};
use serde_json::{json, Map, Value};

use crate::calendar::local_instant;
use crate::catalog;
use crate::rng::DemoRng;
use crate::world::{Company, Person, Segment};

pub const IDENTIFY: &str = "identify";
pub const PAGE_VIEW: &str = "page_view";
pub const EMAIL_OPEN: &str = "email_open";
pub const EMAIL_CLICK: &str = "email_click";
pub const CONTENT_DOWNLOAD: &str = "content_download";
pub const WEBINAR_ATTENDED: &str = "webinar_attended";
pub const PRICING_PAGE_VIEW: &str = "pricing_page_view";
pub const DEMO_REQUEST: &str = "demo_request";
pub const CAREERS_PAGE_VIEW: &str = "careers_page_view";

/// Relative weight of each local hour of the day for a first visit: people find the product
/// at work, some in the evening, few at night.
const HOUR_WEIGHTS: [u32; 24] = [
    1, 1, 1, 1, 1, 1, 2, 4, 10, 16, 18, 17, 12, 14, 17, 16, 13, 9, 6, 5, 5, 4, 3, 2,
];
/// A weekend day gets this share of a weekday's first visits.
const WEEKEND_SHARE: f64 = 0.3;

/// When a person first shows up within `[start, end)`, in their own time zone.
pub fn arrival(
    rng: &mut DemoRng,
    person: &Person,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> DateTime<Utc> {
    let days = (end - start).num_days().max(1);
    let first_day = start.with_timezone(&person.zone).date_naive();
    loop {
        let day = first_day + TimeDelta::days(rng.random_range(0..days));
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        if weekend && !rng.random_bool(WEEKEND_SHARE) {
            continue;
        }
        let hour = (0..24u32)
            .collect::<Vec<_>>()
            .choose_weighted(rng, |h| HOUR_WEIGHTS[*h as usize])
            .copied()
            .expect("hours have weights");
        let time = NaiveTime::from_hms_opt(hour, rng.random_range(0..60), rng.random_range(0..60))
            .expect("a valid clock time");
        let at = local_instant(person.zone, day, time);
        if at >= start && at < end {
            return at;
        }
    }
}

/// Builds one person's events, numbering them `evt-<person>-<n>`.
struct Timeline<'a> {
    person: &'a Person,
    index: usize,
    known: &'a BTreeSet<String>,
    end: DateTime<Utc>,
    events: Vec<InboundEvent>,
}

impl Timeline<'_> {
    /// Record an event of `kind` at `at`, when the config accepts the type and it falls
    /// inside the scenario.
    fn push(&mut self, kind: &str, at: DateTime<Utc>, anonymous: bool, properties: Value) {
        if at >= self.end || !self.known.contains(kind) {
            return;
        }
        let properties = match properties {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        self.events.push(InboundEvent {
            id: format!("evt-{:05}-{:03}", self.index, self.events.len()),
            event_type: kind.to_string(),
            occurred_at: at,
            email: (!anonymous).then(|| self.person.email.clone()),
            external_id: self.person.external_id.clone(),
            attributes: Attributes::new(),
            properties,
        });
    }
}

/// What the person's form says: the attributes of their `identify`.
fn attributes(rng: &mut DemoRng, person: &Person, company: Option<&Company>) -> Attributes {
    let mut a = Attributes::new();
    let mut text = |k: &str, v: &str| {
        a.insert(k.to_string(), AttrValue::Text(v.to_string()));
    };
    text("first_name", person.first_name);
    text("last_name", person.last_name);
    text("title", &person.title);
    text("country", person.country.code);
    text("source", person.source);
    if let Some(c) = company {
        text("company", &c.name);
        text("company_domain", &c.domain);
        // Forms and enrichment leave gaps.
        if rng.random_bool(0.95) {
            text("industry", c.industry);
        }
        if rng.random_bool(0.9) {
            a.insert("company_size".into(), AttrValue::Number(f64::from(c.size)));
        }
    }
    a
}

fn pick(rng: &mut DemoRng, items: &[&'static str]) -> &'static str {
    items.choose(rng).copied().expect("a non-empty list")
}

/// Every event of one person, in time order.
pub fn events_of(
    rng: &mut DemoRng,
    person: &Person,
    company: Option<&Company>,
    index: usize,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    known: &BTreeSet<String>,
) -> Vec<InboundEvent> {
    let mut line = Timeline {
        person,
        index,
        known,
        end,
        events: Vec::new(),
    };
    let intent = person.persona.intent;
    let mut t = arrival(rng, person, start, end);

    // Some browse anonymously first: the product knows only their user id.
    if person.external_id.is_some() && rng.random_bool(0.5) {
        for _ in 0..rng.random_range(1..=3) {
            line.push(
                PAGE_VIEW,
                t,
                true,
                json!({"url": pick(rng, catalog::PAGES)}),
            );
            t += TimeDelta::seconds(rng.random_range(30..300));
        }
    }
    line.push(IDENTIFY, t, false, json!({}));
    if let Some(first) = line.events.last_mut().filter(|e| e.event_type == IDENTIFY) {
        first.attributes = attributes(rng, person, company);
    }
    t += TimeDelta::seconds(rng.random_range(20..120));

    let sessions = 1 + Poisson::new(0.8 + 7.0 * intent)
        .expect("a positive rate")
        .sample(rng) as u32;
    // High intent comes back within a day or two, low intent after a week or more.
    let gap_days = Exp::new(1.0 / (0.4 + 6.0 * (1.0 - intent))).expect("a positive rate");
    let mut state = SessionState::default();
    for _ in 0..sessions {
        session(rng, &mut line, &mut state, t);
        t += TimeDelta::seconds((gap_days.sample(rng) * 86_400.0) as i64 + 3_600);
        // Nobody comes back at night: move to the next morning.
        let local_hour = t.with_timezone(&person.zone).hour();
        if local_hour < 7 {
            t += TimeDelta::hours(i64::from(8 - local_hour));
        }
        if t >= end {
            break;
        }
    }
    line.events
}

/// What a person has already done that they do at most a few times.
#[derive(Default)]
struct SessionState {
    webinars: u32,
    demo_requested: bool,
}

/// One visit: a few pages, and deeper steps the more intent there is.
fn session(
    rng: &mut DemoRng,
    line: &mut Timeline<'_>,
    state: &mut SessionState,
    at: DateTime<Utc>,
) {
    let persona = &line.person.persona;
    let intent = persona.intent;
    let mut t = at;
    let mut step = |rng: &mut DemoRng| {
        t += TimeDelta::seconds(rng.random_range(15..400));
        t
    };
    if persona.segment == Segment::JobSeeker {
        for _ in 0..rng.random_range(1..=2) {
            let at = step(rng);
            line.push(
                CAREERS_PAGE_VIEW,
                at,
                false,
                json!({"url": pick(rng, catalog::CAREERS_PAGES)}),
            );
        }
    }
    for _ in 0..1 + Poisson::new(1.5).expect("a positive rate").sample(rng) as u32 {
        let at = step(rng);
        line.push(
            PAGE_VIEW,
            at,
            false,
            json!({"url": pick(rng, catalog::PAGES)}),
        );
    }
    if rng.random_bool(0.35) {
        let campaign = pick(rng, catalog::CAMPAIGNS);
        let at = step(rng);
        line.push(EMAIL_OPEN, at, false, json!({"campaign": campaign}));
        if rng.random_bool(0.2 + 0.5 * intent) {
            let at = step(rng);
            line.push(EMAIL_CLICK, at, false, json!({"campaign": campaign}));
        }
    }
    let student = persona.segment == Segment::Student;
    if rng.random_bool(if student { 0.3 } else { 0.08 + 0.3 * intent }) {
        let at = step(rng);
        line.push(
            CONTENT_DOWNLOAD,
            at,
            false,
            json!({"asset": pick(rng, catalog::CONTENT)}),
        );
    }
    if state.webinars < 2 && rng.random_bool(0.03 + 0.15 * intent) {
        state.webinars += 1;
        let at = step(rng);
        line.push(
            WEBINAR_ATTENDED,
            at,
            false,
            json!({"webinar": pick(rng, catalog::WEBINARS)}),
        );
    }
    let pricing = match persona.segment {
        Segment::Competitor => 0.6,
        Segment::JobSeeker | Segment::Student => 0.03,
        _ => 0.03 + 0.55 * intent.powf(1.5),
    };
    if rng.random_bool(pricing) {
        let at = step(rng);
        line.push(PRICING_PAGE_VIEW, at, false, json!({"url": "/pricing"}));
    }
    if !state.demo_requested
        && persona.segment.can_buy()
        && rng.random_bool(0.01 + 0.45 * intent * intent)
    {
        state.demo_requested = true;
        let at = step(rng);
        line.push(DEMO_REQUEST, at, false, json!({"url": "/demo"}));
    }
}
