//! Properties of the SLA clock under any sequence of checks and responses at increasing times.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use leadflow::config::{ConfigDuration, FollowUpConfig, SlaConfig, SlaTarget};
use leadflow::domain::{Status, Tier};
use leadflow::sla::{self, SlaAction, SlaClock, SlaOutcome};
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Check,
    Respond,
}

fn config_strategy() -> impl Strategy<Value = SlaConfig> {
    (
        1i64..10_000,
        proptest::option::of(0i64..10_000),
        proptest::option::of((0u32..5, 1i64..100_000)),
    )
        .prop_map(|(first, reassign, follow_up)| SlaConfig {
            check_interval: ConfigDuration::from_secs(60),
            tiers: BTreeMap::from([(
                Tier::A,
                SlaTarget {
                    first_response: ConfigDuration::from_secs(first),
                    reassign_after: reassign.map(ConfigDuration::from_secs),
                },
            )]),
            follow_up: follow_up.map(|(touches, within)| FollowUpConfig {
                touches,
                within: ConfigDuration::from_secs(within),
            }),
        })
}

fn steps_strategy() -> impl Strategy<Value = Vec<(i64, Step)>> {
    proptest::collection::vec(
        (
            0i64..5_000,
            prop_oneof![3 => Just(Step::Check), 1 => Just(Step::Respond)],
        ),
        0..40,
    )
}

/// Replays `steps` (gaps in seconds from the previous step) on a fresh clock and returns every
/// action the checks produced, in order, with the clock at the end.
fn replay(config: &SlaConfig, steps: &[(i64, Step)]) -> (Vec<SlaAction>, SlaClock) {
    let mut clock = sla::start(Tier::A, "ana", t0(), config).unwrap();
    let mut now = t0();
    let mut all = Vec::new();
    for (gap, step) in steps {
        now += TimeDelta::seconds(*gap);
        let status = if clock.responded_at.is_some() {
            Status::Contacted
        } else {
            Status::Assigned
        };
        match step {
            Step::Respond => {
                sla::record_response(&mut clock, now, config.follow_up.as_ref());
            }
            Step::Check => {
                let due = sla::check(&clock, status, now);
                for action in &due {
                    sla::apply(&mut clock, *action, now);
                }
                // Applied actions are not due again at the same instant.
                assert!(
                    sla::check(&clock, status, now).is_empty(),
                    "check repeated an action it had just applied"
                );
                all.extend(due);
            }
        }
    }
    (all, clock)
}

fn count(actions: &[SlaAction], which: SlaAction) -> usize {
    actions.iter().filter(|a| **a == which).count()
}

proptest! {
    #[test]
    fn each_action_happens_at_most_once(config in config_strategy(), steps in steps_strategy()) {
        let (actions, clock) = replay(&config, &steps);
        prop_assert!(count(&actions, SlaAction::Breach) <= 1);
        prop_assert!(count(&actions, SlaAction::Reassign) <= 1);
        prop_assert!(count(&actions, SlaAction::FollowUpMissed) <= 1);
        prop_assert_eq!(count(&actions, SlaAction::Breach) == 1, clock.breached_at.is_some());
        // A reassignment ends the clock: nothing follows it.
        if let Some(i) = actions.iter().position(|a| *a == SlaAction::Reassign) {
            prop_assert_eq!(i, actions.len() - 1);
            prop_assert!(clock.breached_at.is_some());
        }
    }

    #[test]
    fn answered_before_the_deadline_never_breaches(
        config in config_strategy(),
        before in 0i64..10_000,
        steps in steps_strategy(),
    ) {
        let due = config.tiers[&Tier::A].first_response.delta().num_seconds();
        let answer_at = before % due;
        // Checks until the answer, the answer, then any steps after.
        let mut all_steps: Vec<(i64, Step)> = Vec::new();
        let mut elapsed = 0;
        for (gap, step) in &steps {
            if elapsed + gap >= answer_at {
                break;
            }
            elapsed += gap;
            all_steps.push((*gap, *step));
        }
        all_steps.push((answer_at - elapsed, Step::Respond));
        all_steps.extend(steps.iter().copied());
        let (actions, clock) = replay(&config, &all_steps);
        prop_assert_eq!(count(&actions, SlaAction::Breach), 0);
        prop_assert_eq!(count(&actions, SlaAction::Reassign), 0);
        prop_assert_eq!(clock.breached_at, None);
        prop_assert!(clock.responded_at.unwrap() < clock.first_response_due_at);
        prop_assert_eq!(clock.outcome(clock.first_response_due_at), SlaOutcome::Met);
    }

    #[test]
    fn next_due_is_exactly_when_something_is_due(
        config in config_strategy(),
        steps in steps_strategy(),
        probe in 1i64..200_000,
    ) {
        let (_, clock) = replay(&config, &steps);
        let status = if clock.responded_at.is_some() { Status::Contacted } else { Status::Assigned };
        match sla::next_due(&clock) {
            Some(at) => {
                prop_assert!(!sla::check(&clock, status, at).is_empty());
                let earlier = at - TimeDelta::seconds(probe);
                prop_assert!(sla::check(&clock, status, earlier).is_empty());
            }
            None => {
                let later = t0() + TimeDelta::seconds(probe * 10);
                prop_assert!(sla::check(&clock, status, later).is_empty());
            }
        }
    }
}
