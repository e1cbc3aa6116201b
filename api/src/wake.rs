//! After a write that may make a rep eligible (a rep changed, a lead left its owner), route
//! the team's waiting leads at once, in the same request: on `serve` and on the `api`
//! function alike, a waiting lead does not wait for its next scheduled retry.

use leadflow::domain::Lead;
use leadflow::usecases::wake::wake_waiting;

use crate::state::{ApiStore, AppState};

/// Route `team`'s waiting leads. The write that called this has succeeded: a failure here
/// is logged, and the waiting leads keep their scheduled retry.
pub async fn wake_team<S: ApiStore>(state: &AppState<S>, team: &str) {
    let config = state.config.current();
    match wake_waiting(&state.store, Some(team), &config, state.now()).await {
        Ok(report) if !report.failed.is_empty() => {
            tracing::warn!(team, failed = ?report.failed, "some waiting leads stay for their retry")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(team, error = %e, "waiting leads stay for their retry"),
    }
}

/// The team in which `lead` freed a place: its owner's, when the lead no longer counts
/// against the owner (closed, recycled, disqualified).
pub async fn team_freed_by<S: ApiStore>(state: &AppState<S>, lead: &Lead) -> Option<String> {
    if lead.status.is_owned() {
        return None;
    }
    let owner = lead.owner_id()?;
    let reps = state.store.reps().await.ok()?;
    reps.into_iter()
        .find(|r| r.rep.id == owner)
        .map(|r| r.rep.team)
}
