//! A routing decision as data: what was considered, who got the lead and why. It is kept in
//! the lead's history (`history[].detail`) and shown on the dashboard.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::eligibility::{RepLoad, SkipReason};
use super::pool::{PoolStates, PoolUpdate, StalePool};
use crate::config::Strategy;
use crate::domain::RepId;

/// One rep considered for the lead, with its load at decision time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub rep_id: RepId,
    pub open_leads: u32,
    pub capacity: u32,
    #[serde(flatten)]
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Eligible,
    Skipped { reason: SkipReason },
}

/// How the owner was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The team's rotation (the configured strategy).
    Rotation,
    /// The owner of the lead's account (`account_match`); the rotation does not move.
    AccountOwner,
}

/// Why the lead waits in the fallback queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackReason {
    NoRuleMatched,
    /// The matched rule's team has no reps in the roster.
    NoRepInTeam,
    NoEligibleRep,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Assigned {
        rep_id: RepId,
        via: Via,
    },
    /// Nobody can take the lead now: it waits in `queue` and is routed again later.
    Fallback {
        queue: String,
        reason: FallbackReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingDecision {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The name of the first rule that matched.
    pub rule: Option<String>,
    pub team: Option<String>,
    pub strategy: Strategy,
    /// The account owner considered (with `account_match`), and whether it could take the lead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_owner: Option<Candidate>,
    /// Only reps who owned this lead before were eligible, and one of them got it.
    #[serde(default)]
    pub previous_owner_only: bool,
    /// Every rep of the team, by id, with its verdict.
    pub candidates: Vec<Candidate>,
    /// How the team's rotation moved; none for account-matched and fallback decisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_update: Option<PoolUpdate>,
}

/// Why a decision could not be applied to the given state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplyError {
    #[error(transparent)]
    StalePool(#[from] StalePool),
    #[error("rep {0:?} of the decision is not among the reps given")]
    UnknownRep(RepId),
}

impl RoutingDecision {
    /// The rep who got the lead; `None` when it went to the fallback queue.
    pub fn assigned_rep(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Assigned { rep_id, .. } => Some(rep_id),
            Outcome::Fallback { .. } => None,
        }
    }

    /// Count the new lead on its owner and move the team's pool, both or neither. Closing a
    /// lead, or taking it away from a previous owner, is the caller's to count.
    pub fn apply(&self, reps: &mut [RepLoad], pools: &mut PoolStates) -> Result<(), ApplyError> {
        let Some(rep_id) = self.assigned_rep() else {
            return Ok(());
        };
        let owner = reps
            .iter()
            .position(|r| r.rep.id == rep_id)
            .ok_or_else(|| ApplyError::UnknownRep(rep_id.to_string()))?;
        if let Some(update) = &self.pool_update {
            pools.apply(update)?;
        }
        reps[owner].open_leads = reps[owner].open_leads.saturating_add(1);
        Ok(())
    }
}
