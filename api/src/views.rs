//! The JSON the contract shows for leads and reps.

use leadflow::domain::{AttrValue, HistoryEntry, Lead, Score};
use leadflow::routing::RepLoad;
use serde_json::{json, Map, Value};

/// A number as JSON: whole values without a fraction (`250`, not `250.0`).
pub fn number(n: f64) -> Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn score(s: &Score) -> Value {
    let mut v = json!({"total": number(s.total), "fit": number(s.fit), "engagement": number(s.engagement),
           "negative": number(s.negative), "model_version": s.model_version,
           "computed_at": s.computed_at});
    // Hybrid scoring only: the model's share of the total.
    if s.model_version.contains('+') {
        v["model"] = number(s.model);
    }
    v
}

fn owner(lead: &Lead) -> Value {
    lead.owner.as_ref().map_or(
        Value::Null,
        |o| json!({"rep_id": o.rep_id, "assigned_at": o.assigned_at}),
    )
}

/// `GET /v1/leads/{id}`.
pub fn lead(lead: &Lead, history: &[HistoryEntry]) -> Value {
    let attributes: Map<String, Value> = lead
        .attributes
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttrValue::Number(n) => number(*n),
                AttrValue::Text(t) => json!(t),
            };
            (k.clone(), v)
        })
        .collect();
    let explanation: Vec<Value> = lead
        .score
        .explanation
        .iter()
        .map(|c| {
            let mut v = json!({"source": c.source, "rule": c.rule, "points": number(c.points)});
            if let Some(reason) = &c.disqualify {
                v["disqualify"] = json!(reason);
            }
            if let Some(log_odds) = c.log_odds {
                v["log_odds"] = json!(log_odds);
            }
            v
        })
        .collect();
    let sla = lead.sla.as_ref().map_or(Value::Null, |c| {
        json!({"tier": c.tier, "first_response_due_at": c.first_response_due_at,
               "responded_at": c.responded_at, "breached_at": c.breached_at})
    });
    json!({
        "lead_id": lead.id,
        "email": lead.email,
        "external_ids": lead.external_ids,
        "attributes": attributes,
        "status": lead.status,
        "tier": lead.tier,
        "score": score(&lead.score),
        "explanation": explanation,
        "owner": owner(lead),
        "sla": sla,
        "disqualify_reason": lead.disqualify_reason,
        "history": history,
    })
}

/// One line of `GET /v1/leads`.
pub fn lead_summary(lead: &Lead) -> Value {
    json!({"lead_id": lead.id, "email": lead.email, "status": lead.status, "tier": lead.tier,
           "score": score(&lead.score), "owner": owner(lead)})
}

/// A rep with its open-lead count.
pub fn rep(load: &RepLoad) -> Value {
    let mut v = serde_json::to_value(&load.rep).expect("a rep serialises");
    v["open_leads"] = json!(load.open_leads);
    v
}
