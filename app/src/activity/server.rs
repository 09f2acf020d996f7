//! The server function of the Activity page: the admin's tenant's audit records, a page at a
//! time, described as History describes them.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{ActivityPage, ActivityQuery};
use crate::error::AppError;

/// A page of the tenant's Activity: the audit records the view's filters keep, newest first.
/// A filter that names no one, no action or no date is an error next to its field.
#[server(endpoint = "activity", input = Json)]
pub async fn activity(query: ActivityQuery) -> Result<ActivityPage, AppError> {
    use super::{ACTIONS, ACTIVITY_PAGE, ActivityEntry, Subject};
    use crate::error::FieldError;
    use crate::store::{ActivityCursor, ActivityFilter};
    use crate::users::history::describe;
    use crate::users::server::as_admin;
    use crate::users::time::day_range;

    as_admin(|a| async move {
        let store = &a.state.store;
        let tz = a.timezone();
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            })
        };
        let mut filter = ActivityFilter::default();
        if !query.actor.is_empty() {
            filter.actor = store.user_id_by_email(a.tenant(), &query.actor).await?;
            if filter.actor.is_none() {
                fail("actor", "No one in your organisation has this email");
            }
        }
        if !query.action.is_empty() {
            if ACTIONS.contains(&query.action.as_str()) {
                filter.action = Some(query.action.clone());
            } else {
                fail("action", "Choose an action from the list");
            }
        }
        const NOT_A_DATE: &str = "Enter a date like 2026-11-30";
        if !query.from.is_empty() {
            filter.since_ms = day_range(&query.from, tz).map(|(start, _)| start);
            if filter.since_ms.is_none() {
                fail("from", NOT_A_DATE);
            }
        }
        if !query.to.is_empty() {
            filter.until_ms = day_range(&query.to, tz).map(|(_, end)| end);
            if filter.until_ms.is_none() {
                fail("to", NOT_A_DATE);
            }
        }
        if let (Some(since), Some(until)) = (filter.since_ms, filter.until_ms)
            && until <= since
        {
            fail("to", "The last day cannot be before the first");
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }

        let cursor = match (query.before, query.after) {
            (Some(id), _) => Some(ActivityCursor::Older(id)),
            (None, Some(id)) => Some(ActivityCursor::Newer(id)),
            (None, None) => None,
        };
        let mut records = store
            .tenant_audit(a.tenant(), &filter, cursor, ACTIVITY_PAGE as i64 + 1)
            .await?;
        let more = records.len() > ACTIVITY_PAGE;
        let going_newer = matches!(cursor, Some(ActivityCursor::Newer(_)));
        if more {
            // The record past the page is its oldest, or its newest when going newer.
            if going_newer {
                records.remove(0);
            } else {
                records.pop();
            }
        }
        let id_of = |r: Option<&crate::store::ActivityRecord>| r.map(|r| r.record.id);
        // Going newer, there are older entries (the page came from one); going older, newer
        // ones (the same), unless this is the newest page.
        let older = (more || going_newer)
            .then(|| id_of(records.last()))
            .flatten();
        let newer = if going_newer {
            more.then(|| id_of(records.first())).flatten()
        } else {
            cursor.and_then(|_| id_of(records.first()))
        };

        let roles = store.role_names(a.tenant()).await?;
        let now = crate::store::now_ms();
        let entries = records
            .into_iter()
            .map(|r| ActivityEntry {
                entry: describe(&r.record, &roles, now, tz),
                subject: r.target.map(|_| Subject {
                    name: r
                        .target_name
                        .unwrap_or_else(|| "a user no longer here".into()),
                    email: r.target_email,
                }),
                actor_email: r.actor_email,
            })
            .collect();
        Ok(ActivityPage {
            entries,
            older,
            newer,
        })
    })
    .await
}
