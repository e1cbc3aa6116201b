use leadflow::config::TierThresholds;
use leadflow::domain::Tier;
use leadflow_predict::metrics::{
    auc, brier, calibration_by_decile, log_loss, tier_of, tier_outcomes, Evaluation,
};

const THRESHOLDS: TierThresholds = TierThresholds {
    a: 80.0,
    b: 60.0,
    c: 40.0,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn auc_counts_ties_as_one_half() {
    // Pairs (positive, negative): (0.4,0.1)=1, (0.4,0.4)=1/2, (0.8,0.1)=1, (0.8,0.4)=1.
    let scores = [0.1, 0.4, 0.4, 0.8];
    let outcomes = [false, true, false, true];
    assert!(close(auc(&scores, &outcomes).unwrap(), 3.5 / 4.0));
    // Order of the rows does not matter.
    let shuffled = [0.4, 0.8, 0.1, 0.4];
    let shuffled_outcomes = [false, true, false, true];
    assert!(close(
        auc(&shuffled, &shuffled_outcomes).unwrap(),
        3.5 / 4.0
    ));
}

#[test]
fn auc_of_perfect_reversed_and_constant_scores() {
    let outcomes = [false, false, true, true];
    assert!(close(auc(&[0.1, 0.2, 0.3, 0.4], &outcomes).unwrap(), 1.0));
    assert!(close(auc(&[0.4, 0.3, 0.2, 0.1], &outcomes).unwrap(), 0.0));
    assert!(close(auc(&[0.5; 4], &outcomes).unwrap(), 0.5));
    assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
}

#[test]
fn brier_and_log_loss_match_hand_computation() {
    let probabilities = [0.1, 0.4, 0.4, 0.8];
    let outcomes = [false, true, false, true];
    assert!(close(
        brier(&probabilities, &outcomes),
        (0.01 + 0.36 + 0.16 + 0.04) / 4.0
    ));
    let expected = -(0.9f64.ln() + 0.4f64.ln() + 0.6f64.ln() + 0.8f64.ln()) / 4.0;
    assert!(close(log_loss(&probabilities, &outcomes), expected));
    // A confident mistake is clipped, not infinite.
    assert!(log_loss(&[0.0], &[true]).is_finite());
}

#[test]
fn calibration_cuts_sorted_predictions_into_ten_equal_groups() {
    let probabilities: Vec<f64> = (0..20).rev().map(|i| f64::from(i) / 20.0).collect();
    let outcomes: Vec<bool> = (0..20).rev().map(|i| i >= 16 || i == 1).collect();
    let bins = calibration_by_decile(&probabilities, &outcomes);
    assert_eq!(bins.len(), 10);
    assert!(bins.iter().all(|b| b.count == 2));
    // Decile 1 holds 0.00 and 0.05; row with i == 1 (0.05) converted.
    assert_eq!(bins[0].decile, 1);
    assert!(close(bins[0].mean_predicted, 0.025));
    assert!(close(bins[0].observed_rate, 0.5));
    // Decile 10 holds 0.90 and 0.95, both converted.
    assert!(close(bins[9].mean_predicted, 0.925));
    assert!(close(bins[9].observed_rate, 1.0));
}

#[test]
fn tiers_use_floors_inclusively() {
    assert_eq!(tier_of(80.0, &THRESHOLDS), Tier::A);
    assert_eq!(tier_of(79.99, &THRESHOLDS), Tier::B);
    assert_eq!(tier_of(60.0, &THRESHOLDS), Tier::B);
    assert_eq!(tier_of(40.0, &THRESHOLDS), Tier::C);
    assert_eq!(tier_of(39.9, &THRESHOLDS), Tier::D);
}

#[test]
fn tier_outcomes_give_conversion_rate_and_lift() {
    // Overall 4 of 8 = 0.5. A: 2 leads, 2 conv (rate 1, lift 2); B: none;
    // C: 2 leads, 1 conv (0.5, lift 1); D: 4 leads, 1 conv (0.25, lift 0.5).
    let probabilities = [0.9, 0.85, 0.5, 0.45, 0.3, 0.2, 0.1, 0.05];
    let outcomes = [true, true, true, false, true, false, false, false];
    let tiers = tier_outcomes(&probabilities, &outcomes, &THRESHOLDS);
    type Row = (Tier, usize, usize, Option<f64>, Option<f64>);
    let summary: Vec<Row> = tiers
        .iter()
        .map(|t| (t.tier, t.leads, t.conversions, t.conversion_rate, t.lift))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Tier::A, 2, 2, Some(1.0), Some(2.0)),
            (Tier::B, 0, 0, None, None),
            (Tier::C, 2, 1, Some(0.5), Some(1.0)),
            (Tier::D, 4, 1, Some(0.25), Some(0.5)),
        ]
    );
}

#[test]
fn an_evaluation_needs_both_classes() {
    assert!(Evaluation::of(&[0.2, 0.7], &[false, false], &THRESHOLDS).is_none());
    let evaluation = Evaluation::of(&[0.2, 0.7], &[false, true], &THRESHOLDS).unwrap();
    assert_eq!((evaluation.rows, evaluation.positives), (2, 1));
    assert!(close(evaluation.auc, 1.0));
}
