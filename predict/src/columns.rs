//! Which CSV columns become features, and of what kind.
//!
//! Typing and identifier detection look at every row (they use no outcome); the constant check
//! looks only at the training rows, like every fitted statistic.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::PredictError;
use crate::table::Table;
use crate::values::{is_missing, level_of, parse_number};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Every non-missing value parses as a number.
    Numeric,
    Categorical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// The outcome being predicted.
    Target,
    /// Named by the caller (`--exclude`), e.g. filled in after sales contact.
    Requested,
    /// A different value on every row: an id, which cannot generalise.
    Identifier,
    /// Missing on every row.
    NoValues,
    /// One value (or always missing) across the training rows.
    Constant,
}

impl ExclusionReason {
    pub fn describe(self) -> &'static str {
        match self {
            ExclusionReason::Target => "the target",
            ExclusionReason::Requested => "excluded on request",
            ExclusionReason::Identifier => "identifier (unique on every row)",
            ExclusionReason::NoValues => "no values",
            ExclusionReason::Constant => "constant in the training rows",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnUse {
    Feature(ColumnKind),
    Excluded(ExclusionReason),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDecision {
    pub name: String,
    #[serde(rename = "use")]
    pub column_use: ColumnUse,
}

/// Decides the use of every column, in header order. Unknown names in `exclude` are an error,
/// so that a typo does not silently leave a leaky column in.
pub fn plan_columns(
    table: &Table,
    target: &str,
    exclude: &[String],
    train_rows: &[usize],
) -> Result<Vec<ColumnDecision>, PredictError> {
    table.column_index(target)?;
    for name in exclude {
        table.column_index(name)?;
    }
    let decisions = table
        .headers
        .iter()
        .enumerate()
        .map(|(index, name)| ColumnDecision {
            name: name.clone(),
            column_use: decide(table, index, name, target, exclude, train_rows),
        })
        .collect();
    Ok(decisions)
}

fn decide(
    table: &Table,
    column: usize,
    name: &str,
    target: &str,
    exclude: &[String],
    train_rows: &[usize],
) -> ColumnUse {
    if name == target {
        return ColumnUse::Excluded(ExclusionReason::Target);
    }
    if exclude.iter().any(|e| e == name) {
        return ColumnUse::Excluded(ExclusionReason::Requested);
    }
    let Some(kind) = kind_of(table, column) else {
        return ColumnUse::Excluded(ExclusionReason::NoValues);
    };
    if is_identifier(table, column, kind) {
        return ColumnUse::Excluded(ExclusionReason::Identifier);
    }
    if is_constant(table, column, kind, train_rows) {
        return ColumnUse::Excluded(ExclusionReason::Constant);
    }
    ColumnUse::Feature(kind)
}

/// Numeric when every non-missing value parses as a number; `None` when all are missing.
pub fn kind_of(table: &Table, column: usize) -> Option<ColumnKind> {
    let mut present = table
        .rows
        .iter()
        .map(|row| row[column].as_str())
        .filter(|raw| !is_missing(raw))
        .peekable();
    present.peek()?;
    if present.all(|raw| parse_number(raw).is_some()) {
        Some(ColumnKind::Numeric)
    } else {
        Some(ColumnKind::Categorical)
    }
}

/// Present and distinct on every row. A numeric column counts only if all its values are
/// whole numbers: distinct measurements (e.g. seconds on the website) are not ids.
pub fn is_identifier(table: &Table, column: usize, kind: ColumnKind) -> bool {
    let mut seen = HashSet::with_capacity(table.rows.len());
    for row in &table.rows {
        let raw = row[column].trim();
        if is_missing(raw) || !seen.insert(raw) {
            return false;
        }
        if kind == ColumnKind::Numeric && parse_number(raw).is_some_and(|v| v.fract() != 0.0) {
            return false;
        }
    }
    true
}

/// At most one distinct value over `rows`, with "missing" counted as a value.
pub fn is_constant(table: &Table, column: usize, kind: ColumnKind, rows: &[usize]) -> bool {
    let mut values = rows.iter().map(|&r| {
        let raw = table.cell(r, column);
        match kind {
            ColumnKind::Numeric => parse_number(raw).map(|v| v.to_bits().to_string()),
            ColumnKind::Categorical => Some(level_of(Some(raw))),
        }
    });
    let Some(first) = values.next() else {
        return true;
    };
    values.all(|v| v == first)
}
