//! Turning a lead's raw values into the model's numeric design row.
//!
//! Numeric: the training mean replaces a missing value, the value is standardised with the
//! training mean and standard deviation, and a `<column>__missing` indicator is added when the
//! column had missing values in training. Categorical: one column per level (trimmed, lower
//! case); levels rarer than `min_level_count` in training, and levels never seen, become
//! [`OTHER_LEVEL`]; a missing value is the level [`MISSING_LEVEL`]. The most frequent level is
//! the reference and gets no column: with the intercept unpenalised, a full one-hot set would
//! leave a direction (intercept vs. all levels) that only the weak L2 term pins down, and the
//! solver crawls along it. Contributions are therefore relative to the reference level.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::columns::{ColumnDecision, ColumnKind, ColumnUse};
use crate::table::Table;
#[cfg(doc)]
use crate::values::MISSING_LEVEL;
use crate::values::{level_of, parse_number, OTHER_LEVEL};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureEncoding {
    Numeric {
        mean: f64,
        std: f64,
        missing_indicator: bool,
    },
    Categorical {
        /// The most frequent kept level; it has no design column (all zeros).
        reference: String,
        /// Levels with a design column, in column order: the kept levels other than the
        /// reference, then [`OTHER_LEVEL`] when training had rare levels. A level without a
        /// column scores as [`OTHER_LEVEL`] if it has one, else as the reference.
        levels: Vec<String>,
    },
}

/// One input column of the model and how it is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub name: String,
    pub encoding: FeatureEncoding,
}

impl FeatureSpec {
    /// Fits the encoding of column `column` of `table` on the training `rows`.
    pub fn fit(
        table: &Table,
        column: usize,
        kind: ColumnKind,
        rows: &[usize],
        min_level_count: usize,
    ) -> FeatureSpec {
        let cells = rows.iter().map(|&r| table.cell(r, column));
        let encoding = match kind {
            ColumnKind::Numeric => fit_numeric(cells.map(parse_number)),
            ColumnKind::Categorical => fit_categorical(cells, min_level_count),
        };
        FeatureSpec {
            name: table.headers[column].clone(),
            encoding,
        }
    }

    /// How many design columns this feature produces.
    pub fn width(&self) -> usize {
        match &self.encoding {
            FeatureEncoding::Numeric {
                missing_indicator, ..
            } => 1 + usize::from(*missing_indicator),
            FeatureEncoding::Categorical { levels, .. } => levels.len(),
        }
    }

    /// Names of the design columns, e.g. `TotalVisits`, `TotalVisits__missing`,
    /// `Lead Source=google`.
    pub fn column_names(&self) -> Vec<String> {
        match &self.encoding {
            FeatureEncoding::Numeric {
                missing_indicator, ..
            } => {
                let mut names = vec![self.name.clone()];
                if *missing_indicator {
                    names.push(format!("{}__missing", self.name));
                }
                names
            }
            FeatureEncoding::Categorical { levels, .. } => levels
                .iter()
                .map(|level| format!("{}={level}", self.name))
                .collect(),
        }
    }

    /// Writes this feature's design values for `raw` (`None` = absent) into `out`,
    /// which is `self.width()` long.
    pub fn encode(&self, raw: Option<&str>, out: &mut [f64]) {
        out.fill(0.0);
        match &self.encoding {
            FeatureEncoding::Numeric {
                mean,
                std,
                missing_indicator,
            } => match raw.and_then(parse_number) {
                Some(value) => out[0] = (value - mean) / std,
                None => {
                    // The training mean standardises to 0.
                    if *missing_indicator {
                        out[1] = 1.0;
                    }
                }
            },
            FeatureEncoding::Categorical { reference, levels } => {
                if let Some(position) = level_position(reference, levels, &level_of(raw)) {
                    out[position] = 1.0;
                }
            }
        }
    }
}

/// The design column of `level`: `None` for the reference; a level not kept in training
/// counts as [`OTHER_LEVEL`], or as the reference when there is no `__other__` column.
fn level_position(reference: &str, levels: &[String], level: &str) -> Option<usize> {
    if level == reference {
        return None;
    }
    levels
        .iter()
        .position(|l| l == level)
        .or_else(|| levels.iter().position(|l| l == OTHER_LEVEL))
}

fn fit_numeric(values: impl Iterator<Item = Option<f64>>) -> FeatureEncoding {
    let values: Vec<Option<f64>> = values.collect();
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let mean = if present.is_empty() {
        0.0
    } else {
        present.iter().sum::<f64>() / present.len() as f64
    };
    // Population standard deviation of the mean-imputed column (imputed cells add 0),
    // as scikit-learn's SimpleImputer followed by StandardScaler computes it.
    let squares: f64 = present.iter().map(|v| (v - mean).powi(2)).sum();
    let std = (squares / values.len().max(1) as f64).sqrt();
    FeatureEncoding::Numeric {
        mean,
        std: if std > 0.0 && std.is_finite() {
            std
        } else {
            1.0
        },
        missing_indicator: present.len() < values.len(),
    }
}

fn fit_categorical<'a>(
    cells: impl Iterator<Item = &'a str>,
    min_level_count: usize,
) -> FeatureEncoding {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for raw in cells {
        *counts.entry(level_of(Some(raw))).or_default() += 1;
    }
    counts.remove(OTHER_LEVEL);
    type LevelCounts = Vec<(String, usize)>;
    let (kept, rare): (LevelCounts, LevelCounts) = counts
        .into_iter()
        .partition(|(_, count)| *count >= min_level_count);
    // Most frequent; on a tie the alphabetically first (`kept` is sorted, `max_by` keeps
    // the last maximum, hence the reversed iteration).
    let reference = kept
        .iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map_or(OTHER_LEVEL.to_string(), |(level, _)| level.clone());
    let mut levels: Vec<String> = kept
        .into_iter()
        .map(|(level, _)| level)
        .filter(|level| *level != reference)
        .collect();
    // Without rare training levels an `__other__` column would be all zeros (weight 0):
    // leave it out, and unseen levels score as the reference, which is the same.
    if !rare.is_empty() && reference != OTHER_LEVEL {
        levels.push(OTHER_LEVEL.to_string());
    }
    FeatureEncoding::Categorical { reference, levels }
}

/// The fitted encoding of every feature column, in header order.
/// Serialised as the plain list of features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Encoder {
    pub features: Vec<FeatureSpec>,
}

impl Encoder {
    pub fn fit(
        table: &Table,
        decisions: &[ColumnDecision],
        rows: &[usize],
        min_level_count: usize,
    ) -> Encoder {
        let features = decisions
            .iter()
            .enumerate()
            .filter_map(|(column, decision)| match decision.column_use {
                ColumnUse::Feature(kind) => {
                    Some(FeatureSpec::fit(table, column, kind, rows, min_level_count))
                }
                ColumnUse::Excluded(_) => None,
            })
            .collect();
        Encoder { features }
    }

    pub fn width(&self) -> usize {
        self.features.iter().map(FeatureSpec::width).sum()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.features
            .iter()
            .flat_map(FeatureSpec::column_names)
            .collect()
    }

    /// The design row of one lead; `lookup` gives a column's raw value, `None` when absent.
    pub fn encode<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> Vec<f64> {
        let mut row = vec![0.0; self.width()];
        let mut start = 0;
        for feature in &self.features {
            let end = start + feature.width();
            feature.encode(lookup(&feature.name), &mut row[start..end]);
            start = end;
        }
        row
    }

    /// The design row of data row `row` of `table`.
    pub fn encode_table_row(&self, table: &Table, row: usize) -> Vec<f64> {
        self.encode(|name| {
            table
                .headers
                .iter()
                .position(|h| h == name)
                .map(|column| table.cell(row, column))
        })
    }
}
