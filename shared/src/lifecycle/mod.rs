//! Lead lifecycle.

pub mod disposition;
