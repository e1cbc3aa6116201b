mod common;

use std::collections::HashMap;

use common::{options, synthetic_csv, table};
use leadflow_predict::metrics::auc;
use leadflow_predict::model::FORMAT_VERSION;
use leadflow_predict::split::Split;
use leadflow_predict::{train_table, Model, PredictError};

fn trained() -> (leadflow_predict::table::Table, Model) {
    let t = table(&synthetic_csv(1500, 11));
    let (model, _) = train_table(&t, &options("converted")).expect("synthetic data trains");
    (t, model)
}

fn lead(t: &leadflow_predict::table::Table, row: usize) -> HashMap<String, String> {
    t.headers
        .iter()
        .cloned()
        .zip(t.rows[row].iter().cloned())
        .collect()
}

#[test]
fn a_saved_and_loaded_model_gives_identical_scores() {
    let (t, model) = trained();
    let loaded = Model::load(&model.to_json()).expect("own JSON loads");
    assert_eq!(loaded, model);
    for row in 0..t.rows.len() {
        let lead = lead(&t, row);
        let before = model.score(&lead);
        let after = loaded.score(&lead);
        assert_eq!(
            before.probability.to_bits(),
            after.probability.to_bits(),
            "row {row}"
        );
        assert_eq!(before, after, "row {row}");
    }
    // Unseen and missing values score the same after loading too.
    let odd: HashMap<String, String> = [("source", "never seen"), ("visits", "Select")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(model.score(&odd), loaded.score(&odd));
}

#[test]
fn the_model_file_records_version_data_checksum_and_held_out_metrics() {
    let (t, model) = trained();
    assert_eq!(model.format_version, FORMAT_VERSION);
    assert!(model.model_version.starts_with("model-"));
    assert_eq!(model.model_version.len(), "model-".len() + 8);
    assert_eq!(model.training_data.sha256, t.sha256);
    assert_eq!(model.trained_at, common::trained_at());
    let json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    for key in [
        "format_version",
        "model_version",
        "trained_at",
        "target",
        "features",
        "intercept",
        "coefficients",
        "metrics",
        "training_data",
    ] {
        assert!(json.get(key).is_some(), "model file lacks {key}");
    }

    // The recorded AUC is what the loaded model gives on the held-out rows.
    let loaded = Model::load(&model.to_json()).unwrap();
    let split = Split::holdout(t.rows.len(), model.training_data.split.seed);
    let target = t.column_index("converted").unwrap();
    let probabilities: Vec<f64> = split
        .test
        .iter()
        .map(|&r| loaded.score(&lead(&t, r)).probability)
        .collect();
    let outcomes: Vec<bool> = split
        .test
        .iter()
        .map(|&r| t.rows[r][target] == "1")
        .collect();
    assert_eq!(auc(&probabilities, &outcomes), Some(model.metrics.auc));
    assert!(
        model.metrics.auc > 0.7,
        "synthetic signal: {}",
        model.metrics.auc
    );
}

#[test]
fn the_same_data_and_seed_give_the_same_model_version() {
    let (_, first) = trained();
    let (_, second) = trained();
    assert_eq!(first.model_version, second.model_version);
}

#[test]
fn contributions_explain_the_log_odds_largest_first() {
    let (t, model) = trained();
    let prediction = model.score(&lead(&t, 3));
    let total: f64 = prediction.contributions.iter().map(|c| c.log_odds).sum();
    assert!((model.intercept + total - prediction.log_odds).abs() < 1e-9);
    let sizes: Vec<f64> = prediction
        .contributions
        .iter()
        .map(|c| c.log_odds.abs())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    assert!((prediction.score - prediction.probability * 100.0).abs() < 1e-12);
}

#[test]
fn a_higher_signal_lead_scores_higher() {
    let (_, model) = trained();
    let with = |source: &str, visits: &str| {
        let lead: HashMap<String, String> = [("source", source), ("visits", visits)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        model.score(&lead).probability
    };
    assert!(with("Reference", "9") > with("Reference", "1"));
    assert!(with("Reference", "5") > with("olark chat", "5"));
}

#[test]
fn loading_refuses_another_format_version_and_a_shape_mismatch() {
    let (_, model) = trained();
    let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json["format_version"] = serde_json::json!(FORMAT_VERSION + 1);
    let err = Model::load(&json.to_string()).unwrap_err();
    assert!(
        matches!(err, PredictError::UnsupportedFormat { .. }),
        "{err:?}"
    );

    let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json["format_version"] = serde_json::json!(FORMAT_VERSION);
    json["coefficients"].as_array_mut().unwrap().pop();
    let err = Model::load(&json.to_string()).unwrap_err();
    assert!(matches!(err, PredictError::ModelShape { .. }), "{err:?}");
}
