//! The table's view as the URL holds it (filters, sort, keyset page) and the page of rows the
//! server answers with.

use serde::{Deserialize, Serialize};

use super::model::{Status, UserSummary, UserType};

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

/// One page of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserSummary>,
    pub matches: MatchCount,
    /// Cursor for the next page (the last row's id), if there is one.
    pub next: Option<i64>,
    /// Cursor for the previous page (the first row's id), if this is not the first page.
    pub prev: Option<i64>,
}

/// One page of the table as the users page shows it: the rows as HTML rendered on the server
/// (`components/rows.rs`), which the browser puts in the table's body as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePage {
    pub matches: MatchCount,
    pub next: Option<i64>,
    pub prev: Option<i64>,
    /// How many rows `html` holds.
    pub rows: usize,
    /// The ids of those rows, in order (for selecting them).
    pub ids: Vec<i64>,
    /// The rows' `<tr>` elements. Missing from the page's hydration data (see [`Shown`]).
    #[serde(default)]
    pub html: String,
}

/// A [`TablePage`] as the users page's resource holds it: serialised for hydration without its
/// HTML, which the browser already has in the page (`inner_html` keeps the server's markup when
/// it hydrates), so the table is not sent twice. Deserialised with an empty `html`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Shown(pub TablePage);

impl Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let p = &self.0;
        let mut out = s.serialize_struct("TablePage", 5)?;
        out.serialize_field("matches", &p.matches)?;
        out.serialize_field("next", &p.next)?;
        out.serialize_field("prev", &p.prev)?;
        out.serialize_field("rows", &p.rows)?;
        out.serialize_field("ids", &p.ids)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::model::{Status, UserType};

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
