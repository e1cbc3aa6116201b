//! The seeded hold-out split, defined so that any language can reproduce it exactly:
//! data row `i` (0-based, header excluded) is a test row when
//! `fnv1a64(format!("{seed}:{i}")) % 100 < TEST_PERCENT`.
//! It is not stratified; on thousands of rows each class lands close to `TEST_PERCENT`.

use serde::{Deserialize, Serialize};

/// Share of rows held out for evaluation, in percent.
pub const TEST_PERCENT: u64 = 20;

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

pub fn is_test_row(seed: u64, row: usize) -> bool {
    fnv1a64(format!("{seed}:{row}").as_bytes()) % 100 < TEST_PERCENT
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

impl Split {
    pub fn holdout(rows: usize, seed: u64) -> Split {
        let (test, train) = (0..rows).partition(|&row| is_test_row(seed, row));
        Split { train, test }
    }
}

/// How the split was made, recorded in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitRule {
    pub rule: String,
    pub seed: u64,
    pub test_percent: u64,
    pub train_rows: usize,
    pub test_rows: usize,
}

impl SplitRule {
    pub fn describe(split: &Split, seed: u64) -> SplitRule {
        SplitRule {
            rule:
                "test when fnv1a64(\"{seed}:{row}\") % 100 < test_percent; row = 0-based data row"
                    .to_string(),
            seed,
            test_percent: TEST_PERCENT,
            train_rows: split.train.len(),
            test_rows: split.test.len(),
        }
    }
}
