//! The simulated world: the config (three teams, small capacities, short SLA timings, one rep
//! with working hours), the roster, and the fixed population of leads.

use chrono::{DateTime, TimeZone, Utc};
use leadflow::config::Config;
use leadflow::domain::rep::WorkingHours;
use leadflow::domain::{AttrValue, Attributes, Rep};

/// Where every run's virtual clock starts: a Monday, 08:00 UTC (an hour before the
/// working-hours rep starts).
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
}

const CONFIG: &str = r#"
[auth]
api_keys = ["sim-key-0123456789abcdef"]

[scoring]
mql_threshold = 60
demote_margin = 5

[scoring.tiers]
A = 80
B = 60
C = 40

[scoring.fit]
max = 50

[[scoring.fit.rules]]
name = "senior title"
field = "title"
contains_any = ["vp", "director", "chief"]
points = 20

[[scoring.fit.rules]]
name = "target company size"
field = "company_size"
between = [200, 5000]
points = 15

[[scoring.fit.rules]]
name = "ICP industry"
field = "industry"
in = ["software", "fintech"]
points = 10

[[scoring.fit.rules]]
name = "served country"
field = "country"
in = ["US", "GB", "DE"]
points = 5

[scoring.engagement]
max = 60
half_life = "2d"

[scoring.engagement.signals]
demo_request      = { points = 40 }
pricing_page_view = { points = 10, cap = 30 }
webinar_attended  = { points = 15, cap = 30 }
content_download  = { points = 8,  cap = 24 }
email_click       = { points = 3,  cap = 9 }
page_view         = { points = 1,  cap = 5 }

[[scoring.negative]]
name = "personal email"
field = "email_domain"
in = ["gmail.com"]
points = -20

[[scoring.negative]]
name = "student"
field = "title"
contains_any = ["student"]
disqualify = "student"

[[scoring.negative]]
name = "job seeker"
signal = "careers_page_view"
disqualify = "job_seeker"

[routing]
strategy = "round_robin"
account_match = true
respect_working_hours = true
fallback = "unassigned"

[[routing.rules]]
name = "enterprise"
when = { company_size = { at_least = 1000 } }
team = "enterprise"

[[routing.rules]]
name = "emea"
when = { country = ["GB", "DE"] }
team = "emea"

[[routing.rules]]
name = "everyone else"
team = "inbound"

[[reps]]
id = "ana"
name = "Ana"
email = "ana@example.com"
team = "inbound"
capacity = 2
manager_email = "manager-inbound@example.com"

[[reps]]
id = "ben"
name = "Ben"
email = "ben@example.com"
team = "inbound"
capacity = 1
manager_email = "manager-inbound@example.com"

[[reps]]
id = "cal"
name = "Cal"
email = "cal@example.com"
team = "inbound"
capacity = 3
manager_email = "manager-inbound@example.com"

[[reps]]
id = "cleo"
name = "Cleo"
email = "cleo@example.com"
team = "emea"
capacity = 1
manager_email = "manager-emea@example.com"
working_hours = { timezone = "UTC", days = ["mon", "tue", "wed", "thu", "fri"], start = "09:00", end = "17:00" }

[[reps]]
id = "dan"
name = "Dan"
email = "dan@example.com"
team = "emea"
capacity = 2
manager_email = "manager-emea@example.com"

[[reps]]
id = "dev"
name = "Dev"
email = "dev@example.com"
team = "enterprise"
capacity = 1
manager_email = "manager-enterprise@example.com"

[[reps]]
id = "eve"
name = "Eve"
email = "eve@example.com"
team = "enterprise"
capacity = 2
manager_email = "manager-enterprise@example.com"

[[reps]]
id = "fay"
name = "Fay"
email = "fay@example.com"
team = "enterprise"
capacity = 1
manager_email = "manager-enterprise@example.com"

[sla]
check_interval = "1m"

[sla.tiers.A]
first_response = "5m"
reassign_after = "3m"

[sla.tiers.B]
first_response = "30m"
reassign_after = "10m"

[sla.tiers.C]
first_response = "2h"

[sla.follow_up]
touches = 2
within = "1d"

[decay]
check_interval = "1h"
recycle_after = "3d"

[dispositions]
disqualify_reasons = ["no_budget", "no_need", "competitor", "student", "job_seeker"]
recycle_reasons = ["not_ready", "no_response"]
lost_reasons = ["price", "timing"]

[alerts]
notify_on = ["assigned", "sla_breached", "reassigned", "follow_up_missed"ESCALATED]
email_from = "leadflow@example.com"
"#;

/// The simulation's config. Alerts are asked for every kind the config knows, the manager's
/// escalation (`escalated`) included once the config accepts it.
pub fn config() -> Config {
    let load = |escalated: &str| {
        leadflow::config::load_str(&CONFIG.replace("ESCALATED", escalated), "sim.toml", &|_| {
            None
        })
    };
    load(", \"escalated\"")
        .or_else(|_| load(""))
        .unwrap_or_else(|e| panic!("the simulation's config is valid: {e}"))
}

/// The roster at the start (the config's `[[reps]]`): three teams of 2–4 reps with
/// capacities 1–3; `cleo` works 09:00–17:00 UTC on weekdays.
pub fn roster() -> Vec<Rep> {
    config().reps
}

/// 09:00–17:00 UTC, Monday to Friday.
pub fn office_hours() -> WorkingHours {
    serde_json::from_value(serde_json::json!({
        "timezone": "UTC", "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "09:00", "end": "17:00"
    }))
    .expect("valid working hours")
}

/// How many leads the population has.
pub const LEADS: usize = 14;

/// Who lead `i` is: an email and the attributes its events carry. The mix puts leads in
/// every team, some of them qualifying on fit alone with one strong signal, a few on a
/// personal email (a penalty), and two accounts shared by several leads (account matching).
pub fn lead_email(i: usize) -> String {
    let domain = match i % 7 {
        6 => "gmail.com".to_string(),
        k if k < 2 => "shared-acct.com".to_string(),
        _ => format!("co{i}.com"),
    };
    format!("lead{i}@{domain}")
}

pub fn lead_attributes(i: usize) -> Attributes {
    let (size, country) = match i % 3 {
        0 => (1500i64, "US"), // enterprise
        1 => (300, "GB"),     // emea
        _ => (250, "US"),     // inbound
    };
    let title = if i % 4 == 3 { "Engineer" } else { "VP Sales" };
    let industry = if i % 5 == 4 { "retail" } else { "software" };
    let company_domain = if i % 7 < 2 {
        "shared-acct.com".to_string()
    } else {
        format!("co{i}.com")
    };
    [
        ("title", AttrValue::from(title)),
        ("company_size", AttrValue::from(size)),
        ("industry", AttrValue::from(industry)),
        ("country", AttrValue::from(country)),
        ("company_domain", AttrValue::from(company_domain.as_str())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The signals events carry (the last two disqualify: a student title, a careers page view).
pub const SIGNALS: [&str; 7] = [
    "demo_request",
    "pricing_page_view",
    "webinar_attended",
    "content_download",
    "email_click",
    "page_view",
    "identify",
];
