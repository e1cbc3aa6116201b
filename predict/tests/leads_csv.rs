//! Training on the real X Education data (`Leads.csv`), without the columns that leak the
//! outcome. Fails, naming the path it looked at, when the data is not there.

mod common;

use leadflow_predict::columns::{ColumnUse, ExclusionReason};
use leadflow_predict::{run_train, TrainArgs};

/// Filled in after sales contact, or assigned scores/profiles; see predict/README.md.
const LEAKY: [&str; 9] = [
    "Tags",
    "Lead Quality",
    "Last Activity",
    "Last Notable Activity",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
];

#[test]
fn out_of_sample_auc_on_leads_csv_without_leaky_columns_exceeds_0_80() {
    let out = std::env::temp_dir().join(format!("leadflow-model-{}.json", std::process::id()));
    let mut args = TrainArgs::new(common::leads_csv(), "Converted", common::trained_at());
    args.options.exclude = LEAKY.iter().map(|c| c.to_string()).collect();
    args.out = Some(out.clone());
    let report = run_train(&args).expect("Leads.csv trains");
    let model = &report.model;
    println!("{}", report.render());

    assert_eq!(model.training_data.rows, 9240);
    assert_eq!(
        (model.training_data.positives, model.training_data.negatives),
        (3561, 5679)
    );
    assert_eq!(
        model.training_data.sha256,
        "1426dffd94246b8c7f08d1080d9c04115a0c4b67eadcba1ed9d2fa10d3762802"
    );
    assert!(
        model.metrics.auc > 0.80,
        "held-out AUC {}",
        model.metrics.auc
    );

    let excluded = |name: &str| {
        model
            .training_data
            .columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.column_use.clone())
    };
    for id in ["Prospect ID", "Lead Number"] {
        assert_eq!(
            excluded(id),
            Some(ColumnUse::Excluded(ExclusionReason::Identifier))
        );
    }
    for leaky in LEAKY {
        assert_eq!(
            excluded(leaky),
            Some(ColumnUse::Excluded(ExclusionReason::Requested))
        );
        assert!(model
            .coefficients
            .iter()
            .all(|c| !c.column.starts_with(leaky)));
    }

    // The hottest tier converts better than the coldest, and the file on disk reloads.
    let tiers = &model.metrics.tiers;
    assert!(tiers[0].conversion_rate.unwrap() > tiers[3].conversion_rate.unwrap());
    let written = std::fs::read_to_string(&out).expect("model file written");
    let loaded = leadflow_predict::Model::load(&written).expect("model file loads");
    assert_eq!(&loaded, model);
    std::fs::remove_file(&out).ok();
}
