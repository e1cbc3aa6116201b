//! A CSV file held in memory as strings, with the checksum of its bytes.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::PredictError;

#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Lower-case hex SHA-256 of the file's bytes, exactly as read.
    pub sha256: String,
}

impl Table {
    pub fn from_path(path: &Path, delimiter: u8) -> Result<Table, PredictError> {
        let bytes = std::fs::read(path).map_err(|source| PredictError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Table::from_bytes(&bytes, delimiter, &path.display().to_string())
    }

    /// `origin` names the data in error messages (a path, or "test data").
    pub fn from_bytes(bytes: &[u8], delimiter: u8, origin: &str) -> Result<Table, PredictError> {
        let csv_error = |source| PredictError::Csv {
            origin: origin.to_string(),
            source,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(
                record
                    .map_err(csv_error)?
                    .iter()
                    .map(str::to_string)
                    .collect(),
            );
        }
        if rows.is_empty() {
            return Err(PredictError::NoRows {
                origin: origin.to_string(),
            });
        }
        Ok(Table {
            headers,
            rows,
            sha256: sha256_hex(bytes),
        })
    }

    pub fn column_index(&self, name: &str) -> Result<usize, PredictError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PredictError::UnknownColumn {
                column: name.to_string(),
                available: self.headers.join(", "),
            })
    }

    pub fn cell(&self, row: usize, column: usize) -> &str {
        &self.rows[row][column]
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
