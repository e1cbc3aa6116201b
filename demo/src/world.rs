//! The people of the synthetic world: companies with a long tail of sizes, people at them
//! with titles and emails, and each person's hidden truth (segment, buying intent, whether
//! they would buy and for how much) that drives what they do.

use std::collections::HashSet;

use chrono_tz::Tz;
use rand::distr::weighted::WeightedIndex;
use rand::seq::IndexedRandom;
use rand::RngExt;
use rand_distr::{Beta, Distribution, LogNormal};

use crate::catalog::{self, Country, Seniority};
use crate::rng::DemoRng;

/// Who a person is, as the truth sees it (not as the scoring config does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A senior person at a company of the right industry and size: the ideal buyer.
    IcpBuyer,
    /// Two of the three: right industry, right size, senior title.
    IcpNear,
    /// Everyone else at a company.
    OffProfile,
    /// Someone at a company who signs up with a personal address.
    PersonalEmail,
    Competitor,
    Student,
    JobSeeker,
}

impl Segment {
    pub const ALL: [Segment; 7] = [
        Segment::IcpBuyer,
        Segment::IcpNear,
        Segment::OffProfile,
        Segment::PersonalEmail,
        Segment::Competitor,
        Segment::Student,
        Segment::JobSeeker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Segment::IcpBuyer => "icp_buyer",
            Segment::IcpNear => "icp_near",
            Segment::OffProfile => "off_profile",
            Segment::PersonalEmail => "personal_email",
            Segment::Competitor => "competitor",
            Segment::Student => "student",
            Segment::JobSeeker => "job_seeker",
        }
    }

    /// Mean buying intent of the segment (intent is a Beta draw around it).
    fn mean_intent(self) -> f64 {
        match self {
            Segment::IcpBuyer => 0.55,
            Segment::IcpNear => 0.32,
            Segment::OffProfile => 0.14,
            Segment::PersonalEmail => 0.16,
            // Competitors study the pricing page closely, with no wish to buy.
            Segment::Competitor => 0.35,
            Segment::Student => 0.08,
            Segment::JobSeeker => 0.04,
        }
    }

    /// Whether anyone of the segment could ever buy.
    pub fn can_buy(self) -> bool {
        !matches!(
            self,
            Segment::Competitor | Segment::Student | Segment::JobSeeker
        )
    }
}

/// A person's hidden truth: what the simulation knows and the pipeline must guess.
#[derive(Debug, Clone, PartialEq)]
pub struct Persona {
    /// Buying propensity within 0–1: drives how often and how deeply the person engages.
    pub intent: f64,
    pub segment: Segment,
    /// Whether the person buys when sales works the lead well.
    pub will_convert: bool,
    /// What a deal with the person's company is worth, in dollars (rounded to 500).
    pub deal_size: f64,
}

/// The true ideal customer's company size, deliberately close to but not exactly the example
/// config's fit rule.
const ICP_SIZE: std::ops::RangeInclusive<u32> = 150..=8000;

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub name: String,
    pub domain: String,
    pub size: u32,
    pub industry: &'static str,
    pub country: &'static Country,
}

impl Company {
    fn is_icp_industry(&self) -> bool {
        catalog::ICP_INDUSTRIES.contains(&self.industry)
    }
}

/// A few hundred companies, and the competitor.
pub fn companies(rng: &mut DemoRng, count: usize) -> Vec<Company> {
    // Median 120 employees with a long tail: about one company in ten has 1,000 or more.
    let sizes = LogNormal::new(120f64.ln(), 1.6).expect("valid log-normal parameters");
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(count + 1);
    while out.len() < count {
        let industry = weighted(rng, catalog::INDUSTRIES);
        let country = catalog::COUNTRIES
            .choose_weighted(rng, |c| c.weight)
            .expect("countries have weights");
        let stem = *catalog::COMPANY_STEMS.choose(rng).expect("stems");
        let suffixes = catalog::COMPANY_SUFFIXES
            .iter()
            .find(|(i, _)| *i == industry)
            .or_else(|| catalog::COMPANY_SUFFIXES.last())
            .map(|(_, s)| *s)
            .expect("suffixes");
        let suffix = *suffixes.choose(rng).expect("suffixes");
        let mut name = format!("{stem} {suffix}");
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{stem} {suffix} {n}");
            n += 1;
        }
        let slug: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let tld = if industry == "software" && rng.random_bool(0.4) {
            "io"
        } else {
            country.tld
        };
        let size = sizes.sample(rng).round().clamp(1.0, 250_000.0) as u32;
        out.push(Company {
            domain: format!("{slug}.{tld}"),
            name,
            size,
            industry,
            country,
        });
    }
    out.push(Company {
        name: "RivalCorp".to_string(),
        domain: catalog::COMPETITOR_DOMAIN.to_string(),
        size: 800,
        industry: "software",
        country: catalog::country("US").expect("US is listed"),
    });
    out
}

/// One synthetic person and what the forms they fill say about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub email: String,
    pub external_id: Option<String>,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub title: String,
    /// Index into the companies; students and job seekers name none.
    pub company: Option<usize>,
    pub country: &'static Country,
    pub zone: Tz,
    pub source: &'static str,
    pub persona: Persona,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Worker,
    Competitor,
    Student,
    JobSeeker,
}

const UNIVERSITIES: &[&str] = &[
    "state-university.edu",
    "tech-institute.edu",
    "city-college.edu",
];

/// `count` people; `emails` keeps addresses unique across calls.
pub fn people(
    rng: &mut DemoRng,
    companies: &[Company],
    count: usize,
    emails: &mut HashSet<String>,
) -> Vec<Person> {
    // The competitor is last; workers come from the others.
    let others = &companies[..companies.len() - 1];
    // Bigger companies have more people who find the product, but far from proportionally.
    let by_size = WeightedIndex::new(others.iter().map(|c| f64::from(c.size).powf(0.35)))
        .expect("company sizes are positive");
    let competitor_index = companies.len() - 1;
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        let roll: f64 = rng.random();
        let kind = match roll {
            r if r < 0.01 => Kind::Competitor,
            r if r < 0.04 => Kind::Student,
            r if r < 0.08 => Kind::JobSeeker,
            _ => Kind::Worker,
        };
        let company_index = match kind {
            Kind::Worker => Some(by_size.sample(rng)),
            Kind::Competitor => Some(competitor_index),
            Kind::Student | Kind::JobSeeker => None,
        };
        let company = company_index.map(|i| &companies[i]);
        let first_name = *catalog::FIRST_NAMES.choose(rng).expect("names");
        let last_name = *catalog::LAST_NAMES.choose(rng).expect("names");
        let (title, seniority) = match kind {
            Kind::Worker | Kind::Competitor => {
                let (t, s, _) = *catalog::TITLES
                    .choose_weighted(rng, |t| t.2)
                    .expect("titles have weights");
                (t, s)
            }
            Kind::Student => (
                *catalog::STUDENT_TITLES.choose(rng).expect("titles"),
                Seniority::Student,
            ),
            Kind::JobSeeker => (
                *catalog::JOB_SEEKER_TITLES.choose(rng).expect("titles"),
                Seniority::Individual,
            ),
        };
        let personal_share = match kind {
            Kind::Worker => 0.10,
            Kind::Competitor => 0.0,
            Kind::Student => 0.5,
            Kind::JobSeeker => 1.0,
        };
        let personal = rng.random_bool(personal_share);
        let domain = match (company, personal, kind) {
            (_, true, _) => *catalog::PERSONAL_EMAIL_DOMAINS
                .choose(rng)
                .expect("domains"),
            (Some(c), false, _) => c.domain.as_str(),
            (None, false, _) => *UNIVERSITIES.choose(rng).expect("universities"),
        };
        let email = unique_email(rng, first_name, last_name, domain, personal, emails);
        let country = match company {
            Some(c) => c.country,
            None => catalog::COUNTRIES
                .choose_weighted(rng, |c| c.weight)
                .expect("countries have weights"),
        };
        let zone_name = country
            .zones
            .choose_weighted(rng, |z| z.1)
            .expect("zones have weights")
            .0;
        let segment = segment_of(kind, company, seniority, personal);
        let persona = persona(rng, segment, company);
        out.push(Person {
            email,
            // A CRM or product user id for some, which links their anonymous browsing.
            external_id: rng
                .random_bool(0.3)
                .then(|| format!("usr_{:06}", 100_000 + index)),
            first_name,
            last_name,
            title: title.to_string(),
            company: company_index,
            country,
            zone: zone_name.parse().expect("catalogue zones are IANA names"),
            source: weighted(rng, catalog::SOURCES),
            persona,
        });
    }
    out
}

fn segment_of(
    kind: Kind,
    company: Option<&Company>,
    seniority: Seniority,
    personal: bool,
) -> Segment {
    match (kind, company) {
        (Kind::Competitor, _) => Segment::Competitor,
        (Kind::Student, _) => Segment::Student,
        (Kind::JobSeeker, _) => Segment::JobSeeker,
        (Kind::Worker, _) if personal => Segment::PersonalEmail,
        (Kind::Worker, Some(c)) => {
            let hits = [
                c.is_icp_industry(),
                ICP_SIZE.contains(&c.size),
                seniority.is_senior(),
            ]
            .iter()
            .filter(|h| **h)
            .count();
            match hits {
                3 => Segment::IcpBuyer,
                2 => Segment::IcpNear,
                _ => Segment::OffProfile,
            }
        }
        (Kind::Worker, None) => Segment::OffProfile,
    }
}

fn persona(rng: &mut DemoRng, segment: Segment, company: Option<&Company>) -> Persona {
    // Beta around the segment's mean; concentration 5 leaves room for surprises both ways.
    let mean = segment.mean_intent();
    let intent = Beta::new(mean * 5.0, (1.0 - mean) * 5.0)
        .expect("valid beta parameters")
        .sample(rng);
    let will_convert = segment.can_buy() && rng.random_bool((0.8 * intent.powf(1.3)).min(1.0));
    // Bigger companies buy bigger deals: about $9k at 200 people, $30k at 10,000.
    let size = company.map_or(20.0, |c| f64::from(c.size));
    let spread = LogNormal::new(0.0, 0.35).expect("valid log-normal parameters");
    let deal = 6000.0 * (size / 50.0).powf(0.3) * spread.sample(rng);
    Persona {
        intent,
        segment,
        will_convert,
        deal_size: ((deal / 500.0).round() * 500.0).max(500.0),
    }
}

fn unique_email(
    rng: &mut DemoRng,
    first: &str,
    last: &str,
    domain: &str,
    personal: bool,
    taken: &mut HashSet<String>,
) -> String {
    let first = slug(first);
    let last = slug(last);
    let local = match (personal, rng.random_range(0..3)) {
        (true, _) => format!("{first}.{last}{}", rng.random_range(1..100)),
        (false, 0) => format!("{}{last}", &first[..1]),
        (false, _) => format!("{first}.{last}"),
    };
    let mut email = format!("{local}@{domain}");
    let mut n = 2;
    while !taken.insert(email.clone()) {
        email = format!("{local}{n}@{domain}");
        n += 1;
    }
    email
}

fn slug(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

pub fn weighted(rng: &mut DemoRng, items: &[(&'static str, u32)]) -> &'static str {
    items
        .choose_weighted(rng, |i| i.1)
        .expect("weights are positive")
        .0
}
