//! "Now", from the system clock (`serve`) or from a virtual clock the simulation moves.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
/// The API's clock, so that the router and the pipeline share one notion of "now".
pub use leadflow_api::{Clock, SystemClock};

/// A clock that moves only when told to; clones share the same time.
#[derive(Debug, Clone)]
pub struct VirtualClock {
    millis: Arc<AtomicI64>,
}

impl VirtualClock {
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        VirtualClock {
            millis: Arc::new(AtomicI64::new(at.timestamp_millis())),
        }
    }

    /// Move to `at`; never backwards.
    pub fn advance_to(&self, at: DateTime<Utc>) {
        self.millis
            .fetch_max(at.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn a_virtual_clock_only_moves_forward() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let clock = VirtualClock::starting_at(t0);
        let shared = clock.clone();
        clock.advance_to(t0 + TimeDelta::minutes(5));
        assert_eq!(shared.now(), t0 + TimeDelta::minutes(5));
        clock.advance_to(t0);
        assert_eq!(shared.now(), t0 + TimeDelta::minutes(5));
    }
}
