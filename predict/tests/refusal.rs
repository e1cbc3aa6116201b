mod common;

use common::{options, outcome_counts_csv, table};
use leadflow_predict::{train_table, PredictError};

#[test]
fn refuses_fewer_than_100_positive_outcomes_and_says_the_counts() {
    let t = table(&outcome_counts_csv(99, 400));
    let err = train_table(&t, &options("converted")).unwrap_err();
    assert!(
        matches!(
            err,
            PredictError::TooFewOutcomes {
                positives: 99,
                negatives: 400,
                minimum: 100,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("99 positive"), "{message}");
    assert!(message.contains("400 negative"), "{message}");
    assert!(message.contains("`converted`"), "{message}");
}

#[test]
fn refuses_fewer_than_100_negative_outcomes() {
    let t = table(&outcome_counts_csv(500, 12));
    let err = train_table(&t, &options("converted")).unwrap_err();
    assert!(
        matches!(
            err,
            PredictError::TooFewOutcomes {
                positives: 500,
                negatives: 12,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn trains_with_exactly_100_of_each() {
    let t = table(&outcome_counts_csv(100, 100));
    let (model, _) = train_table(&t, &options("converted")).expect("100 and 100 are enough");
    assert_eq!(model.training_data.positives, 100);
    assert_eq!(model.training_data.negatives, 100);
}

#[test]
fn an_unreadable_outcome_names_the_row() {
    let mut csv = outcome_counts_csv(150, 150);
    csv.push_str("3,web,maybe\n");
    let err = train_table(&table(&csv), &options("converted")).unwrap_err();
    assert!(
        matches!(&err, PredictError::BadTarget { row: 301, value, .. } if value == "maybe"),
        "{err:?}"
    );
}

#[test]
fn an_unknown_target_is_an_error_listing_the_columns() {
    let t = table(&outcome_counts_csv(150, 150));
    let err = train_table(&t, &options("Converted")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`Converted`"), "{message}");
    assert!(message.contains("converted"), "{message}");
}
