//! `/leads`: every lead, filtered by status, tier and owner, a page at a time (the store's
//! cursor), each linking to its page.

use std::collections::HashMap;

use axum::extract::{Query, State};
use leadflow::domain::{Status, Tier};
use leadflow::ports::LeadQuery;
use leadflow_api::ApiStore;
use maud::{html, Markup};

use crate::error::PageError;
use crate::layout::{self, encode, lead_link, points, Nav};
use crate::{Dashboard, VersionLog};

/// Leads shown per page.
pub const PAGE_SIZE: usize = 50;

/// A query value, blank counted as absent.
pub fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn parse<T: std::str::FromStr<Err = String>>(
    params: &HashMap<String, String>,
    key: &str,
) -> Result<Option<T>, PageError> {
    param(params, key)
        .map(|v| v.parse::<T>().map_err(|m| PageError::bad_filter(key, m)))
        .transpose()
}

pub async fn list<S: ApiStore, V: VersionLog>(
    State(dashboard): State<Dashboard<S, V>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Markup, PageError> {
    let status: Option<Status> = parse(&params, "status")?;
    let tier: Option<Tier> = parse(&params, "tier")?;
    let store = &dashboard.api.store;
    let reps = store.reps().await?;
    let owner = param(&params, "owner").map(str::to_string);
    if let Some(owner) = &owner {
        if !reps.iter().any(|r| &r.rep.id == owner) {
            return Err(PageError::bad_filter(
                "owner",
                format!("no rep has the id {owner:?}"),
            ));
        }
    }
    let query = LeadQuery {
        status,
        tier,
        owner: owner.clone(),
        limit: PAGE_SIZE,
        cursor: param(&params, "cursor").map(str::to_string),
    };
    let page = store.list_leads(&query).await?;
    let mut next = "/leads?".to_string();
    for (key, value) in [
        ("status", status.map(|s| s.to_string())),
        ("tier", tier.map(|t| t.to_string())),
        ("owner", owner.clone()),
    ] {
        if let Some(value) = value {
            next.push_str(&format!("{key}={}&", encode(&value)));
        }
    }
    let body = html! {
        h1 { "Leads" }
        form.filters method="get" action="/leads" {
            label { "Status"
                select name="status" {
                    option value="" { "any" }
                    @for s in Status::ALL {
                        option value=(s) selected[status == Some(s)] { (s) }
                    }
                }
            }
            label { "Tier"
                select name="tier" {
                    option value="" { "any" }
                    @for t in Tier::ALL {
                        option value=(t) selected[tier == Some(t)] { (t) }
                    }
                }
            }
            label { "Owner"
                select name="owner" {
                    option value="" { "anyone" }
                    @for r in &reps {
                        option value=(r.rep.id) selected[owner.as_deref() == Some(r.rep.id.as_str())] { (r.rep.name) " (" (r.rep.id) ")" }
                    }
                }
            }
            button type="submit" { "Filter" }
        }
        table #leads {
            thead { tr { th { "Lead" } th { "Email" } th { "Status" } th { "Tier" } th.num { "Score" } th { "Owner" } th { "Created" } } }
            tbody {
                @for lead in &page.leads {
                    tr {
                        td { (lead_link(&lead.id)) }
                        td { (lead.email.as_deref().unwrap_or("")) }
                        td { (lead.status) }
                        td { (lead.tier) }
                        td.num { (points(lead.score.total)) }
                        td { (lead.owner_id().unwrap_or("—")) }
                        td { (layout::time(lead.created_at)) }
                    }
                }
            }
        }
        @if page.leads.is_empty() { p.muted { "No lead matches these filters." } }
        @if let Some(cursor) = &page.next_cursor {
            p { a rel="next" href={ (next) "cursor=" (encode(cursor)) } { "Next page →" } }
        }
    };
    Ok(layout::page("Leads", Some(Nav::Leads), body))
}
