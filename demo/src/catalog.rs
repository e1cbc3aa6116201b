//! The synthetic world's vocabulary: names, titles, industries, countries, pages. Plain ASCII,
//! invented for this demo.

/// How senior a job title is; the hidden truth uses it, the scoring config only sees the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seniority {
    Executive,
    VicePresident,
    Director,
    Manager,
    Individual,
    Student,
}

impl Seniority {
    /// Buyers: people who can sign or sponsor a purchase.
    pub fn is_senior(self) -> bool {
        matches!(
            self,
            Seniority::Executive | Seniority::VicePresident | Seniority::Director
        )
    }
}

/// (title, seniority, weight among working people). Some senior titles ("CEO", "Founder")
/// are senior in truth but do not contain the words the example config looks for.
pub const TITLES: &[(&str, Seniority, u32)] = &[
    ("CEO", Seniority::Executive, 2),
    ("Founder", Seniority::Executive, 2),
    ("Chief Technology Officer", Seniority::Executive, 2),
    ("Chief Marketing Officer", Seniority::Executive, 2),
    ("Chief Revenue Officer", Seniority::Executive, 1),
    ("VP Marketing", Seniority::VicePresident, 4),
    ("VP of Sales", Seniority::VicePresident, 3),
    ("Vice President, Engineering", Seniority::VicePresident, 2),
    ("VP Operations", Seniority::VicePresident, 2),
    ("Head of Growth", Seniority::Director, 3),
    ("Head of Data", Seniority::Director, 3),
    ("Head of Revenue Operations", Seniority::Director, 2),
    ("Director of Marketing", Seniority::Director, 4),
    ("Director, IT", Seniority::Director, 3),
    ("Sales Director", Seniority::Director, 2),
    ("Marketing Manager", Seniority::Manager, 8),
    ("Product Manager", Seniority::Manager, 6),
    ("Sales Operations Manager", Seniority::Manager, 4),
    ("IT Manager", Seniority::Manager, 4),
    ("Engineering Manager", Seniority::Manager, 4),
    ("Software Engineer", Seniority::Individual, 10),
    ("Data Analyst", Seniority::Individual, 7),
    ("Marketing Specialist", Seniority::Individual, 6),
    ("Business Analyst", Seniority::Individual, 5),
    ("Account Executive", Seniority::Individual, 5),
    ("Consultant", Seniority::Individual, 4),
    ("Designer", Seniority::Individual, 3),
];

/// Titles of students and interns (the example config disqualifies them).
pub const STUDENT_TITLES: &[&str] = &[
    "Student",
    "MBA Student",
    "Marketing Intern",
    "Software Engineering Intern",
    "Graduate Student",
];

/// Titles people looking for a job give on a form.
pub const JOB_SEEKER_TITLES: &[&str] = &[
    "Software Engineer",
    "Data Analyst",
    "Account Executive",
    "Marketing Specialist",
    "Designer",
];

/// Industries the product truly fits (the example config's ICP list matches them).
pub const ICP_INDUSTRIES: &[&str] = &["software", "fintech", "healthcare"];

/// (industry, weight) across companies.
pub const INDUSTRIES: &[(&str, u32)] = &[
    ("software", 18),
    ("fintech", 8),
    ("healthcare", 9),
    ("retail", 10),
    ("manufacturing", 10),
    ("education", 7),
    ("media", 6),
    ("logistics", 6),
    ("consulting", 8),
    ("telecom", 4),
    ("government", 3),
    ("real estate", 4),
];

/// A country: ISO code, weight among companies, the time zones its people live in (with
/// weights) and the top-level domain its companies use.
#[derive(Debug, PartialEq, Eq)]
pub struct Country {
    pub code: &'static str,
    pub weight: u32,
    pub zones: &'static [(&'static str, u32)],
    pub tld: &'static str,
}

pub const COUNTRIES: &[Country] = &[
    Country {
        code: "US",
        weight: 40,
        zones: &[
            ("America/New_York", 5),
            ("America/Chicago", 3),
            ("America/Denver", 1),
            ("America/Los_Angeles", 3),
        ],
        tld: "com",
    },
    Country {
        code: "GB",
        weight: 12,
        zones: &[("Europe/London", 1)],
        tld: "co.uk",
    },
    Country {
        code: "DE",
        weight: 9,
        zones: &[("Europe/Berlin", 1)],
        tld: "de",
    },
    Country {
        code: "FR",
        weight: 7,
        zones: &[("Europe/Paris", 1)],
        tld: "fr",
    },
    Country {
        code: "IN",
        weight: 8,
        zones: &[("Asia/Kolkata", 1)],
        tld: "in",
    },
    Country {
        code: "CA",
        weight: 6,
        zones: &[("America/Toronto", 2), ("America/Vancouver", 1)],
        tld: "ca",
    },
    Country {
        code: "BR",
        weight: 5,
        zones: &[("America/Sao_Paulo", 1)],
        tld: "com.br",
    },
    Country {
        code: "AU",
        weight: 4,
        zones: &[("Australia/Sydney", 1)],
        tld: "com.au",
    },
    Country {
        code: "NL",
        weight: 3,
        zones: &[("Europe/Amsterdam", 1)],
        tld: "nl",
    },
    Country {
        code: "ES",
        weight: 3,
        zones: &[("Europe/Madrid", 1)],
        tld: "es",
    },
    Country {
        code: "JP",
        weight: 3,
        zones: &[("Asia/Tokyo", 1)],
        tld: "jp",
    },
];

pub fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// First words of company names.
pub const COMPANY_STEMS: &[&str] = &[
    "Acme",
    "Northwind",
    "Bluefin",
    "Brightline",
    "Cobalt",
    "Driftwood",
    "Evergreen",
    "Fathom",
    "Granite",
    "Harbor",
    "Ironclad",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orchard",
    "Pinnacle",
    "Quartz",
    "Redwood",
    "Summit",
    "Tandem",
    "Umber",
    "Vantage",
    "Willow",
    "Zephyr",
    "Atlas",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Foxglove",
    "Glacier",
    "Helix",
    "Indigo",
    "Jasper",
    "Keystone",
    "Lattice",
    "Mosaic",
    "Nova",
    "Onyx",
    "Prism",
    "Quill",
    "Ridge",
    "Sable",
    "Tidal",
    "Upland",
    "Vertex",
    "Wren",
    "Yarrow",
];

/// Second words of company names, by industry (any industry not listed uses the last entry).
pub const COMPANY_SUFFIXES: &[(&str, &[&str])] = &[
    (
        "software",
        &["Labs", "Software", "Systems", "Cloud", "Data", "AI"],
    ),
    ("fintech", &["Pay", "Capital", "Ledger", "Finance", "Money"]),
    (
        "healthcare",
        &["Health", "Care", "Medical", "Clinics", "Bio"],
    ),
    ("retail", &["Retail", "Stores", "Goods", "Market"]),
    (
        "manufacturing",
        &["Industries", "Manufacturing", "Works", "Robotics"],
    ),
    ("education", &["Learning", "Academy", "Education"]),
    ("media", &["Media", "Studios", "Publishing"]),
    ("logistics", &["Logistics", "Freight", "Shipping"]),
    ("*", &["Group", "Partners", "Co", "Holdings", "Solutions"]),
];

pub const PERSONAL_EMAIL_DOMAINS: &[&str] =
    &["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"];

/// The competitor the example config disqualifies.
pub const COMPETITOR_DOMAIN: &str = "rivalcorp.com";

pub const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Priya",
    "Nancy",
    "Wei",
    "Lisa",
    "Ahmed",
    "Sofia",
    "Lucas",
    "Emma",
    "Hiroshi",
    "Olivia",
    "Mateo",
    "Amelia",
    "Arjun",
    "Chloe",
    "Noah",
    "Mia",
    "Liam",
    "Ava",
    "Felix",
    "Hannah",
    "Jonas",
    "Lea",
    "Hugo",
    "Camille",
    "Oliver",
    "Isla",
    "Rafael",
    "Ana",
    "Kenji",
    "Yuki",
    "Ravi",
    "Anika",
    "Diego",
    "Lucia",
    "Tom",
    "Grace",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Patel",
    "Shah",
    "Kumar",
    "Chen",
    "Wang",
    "Li",
    "Kim",
    "Nguyen",
    "Muller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Dubois",
    "Bernard",
    "Moreau",
    "Laurent",
    "Silva",
    "Santos",
    "Oliveira",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Evans",
    "Hughes",
    "Murphy",
    "Kelly",
    "Novak",
    "Jansen",
    "De Vries",
    "Rossi",
];

/// Sales reps' names (id = the first name, lower-cased).
pub const REP_NAMES: &[(&str, &str)] = &[
    ("Ana", "Diaz"),
    ("Ben", "Okafor"),
    ("Chloe", "Martin"),
    ("Dev", "Patel"),
    ("Elena", "Rossi"),
    ("Farid", "Haddad"),
    ("Grace", "Kim"),
    ("Hugo", "Lambert"),
    ("Isabel", "Costa"),
    ("Jonah", "Weiss"),
    ("Keiko", "Mori"),
    ("Liam", "Byrne"),
    ("Maya", "Singh"),
    ("Nils", "Berg"),
];

/// Pages people browse (`page_view`).
pub const PAGES: &[&str] = &[
    "/",
    "/product",
    "/product/analytics",
    "/product/integrations",
    "/customers",
    "/blog/lead-scoring-101",
    "/blog/sla-playbook",
    "/blog/routing-rules",
    "/docs",
    "/security",
    "/about",
    "/compare",
];

pub const CAREERS_PAGES: &[&str] = &["/careers", "/careers/engineering", "/careers/sales"];

pub const CONTENT: &[&str] = &[
    "ebook-state-of-inbound",
    "whitepaper-speed-to-lead",
    "template-sla-policy",
    "report-benchmarks-2026",
    "checklist-routing",
];

pub const WEBINARS: &[&str] = &[
    "webinar-routing-at-scale",
    "webinar-scoring-that-sales-trusts",
    "webinar-from-mql-to-revenue",
];

pub const CAMPAIGNS: &[&str] = &["newsletter", "nurture-1", "nurture-2", "product-launch"];

/// Where a lead says it came from (`source`).
pub const SOURCES: &[(&str, u32)] = &[
    ("organic", 8),
    ("paid_search", 5),
    ("webinar", 2),
    ("referral", 2),
    ("social", 3),
    ("event", 1),
];
