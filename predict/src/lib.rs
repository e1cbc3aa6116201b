//! Predictive lead scoring: a logistic-regression model of lead conversion.
//!
//! The flow: read a CSV of historical leads ([`table`]), decide which columns become features
//! ([`columns`]), encode them ([`encoding`]), hold out a seeded test split ([`split`]), fit with
//! `linfa-logistic` ([`train`]), evaluate on the held-out rows ([`metrics`]) and write a
//! versioned model file that scores new leads ([`model`]).

pub mod backtest;
pub mod columns;
pub mod encoding;
pub mod error;
pub mod hybrid;
pub mod metrics;
pub mod model;
pub mod report;
pub mod split;
pub mod table;
pub mod train;
pub mod values;

pub use error::PredictError;
pub use model::{Contribution, Model, Prediction};
pub use train::{parse_delimiter, run_train, train_table, TrainArgs, TrainOptions, TrainReport};
