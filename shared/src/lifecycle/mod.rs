//! Lead lifecycle.
