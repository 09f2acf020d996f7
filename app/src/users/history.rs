//! A user's History: the audit records of their changes as the panel shows them, newest first,
//! keyset-paged. Never a password or a hash: the records hold none (`store/users.rs`).

use serde::{Deserialize, Serialize};

use super::model::TimeLabel;

/// Entries a page of History holds.
pub const HISTORY_PAGE: usize = 20;

/// One field's change: what it was and what it became (empty when there was nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// One change of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    /// When, in the viewer's timezone.
    pub at: TimeLabel,
    /// Who: a name, or who else acted ("the operator").
    pub actor: String,
    /// "Created", "Edited", "Suspended", "Password reset"…
    pub what: String,
    pub changes: Vec<FieldChange>,
}

/// A page of History, newest first; `next` is the cursor of the page after (older entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    pub next: Option<i64>,
}

/// What an audit action is called in History.
pub fn action_label(action: &str) -> String {
    match action {
        "user.create" => "Created".into(),
        "tenant.create" => "Created with the workspace".into(),
        "user.update" => "Edited".into(),
        "user.suspend" => "Suspended".into(),
        "user.reactivate" => "Reactivated".into(),
        "user.reset_password" => "Password reset".into(),
        "user.change_password" => "Password changed".into(),
        "users.export" => "Exported users".into(),
        other => other.to_string(),
    }
}

/// The label of an audited field.
pub fn field_label(field: &str) -> String {
    match field {
        "first_name" => "First name".into(),
        "last_name" => "Last name".into(),
        "email" => "Email".into(),
        "phone" => "Phone".into(),
        "external_id" => "External ID".into(),
        "timezone" => "Timezone".into(),
        "user_type" => "Type".into(),
        "status" => "Status".into(),
        "role_ids" => "Roles".into(),
        "slug" => "Workspace".into(),
        "name" => "Workspace name".into(),
        other => other.to_string(),
    }
}

/// Where a field comes in History's list of changes: as the form lists them.
#[cfg(feature = "ssr")]
fn field_rank(field: &str) -> usize {
    const ORDER: [&str; 9] = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "external_id",
        "timezone",
        "user_type",
        "status",
        "role_ids",
    ];
    ORDER
        .iter()
        .position(|f| *f == field)
        .unwrap_or(ORDER.len())
}

/// An audit record as History shows it: the action's name, who, when in the viewer's
/// timezone `tz`, and each field's before and after (role ids as the tenant's role names).
#[cfg(feature = "ssr")]
pub fn describe(
    r: &crate::store::AuditRecord,
    roles: &std::collections::HashMap<i64, String>,
    now: i64,
    tz: &str,
) -> HistoryEntry {
    use serde_json::Value;
    let text = |v: Option<&Value>, field: &str| -> String {
        match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(ids)) if field == "role_ids" => ids
                .iter()
                .filter_map(Value::as_i64)
                .map(|id| {
                    roles
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("a deleted role (#{id})"))
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(other) => other.to_string(),
        }
    };
    let fields = match serde_json::from_str::<Value>(&r.changes) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let actor = match (&r.actor_name, r.actor) {
        (Some(name), _) => name.clone(),
        (None, Some(_)) => "a user no longer here".into(),
        (None, None) => "the operator".into(),
    };
    let at = crate::users::time::label(r.created_at, now, tz);
    if r.action == "users.export" {
        return describe_export(r.id, at, actor, &fields);
    }
    let mut changes: Vec<(usize, FieldChange)> = fields
        .iter()
        // A password change says only that it happened (the action's name says it).
        .filter(|(field, _)| field.as_str() != "password")
        .filter_map(|(field, v)| {
            let (from, to) = match v.as_object() {
                Some(o) if o.contains_key("from") || o.contains_key("to") => {
                    (text(o.get("from"), field), text(o.get("to"), field))
                }
                // A creation records each field's first value.
                _ => (String::new(), text(Some(v), field)),
            };
            (!from.is_empty() || !to.is_empty()).then(|| {
                (
                    field_rank(field),
                    FieldChange {
                        field: field_label(field),
                        from,
                        to,
                    },
                )
            })
        })
        .collect();
    changes.sort_by_key(|(rank, _)| *rank);
    HistoryEntry {
        id: r.id,
        at,
        actor,
        what: action_label(&r.action),
        changes: changes.into_iter().map(|(_, c)| c).collect(),
    }
}

/// An export's record: how many users it sent, whether it ran to its end, and the view (the
/// users page's query; empty for every user).
#[cfg(feature = "ssr")]
fn describe_export(
    id: i64,
    at: TimeLabel,
    actor: String,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> HistoryEntry {
    use crate::users::format::group_thousands;
    let rows = fields
        .get("rows")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    let users = format!(
        "{} user{}",
        group_thousands(rows),
        if rows == 1 { "" } else { "s" }
    );
    let complete = fields
        .get("complete")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(true);
    let view = fields
        .get("view")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    HistoryEntry {
        id,
        at,
        actor,
        what: if complete {
            format!("Exported {users}")
        } else {
            format!("Export stopped after {users}")
        },
        changes: vec![FieldChange {
            field: "View".into(),
            from: String::new(),
            to: if view.is_empty() {
                "All users".into()
            } else {
                view.trim_start_matches('?').to_string()
            },
        }],
    }
}
