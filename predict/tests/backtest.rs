//! Backtesting rules and models on historical leads: synthetic tables for the mechanics, and
//! the example rules for Leads.csv on the real data.

mod common;

use std::path::PathBuf;

use leadflow::config::{load_str, no_env, Config, FitRule};
use leadflow::domain::condition::{FieldCondition, Matcher, Scalar};
use leadflow::domain::{AttrValue, Tier};
use leadflow::scoring::rules_version;
use leadflow_predict::backtest::{
    backtest, ActivityColumn, HistoricalLeads, Scored, Scoring, TierChanges,
};
use leadflow_predict::table::Table;
use leadflow_predict::train_table;

fn example_rules() -> Config {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/leads-rules.toml");
    let text = std::fs::read_to_string(&path).expect("examples/leads-rules.toml is readable");
    load_str(&text, &path.display().to_string(), &no_env)
        .unwrap_or_else(|e| panic!("examples/leads-rules.toml is invalid:\n{e}"))
}

/// Rules that score the synthetic table: `source` and `visits` fields.
fn synthetic_rules(reference_points: f64) -> Config {
    let mut config = Config::default();
    config.scoring.fit.rules = vec![FitRule {
        name: "referral".to_string(),
        condition: FieldCondition {
            field: "source".to_string(),
            matcher: Matcher::In(vec![Scalar::Text("Reference".to_string())]),
        },
        points: reference_points,
    }];
    config.scoring.negative.clear();
    config.scoring.fit.max = 100.0;
    config
}

#[test]
fn rows_become_leads_without_the_target_and_without_placeholders() {
    let table = common::table("Lead Id,source,visits,converted\nA1,Select,3,1\nA2,google,,0\n");
    let data = HistoricalLeads::from_table(&table, "converted", common::trained_at()).unwrap();
    assert_eq!(data.outcomes, vec![true, false]);
    let first = &data.leads[0];
    assert_eq!(first.id, "row-1");
    assert!(!first.attributes.contains_key("converted"));
    assert!(
        !first.attributes.contains_key("source"),
        "Select is missing"
    );
    assert_eq!(first.attributes["visits"], AttrValue::from("3"));
    assert!(!data.leads[1].attributes.contains_key("visits"));
}

#[test]
fn an_unreadable_outcome_names_its_row() {
    let table = common::table("source,converted\nweb,1\nweb,maybe\n");
    let err = HistoricalLeads::from_table(&table, "converted", common::trained_at()).unwrap_err();
    assert!(err.to_string().contains("data row 2"), "{err}");
}

#[test]
fn a_rule_on_a_predictive_column_ranks_the_outcomes() {
    let table = common::table(&common::synthetic_csv(2000, 3));
    let data = HistoricalLeads::from_table(&table, "converted", common::trained_at()).unwrap();
    let config = synthetic_rules(50.0);
    let version = rules_version(&config.scoring);
    let rules = Scoring::Rules {
        scoring: &config.scoring,
        version: &version,
        model: None,
        activity: &[],
    };
    let report = backtest(&data, &[("rules", rules)], None, common::trained_at()).unwrap();
    let outcome = &report.candidates[0].outcome;
    assert!(outcome.auc.unwrap() > 0.6, "AUC {:?}", outcome.auc);
    // 50 points is tier C; everyone else scores 0 (tier D).
    let leads: usize = outcome.tiers.iter().map(|t| t.leads).sum();
    assert_eq!(leads, 2000);
    let c = &outcome.tiers[2];
    let d = &outcome.tiers[3];
    assert!(c.leads > 0 && d.leads > 0);
    assert!(c.conversion_rate.unwrap() > d.conversion_rate.unwrap());
    assert!(c.lift.unwrap() > 1.0);
}

#[test]
fn tier_changes_count_every_lead_that_moves() {
    let table = common::table(&common::synthetic_csv(500, 5));
    let data = HistoricalLeads::from_table(&table, "converted", common::trained_at()).unwrap();
    let (old, new) = (synthetic_rules(50.0), synthetic_rules(85.0));
    let (v_old, v_new) = (rules_version(&old.scoring), rules_version(&new.scoring));
    let report = backtest(
        &data,
        &[(
            "rules",
            Scoring::Rules {
                scoring: &new.scoring,
                version: &v_new,
                model: None,
                activity: &[],
            },
        )],
        Some((
            "published",
            Scoring::Rules {
                scoring: &old.scoring,
                version: &v_old,
                model: None,
                activity: &[],
            },
        )),
        common::trained_at(),
    )
    .unwrap();
    let referrals = data
        .leads
        .iter()
        .filter(|l| l.attributes.get("source") == Some(&AttrValue::from("Reference")))
        .count();
    let changes = report.candidates[0].changes.as_ref().unwrap();
    assert!(referrals > 0);
    assert_eq!(changes.changed, referrals);
    assert_eq!(changes.up, referrals);
    assert_eq!(changes.moves[2][0], referrals, "C -> A");
    assert_eq!(changes.moves[3][3], 500 - referrals, "D stays D");
    assert!(report
        .render()
        .contains(&format!("{referrals} of 500 leads change tier")));
}

#[test]
fn tier_changes_between_identical_scorings_are_none() {
    let scored = vec![
        Scored {
            score: 90.0,
            tier: Tier::A,
        },
        Scored {
            score: 10.0,
            tier: Tier::D,
        },
    ];
    let changes = TierChanges::between(&scored, &scored);
    assert_eq!(changes.changed, 0);
    assert_eq!(changes.moves[0][0] + changes.moves[3][3], 2);
}

#[test]
fn activity_columns_count_as_signal_events() {
    let table = common::table("visits,converted\n3,1\n0,0\n100,1\n");
    let data = HistoricalLeads::from_table(&table, "converted", common::trained_at()).unwrap();
    let mut config = Config::default();
    config.scoring.fit.rules.clear();
    config.scoring.negative.clear();
    let version = rules_version(&config.scoring);
    let activity = [ActivityColumn::parse("visits=page_view").unwrap()];
    let rules = Scoring::Rules {
        scoring: &config.scoring,
        version: &version,
        model: None,
        activity: &activity,
    };
    let scores: Vec<f64> = data
        .leads
        .iter()
        .map(|l| rules.score(l, common::trained_at()).score)
        .collect();
    // page_view: 1 point each, capped at 5 in the example config.
    assert_eq!(scores, vec![3.0, 0.0, 5.0]);

    let unknown = [ActivityColumn::parse("visits=no_such_signal").unwrap()];
    let bad = Scoring::Rules {
        scoring: &config.scoring,
        version: &version,
        model: None,
        activity: &unknown,
    };
    let err = backtest(&data, &[("rules", bad)], None, common::trained_at()).unwrap_err();
    assert!(err.to_string().contains("no_such_signal"), "{err}");
    assert!(ActivityColumn::parse("visits").is_err());
}

#[test]
fn a_model_is_backtested_on_its_probability_score() {
    let table = common::table(&common::synthetic_csv(1500, 11));
    let (model, _) = train_table(&table, &common::options("converted")).unwrap();
    let data = HistoricalLeads::from_table(&table, "converted", common::trained_at()).unwrap();
    let scoring = Scoring::Model {
        model: &model,
        tiers: model.metrics.tier_thresholds,
    };
    let report = backtest(&data, &[("model", scoring)], None, common::trained_at()).unwrap();
    let outcome = &report.candidates[0].outcome;
    assert_eq!(outcome.version, model.model_version);
    assert!(outcome.auc.unwrap() > 0.7, "AUC {:?}", outcome.auc);
}

#[test]
fn the_example_rules_rank_leads_csv_better_than_chance() {
    let config = example_rules();
    let table = Table::from_path(&common::leads_csv(), b',').unwrap();
    let data = HistoricalLeads::from_table(&table, "Converted", common::trained_at()).unwrap();
    let version = rules_version(&config.scoring);
    let rules = Scoring::Rules {
        scoring: &config.scoring,
        version: &version,
        model: None,
        activity: &[],
    };
    let report = backtest(&data, &[("rules", rules)], None, common::trained_at()).unwrap();
    println!("{}", report.render());
    let outcome = &report.candidates[0].outcome;
    assert_eq!(report.rows, 9240);
    assert_eq!(report.positives, 3561);
    let auc = outcome.auc.unwrap();
    assert!(auc > 0.5, "AUC of the example rules on Leads.csv: {auc}");
    let rate = |tier: usize| outcome.tiers[tier].conversion_rate.unwrap();
    assert!(
        rate(0) > rate(3),
        "tier A converts better than D: {:?}",
        outcome.tiers
    );
}
