//! Shared test helpers: synthetic lead tables and the location of the real data.
#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use leadflow_predict::table::Table;
use leadflow_predict::TrainOptions;

pub fn trained_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
}

pub fn table(csv: &str) -> Table {
    Table::from_bytes(csv.as_bytes(), b',', "test data").expect("test CSV parses")
}

/// A small deterministic generator (64-bit LCG), so synthetic data needs no extra crate.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    /// Uniform in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `rows` leads with an id, a numeric `visits` (sometimes missing), a categorical `source`
/// (sometimes `Select`), a constant column, and an outcome that depends on visits and source.
/// `positive_share` sets roughly how many convert.
pub fn synthetic_csv(rows: usize, seed: u64) -> String {
    let mut rng = Lcg::new(seed);
    let mut csv = String::from("Lead Id,visits,source,constant,converted\n");
    let sources = ["google", "Reference", "olark chat", "Select", "", "tiktok"];
    for i in 0..rows {
        let visits = (rng.next() * 10.0).floor();
        let source = sources[((rng.next() * 5.0) as usize).min(4)];
        // A rare level: a handful of rows only.
        let source = if i % 97 == 0 { sources[5] } else { source };
        let visits_text = if i % 13 == 0 {
            String::new()
        } else {
            format!("{visits}")
        };
        let boost = match source {
            "Reference" => 2.0,
            "google" => 0.5,
            _ => -0.5,
        };
        let log_odds = -1.5 + 0.35 * visits + boost;
        let probability = 1.0 / (1.0 + (-log_odds).exp());
        let converted = u8::from(rng.next() < probability);
        csv.push_str(&format!(
            "L{i:05},{visits_text},{source},same,{converted}\n"
        ));
    }
    csv
}

/// A table whose outcome column has exactly `positives` ones and `negatives` zeros.
pub fn outcome_counts_csv(positives: usize, negatives: usize) -> String {
    let mut rng = Lcg::new(7);
    let mut csv = String::from("visits,source,converted\n");
    for i in 0..positives + negatives {
        let converted = u8::from(i < positives);
        let visits = (rng.next() * 10.0).floor() + f64::from(converted) * 3.0;
        let source = if rng.next() < 0.5 { "web" } else { "event" };
        csv.push_str(&format!("{visits},{source},{converted}\n"));
    }
    csv
}

pub fn options(target: &str) -> TrainOptions {
    let mut options = TrainOptions::new(target, trained_at());
    options.min_level_count = 10;
    options
}

/// `Leads.csv`: `$LEADFLOW_DATA_DIR/x-education-leads/Leads.csv`, else
/// `../shared/data/...` beside the workspace root. Panics, naming the path, when absent:
/// a test that needs the data must fail rather than skip.
pub fn leads_csv() -> PathBuf {
    let data_dir = match std::env::var_os("LEADFLOW_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    };
    let path = data_dir.join("x-education-leads/Leads.csv");
    assert!(
        path.is_file(),
        "Leads.csv not found at {} (set LEADFLOW_DATA_DIR to the shared data directory)",
        path.display()
    );
    path
}
