//! Types of the user domain that cross the wire, and the field rules that run on both sides.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a user may do on the platform. Fixed at creation, never changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserType {
    TenantAdmin,
    BotAdmin,
    Supervisor,
    Agent,
    Analyst,
    Viewer,
}

impl UserType {
    /// Every type, in the order the page lists them.
    pub const ALL: [UserType; 6] = [
        UserType::TenantAdmin,
        UserType::BotAdmin,
        UserType::Supervisor,
        UserType::Agent,
        UserType::Analyst,
        UserType::Viewer,
    ];

    /// The stored and displayed name, e.g. `tenant_admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::TenantAdmin => "tenant_admin",
            UserType::BotAdmin => "bot_admin",
            UserType::Supervisor => "supervisor",
            UserType::Agent => "agent",
            UserType::Analyst => "analyst",
            UserType::Viewer => "viewer",
        }
    }

    /// What this type gives access to, as the Add User form describes it.
    pub fn access(self) -> &'static str {
        match self {
            UserType::TenantAdmin => "Full access to the Tenant Admin Portal",
            UserType::BotAdmin => "Create and manage bots in the Operations Portal",
            UserType::Supervisor => "Monitor agents and conversations",
            UserType::Agent => "Handle live conversations in the Agent Desktop",
            UserType::Analyst => "Read-only access to analytics and reports",
            UserType::Viewer => "Read-only access across the platform",
        }
    }

    pub fn parse(s: &str) -> Option<UserType> {
        UserType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Suspended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "active" => Some(Status::Active),
            "suspended" => Some(Status::Suspended),
            _ => None,
        }
    }
}

/// Longest first or last name, in characters.
pub const NAME_MAX: usize = 100;
/// Longest email address, in characters (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;

/// A first or last name: trimmed, 1–100 characters, no control characters, any script.
pub fn validate_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Required");
    }
    if name.chars().count() > NAME_MAX {
        return Err("At most 100 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("Must not contain control characters");
    }
    Ok(name.to_string())
}

/// An email address: trimmed, at most 254 characters, `local@domain` with a dotted domain.
///
/// Deliberately a syntax check only (the address is confirmed by the person who receives it):
/// one `@`, a non-empty local part without spaces or control characters, and a domain of
/// dot-separated labels of letters, digits and hyphens (internationalised labels allowed).
pub fn validate_email(raw: &str) -> Result<String, &'static str> {
    const INVALID: &str = "Enter a valid email address, like name@example.com";
    let email = raw.trim();
    if email.is_empty() {
        return Err("Required");
    }
    if email.chars().count() > EMAIL_MAX {
        return Err("At most 254 characters");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(INVALID);
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@\"(),:;<>[\\]".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
    if local_ok && domain_ok {
        Ok(email.to_string())
    } else {
        Err(INVALID)
    }
}

/// The uniqueness key of an email within a tenant.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_are_accepted_and_trimmed() {
        assert_eq!(validate_name("  José ").unwrap(), "José");
        assert_eq!(validate_name("山田").unwrap(), "山田");
        assert_eq!(validate_name("O'Brien").unwrap(), "O'Brien");
    }

    #[test]
    fn empty_long_or_control_names_are_refused() {
        assert_eq!(validate_name("   "), Err("Required"));
        assert!(validate_name(&"a".repeat(101)).is_err());
        assert!(
            validate_name(&"é".repeat(100)).is_ok(),
            "the limit counts characters"
        );
        assert!(validate_name("Ann\u{0}Lee").is_err());
        assert!(validate_name("Ann\nLee").is_err());
    }

    #[test]
    fn plausible_emails_pass_and_are_trimmed() {
        assert_eq!(
            validate_email(" Ann.Lee@Example.com ").unwrap(),
            "Ann.Lee@Example.com"
        );
        assert!(validate_email("a+tag@sub.example.co.uk").is_ok());
        assert!(validate_email("josé@bücher.de").is_ok());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "ann lee@example.com",
            "ann@exa mple.com",
            "ann@-example.com",
            ".ann@example.com",
            "an..n@example.com",
            "ann@example.c",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(validate_email(&long).is_err());
    }

    #[test]
    fn email_key_ignores_case() {
        assert_eq!(email_key("Ann@X.com"), email_key("ann@x.COM"));
    }

    #[test]
    fn user_types_round_trip() {
        for t in UserType::ALL {
            assert_eq!(UserType::parse(t.as_str()), Some(t));
        }
        assert_eq!(UserType::parse("root"), None);
    }
}
