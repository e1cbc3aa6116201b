//! The overview's filters as they ride in the URL (`?from=2026-11-01&to=2026-11-30&team=...`),
//! checked against their domain: a date that does not parse, an unknown tier, rep or team is
//! the reader's mistake, named in a 400 page.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use leadflow::domain::Tier;
use leadflow::metrics::overview::OverviewQuery;
use leadflow::routing::RepLoad;

use crate::error::PageError;
use crate::layout::encode;
use crate::leads::param;

/// The period shown when the URL names none: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// The filters of one overview, dates as the form shows them (both days included).
#[derive(Debug, Clone, PartialEq)]
pub struct Filters {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub team: Option<String>,
    pub rep: Option<String>,
    pub tier: Option<Tier>,
    pub source: Option<String>,
}

fn date(params: &HashMap<String, String>, key: &str) -> Result<Option<NaiveDate>, PageError> {
    param(params, key)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                PageError::bad_filter(key, format!("{v:?} is not a date like 2026-11-30"))
            })
        })
        .transpose()
}

impl Filters {
    /// Read the URL's filters; `reps` is the roster the team and rep must belong to.
    pub fn parse(
        params: &HashMap<String, String>,
        reps: &[RepLoad],
        now: DateTime<Utc>,
    ) -> Result<Filters, PageError> {
        let today = now.date_naive();
        let to = date(params, "to")?.unwrap_or(today);
        let from = date(params, "from")?.unwrap_or(to - TimeDelta::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(PageError::bad_filter(
                "from",
                format!("{from} is after `to` ({to})"),
            ));
        }
        let tier = param(params, "tier")
            .map(|v| {
                v.parse::<Tier>()
                    .map_err(|m| PageError::bad_filter("tier", m))
            })
            .transpose()?;
        let team = param(params, "team").map(str::to_string);
        if let Some(team) = &team {
            if !reps.iter().any(|r| &r.rep.team == team) {
                return Err(PageError::bad_filter(
                    "team",
                    format!("no rep is on a team called {team:?}"),
                ));
            }
        }
        let rep = param(params, "rep").map(str::to_string);
        if let Some(rep) = &rep {
            if !reps.iter().any(|r| &r.rep.id == rep) {
                return Err(PageError::bad_filter(
                    "rep",
                    format!("no rep has the id {rep:?}"),
                ));
            }
        }
        Ok(Filters {
            from,
            to,
            team,
            rep,
            tier,
            source: param(params, "source").map(str::to_string),
        })
    }

    /// The query of the figures: `from` 00:00 UTC up to the day after `to`.
    pub fn query(&self) -> OverviewQuery {
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        OverviewQuery {
            since: start(self.from),
            until: start(self.to + TimeDelta::days(1)),
            team: self.team.clone(),
            rep: self.rep.clone(),
            tier: self.tier,
            source: self.source.clone(),
        }
    }

    /// The filters as a query string (without `?`), to carry them into links.
    pub fn query_string(&self) -> String {
        let mut pairs = vec![format!("from={}", self.from), format!("to={}", self.to)];
        for (key, value) in [
            ("team", self.team.clone()),
            ("rep", self.rep.clone()),
            ("tier", self.tier.map(|t| t.to_string())),
            ("source", self.source.clone()),
        ] {
            if let Some(value) = value {
                pairs.push(format!("{key}={}", encode(&value)));
            }
        }
        pairs.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadflow::domain::Rep;

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn roster() -> Vec<RepLoad> {
        vec![RepLoad::new(Rep::new("ana", "inbound"), 0)]
    }

    #[test]
    fn the_default_is_the_last_thirty_days() {
        let f = Filters::parse(&params(&[]), &roster(), now()).unwrap();
        let q = f.query();
        assert_eq!(
            q.until,
            "2026-11-24T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(q.length(), TimeDelta::days(30));
        assert_eq!(f.query_string(), "from=2026-10-25&to=2026-11-23");
    }

    #[test]
    fn filters_outside_their_domain_are_named() {
        for (pairs, filter) in [
            (vec![("from", "yesterday")], "from"),
            (vec![("to", "2026-13-01")], "to"),
            (vec![("from", "2026-11-20"), ("to", "2026-11-01")], "from"),
            (vec![("tier", "E")], "tier"),
            (vec![("team", "outbound")], "team"),
            (vec![("rep", "zed")], "rep"),
        ] {
            match Filters::parse(&params(&pairs), &roster(), now()) {
                Err(PageError::BadFilter { filter: f, .. }) => assert_eq!(f, filter, "{pairs:?}"),
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
        let ok = Filters::parse(
            &params(&[
                ("team", "inbound"),
                ("rep", "ana"),
                ("tier", "A"),
                ("source", "web form"),
            ]),
            &roster(),
            now(),
        )
        .unwrap();
        assert!(ok
            .query_string()
            .ends_with("team=inbound&rep=ana&tier=A&source=web%20form"));
    }
}
