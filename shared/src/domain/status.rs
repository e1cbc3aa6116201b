//! A lead's status, as the API contract names it, and which statuses may follow which.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Seen, not yet scored.
    New,
    /// Scored below the MQL threshold: marketing keeps nurturing it.
    Nurture,
    /// Qualified, waiting for an owner.
    Mql,
    Assigned,
    Contacted,
    /// Accepted by sales (SQL).
    Qualified,
    Disqualified,
    /// Handed back to marketing, no owner.
    Recycled,
    Won,
    Lost,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::New,
        Status::Nurture,
        Status::Mql,
        Status::Assigned,
        Status::Contacted,
        Status::Qualified,
        Status::Disqualified,
        Status::Recycled,
        Status::Won,
        Status::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Nurture => "nurture",
            Status::Mql => "mql",
            Status::Assigned => "assigned",
            Status::Contacted => "contacted",
            Status::Qualified => "qualified",
            Status::Disqualified => "disqualified",
            Status::Recycled => "recycled",
            Status::Won => "won",
            Status::Lost => "lost",
        }
    }

    /// Statuses in which the lead has an owner.
    pub fn is_owned(self) -> bool {
        matches!(
            self,
            Status::Assigned | Status::Contacted | Status::Qualified
        )
    }

    /// Statuses nothing leaves: the lead's story is over.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Disqualified | Status::Won | Status::Lost)
    }

    /// Statuses marketing owns, where scoring decides between nurture and MQL.
    pub fn is_marketing(self) -> bool {
        matches!(
            self,
            Status::New | Status::Nurture | Status::Mql | Status::Recycled
        )
    }

    /// Whether the lifecycle allows going from `self` to `next`.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        match (self, next) {
            (a, b) if a == b => false,
            (_, Disqualified) => !self.is_terminal(),
            (New, Nurture | Mql) => true,
            (Nurture, Mql) => true,
            (Mql, Nurture | Assigned) => true,
            (Recycled, Mql) => true, // reactivated
            (Assigned, Contacted | Qualified | Recycled) => true,
            (Contacted, Qualified | Recycled | Won | Lost) => true,
            (Qualified, Recycled | Won | Lost) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("{s:?} is not a status; use one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn terminal_statuses_lead_nowhere() {
        for from in [Disqualified, Won, Lost] {
            for to in Status::ALL {
                assert!(!from.can_become(to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn the_main_path_is_legal() {
        let path = [New, Nurture, Mql, Assigned, Contacted, Qualified, Won];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{} -> {}", pair[0], pair[1]);
        }
        assert!(Assigned.can_become(Recycled));
        assert!(Recycled.can_become(Mql));
        assert!(Mql.can_become(Nurture));
    }

    #[test]
    fn shortcuts_are_refused() {
        assert!(!New.can_become(Assigned));
        assert!(!Nurture.can_become(Assigned));
        assert!(!Assigned.can_become(Won));
        assert!(!Recycled.can_become(Assigned));
        assert!(!Qualified.can_become(Contacted));
        assert!(!Mql.can_become(Won));
    }

    #[test]
    fn any_open_lead_may_be_disqualified() {
        for from in Status::ALL.into_iter().filter(|s| !s.is_terminal()) {
            assert!(from.can_become(Disqualified), "{from}");
        }
    }

    #[test]
    fn parses_its_own_names() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert!("open"
            .parse::<Status>()
            .unwrap_err()
            .contains("not a status"));
    }
}
