//! First-match routing rules: which team a lead goes to.

use crate::config::RoutingRule;
use crate::domain::Lead;

/// Whether every condition of the rule's `when` holds for the lead; no `when` always holds.
pub fn rule_matches(rule: &RoutingRule, lead: &Lead) -> bool {
    rule.when
        .iter()
        .all(|c| c.matcher.matches(lead.field(&c.field).as_ref()))
}

/// The first rule, in order, that matches the lead.
pub fn first_match<'a>(rules: &'a [RoutingRule], lead: &Lead) -> Option<&'a RoutingRule> {
    rules.iter().find(|r| rule_matches(r, lead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RoutingConfig;
    use crate::domain::AttrValue;
    use chrono::{TimeZone, Utc};

    fn rules(toml_rules: &str) -> Vec<RoutingRule> {
        let text = format!("strategy = \"round_robin\"\n{toml_rules}");
        toml::from_str::<RoutingConfig>(&text).unwrap().rules
    }

    fn lead(attrs: &[(&str, AttrValue)]) -> Lead {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let mut lead = Lead::new("ld_1".into(), Some("ana@acme.io".into()), None, now);
        for (k, v) in attrs {
            lead.attributes.insert(k.to_string(), v.clone());
        }
        lead
    }

    fn team_of(rules: &[RoutingRule], lead: &Lead) -> Option<String> {
        first_match(rules, lead).map(|r| r.team.clone())
    }

    #[test]
    fn a_list_is_case_insensitive_membership() {
        let r = rules(
            "[[rules]]\nname = \"emea\"\nwhen = { country = [\"GB\", \"DE\"] }\nteam = \"emea\"",
        );
        assert_eq!(
            team_of(&r, &lead(&[("country", "de".into())])),
            Some("emea".into())
        );
        assert_eq!(team_of(&r, &lead(&[("country", "US".into())])), None);
        assert_eq!(
            team_of(&r, &lead(&[])),
            None,
            "a missing field never matches"
        );
    }

    #[test]
    fn a_single_value_is_equality() {
        let r = rules("[[rules]]\nname = \"fr\"\nwhen = { country = \"FR\" }\nteam = \"fr\"");
        assert!(rule_matches(&r[0], &lead(&[("country", "fr".into())])));
        assert!(!rule_matches(&r[0], &lead(&[("country", "FRA".into())])));
    }

    #[test]
    fn numeric_matchers() {
        let r = rules(
            "[[rules]]\nname = \"big\"\nwhen = { company_size = { at_least = 1000 } }\nteam = \"ent\"\n\
             [[rules]]\nname = \"mid\"\nwhen = { company_size = { between = [200, 999] } }\nteam = \"mid\"\n\
             [[rules]]\nname = \"small\"\nwhen = { company_size = { at_most = 199 } }\nteam = \"smb\"",
        );
        assert_eq!(
            team_of(&r, &lead(&[("company_size", 1000.0.into())])),
            Some("ent".into())
        );
        assert_eq!(
            team_of(&r, &lead(&[("company_size", 200.0.into())])),
            Some("mid".into())
        );
        assert_eq!(
            team_of(&r, &lead(&[("company_size", "150".into())])),
            Some("smb".into())
        );
        assert_eq!(team_of(&r, &lead(&[("company_size", "lots".into())])), None);
    }

    #[test]
    fn contains_any_and_exists() {
        let r = rules(
            "[[rules]]\nname = \"execs\"\nwhen = { title = { contains_any = [\"vp\", \"chief\"] } }\nteam = \"exec\"\n\
             [[rules]]\nname = \"partners\"\nwhen = { partner_code = { exists = true } }\nteam = \"partners\"",
        );
        assert_eq!(
            team_of(&r, &lead(&[("title", "SVP Sales".into())])),
            Some("exec".into())
        );
        assert_eq!(
            team_of(&r, &lead(&[("partner_code", "P-7".into())])),
            Some("partners".into())
        );
        assert_eq!(team_of(&r, &lead(&[("partner_code", " ".into())])), None);
    }

    #[test]
    fn derived_fields_can_be_named() {
        let r = rules(
            "[[rules]]\nname = \"acme\"\nwhen = { email_domain = \"acme.io\" }\nteam = \"key\"",
        );
        assert_eq!(team_of(&r, &lead(&[])), Some("key".into()));
    }

    #[test]
    fn every_condition_must_hold() {
        let r = rules(
            "[[rules]]\nname = \"emea ent\"\nteam = \"emea-ent\"\n\
             when = { country = [\"GB\"], company_size = { at_least = 1000 } }",
        );
        let both = lead(&[("country", "GB".into()), ("company_size", 5000.0.into())]);
        let one = lead(&[("country", "GB".into()), ("company_size", 50.0.into())]);
        assert!(rule_matches(&r[0], &both));
        assert!(!rule_matches(&r[0], &one));
    }

    #[test]
    fn first_match_wins_and_no_when_always_matches() {
        let r = rules(
            "[[rules]]\nname = \"enterprise\"\nwhen = { company_size = { at_least = 1000 } }\nteam = \"enterprise\"\n\
             [[rules]]\nname = \"everyone else\"\nteam = \"inbound\"\n\
             [[rules]]\nname = \"never reached\"\nteam = \"other\"",
        );
        let big = lead(&[("company_size", 2000.0.into())]);
        assert_eq!(first_match(&r, &big).unwrap().name, "enterprise");
        assert_eq!(first_match(&r, &lead(&[])).unwrap().name, "everyone else");
        assert_eq!(first_match(&[], &big), None);
    }
}
