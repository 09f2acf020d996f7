//! Sign-in and password types that cross the wire, and the password rules.

use serde::{Deserialize, Serialize};

use crate::users::model::UserType;

/// Shortest password a person may choose.
pub const PASSWORD_MIN: usize = 15;
/// Longest password a person may choose (bounds the hashing work an attacker can ask for).
pub const PASSWORD_MAX: usize = 128;

/// Who is signed in, as the pages need it. Never carries a hash or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_type: UserType,
    pub tenant_slug: String,
    pub tenant_name: String,
    /// The viewer's own timezone, else the tenant's default: dates on the page render in it.
    pub timezone: String,
    /// True while the password is a temporary one: nothing but "Choose a new password" is open.
    pub must_change_password: bool,
}

/// Who the server found signed in for this document, decided by the page guard before the page
/// rendered (`server/src/guard.rs`) and handed to the browser with the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignedIn {
    /// Not resolved for this document: a public page, or a page reached by a client-side
    /// navigation from one. A signed-in page asks the server again.
    Unknown,
    Viewer(Viewer),
    /// The sign-in check itself failed (e.g. the database is unreachable).
    CheckFailed(crate::error::AppError),
}

impl Viewer {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn is_tenant_admin(&self) -> bool {
        self.user_type == UserType::TenantAdmin
    }
}

/// Checks a newly chosen password: 15–128 characters, not a common password, not the one it
/// replaces. Returns the message to show next to the field.
pub fn check_new_password(new: &str, current: &str) -> Result<(), &'static str> {
    let len = new.chars().count();
    if len < PASSWORD_MIN {
        return Err("Use at least 15 characters");
    }
    if len > PASSWORD_MAX {
        return Err("Use at most 128 characters");
    }
    if new == current {
        return Err("Choose a password different from your current one");
    }
    if is_common(new) {
        return Err("This password is too common; choose another");
    }
    Ok(())
}

/// Whether a password is on the list of common long passwords, or is one character repeated.
fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return true;
    }
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_overlong_passwords_are_refused() {
        assert!(check_new_password("fourteen chars", "x").is_err());
        assert!(check_new_password("fifteen chars!!", "x").is_ok());
        assert!(check_new_password(&"ab".repeat(64), "x").is_ok());
        assert!(check_new_password(&"ab".repeat(65), "x").is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 15 characters, 30 bytes.
        assert!(check_new_password("ééééééééééééééb", "x").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(check_new_password("PasswordPassword", "x").is_err());
        assert!(check_new_password("123456789012345", "x").is_err());
        assert!(check_new_password("zzzzzzzzzzzzzzzzzzzz", "x").is_err());
    }

    #[test]
    fn the_current_password_cannot_be_kept() {
        assert_eq!(
            check_new_password("Temporary-Pass-1234", "Temporary-Pass-1234"),
            Err("Choose a password different from your current one")
        );
    }
}
