//! `alerts.smtp_url`: where and how to reach the SMTP server.
//!
//! Supported forms:
//! - `smtp://host[:port]` — plain text, port 25 by default (local dev receivers such as
//!   MailHog or Mailpit). `?tls=none` says the same.
//! - `smtp://host[:port]?tls=starttls` — STARTTLS required, port 587 by default.
//! - `smtps://host[:port]` — TLS from the first byte, port 465 by default.
//!
//! `user:password@` before the host logs in (AUTH PLAIN or LOGIN, as the server offers); both
//! are percent-decoded. Without TLS they cross the network in clear: only for local servers.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use url::Url;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    Plain,
    StartTls,
    Tls,
}

/// The parsed `alerts.smtp_url`. `Debug` shows no password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// (user, password)
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

/// Why `alerts.smtp_url` was refused. No message repeats the URL (it may hold a password).
#[derive(Debug, thiserror::Error)]
pub enum SmtpUrlError {
    #[error("alerts.smtp_url is not a valid URL: {0}")]
    InvalidUrl(#[source] url::ParseError),
    #[error("alerts.smtp_url must start with smtp:// or smtps://, not {scheme}://")]
    UnsupportedScheme { scheme: String },
    #[error("alerts.smtp_url has no host")]
    NoHost,
    #[error("alerts.smtp_url: tls={value:?} is not supported; use tls=starttls or tls=none with smtp://, or smtps:// for TLS")]
    UnsupportedTls { value: String },
    #[error("alerts.smtp_url: a user needs a password (smtp://user:password@host)")]
    MissingPassword,
    #[error("alerts.smtp_url: the {part} is not valid UTF-8 once percent-decoded")]
    BadEncoding { part: &'static str },
}

impl SmtpServer {
    pub fn parse(text: &str) -> Result<Self, SmtpUrlError> {
        let url = Url::parse(text).map_err(SmtpUrlError::InvalidUrl)?;
        let tls = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let (security, default_port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("none")) => (SmtpSecurity::Plain, 25),
            ("smtp", Some("starttls")) => (SmtpSecurity::StartTls, 587),
            ("smtps", None) => (SmtpSecurity::Tls, 465),
            ("smtp" | "smtps", Some(other)) => {
                return Err(SmtpUrlError::UnsupportedTls {
                    value: other.to_string(),
                })
            }
            (scheme, _) => {
                return Err(SmtpUrlError::UnsupportedScheme {
                    scheme: scheme.to_string(),
                })
            }
        };
        let host = url.host_str().filter(|h| !h.is_empty());
        let host = host.ok_or(SmtpUrlError::NoHost)?.to_string();
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (_, None) => return Err(SmtpUrlError::MissingPassword),
            (user, Some(password)) => Some((
                decode(user, "user")?.into_owned(),
                decode(password, "password")?.into_owned(),
            )),
        };
        Ok(SmtpServer {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            credentials,
        })
    }

    /// `host:port`, safe to show.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn decode<'a>(text: &'a str, part: &'static str) -> Result<Cow<'a, str>, SmtpUrlError> {
    percent_decode_str(text)
        .decode_utf8()
        .map_err(|_| SmtpUrlError::BadEncoding { part })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_for_local_receivers() {
        let s = SmtpServer::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.port, 2525);
        assert_eq!(s.security, SmtpSecurity::Plain);
        assert_eq!(s.credentials, None);
        assert_eq!(SmtpServer::parse("smtp://mail.local").unwrap().port, 25);
        assert_eq!(
            SmtpServer::parse("smtp://mail.local?tls=none")
                .unwrap()
                .security,
            SmtpSecurity::Plain
        );
    }

    #[test]
    fn starttls_and_implicit_tls_with_their_default_ports() {
        let s = SmtpServer::parse("smtp://mail.example.com?tls=starttls").unwrap();
        assert_eq!((s.security, s.port), (SmtpSecurity::StartTls, 587));
        let s = SmtpServer::parse("smtps://mail.example.com").unwrap();
        assert_eq!((s.security, s.port), (SmtpSecurity::Tls, 465));
        let s = SmtpServer::parse("smtps://mail.example.com:2465").unwrap();
        assert_eq!(s.port, 2465);
    }

    #[test]
    fn credentials_are_percent_decoded_and_hidden_from_debug() {
        let s = SmtpServer::parse("smtps://alerts%40acme.io:p%40ss%3Aword@mail.acme.io").unwrap();
        assert_eq!(
            s.credentials,
            Some(("alerts@acme.io".to_string(), "p@ss:word".to_string()))
        );
        let shown = format!("{s:?}");
        assert!(!shown.contains("p@ss"), "{shown}");
    }

    #[test]
    fn refusals_name_the_key_and_not_the_password() {
        let cases = [
            (
                "http://mail.local",
                "must start with smtp:// or smtps://, not http://",
            ),
            (
                "smtp://mail.local?tls=maybe",
                "tls=\"maybe\" is not supported",
            ),
            (
                "smtps://mail.local?tls=starttls",
                "tls=\"starttls\" is not supported",
            ),
            ("smtp://someone@mail.local", "a user needs a password"),
            (
                "smtp://u:secret%FF@mail.local",
                "password is not valid UTF-8",
            ),
            ("smtp:///nohost", "has no host"),
            ("127.0.0.1:25", "is not a valid URL"),
        ];
        for (url, expected) in cases {
            let err = SmtpServer::parse(url).unwrap_err().to_string();
            assert!(err.starts_with("alerts.smtp_url"), "{url}: {err}");
            assert!(err.contains(expected), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }
}
