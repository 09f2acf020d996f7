//! The user domain's types: what a user is, what a form or SCIM sends to create or change one
//! ([`UserInput`], validated into [`NewUser`] by [`crate::users::rules`]), and what the table
//! shows of one ([`UserSummary`]). The stored record is [`crate::store::User`], on the server.

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

/// A choice from a fixed list, as a client sent it: one of the list, or anything else, which the
/// server answers with an error next to the field (not as a malformed request). The browser
/// only ever sends [`Choice::Valid`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Choice<T> {
    Valid(T),
    Invalid(serde_json::Value),
}

impl<T: Copy> Choice<T> {
    /// The choice, if it is one of the list.
    pub fn valid(&self) -> Option<T> {
        match self {
            Choice::Valid(t) => Some(*t),
            Choice::Invalid(_) => None,
        }
    }
}

impl<T> From<T> for Choice<T> {
    fn from(t: T) -> Self {
        Choice::Valid(t)
    }
}

/// What the Add User and Edit forms send (and, later, SCIM): the fields as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UserInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub role_ids: Vec<i64>,
}

/// A person's own details after every rule passed: trimmed, normalised, optional ones `None`.
/// The one list of a user's fields: a create inserts it, an edit saves it, the audit log records
/// it, the store reads it back ([`crate::store::User`]) and the table shows it
/// ([`UserSummary`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub timezone: Option<String>,
}

impl Profile {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Up to two initials for the avatar.
    pub fn initials(&self) -> String {
        self.first_name
            .chars()
            .take(1)
            .chain(self.last_name.chars().take(1))
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// A user to create, or the new state of one being edited (an edit never changes the type):
/// a [`UserInput`] after [`crate::users::rules::validate_user`], role ids sorted and unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub profile: Profile,
    pub user_type: UserType,
    pub status: Status,
    pub role_ids: Vec<i64>,
}

impl NewUser {
    /// An active user with a name and an email only, no roles (operators' commands, generated
    /// data).
    pub fn named(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
        user_type: UserType,
    ) -> NewUser {
        NewUser {
            profile: Profile {
                first_name: first_name.into(),
                last_name: last_name.into(),
                email: email.into(),
                phone: None,
                external_id: None,
                timezone: None,
            },
            user_type,
            status: Status::Active,
            role_ids: Vec::new(),
        }
    }
}

/// A role as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleTag {
    pub id: i64,
    pub name: String,
}

/// A role of the tenant, for the filter and the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleOption {
    pub id: i64,
    pub name: String,
    pub description: String,
}

/// A user as the table shows it (one row), and the values the edit form opens with. Times are
/// rendered on the server in the viewer's timezone, so the page hydrates without a mismatch and
/// the wasm carries no timezone data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    #[serde(flatten)]
    pub profile: Profile,
    pub user_type: UserType,
    pub status: Status,
    pub roles: Vec<RoleTag>,
    pub last_login: Option<TimeLabel>,
    pub version: i64,
}

impl UserSummary {
    pub fn full_name(&self) -> String {
        self.profile.full_name()
    }

    /// A hue (0–359) derived from the user id, for the avatar colour.
    pub fn avatar_hue(&self) -> u32 {
        (self.id as u64).wrapping_mul(2_654_435_761) as u32 % 360
    }
}

/// A point in time as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLabel {
    /// RFC 3339 in the viewer's timezone, for `<time datetime>`.
    pub iso: String,
    /// "3 hours ago".
    pub relative: String,
    /// "29 Nov 2026, 14:05 (Europe/Berlin)", for the tooltip.
    pub exact: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_types_round_trip() {
        for t in UserType::ALL {
            assert_eq!(UserType::parse(t.as_str()), Some(t));
        }
        assert_eq!(UserType::parse("root"), None);
    }

    #[test]
    fn a_choice_off_the_list_is_kept_as_invalid() {
        let c: Choice<UserType> = serde_json::from_str("\"root\"").unwrap();
        assert_eq!(c.valid(), None);
        let c: Choice<UserType> = serde_json::from_str("\"agent\"").unwrap();
        assert_eq!(c.valid(), Some(UserType::Agent));
        assert_eq!(
            serde_json::to_string(&Choice::from(Status::Active)).unwrap(),
            "\"active\""
        );
    }
}
