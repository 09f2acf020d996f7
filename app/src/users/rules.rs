//! The field rules of a user, run in the browser (for early messages) and on the server (which
//! decides).

use super::model::{NewUser, Profile, Status, UserInput, UserType};
use crate::error::FieldError;

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

/// Longest external id, in characters.
pub const EXTERNAL_ID_MAX: usize = 255;

/// Checks every field rule of `input` that needs no database, for a user of type `user_type`
/// (`None`: none was chosen) in status `status`; `is_timezone` says whether a name is an IANA
/// timezone (the server knows the list). Returns every failure, each for its field.
pub fn validate_user(
    input: &UserInput,
    user_type: Option<UserType>,
    status: Status,
    is_timezone: impl Fn(&str) -> bool,
) -> Result<NewUser, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let first_name = validate_name(&input.first_name)
        .map_err(|m| fail("first_name", m))
        .ok();
    let last_name = validate_name(&input.last_name)
        .map_err(|m| fail("last_name", m))
        .ok();
    let email = validate_email(&input.email)
        .map_err(|m| fail("email", m))
        .ok();
    let phone = match normalize_phone(&input.phone) {
        Ok(p) => p,
        Err(m) => {
            fail("phone", m);
            None
        }
    };
    let ext = input.external_id.trim();
    let external_id = if ext.is_empty() {
        None
    } else if ext.chars().count() > EXTERNAL_ID_MAX {
        fail("external_id", "At most 255 characters");
        None
    } else if ext.chars().any(char::is_control) {
        fail("external_id", "Must not contain control characters");
        None
    } else {
        Some(ext.to_string())
    };
    let tz = input.timezone.trim();
    let timezone = if tz.is_empty() {
        None
    } else if tz.len() <= 64 && is_timezone(tz) {
        Some(tz.to_string())
    } else {
        fail("timezone", "Choose a timezone from the list");
        None
    };
    let mut role_ids = input.role_ids.clone();
    role_ids.sort_unstable();
    role_ids.dedup();
    if role_ids.len() > 50 {
        fail("role_ids", "At most 50 roles");
    }
    if user_type.is_none() {
        fail("user_type", "Choose a user type");
    }
    match (first_name, last_name, email, user_type) {
        (Some(first_name), Some(last_name), Some(email), Some(user_type)) if errors.is_empty() => {
            Ok(NewUser {
                profile: Profile {
                    first_name,
                    last_name,
                    email,
                    phone,
                    external_id,
                    timezone,
                },
                user_type,
                status,
                role_ids,
            })
        }
        _ => Err(errors),
    }
}

/// Normalises a phone number to E.164 (`+14155550123`). Empty is `None`. Spaces, dots,
/// dashes and brackets are ignored; `00` stands for `+`; the country code is required.
pub fn normalize_phone(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() > 40 {
        return Err("Enter a phone number with its country code, like +14155550123");
    }
    let digits_part = if let Some(rest) = s.strip_prefix('+') {
        rest
    } else if let Some(rest) = s.strip_prefix("00") {
        rest
    } else {
        return Err("Start with + and the country code, like +14155550123");
    };
    let mut digits = String::new();
    for c in digits_part.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err("Use digits only, like +14155550123"),
        }
    }
    if digits.starts_with('0') || !(8..=15).contains(&digits.len()) {
        return Err("Enter a phone number with its country code, like +14155550123");
    }
    Ok(Some(format!("+{digits}")))
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

    fn input() -> UserInput {
        UserInput {
            first_name: " José ".into(),
            last_name: "O'Brien".into(),
            email: "Jose@Example.com".into(),
            phone: "+1 (415) 555-0123".into(),
            external_id: " EMP-1 ".into(),
            timezone: "Europe/Berlin".into(),
            role_ids: vec![3, 1, 3],
        }
    }

    #[test]
    fn a_valid_form_is_trimmed_and_normalised() {
        let v = validate_user(&input(), Some(UserType::Agent), Status::Active, |tz| {
            tz == "Europe/Berlin"
        })
        .unwrap();
        assert_eq!(v.profile.first_name, "José");
        assert_eq!(v.profile.phone.as_deref(), Some("+14155550123"));
        assert_eq!(v.profile.external_id.as_deref(), Some("EMP-1"));
        assert_eq!(v.role_ids, vec![1, 3]);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let bad = UserInput {
            first_name: "".into(),
            last_name: "x".repeat(101),
            email: "nope".into(),
            phone: "415 555".into(),
            external_id: "a".repeat(256),
            timezone: "Mars/Olympus".into(),
            role_ids: vec![],
        };
        let errors = validate_user(&bad, None, Status::Active, |_| false).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields.join(" "),
            "first_name last_name email phone external_id timezone user_type"
        );
    }

    #[test]
    fn phones_normalise_to_e164() {
        assert_eq!(normalize_phone("").unwrap(), None);
        assert_eq!(
            normalize_phone("0044 20 7946 0958").unwrap().as_deref(),
            Some("+442079460958")
        );
        assert!(
            normalize_phone("4155550123").is_err(),
            "country code required"
        );
        assert!(normalize_phone("+1 415 CALL ME").is_err());
        assert!(normalize_phone("+0123456789").is_err());
        assert!(normalize_phone("+1234").is_err());
    }
}
