//! Who a lead is: email normalisation, stable lead ids, and linking an `external_id` (a CRM
//! or analytics user id) to the email that identifies the lead.

use sha2::{Digest, Sha256};

use super::lead::LeadId;
use super::limits::{
    MAX_DNS_LABEL_OCTETS, MAX_EMAIL_DOMAIN_OCTETS, MAX_EMAIL_LOCAL_OCTETS, MAX_EMAIL_OCTETS,
};

/// Normalise an email address: trimmed, `mailto:` dropped, lower-cased; refused when it is not
/// a plausible address. The message says what is wrong, for the API's `details`.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let trimmed = trimmed
        .strip_prefix("mailto:")
        .or_else(|| trimmed.strip_prefix("MAILTO:"))
        .unwrap_or(trimmed);
    let email = trimmed.to_lowercase();
    // RFC 5321's limits, in octets of the address as it is kept.
    if email.len() > MAX_EMAIL_OCTETS {
        return Err(format!(
            "not an email address: longer than {MAX_EMAIL_OCTETS} octets (RFC 5321)"
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("not an email address: no @".into());
    };
    if local.is_empty() || local.len() > MAX_EMAIL_LOCAL_OCTETS {
        return Err(format!(
            "not an email address: the part before @ is empty or longer than \
             {MAX_EMAIL_LOCAL_OCTETS} octets"
        ));
    }
    if domain.len() > MAX_EMAIL_DOMAIN_OCTETS {
        return Err(format!(
            "not an email address: the domain is longer than {MAX_EMAIL_DOMAIN_OCTETS} octets"
        ));
    }
    if domain.split('.').any(|l| l.len() > MAX_DNS_LABEL_OCTETS) {
        return Err(format!(
            "not an email address: a domain label is longer than {MAX_DNS_LABEL_OCTETS} octets"
        ));
    }
    if domain.contains('@') {
        return Err("not an email address: more than one @".into());
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("not an email address: contains spaces".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(valid_label) {
        return Err(format!("not an email address: {domain:?} is not a domain"));
    }
    Ok(email)
}

/// The domain of a (normalised) email address.
pub fn email_domain(email: &str) -> Option<&str> {
    email
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

/// What first identified a lead; its id is derived from it and never changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityKey<'a> {
    Email(&'a str),
    ExternalId(&'a str),
}

/// A stable, opaque, URL-safe lead id: `ld_` and 24 hex digits of a SHA-256 of the key.
/// The same key always gives the same id, so two ingest workers racing on a new lead agree.
pub fn lead_id(key: &IdentityKey<'_>) -> LeadId {
    let mut h = Sha256::new();
    match key {
        IdentityKey::Email(e) => {
            h.update(b"email:");
            h.update(e.as_bytes());
        }
        IdentityKey::ExternalId(x) => {
            h.update(b"external_id:");
            h.update(x.as_bytes());
        }
    }
    super::hex::prefixed("ld_", &h.finalize()[..12])
}

/// A lead the store found by one of the identity keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLead {
    pub id: LeadId,
    pub email: Option<String>,
}

/// Which lead an event belongs to, and which identity links to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub lead_id: LeadId,
    pub is_new: bool,
    /// Record `email` => lead (a lead first known by external id learns its email).
    pub link_email: bool,
    /// Record `external_id` => lead.
    pub link_external_id: bool,
    /// Why a link was not made, when the keys point at different leads.
    pub conflict: Option<String>,
}

/// Resolve an event's identity. The email identifies a lead; an external id finds a lead once
/// an event carrying both has linked them. When the two point at different leads the email
/// wins and the external id stays with the lead it was linked to first.
pub fn resolve(
    email: Option<&str>,
    external_id: Option<&str>,
    by_email: Option<&KnownLead>,
    by_external_id: Option<&KnownLead>,
) -> Result<Resolution, String> {
    match (email, by_email, by_external_id) {
        (None, _, _) => {
            let ext = external_id.ok_or("a lead needs an email or an external_id")?;
            Ok(match by_external_id {
                Some(found) => Resolution {
                    lead_id: found.id.clone(),
                    is_new: false,
                    link_email: false,
                    link_external_id: false,
                    conflict: None,
                },
                None => Resolution {
                    lead_id: lead_id(&IdentityKey::ExternalId(ext)),
                    is_new: true,
                    link_email: false,
                    link_external_id: true,
                    conflict: None,
                },
            })
        }
        (Some(_), Some(found), ext_lead) => {
            let (link_external_id, conflict) = match (external_id, ext_lead) {
                (None, _) => (false, None),
                (Some(_), None) => (true, None),
                (Some(_), Some(other)) if other.id == found.id => (false, None),
                (Some(x), Some(other)) => (
                    false,
                    Some(format!(
                        "external_id {x:?} already belongs to lead {}; not linked",
                        other.id
                    )),
                ),
            };
            Ok(Resolution {
                lead_id: found.id.clone(),
                is_new: false,
                link_email: false,
                link_external_id,
                conflict,
            })
        }
        (Some(_), None, Some(ext_lead)) if ext_lead.email.is_none() => Ok(Resolution {
            // The lead known by external id learns its email.
            lead_id: ext_lead.id.clone(),
            is_new: false,
            link_email: true,
            link_external_id: false,
            conflict: None,
        }),
        (Some(e), None, ext_lead) => Ok(Resolution {
            lead_id: lead_id(&IdentityKey::Email(e)),
            is_new: true,
            link_email: true,
            link_external_id: ext_lead.is_none() && external_id.is_some(),
            conflict: ext_lead.map(|other| {
                format!(
                    "external_id {:?} already belongs to lead {} with another email; not linked",
                    external_id.unwrap_or_default(),
                    other.id
                )
            }),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_5321_lengths_are_enforced() {
        let label = |n: usize| "a".repeat(n);
        assert!(normalize_email(&format!("{}@acme.io", label(64))).is_ok());
        assert!(normalize_email(&format!("{}@acme.io", label(65))).is_err());
        assert!(normalize_email(&format!("ana@{}.io", label(63))).is_ok());
        let err = normalize_email(&format!("ana@{}.io", label(64))).unwrap_err();
        assert!(err.contains("label"), "{err}");
        // A 250-octet domain of 61-octet labels: every part fits, the 255-octet whole does not.
        let domain = [label(61), label(61), label(61), label(61)].join(".");
        assert!(normalize_email(&format!("ana@{domain}.io")).is_ok());
        let err = normalize_email(&format!("anna@{domain}.io")).unwrap_err();
        assert!(err.contains("254"), "{err}");
        let huge = format!("{}@acme.io", "a".repeat(1_000_000));
        assert!(normalize_email(&huge).is_err());
    }

    #[test]
    fn normalises_case_space_and_mailto() {
        assert_eq!(normalize_email("  Ana@Acme.IO ").unwrap(), "ana@acme.io");
        assert_eq!(
            normalize_email("mailto:ana@acme.io").unwrap(),
            "ana@acme.io"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@acme.io",
            "ana@acme",
            "a b@acme.io",
            "a@b@c.io",
            "ana@-acme.io",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn email_domain_is_after_the_at() {
        assert_eq!(email_domain("ana@acme.io"), Some("acme.io"));
        assert_eq!(email_domain("nope"), None);
    }

    #[test]
    fn lead_ids_are_stable_url_safe_and_distinct() {
        let a = lead_id(&IdentityKey::Email("ana@acme.io"));
        assert_eq!(a, lead_id(&IdentityKey::Email("ana@acme.io")));
        assert_ne!(a, lead_id(&IdentityKey::Email("ben@acme.io")));
        assert_ne!(a, lead_id(&IdentityKey::ExternalId("ana@acme.io")));
        assert!(a.starts_with("ld_") && a.len() == 27);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }

    fn known(id: &str, email: Option<&str>) -> KnownLead {
        KnownLead {
            id: id.into(),
            email: email.map(Into::into),
        }
    }

    #[test]
    fn a_new_email_makes_a_new_lead_and_links_both_keys() {
        let r = resolve(Some("ana@acme.io"), Some("crm-1"), None, None).unwrap();
        assert!(r.is_new && r.link_email && r.link_external_id);
        assert_eq!(r.lead_id, lead_id(&IdentityKey::Email("ana@acme.io")));
    }

    #[test]
    fn an_external_id_alone_finds_the_linked_lead() {
        let lead = known("ld_1", Some("ana@acme.io"));
        let r = resolve(None, Some("crm-1"), None, Some(&lead)).unwrap();
        assert_eq!(r.lead_id, "ld_1");
        assert!(!r.is_new);
    }

    #[test]
    fn a_lead_known_by_external_id_learns_its_email() {
        let lead = known("ld_x", None);
        let r = resolve(Some("ana@acme.io"), Some("crm-1"), None, Some(&lead)).unwrap();
        assert_eq!(r.lead_id, "ld_x");
        assert!(r.link_email && !r.is_new);
    }

    #[test]
    fn email_wins_when_keys_disagree() {
        let by_email = known("ld_e", Some("ana@acme.io"));
        let by_ext = known("ld_x", Some("other@acme.io"));
        let r = resolve(
            Some("ana@acme.io"),
            Some("crm-1"),
            Some(&by_email),
            Some(&by_ext),
        )
        .unwrap();
        assert_eq!(r.lead_id, "ld_e");
        assert!(!r.link_external_id);
        assert!(r.conflict.unwrap().contains("ld_x"));
    }

    #[test]
    fn no_key_at_all_is_an_error() {
        assert!(resolve(None, None, None, None).is_err());
    }
}
