//! The human-readable training report.

use std::fmt::Write;

use crate::columns::ColumnUse;
use crate::encoding::FeatureEncoding;
use crate::model::Model;
use crate::train::TrainReport;

/// How many of the largest coefficients the report lists.
const TOP_COEFFICIENTS: usize = 12;

impl TrainReport {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let model = &self.model;
        let data = &model.training_data;
        let _ = writeln!(out, "leadflow train: {}", self.csv.display());
        let _ = writeln!(
            out,
            "  data: {} rows, target `{}`: {} positive, {} negative; sha256 {}",
            data.rows, model.target, data.positives, data.negatives, data.sha256
        );
        let _ = writeln!(
            out,
            "  split: seed {}, {} training rows, {} held out ({}% by FNV-1a of \"seed:row\")",
            data.split.seed, data.split.train_rows, data.split.test_rows, data.split.test_percent
        );
        render_columns(&mut out, model);
        let _ = writeln!(
            out,
            "  model: {}, {} features -> {} design columns, fit in {:.3} s ({}, alpha {})",
            model.model_version,
            model.features.features.len(),
            model.coefficients.len(),
            self.fit_seconds,
            model.settings.solver,
            model.settings.alpha
        );
        render_evaluation(&mut out, model);
        render_coefficients(&mut out, model);
        match &self.written_to {
            Some(path) => {
                let _ = writeln!(out, "\nmodel file written: {}", path.display());
            }
            None => {
                let _ = writeln!(out, "\nmodel file: not written (no output path given)");
            }
        }
        out
    }
}

fn render_columns(out: &mut String, model: &Model) {
    let used: Vec<String> = model
        .features
        .features
        .iter()
        .map(|f| match &f.encoding {
            FeatureEncoding::Numeric {
                missing_indicator, ..
            } => {
                let flag = if *missing_indicator { ", +missing" } else { "" };
                format!("{} (numeric{flag})", f.name)
            }
            FeatureEncoding::Categorical { reference, levels } => {
                format!(
                    "{} ({} levels + reference {reference:?})",
                    f.name,
                    levels.len()
                )
            }
        })
        .collect();
    let _ = writeln!(out, "  features ({}): {}", used.len(), used.join(", "));
    let _ = writeln!(out, "  excluded columns:");
    for column in &model.training_data.columns {
        if let ColumnUse::Excluded(reason) = column.column_use {
            let _ = writeln!(out, "    {:<45} {}", column.name, reason.describe());
        }
    }
}

fn render_evaluation(out: &mut String, model: &Model) {
    let m = &model.metrics;
    let _ = writeln!(
        out,
        "\nheld-out evaluation ({} rows, {} positive):",
        m.rows, m.positives
    );
    let _ = writeln!(
        out,
        "  AUC {:.4}   log loss {:.4}   Brier {:.4}",
        m.auc, m.log_loss, m.brier
    );
    let _ = writeln!(out, "\ncalibration by decile of predicted probability:");
    let _ = writeln!(out, "  decile  leads  mean predicted  observed rate");
    for bin in &m.calibration {
        let _ = writeln!(
            out,
            "  {:>6}  {:>5}  {:>14.3}  {:>13.3}",
            bin.decile, bin.count, bin.mean_predicted, bin.observed_rate
        );
    }
    let t = &m.tier_thresholds;
    let _ = writeln!(
        out,
        "\nconversion by tier (score = probability x 100; A >= {}, B >= {}, C >= {}):",
        t.a, t.b, t.c
    );
    let _ = writeln!(out, "  tier  leads  conversions  rate    lift");
    for tier in &m.tiers {
        let rate = tier
            .conversion_rate
            .map_or("-".to_string(), |r| format!("{r:.3}"));
        let lift = tier.lift.map_or("-".to_string(), |l| format!("{l:.2}"));
        let _ = writeln!(
            out,
            "  {:<4}  {:>5}  {:>11}  {:<6}  {}",
            tier.tier, tier.leads, tier.conversions, rate, lift
        );
    }
}

fn render_coefficients(out: &mut String, model: &Model) {
    let mut largest: Vec<_> = model.coefficients.iter().collect();
    largest.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    let _ = writeln!(
        out,
        "\nlargest coefficients (log-odds per standard deviation or per level; intercept {:.3}):",
        model.intercept
    );
    for c in largest.into_iter().take(TOP_COEFFICIENTS) {
        let _ = writeln!(out, "  {:>8.3}  {}", c.weight, c.column);
    }
}
