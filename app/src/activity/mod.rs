//! The Activity page: every audit record of the tenant, newest first, filtered by actor, action
//! and date range, a page at a time. The view lives in the URL like the users page's (`query`),
//! the server function answers a page (`server`), and `page` shows it.

pub mod page;
pub mod server;

use serde::{Deserialize, Serialize};

use crate::users::history::{HistoryEntry, action_label};

/// Entries a page of Activity holds.
pub const ACTIVITY_PAGE: usize = 50;

/// The actions the Action filter offers, in its order.
pub const ACTIONS: [&str; 8] = [
    "user.create",
    "user.update",
    "user.suspend",
    "user.reactivate",
    "user.reset_password",
    "user.change_password",
    "users.export",
    "tenant.create",
];

/// The actions the Action filter offers, each with its label.
pub fn action_options() -> impl Iterator<Item = (&'static str, String)> {
    ACTIONS.into_iter().map(|a| (a, action_label(a)))
}

/// The Activity page's view, as its URL holds it. Filters are kept as typed (trimmed), so a
/// wrong one is shown back next to its field; the server checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActivityQuery {
    /// The email of who made the change ("" = anyone).
    pub actor: String,
    /// One of [`ACTIONS`] ("" = any).
    pub action: String,
    /// The first day, `YYYY-MM-DD` in the viewer's timezone ("" = no limit).
    pub from: String,
    /// The last day, included, `YYYY-MM-DD` ("" = no limit).
    pub to: String,
    /// The page after (older than) this record.
    pub before: Option<i64>,
    /// The page before (newer than) this record.
    pub after: Option<i64>,
}

impl ActivityQuery {
    /// The view of a URL's query: `get` reads one parameter.
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<&'a str>) -> ActivityQuery {
        let text = |k: &str| {
            get(k)
                .map(|v| v.trim().chars().take(254).collect::<String>())
                .unwrap_or_default()
        };
        let id = |k: &str| {
            get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
        };
        let before = id("before");
        ActivityQuery {
            actor: text("actor"),
            action: text("action"),
            from: text("from"),
            to: text("to"),
            after: if before.is_some() { None } else { id("after") },
            before,
        }
    }

    /// The same view at its newest page.
    pub fn first_page(&self) -> ActivityQuery {
        ActivityQuery {
            before: None,
            after: None,
            ..self.clone()
        }
    }

    /// Whether any filter is set.
    pub fn is_filtered(&self) -> bool {
        !(self.actor.is_empty()
            && self.action.is_empty()
            && self.from.is_empty()
            && self.to.is_empty())
    }

    /// `?actor=…&action=…` (empty when there is nothing to say), URL-encoded.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                parts.push((k, v.clone()));
            }
        }
        if let Some(b) = self.before {
            parts.push(("before", b.to_string()));
        }
        if let Some(a) = self.after {
            parts.push(("after", a.to_string()));
        }
        if parts.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = parts
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::users::query::percent_encode(v)))
            .collect();
        format!("?{}", encoded.join("&"))
    }
}

/// Who or what an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// "First Last", or "a user no longer here".
    pub name: String,
    /// Their email, when they are still there.
    pub email: Option<String>,
}

/// One audit record as the Activity page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// When, who, what and the fields' before and after, as History shows them.
    pub entry: HistoryEntry,
    /// The actor's email, to filter by them (when they are still there).
    pub actor_email: Option<String>,
    /// The user the record is about, if it is about one.
    pub subject: Option<Subject>,
}

/// A page of Activity, newest first, with the cursors of the pages around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// `before` of the page of older entries, if there are any.
    pub older: Option<i64>,
    /// `after` of the page of newer entries, if there are any.
    pub newer: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view of already-decoded `key=value` pairs.
    fn parse(pairs: &[(&str, &str)]) -> ActivityQuery {
        ActivityQuery::from_pairs(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v))
    }

    #[test]
    fn a_view_survives_its_url() {
        let q = ActivityQuery {
            actor: "ann+ops@example.com".into(),
            action: "user.suspend".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            before: Some(42),
            after: None,
        };
        assert_eq!(
            q.to_query_string(),
            "?actor=ann%2Bops%40example.com&action=user.suspend&from=2026-11-01&to=2026-11-30&before=42"
        );
        let pairs = [
            ("actor", "ann+ops@example.com"),
            ("action", "user.suspend"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("before", "42"),
        ];
        assert_eq!(parse(&pairs), q);
        assert_eq!(ActivityQuery::default().to_query_string(), "");
        assert_eq!(q.first_page().before, None);
    }

    #[test]
    fn a_url_cannot_ask_for_both_directions_or_nonsense_cursors() {
        let q = parse(&[("before", "5"), ("after", "9")]);
        assert_eq!((q.before, q.after), (Some(5), None));
        let q = parse(&[("before", "-3"), ("after", "x")]);
        assert_eq!((q.before, q.after), (None, None));
        assert!(!parse(&[("before", "5")]).is_filtered());
        let q = parse(&[("actor", " a@b.co ")]);
        assert!(q.is_filtered());
        assert_eq!(q.actor, "a@b.co");
    }
}
