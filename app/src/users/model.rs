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

/// The name sort key: "first last", lower-cased.
pub fn name_key(first: &str, last: &str) -> String {
    format!("{first} {last}").to_lowercase()
}

/// What Search looks for substrings in: "first last email", lower-cased. The search text is
/// lower-cased the same way, so matching ignores letter case in every script.
pub fn search_key(first: &str, last: &str, email: &str) -> String {
    format!("{first} {last} {email}").to_lowercase()
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

/// One row of the user table, and the values the edit form opens with. Times are rendered on
/// the server in the viewer's timezone, so the page hydrates without a mismatch and the wasm
/// carries no timezone data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub timezone: Option<String>,
    pub user_type: UserType,
    pub status: Status,
    pub roles: Vec<RoleTag>,
    pub last_login: Option<TimeLabel>,
    pub version: i64,
}

impl UserRow {
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

/// How the table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Name,
    Email,
    Type,
    Status,
    LastLogin,
    Created,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Name,
        SortKey::Email,
        SortKey::Type,
        SortKey::Status,
        SortKey::LastLogin,
        SortKey::Created,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Type => "type",
            SortKey::Status => "status",
            SortKey::LastLogin => "last_login",
            SortKey::Created => "created",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "Name",
            SortKey::Email => "Email",
            SortKey::Type => "Type",
            SortKey::Status => "Status",
            SortKey::LastLogin => "Last login",
            SortKey::Created => "Created",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Page sizes the table offers.
pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
/// The match count is exact up to this many, then shown as "10,000+".
pub const MATCH_COUNT_CAP: i64 = 10_000;
/// Longest search text accepted.
pub const SEARCH_MAX: usize = 200;

/// The search text as the query uses it: trimmed, without control characters (no name or
/// email holds one, and PostgreSQL cannot compare text with NUL), at most [`SEARCH_MAX`]
/// characters.
pub fn clean_search(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(SEARCH_MAX)
        .collect()
}

/// The table's view: filters, sort and page, exactly what the URL query says. Unknown or
/// malformed values fall back to the defaults, so any URL renders.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct UserQuery {
    pub q: String,
    pub status: Option<Status>,
    pub user_type: Option<UserType>,
    pub role: Option<i64>,
    pub sort: SortKey,
    pub desc: bool,
    pub size: u32,
    /// Keyset cursor: the id of the row this page starts after (or, with `before`, ends before).
    pub after: Option<i64>,
    pub before: Option<i64>,
}

impl UserQuery {
    /// Reads the view from URL query pairs.
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<&'a str>) -> UserQuery {
        let id = |k: &str| {
            get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
        };
        let q = clean_search(get("q").unwrap_or(""));
        UserQuery {
            q,
            status: get("status").and_then(Status::parse),
            user_type: get("type").and_then(UserType::parse),
            role: id("role"),
            sort: get("sort").and_then(SortKey::parse).unwrap_or_default(),
            desc: get("dir") == Some("desc"),
            size: get("size")
                .and_then(|v| v.parse().ok())
                .filter(|s| PAGE_SIZES.contains(s))
                .unwrap_or(25),
            after: id("after"),
            before: if id("after").is_some() {
                None
            } else {
                id("before")
            },
        }
    }

    /// The URL query of this view (defaults left out), starting with `?`, or empty.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        if !self.q.is_empty() {
            parts.push(("q".into(), self.q.clone()));
        }
        if let Some(s) = self.status {
            parts.push(("status".into(), s.as_str().into()));
        }
        if let Some(t) = self.user_type {
            parts.push(("type".into(), t.as_str().into()));
        }
        if let Some(r) = self.role {
            parts.push(("role".into(), r.to_string()));
        }
        if self.sort != SortKey::Name {
            parts.push(("sort".into(), self.sort.as_str().into()));
        }
        if self.desc {
            parts.push(("dir".into(), "desc".into()));
        }
        if self.size != 25 && self.size != 0 {
            parts.push(("size".into(), self.size.to_string()));
        }
        if let Some(a) = self.after {
            parts.push(("after".into(), a.to_string()));
        }
        if let Some(b) = self.before {
            parts.push(("before".into(), b.to_string()));
        }
        if parts.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = parts
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!("?{}", encoded.join("&"))
    }

    /// The same filters and sort, back on the first page.
    pub fn first_page(&self) -> UserQuery {
        UserQuery {
            after: None,
            before: None,
            ..self.clone()
        }
    }

    /// Whether any filter is set (the empty state offers to clear them).
    pub fn is_filtered(&self) -> bool {
        !self.q.is_empty()
            || self.status.is_some()
            || self.user_type.is_some()
            || self.role.is_some()
    }

    /// The page size in force.
    pub fn page_size(&self) -> u32 {
        if PAGE_SIZES.contains(&self.size) {
            self.size
        } else {
            25
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How many users match the filters: exact, or "at least" past the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchCount {
    pub count: i64,
    pub capped: bool,
}

impl MatchCount {
    /// "1 user matches", "2,345 users match", "10,000+ users match".
    pub fn label(&self) -> String {
        let n = group_thousands(self.count);
        match (self.count, self.capped) {
            (_, true) => format!("{n}+ users match"),
            (1, false) => "1 user matches".into(),
            _ => format!("{n} users match"),
        }
    }
}

/// 12345 → "12,345".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// One page of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    pub matches: MatchCount,
    /// Cursor for the next page (the last row's id), if there is one.
    pub next: Option<i64>,
    /// Cursor for the previous page (the first row's id), if this is not the first page.
    pub prev: Option<i64>,
}

/// What the Add User form sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UserForm {
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

/// The fields of a user after every rule passed: trimmed, normalised, optional ones `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUser {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub timezone: Option<String>,
    pub role_ids: Vec<i64>,
}

/// Longest external id, in characters.
pub const EXTERNAL_ID_MAX: usize = 255;

/// Checks every field rule that needs no database; `is_timezone` says whether a name is an
/// IANA timezone (the server knows the list). Returns every failure, each for its field.
pub fn validate_user_form(
    form: &UserForm,
    is_timezone: impl Fn(&str) -> bool,
) -> Result<ValidUser, Vec<crate::error::FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(crate::error::FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let first_name = validate_name(&form.first_name)
        .map_err(|m| fail("first_name", m))
        .ok();
    let last_name = validate_name(&form.last_name)
        .map_err(|m| fail("last_name", m))
        .ok();
    let email = validate_email(&form.email)
        .map_err(|m| fail("email", m))
        .ok();
    let phone = match normalize_phone(&form.phone) {
        Ok(p) => p,
        Err(m) => {
            fail("phone", m);
            None
        }
    };
    let ext = form.external_id.trim();
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
    let tz = form.timezone.trim();
    let timezone = if tz.is_empty() {
        None
    } else if tz.len() <= 64 && is_timezone(tz) {
        Some(tz.to_string())
    } else {
        fail("timezone", "Choose a timezone from the list");
        None
    };
    let mut role_ids = form.role_ids.clone();
    role_ids.sort_unstable();
    role_ids.dedup();
    if role_ids.len() > 50 {
        fail("role_ids", "At most 50 roles");
    }
    match (first_name, last_name, email) {
        (Some(first_name), Some(last_name), Some(email)) if errors.is_empty() => Ok(ValidUser {
            first_name,
            last_name,
            email,
            phone,
            external_id,
            timezone,
            role_ids,
        }),
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
mod form_tests {
    use super::*;

    fn form() -> UserForm {
        UserForm {
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
        let v = validate_user_form(&form(), |tz| tz == "Europe/Berlin").unwrap();
        assert_eq!(v.first_name, "José");
        assert_eq!(v.phone.as_deref(), Some("+14155550123"));
        assert_eq!(v.external_id.as_deref(), Some("EMP-1"));
        assert_eq!(v.role_ids, vec![1, 3]);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let bad = UserForm {
            first_name: "".into(),
            last_name: "x".repeat(101),
            email: "nope".into(),
            phone: "415 555".into(),
            external_id: "a".repeat(256),
            timezone: "Mars/Olympus".into(),
            role_ids: vec![],
        };
        let errors = validate_user_form(&bad, |_| false).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "first_name",
                "last_name",
                "email",
                "phone",
                "external_id",
                "timezone"
            ]
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

    #[test]
    fn the_query_round_trips_through_the_url() {
        let q = UserQuery {
            q: "ann lee & co".into(),
            status: Some(Status::Suspended),
            user_type: Some(UserType::Agent),
            role: Some(7),
            sort: SortKey::LastLogin,
            desc: true,
            size: 50,
            after: Some(99),
            before: None,
        };
        let s = q.to_query_string();
        let pairs: Vec<(String, String)> = s
            .trim_start_matches('?')
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_string(), percent_decode(v))
            })
            .collect();
        let back = UserQuery::from_pairs(|k| {
            pairs
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, v)| v.as_str())
        });
        assert_eq!(back, q);
        assert_eq!(UserQuery::default().first_page().to_query_string(), "");
    }

    #[test]
    fn malformed_query_values_fall_back_to_defaults() {
        let q = UserQuery::from_pairs(|k| match k {
            "status" => Some("gone"),
            "type" => Some("root"),
            "size" => Some("1000"),
            "sort" => Some("password"),
            "after" => Some("-4"),
            _ => None,
        });
        assert_eq!(
            q,
            UserQuery {
                size: 25,
                ..UserQuery::default()
            }
        );
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(
            MatchCount {
                count: 1,
                capped: false
            }
            .label(),
            "1 user matches"
        );
        assert_eq!(
            MatchCount {
                count: 12345,
                capped: false
            }
            .label(),
            "12,345 users match"
        );
        assert_eq!(
            MatchCount {
                count: 10000,
                capped: true
            }
            .label(),
            "10,000+ users match"
        );
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
