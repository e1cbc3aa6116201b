//! Batch calls that accept some entries and refuse others (SQS `SendMessageBatch`, EventBridge
//! `PutEvents`): the refused entries are sent again, with exponential backoff, a few times.

use std::future::Future;
use std::time::Duration;

use leadflow::ports::BoxError;

/// How often and how patiently refused entries are sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRetry {
    /// Calls in all, the first one included.
    pub attempts: u32,
    /// The wait before the second call; it doubles before each further one.
    pub base_delay: Duration,
}

impl Default for EntryRetry {
    fn default() -> Self {
        EntryRetry {
            attempts: 4,
            base_delay: Duration::from_millis(100),
        }
    }
}

impl EntryRetry {
    fn delay_before(&self, attempt: u32) -> Duration {
        self.base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(2)))
    }
}

/// Why a batch did not go through.
#[derive(Debug)]
pub(crate) enum BatchFailure<T> {
    /// These entries were refused on every attempt; `reason` is what the service said last.
    Refused { entries: Vec<T>, reason: String },
    /// The call itself failed (the SDK has already retried what it could).
    Call(BoxError),
}

/// Send `entries` with `send` (which returns the index and reason of each refused entry)
/// until every entry is accepted or the attempts run out.
pub(crate) async fn send_until_accepted<T, F, Fut>(
    mut entries: Vec<T>,
    retry: EntryRetry,
    mut send: F,
) -> Result<(), BatchFailure<T>>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<(usize, String)>, BoxError>>,
{
    let mut attempt = 1;
    loop {
        let refused = send(entries.clone()).await.map_err(BatchFailure::Call)?;
        if refused.is_empty() {
            return Ok(());
        }
        let reason = refused
            .iter()
            .map(|(_, r)| r.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("; ");
        entries = refused
            .iter()
            .filter_map(|(i, _)| entries.get(*i).cloned())
            .collect();
        if attempt >= retry.attempts || entries.is_empty() {
            return Err(BatchFailure::Refused { entries, reason });
        }
        attempt += 1;
        tokio::time::sleep(retry.delay_before(attempt)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn quick() -> EntryRetry {
        EntryRetry {
            attempts: 3,
            base_delay: Duration::from_millis(1),
        }
    }

    #[tokio::test]
    async fn refused_entries_are_sent_again_until_accepted() {
        let calls = Mutex::new(Vec::new());
        let result = send_until_accepted(vec!["a", "b", "c"], quick(), |batch| {
            calls.lock().unwrap().push(batch.clone());
            let refuse_b = calls.lock().unwrap().len() == 1;
            async move {
                Ok(if refuse_b {
                    vec![(1, "Throttled".to_string())]
                } else {
                    Vec::new()
                })
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(
            calls.into_inner().unwrap(),
            vec![vec!["a", "b", "c"], vec!["b"]]
        );
    }

    #[tokio::test]
    async fn entries_still_refused_after_the_last_attempt_are_returned() {
        let mut calls = 0;
        let result = send_until_accepted(vec!["a", "b"], quick(), |_| {
            calls += 1;
            async { Ok(vec![(0, "InternalFailure".to_string())]) }
        })
        .await;
        assert_eq!(calls, 3);
        match result {
            Err(BatchFailure::Refused { entries, reason }) => {
                assert_eq!(entries, vec!["a"]);
                assert_eq!(reason, "InternalFailure");
            }
            other => panic!("expected the refused entry back, got {other:?}"),
        }
    }

    #[test]
    fn the_wait_doubles() {
        let r = EntryRetry {
            attempts: 5,
            base_delay: Duration::from_millis(100),
        };
        assert_eq!(r.delay_before(2), Duration::from_millis(100));
        assert_eq!(r.delay_before(3), Duration::from_millis(200));
        assert_eq!(r.delay_before(4), Duration::from_millis(400));
    }
}
