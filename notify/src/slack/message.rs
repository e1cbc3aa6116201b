//! The Slack incoming-webhook payload of an alert: a fallback `text` (what notifications and
//! old clients show) and Block Kit `blocks` (header, body with the rep's mention, tier and score
//! fields, the lead id).

use leadflow::config::AlertKind;
use leadflow::ports::Alert;
use serde_json::{json, Value};

/// Slack refuses a header longer than this (plain text characters).
const HEADER_MAX_CHARS: usize = 150;
/// Slack refuses a section text longer than this.
const SECTION_MAX_CHARS: usize = 3000;

/// The JSON body POSTed to the webhook for `alert`.
pub fn payload(alert: &Alert) -> Value {
    let addressee = addressee(alert);
    let fallback = match &addressee {
        Some(who) => format!("{who} {}", escape(&alert.title)),
        None => escape(&alert.title),
    };
    let mut section = String::new();
    if let Some(who) = &addressee {
        section.push_str(who);
        section.push('\n');
    }
    section.push_str(&escape(alert.body.trim()));
    json!({
        "text": fallback,
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": truncate(&alert.title, HEADER_MAX_CHARS),
                    "emoji": false,
                },
            },
            {
                "type": "section",
                "text": { "type": "mrkdwn", "text": truncate(&section, SECTION_MAX_CHARS) },
            },
            {
                "type": "section",
                "fields": [
                    { "type": "mrkdwn", "text": format!("*Tier*\n{}", alert.tier) },
                    { "type": "mrkdwn", "text": format!("*Score*\n{:.0}", alert.score) },
                ],
            },
            {
                "type": "context",
                "elements": [{
                    "type": "mrkdwn",
                    "text": format!("{} · lead `{}`", kind_label(alert.kind), escape(&alert.lead_id)),
                }],
            },
        ],
    })
}

/// Who the message is for: a mention when the rep has a Slack member id, else their
/// `@handle` or name as plain text (a webhook cannot resolve handles into mentions).
fn addressee(alert: &Alert) -> Option<String> {
    let slack_user = alert
        .slack_user
        .as_deref()
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty());
    match slack_user {
        Some(id) if is_member_id(id) => Some(format!("<@{id}>")),
        Some(handle) => Some(format!("@{}", escape(handle))),
        None => alert.rep_name.as_deref().map(escape),
    }
}

/// Slack member ids look like `U024BE7LH` or `W012A3CDE`.
fn is_member_id(text: &str) -> bool {
    text.len() >= 3
        && (text.starts_with('U') || text.starts_with('W'))
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn kind_label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Assigned => "Lead assigned",
        AlertKind::SlaBreached => "SLA breached",
        AlertKind::Reassigned => "Lead reassigned",
        AlertKind::FollowUpMissed => "Follow-up missed",
        AlertKind::Escalated => "Escalated to the manager",
    }
}

/// mrkdwn escaping: Slack reads `&`, `<` and `>` as entity and link/mention syntax, so text that
/// comes from leads or reps must have them escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `max` characters, an ellipsis marking a cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadflow::domain::Tier;

    fn alert() -> Alert {
        Alert {
            event_id: "ev-1".into(),
            kind: AlertKind::Assigned,
            lead_id: "lead-42".into(),
            rep_id: Some("r1".into()),
            rep_name: Some("Jane Roe".into()),
            rep_email: Some("jane@example.com".into()),
            slack_user: Some("U024BE7LH".into()),
            manager_email: None,
            tier: Tier::A,
            score: 87.4,
            title: "New tier A lead for Jane Roe: Ann <CTO> at R&D".into(),
            body: "Score 87 (tier A), lead lead-42\nWhy: demo_request (+30)".into(),
        }
    }

    #[test]
    fn escapes_the_three_control_characters() {
        assert_eq!(escape("a & b <c> d"), "a &amp; b &lt;c&gt; d");
        assert_eq!(escape("plain *bold*"), "plain *bold*");
    }

    #[test]
    fn mentions_the_rep_and_escapes_the_title_in_the_fallback() {
        let p = payload(&alert());
        assert_eq!(
            p["text"],
            "<@U024BE7LH> New tier A lead for Jane Roe: Ann &lt;CTO&gt; at R&amp;D"
        );
        // The header is plain text: shown as written.
        assert_eq!(
            p["blocks"][0]["text"]["text"],
            "New tier A lead for Jane Roe: Ann <CTO> at R&D"
        );
        assert_eq!(
            p["blocks"][1]["text"]["text"],
            "<@U024BE7LH>\nScore 87 (tier A), lead lead-42\nWhy: demo_request (+30)"
        );
        assert_eq!(p["blocks"][2]["fields"][0]["text"], "*Tier*\nA");
        assert_eq!(p["blocks"][2]["fields"][1]["text"], "*Score*\n87");
        assert_eq!(
            p["blocks"][3]["elements"][0]["text"],
            "Lead assigned · lead `lead-42`"
        );
    }

    #[test]
    fn a_handle_is_shown_as_text_and_without_slack_user_the_name_is() {
        let mut a = alert();
        a.slack_user = Some("@jane<x>".into());
        assert_eq!(addressee(&a).as_deref(), Some("@jane&lt;x&gt;"));
        a.slack_user = None;
        assert_eq!(addressee(&a).as_deref(), Some("Jane Roe"));
        a.rep_name = None;
        assert_eq!(addressee(&a), None);
        assert_eq!(
            payload(&a)["blocks"][1]["text"]["text"],
            "Score 87 (tier A), lead lead-42\nWhy: demo_request (+30)"
        );
    }

    #[test]
    fn long_texts_are_cut_to_slacks_limits() {
        let mut a = alert();
        a.title = "x".repeat(400);
        a.body = "y".repeat(5000);
        let p = payload(&a);
        let header = p["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(header.chars().count(), HEADER_MAX_CHARS);
        assert!(header.ends_with('…'));
        let section = p["blocks"][1]["text"]["text"].as_str().unwrap();
        assert_eq!(section.chars().count(), SECTION_MAX_CHARS);
    }
}
