mod common;

use common::table;
use leadflow_predict::columns::{kind_of, plan_columns, ColumnKind, ColumnUse, ExclusionReason};
use leadflow_predict::encoding::{Encoder, FeatureEncoding, FeatureSpec};
use leadflow_predict::values::{is_missing, level_of, MISSING_LEVEL, OTHER_LEVEL};

/// 40 Google, 35 Reference, 5 facebook, 20 missing (Select, empty, NA); visits has 15
/// missing values (empty, null).
fn sources_table() -> leadflow_predict::table::Table {
    let mut csv = String::from("source,visits\n");
    let mut push = |source: &str, n: usize, visits: &str| {
        for _ in 0..n {
            csv.push_str(&format!("{source},{visits}\n"));
        }
    };
    push("Google", 40, "2");
    push("Reference", 35, "4");
    push("facebook", 5, "6");
    push("Select", 10, "");
    push("", 5, "null");
    push("NA", 5, "8");
    table(&csv)
}

fn all_rows(t: &leadflow_predict::table::Table) -> Vec<usize> {
    (0..t.rows.len()).collect()
}

fn categorical_spec() -> FeatureSpec {
    let t = sources_table();
    FeatureSpec::fit(&t, 0, ColumnKind::Categorical, &all_rows(&t), 30)
}

fn encode(spec: &FeatureSpec, raw: Option<&str>) -> Vec<f64> {
    let mut out = vec![f64::NAN; spec.width()];
    spec.encode(raw, &mut out);
    out
}

#[test]
fn placeholders_are_missing_whatever_their_case_and_spacing() {
    for raw in [
        "", "  ", "Select", "SELECT", " select ", "NA", "n/a", "N/A", "null", "NaN",
    ] {
        assert!(is_missing(raw), "{raw:?} should be missing");
        assert_eq!(level_of(Some(raw)), MISSING_LEVEL);
    }
    for raw in ["Selected", "0", "none", "Google"] {
        assert!(!is_missing(raw), "{raw:?} is a value");
    }
    assert_eq!(level_of(Some("  Olark Chat ")), "olark chat");
    assert_eq!(level_of(None), MISSING_LEVEL);
}

#[test]
fn rare_levels_are_grouped_and_the_most_frequent_level_is_the_reference() {
    let spec = categorical_spec();
    let FeatureEncoding::Categorical { reference, levels } = &spec.encoding else {
        panic!("source should be categorical: {spec:?}");
    };
    assert_eq!(reference, "google");
    // Rare at 30: facebook (5) and missing (Select, empty, NA: 20) become __other__.
    assert_eq!(
        levels,
        &vec!["reference".to_string(), OTHER_LEVEL.to_string()]
    );
    assert_eq!(encode(&spec, Some("facebook")), vec![0.0, 1.0]);
    assert_eq!(encode(&spec, Some("GOOGLE")), vec![0.0, 0.0]);
    assert_eq!(encode(&spec, Some(" Reference")), vec![1.0, 0.0]);
}

#[test]
fn an_unseen_category_scores_as_other() {
    let spec = categorical_spec();
    assert_eq!(encode(&spec, Some("never seen before")), vec![0.0, 1.0]);
}

#[test]
fn an_unseen_category_scores_as_the_reference_when_training_had_no_rare_levels() {
    let t = table("c\na\na\na\nb\nb\n");
    let spec = FeatureSpec::fit(&t, 0, ColumnKind::Categorical, &all_rows(&t), 2);
    assert_eq!(spec.column_names(), vec!["c=b".to_string()]);
    assert_eq!(encode(&spec, Some("zzz")), vec![0.0]);
    assert_eq!(encode(&spec, Some("b")), vec![1.0]);
}

#[test]
fn a_missing_category_is_its_own_level_when_frequent_enough() {
    let t = sources_table();
    let spec = FeatureSpec::fit(&t, 0, ColumnKind::Categorical, &all_rows(&t), 5);
    let names = spec.column_names();
    let missing_column = names
        .iter()
        .position(|n| n == &format!("source={MISSING_LEVEL}"))
        .expect("20 missing rows >= 5 make a level");
    for raw in [None, Some("Select"), Some(""), Some("nan")] {
        let encoded = encode(&spec, raw);
        assert_eq!(encoded[missing_column], 1.0, "{raw:?}");
        assert_eq!(encoded.iter().sum::<f64>(), 1.0, "{raw:?}");
    }
}

#[test]
fn numeric_columns_are_standardised_with_the_training_mean_imputed() {
    let t = sources_table();
    assert_eq!(kind_of(&t, 1), Some(ColumnKind::Numeric));
    let spec = FeatureSpec::fit(&t, 1, ColumnKind::Numeric, &all_rows(&t), 30);
    let FeatureEncoding::Numeric {
        mean,
        std,
        missing_indicator,
    } = spec.encoding
    else {
        panic!("visits should be numeric: {spec:?}");
    };
    // Present: 40 x 2, 35 x 4, 5 x 6, 5 x 8 = 85 values; 15 missing (empty, null).
    let expected_mean = (40.0 * 2.0 + 35.0 * 4.0 + 5.0 * 6.0 + 5.0 * 8.0) / 85.0;
    assert!((mean - expected_mean).abs() < 1e-12);
    let squares: f64 = [(2.0, 40.0), (4.0, 35.0), (6.0, 5.0), (8.0, 5.0)]
        .iter()
        .map(|(v, n)| n * (v - expected_mean) * (v - expected_mean))
        .sum();
    let expected_std = (squares / 100.0_f64).sqrt();
    assert!((std - expected_std).abs() < 1e-12);
    assert!(missing_indicator);
    assert_eq!(
        spec.column_names(),
        vec!["visits".to_string(), "visits__missing".to_string()]
    );

    let four = encode(&spec, Some("4"));
    assert!((four[0] - (4.0 - expected_mean) / expected_std).abs() < 1e-12);
    assert_eq!(four[1], 0.0);
    for raw in [None, Some(""), Some("Select"), Some("not a number")] {
        assert_eq!(encode(&spec, raw), vec![0.0, 1.0], "{raw:?}");
    }
}

#[test]
fn a_numeric_column_without_missing_training_values_gets_no_indicator() {
    let t = table("x\n1\n2\n3\n");
    let spec = FeatureSpec::fit(&t, 0, ColumnKind::Numeric, &all_rows(&t), 1);
    assert_eq!(spec.width(), 1);
    assert_eq!(encode(&spec, None), vec![0.0]);
}

#[test]
fn column_planning_drops_target_requested_ids_empty_and_constant_columns() {
    let t = table(
        "id,num_id,score,kind,blank,same,leaky,y\n\
         a1,1,1.5,x,,k,p,1\n\
         a2,2,2.5,y,Select,k,q,0\n\
         a3,3,2.5,x,,k,p,1\n",
    );
    let plan = plan_columns(&t, "y", &["leaky".to_string()], &[0, 1, 2]).unwrap();
    let uses: Vec<(&str, &ColumnUse)> = plan
        .iter()
        .map(|d| (d.name.as_str(), &d.column_use))
        .collect();
    assert_eq!(
        uses,
        vec![
            ("id", &ColumnUse::Excluded(ExclusionReason::Identifier)),
            ("num_id", &ColumnUse::Excluded(ExclusionReason::Identifier)),
            ("score", &ColumnUse::Feature(ColumnKind::Numeric)),
            ("kind", &ColumnUse::Feature(ColumnKind::Categorical)),
            ("blank", &ColumnUse::Excluded(ExclusionReason::NoValues)),
            ("same", &ColumnUse::Excluded(ExclusionReason::Constant)),
            ("leaky", &ColumnUse::Excluded(ExclusionReason::Requested)),
            ("y", &ColumnUse::Excluded(ExclusionReason::Target)),
        ]
    );
    let err = plan_columns(&t, "y", &["Tgas".to_string()], &[0, 1, 2]).unwrap_err();
    assert!(err.to_string().contains("`Tgas`"), "{err}");
}

#[test]
fn distinct_fractional_numbers_are_a_measurement_not_an_id() {
    let t = table("seconds,y\n1.25,1\n2.5,0\n3.75,1\n");
    let plan = plan_columns(&t, "y", &[], &[0, 1, 2]).unwrap();
    assert_eq!(plan[0].column_use, ColumnUse::Feature(ColumnKind::Numeric));
}

#[test]
fn the_encoder_concatenates_features_and_treats_absent_columns_as_missing() {
    let t = sources_table();
    let plan = plan_columns(&t, "visits", &[], &all_rows(&t)).unwrap();
    let encoder = Encoder::fit(&t, &plan, &all_rows(&t), 30);
    assert_eq!(encoder.width(), 2);
    assert_eq!(encoder.encode(|_| None), vec![0.0, 1.0]);
    assert_eq!(encoder.encode(|_| Some("Reference")), vec![1.0, 0.0]);
}
