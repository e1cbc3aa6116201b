//! The configuration contract as types. Field names follow `spec/leadflow.example.toml`
//! exactly; `deny_unknown_fields` everywhere so that a misspelt key is refused, not ignored.
//! Cross-field rules (tiers in order, known teams, ...) live in `validate`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::duration::ConfigDuration;
use crate::domain::condition::{FieldCondition, Matcher, Scalar};
use crate::domain::rep::Rep;
use crate::domain::tier::Tier;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub auth: AuthConfig,
    pub scoring: ScoringConfig,
    pub routing: RoutingConfig,
    #[serde(default)]
    pub reps: Vec<Rep>,
    pub sla: SlaConfig,
    pub decay: DecayConfig,
    pub dispositions: DispositionsConfig,
    #[serde(default)]
    pub alerts: AlertsConfig,
    #[serde(default)]
    pub segment: SegmentConfig,
    /// Hybrid scoring: a predictive model blended with the rules. Absent: rules only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelConfig>,
}

/// `[model]`: which model file scores leads beside the rules, and how much it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The model file `leadflow train --out` wrote; relative paths are relative to the
    /// configuration file.
    pub path: String,
    /// In [0, 1]: total = (1 - weight) * rules total + weight * probability * 100.
    pub weight: f64,
    /// How many of the model's largest contributions a score's explanation lists.
    #[serde(default = "default_top_contributions")]
    pub top_contributions: usize,
}

/// The explanation lists this many model features unless `top_contributions` says otherwise.
pub const DEFAULT_TOP_CONTRIBUTIONS: usize = 3;

fn default_top_contributions() -> usize {
    DEFAULT_TOP_CONTRIBUTIONS
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Bearer keys accepted on `/v1/*`. Empty when every `env:` key was unset.
    #[serde(default)]
    pub api_keys: Vec<String>,
    /// When set, `POST /v1/events` also needs a valid `Leadflow-Signature`.
    #[serde(default)]
    pub signing_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    /// Total score at which a lead becomes an MQL.
    pub mql_threshold: f64,
    /// A tier or MQL status is lost only below (threshold - margin).
    #[serde(default)]
    pub demote_margin: f64,
    pub tiers: TierThresholds,
    pub fit: FitConfig,
    pub engagement: EngagementConfig,
    #[serde(default)]
    pub negative: Vec<NegativeRule>,
}

/// Minimum total score of each tier; below `C` a lead is tier D.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierThresholds {
    #[serde(rename = "A")]
    pub a: f64,
    #[serde(rename = "B")]
    pub b: f64,
    #[serde(rename = "C")]
    pub c: f64,
}

impl TierThresholds {
    /// The minimum total of a tier; `None` for D, which has no floor.
    pub fn floor(&self, tier: Tier) -> Option<f64> {
        match tier {
            Tier::A => Some(self.a),
            Tier::B => Some(self.b),
            Tier::C => Some(self.c),
            Tier::D => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitConfig {
    pub max: f64,
    #[serde(default)]
    pub rules: Vec<FitRule>,
}

/// An explicit-score rule: when `field` passes the matcher, add `points`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FitRuleSpec", into = "FitRuleSpec")]
pub struct FitRule {
    pub name: String,
    pub condition: FieldCondition,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementConfig {
    pub max: f64,
    pub half_life: ConfigDuration,
    #[serde(default)]
    pub signals: BTreeMap<String, SignalConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalConfig {
    pub points: f64,
    /// Most this signal type's decayed sum may contribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
}

/// A penalty (negative points) or a disqualifier, triggered by a field or by a signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "NegativeRuleSpec", into = "NegativeRuleSpec")]
pub struct NegativeRule {
    pub name: String,
    pub trigger: NegativeTrigger,
    pub effect: NegativeEffect,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NegativeTrigger {
    Field(FieldCondition),
    /// The lead has done at least one event of this type.
    Signal(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum NegativeEffect {
    /// Negative points added to the total.
    Penalty(f64),
    /// The lead is disqualified with this reason code.
    Disqualify(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    RoundRobin,
    Weighted,
    LeastLoaded,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::RoundRobin => "round_robin",
            Strategy::Weighted => "weighted",
            Strategy::LeastLoaded => "least_loaded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    pub strategy: Strategy,
    #[serde(default)]
    pub account_match: bool,
    #[serde(default)]
    pub respect_working_hours: bool,
    /// Queue where a lead waits when no rep is eligible.
    #[serde(default = "default_fallback")]
    pub fallback: String,
    #[serde(default)]
    pub rules: Vec<RoutingRule>,
}

fn default_fallback() -> String {
    "unassigned".to_string()
}

/// First-match routing rule: every condition of `when` must hold (no `when`: always).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RoutingRuleSpec", into = "RoutingRuleSpec")]
pub struct RoutingRule {
    pub name: String,
    pub when: Vec<FieldCondition>,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    pub check_interval: ConfigDuration,
    #[serde(default)]
    pub tiers: BTreeMap<Tier, SlaTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUpConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// From assignment to the first "contacted" (or later) disposition.
    pub first_response: ConfigDuration,
    /// This long after a breach with still no contact, reassign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassign_after: Option<ConfigDuration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpConfig {
    /// Touches expected after the first contact...
    pub touches: u32,
    /// ...within this long of it.
    pub within: ConfigDuration,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecayConfig {
    pub check_interval: ConfigDuration,
    /// An owned lead with no activity and no disposition for this long is recycled.
    pub recycle_after: ConfigDuration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispositionsConfig {
    #[serde(default)]
    pub disqualify_reasons: Vec<String>,
    #[serde(default)]
    pub recycle_reasons: Vec<String>,
    #[serde(default)]
    pub lost_reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Assigned,
    SlaBreached,
    Reassigned,
    FollowUpMissed,
    /// A reassignment found nobody new: the owner's manager is told. Sent when `notify_on`
    /// names `escalated` or `sla_breached` (an escalation is the breach's next step).
    Escalated,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    #[serde(default)]
    pub notify_on: Vec<AlertKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentConfig {
    /// Segment/RudderStack `track` event name => signal.
    #[serde(default)]
    pub track_events: BTreeMap<String, String>,
}

// ---- serde shapes of the rules, turned into the types above with a named error ----

/// The matcher keys a rule may carry; exactly one must be present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains_any: Option<Vec<String>>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Scalar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

const MATCHER_KEYS: &str = "contains_any, in, between, at_least, at_most or exists";

impl MatcherSpec {
    fn into_matcher(self) -> Result<Matcher, String> {
        let mut found: Vec<Matcher> = Vec::new();
        if let Some(n) = self.contains_any {
            if n.is_empty() {
                return Err("`contains_any` is empty".into());
            }
            // Lower-cased once here, so matching does not lower-case on every lead.
            found.push(Matcher::ContainsAny(
                n.iter().map(|s| s.to_lowercase()).collect(),
            ));
        }
        if let Some(o) = self.in_ {
            if o.is_empty() {
                return Err("`in` is empty".into());
            }
            found.push(Matcher::In(o));
        }
        if let Some([lo, hi]) = self.between {
            if lo > hi {
                return Err(format!(
                    "`between` = [{lo}, {hi}] has its low end above its high end"
                ));
            }
            found.push(Matcher::Between(lo, hi));
        }
        if let Some(n) = self.at_least {
            found.push(Matcher::AtLeast(n));
        }
        if let Some(n) = self.at_most {
            found.push(Matcher::AtMost(n));
        }
        match self.exists {
            Some(true) => found.push(Matcher::Exists),
            Some(false) => return Err("`exists = false` is not supported; omit the rule".into()),
            None => {}
        }
        match found.len() {
            1 => Ok(found.pop().expect("one matcher")),
            0 => Err(format!("needs one of {MATCHER_KEYS}")),
            _ => Err(format!(
                "has more than one of {MATCHER_KEYS}; give exactly one"
            )),
        }
    }

    fn from_matcher(m: Matcher) -> Self {
        let mut spec = MatcherSpec::default();
        match m {
            Matcher::ContainsAny(n) => spec.contains_any = Some(n),
            Matcher::In(o) => spec.in_ = Some(o),
            Matcher::Between(lo, hi) => spec.between = Some([lo, hi]),
            Matcher::AtLeast(n) => spec.at_least = Some(n),
            Matcher::AtMost(n) => spec.at_most = Some(n),
            Matcher::Exists => spec.exists = Some(true),
        }
        spec
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitRuleSpec {
    pub name: String,
    pub field: String,
    pub points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains_any: Option<Vec<String>>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Scalar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

impl TryFrom<FitRuleSpec> for FitRule {
    type Error = String;

    fn try_from(s: FitRuleSpec) -> Result<Self, String> {
        let matcher = MatcherSpec {
            contains_any: s.contains_any,
            in_: s.in_,
            between: s.between,
            at_least: s.at_least,
            at_most: s.at_most,
            exists: s.exists,
        }
        .into_matcher()
        .map_err(|e| format!("fit rule {:?} {e}", s.name))?;
        Ok(FitRule {
            name: s.name,
            condition: FieldCondition {
                field: s.field,
                matcher,
            },
            points: s.points,
        })
    }
}

impl From<FitRule> for FitRuleSpec {
    fn from(r: FitRule) -> Self {
        let m = MatcherSpec::from_matcher(r.condition.matcher);
        FitRuleSpec {
            name: r.name,
            field: r.condition.field,
            points: r.points,
            contains_any: m.contains_any,
            in_: m.in_,
            between: m.between,
            at_least: m.at_least,
            at_most: m.at_most,
            exists: m.exists,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeRuleSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualify: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains_any: Option<Vec<String>>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Scalar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

impl TryFrom<NegativeRuleSpec> for NegativeRule {
    type Error = String;

    fn try_from(s: NegativeRuleSpec) -> Result<Self, String> {
        let name = s.name;
        let matcher = MatcherSpec {
            contains_any: s.contains_any,
            in_: s.in_,
            between: s.between,
            at_least: s.at_least,
            at_most: s.at_most,
            exists: s.exists,
        };
        let trigger = match (s.field, s.signal) {
            (Some(field), None) => NegativeTrigger::Field(FieldCondition {
                field,
                matcher: matcher
                    .into_matcher()
                    .map_err(|e| format!("negative rule {name:?} {e}"))?,
            }),
            (None, Some(signal)) => {
                if matcher != MatcherSpec::default() {
                    return Err(format!(
                        "negative rule {name:?} names a `signal`; it takes no {MATCHER_KEYS}"
                    ));
                }
                NegativeTrigger::Signal(signal)
            }
            (Some(_), Some(_)) => {
                return Err(format!(
                    "negative rule {name:?} has both `field` and `signal`; give one"
                ))
            }
            (None, None) => {
                return Err(format!("negative rule {name:?} needs `field` or `signal`"))
            }
        };
        let effect = match (s.points, s.disqualify) {
            (Some(p), None) => NegativeEffect::Penalty(p),
            (None, Some(reason)) => NegativeEffect::Disqualify(reason),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "negative rule {name:?} has both `points` and `disqualify`; give one"
                ))
            }
            (None, None) => {
                return Err(format!(
                "negative rule {name:?} needs `points` (a penalty) or `disqualify` (a reason code)"
            ))
            }
        };
        Ok(NegativeRule {
            name,
            trigger,
            effect,
        })
    }
}

impl From<NegativeRule> for NegativeRuleSpec {
    fn from(r: NegativeRule) -> Self {
        let (field, signal, m) = match r.trigger {
            NegativeTrigger::Field(c) => {
                (Some(c.field), None, MatcherSpec::from_matcher(c.matcher))
            }
            NegativeTrigger::Signal(s) => (None, Some(s), MatcherSpec::default()),
        };
        let (points, disqualify) = match r.effect {
            NegativeEffect::Penalty(p) => (Some(p), None),
            NegativeEffect::Disqualify(d) => (None, Some(d)),
        };
        NegativeRuleSpec {
            name: r.name,
            field,
            signal,
            points,
            disqualify,
            contains_any: m.contains_any,
            in_: m.in_,
            between: m.between,
            at_least: m.at_least,
            at_most: m.at_most,
            exists: m.exists,
        }
    }
}

/// One `when` entry: a list (`in`), a single value (equality) or a matcher table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WhenSpec {
    List(Vec<Scalar>),
    Value(Scalar),
    Matcher(MatcherSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRuleSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<BTreeMap<String, WhenSpec>>,
    pub team: String,
}

impl TryFrom<RoutingRuleSpec> for RoutingRule {
    type Error = String;

    fn try_from(s: RoutingRuleSpec) -> Result<Self, String> {
        let mut when = Vec::new();
        for (field, spec) in s.when.unwrap_or_default() {
            let matcher = match spec {
                WhenSpec::List(items) if items.is_empty() => {
                    return Err(format!(
                        "routing rule {:?}: `when.{field}` is an empty list",
                        s.name
                    ))
                }
                WhenSpec::List(items) => Matcher::In(items),
                WhenSpec::Value(v) => Matcher::In(vec![v]),
                WhenSpec::Matcher(m) => m
                    .into_matcher()
                    .map_err(|e| format!("routing rule {:?}: `when.{field}` {e}", s.name))?,
            };
            when.push(FieldCondition { field, matcher });
        }
        Ok(RoutingRule {
            name: s.name,
            when,
            team: s.team,
        })
    }
}

impl From<RoutingRule> for RoutingRuleSpec {
    fn from(r: RoutingRule) -> Self {
        let when: BTreeMap<String, WhenSpec> = r
            .when
            .into_iter()
            .map(|c| match c.matcher {
                Matcher::In(items) => (c.field, WhenSpec::List(items)),
                other => (c.field, WhenSpec::Matcher(MatcherSpec::from_matcher(other))),
            })
            .collect();
        RoutingRuleSpec {
            name: r.name,
            when: if when.is_empty() { None } else { Some(when) },
            team: r.team,
        }
    }
}
