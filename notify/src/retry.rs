//! Retrying one delivery: exponential backoff with jitter, a server's own wait honoured up to a
//! cap, and the transient/permanent verdict of the last attempt handed back as a `NotifyError`.

use std::future::Future;
use std::time::Duration;

use leadflow::ports::{BoxError, NotifyError};

/// How often and how patiently an adapter retries one alert before giving up with
/// `NotifyError::Transient` (the caller may then try the event again later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 0 is taken as 1.
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each retry after that.
    pub base_delay: Duration,
    /// No backoff wait is longer than this.
    pub max_delay: Duration,
    /// A server's `Retry-After` is honoured up to this long.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms then 400 ms (with jitter), at most 5 s for a `Retry-After`.
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn no_retry() -> Self {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 = the first retry), with a random jitter.
    pub fn delay_before(&self, retry: u32) -> Duration {
        self.backoff(retry, fastrand::f64())
    }

    /// The wait before retry number `retry`, `unit` in [0, 1) choosing where in the jitter range:
    /// the full exponential delay `d` is capped at `max_delay`, then scaled into [d/2, d] so
    /// that retries stay spaced out while clients that failed together spread apart.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let full = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        full.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }

    /// The wait a server asked for, capped.
    pub fn retry_after(&self, asked: Duration) -> Duration {
        asked.min(self.max_retry_after)
    }

    fn attempts(&self) -> u32 {
        self.attempts.max(1)
    }
}

/// Why one attempt failed, as the adapter judged it.
#[derive(Debug)]
pub(crate) enum AttemptFailure {
    /// Another attempt may succeed; `retry_after` is the server's own wait, when it gave one.
    Transient {
        error: BoxError,
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way.
    Permanent(BoxError),
}

impl AttemptFailure {
    pub(crate) fn transient(error: impl Into<BoxError>) -> Self {
        AttemptFailure::Transient {
            error: error.into(),
            retry_after: None,
        }
    }

    pub(crate) fn permanent(error: impl Into<BoxError>) -> Self {
        AttemptFailure::Permanent(error.into())
    }
}

/// Run `attempt` until it succeeds, fails permanently, or the policy's attempts are spent.
pub(crate) async fn with_retries<F, Fut>(
    policy: &RetryPolicy,
    mut attempt: F,
) -> Result<(), NotifyError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AttemptFailure>>,
{
    let attempts = policy.attempts();
    let mut done = 0;
    loop {
        done += 1;
        match attempt().await {
            Ok(()) => return Ok(()),
            Err(AttemptFailure::Permanent(error)) => return Err(NotifyError::Permanent(error)),
            Err(AttemptFailure::Transient { error, .. }) if done >= attempts => {
                return Err(NotifyError::Transient(error))
            }
            Err(AttemptFailure::Transient { retry_after, .. }) => {
                let wait = match retry_after {
                    Some(asked) => policy.retry_after(asked),
                    None => policy.delay_before(done),
                };
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(3),
        }
    }

    #[test]
    fn backoff_doubles_per_retry_and_stops_at_the_cap() {
        let p = policy();
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(800));
        assert_eq!(p.backoff(4, 1.0), Duration::from_millis(1000));
        assert_eq!(p.backoff(40, 1.0), Duration::from_millis(1000));
    }

    #[test]
    fn jitter_keeps_at_least_half_the_delay() {
        let p = policy();
        assert_eq!(p.backoff(2, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(2, 0.5), Duration::from_millis(300));
        for retry in 1..6 {
            let d = p.delay_before(retry);
            assert!(
                d >= p.backoff(retry, 0.0) && d <= p.backoff(retry, 1.0),
                "{d:?}"
            );
        }
    }

    #[test]
    fn a_servers_wait_is_capped() {
        let p = policy();
        assert_eq!(
            p.retry_after(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            p.retry_after(Duration::from_secs(60)),
            Duration::from_secs(3)
        );
    }

    fn fast(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retry_after: Duration::from_millis(5),
        }
    }

    #[tokio::test]
    async fn stops_at_the_first_success() {
        let mut calls = 0;
        let result = with_retries(&fast(3), || {
            calls += 1;
            let n = calls;
            async move {
                if n < 2 {
                    Err(AttemptFailure::transient("busy"))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn a_permanent_failure_is_not_retried() {
        let mut calls = 0;
        let result = with_retries(&fast(3), || {
            calls += 1;
            async { Err(AttemptFailure::permanent("refused")) }
        })
        .await;
        assert!(matches!(result, Err(NotifyError::Permanent(_))));
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn transient_failures_give_up_after_the_attempts() {
        let mut calls = 0;
        let result = with_retries(&fast(4), || {
            calls += 1;
            async { Err(AttemptFailure::transient("down")) }
        })
        .await;
        assert!(matches!(result, Err(NotifyError::Transient(e)) if e.to_string() == "down"));
        assert_eq!(calls, 4);
    }

    #[tokio::test]
    async fn zero_attempts_still_tries_once() {
        let mut calls = 0;
        let result = with_retries(&fast(0), || {
            calls += 1;
            async { Err(AttemptFailure::transient("down")) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }
}
