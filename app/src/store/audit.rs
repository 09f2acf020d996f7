//! The audit records: those of one user, for their History, and those of a tenant, for the
//! Activity page (newest first, keyset-paged).

use super::{Sql, Store, StoreError, TenantId, UserId};

/// One audit record about a user, with the name of who made it (if they are still there).
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub actor: Option<UserId>,
    /// "First Last" of the actor, when the actor is a user of the tenant still.
    pub actor_name: Option<String>,
    pub action: String,
    /// JSON object of the changed fields (never a password or hash).
    pub changes: String,
    pub created_at: i64,
}

impl Store {
    /// The audit records about `user` of `tenant`, newest first, older than `before` (an
    /// audit record's id) if given, at most `limit`.
    pub async fn user_audit(
        &self,
        tenant: TenantId,
        user: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT a.id, a.actor_user_id, a.action, a.changes, a.created_at,
                    u.first_name, u.last_name
               FROM audit_log a
               LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.actor_user_id
              WHERE a.tenant_id = ",
        );
        sql.arg(tenant).push(" AND a.target_user_id = ").arg(user);
        if let Some(b) = before {
            sql.push(" AND a.id < ").arg(b);
        }
        sql.push(" ORDER BY a.id DESC LIMIT ").arg(limit);
        let rows = self.conn().await?.db().all(&sql).await?;
        rows.iter()
            .map(|r| {
                let first: Option<String> = r.get("first_name")?;
                let last: Option<String> = r.get("last_name")?;
                Ok(AuditRecord {
                    id: r.get("id")?,
                    actor: r.get::<Option<i64>>("actor_user_id")?.map(UserId),
                    actor_name: first.zip(last).map(|(f, l)| format!("{f} {l}")),
                    action: r.get("action")?,
                    changes: r.get("changes")?,
                    created_at: r.get("created_at")?,
                })
            })
            .collect()
    }
}

/// Which of a tenant's audit records the Activity page lists (every one, with nothing set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// Made by this user.
    pub actor: Option<UserId>,
    /// Of this action (`user.suspend`…).
    pub action: Option<String>,
    /// Made at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Made before this time (ms since the epoch).
    pub until_ms: Option<i64>,
}

/// Where a page of Activity starts: right after (older than) or right before (newer than) the
/// record with this id, in the page's order, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityCursor {
    Older(i64),
    Newer(i64),
}

/// An audit record of the tenant, with who it was about (if they are still there).
#[derive(Debug, Clone)]
pub struct ActivityRecord {
    pub record: AuditRecord,
    pub actor_email: Option<String>,
    pub target: Option<UserId>,
    /// "First Last" and email of the user the record is about, when they are still there.
    pub target_name: Option<String>,
    pub target_email: Option<String>,
}

impl Store {
    /// A page of the tenant's audit records that `filter` keeps, newest first (by time, then
    /// id): the `limit` next after `cursor` in that order (before it, for `Newer`, still
    /// returned newest first). A cursor that is not a record of the tenant starts at the newest.
    ///
    /// Each filter has an index in this order (migrations 0011), so a page reads about `limit`
    /// index entries wherever it is in ten million records.
    pub async fn tenant_audit(
        &self,
        tenant: TenantId,
        filter: &ActivityFilter,
        cursor: Option<ActivityCursor>,
        limit: i64,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        let mut conn = self.conn().await?;
        let (at_id, newer) = match cursor {
            Some(ActivityCursor::Older(id)) => (Some(id), false),
            Some(ActivityCursor::Newer(id)) => (Some(id), true),
            None => (None, false),
        };
        let at = match at_id {
            Some(id) => {
                let sql =
                    Sql::new("SELECT created_at FROM audit_log WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant)
                        .bind(id);
                conn.db()
                    .optional(&sql)
                    .await?
                    .map(|r| r.get::<i64>(0))
                    .transpose()?
                    .map(|created| (created, id))
            }
            None => None,
        };
        let newer = newer && at.is_some();
        let mut sql = Sql::new(
            "SELECT a.id, a.actor_user_id, a.target_user_id, a.action, a.changes, a.created_at,
                    ac.first_name AS actor_first, ac.last_name AS actor_last, ac.email AS actor_email,
                    t.first_name AS target_first, t.last_name AS target_last, t.email AS target_email
               FROM audit_log a
               LEFT JOIN users ac ON ac.tenant_id = a.tenant_id AND ac.id = a.actor_user_id
               LEFT JOIN users t ON t.tenant_id = a.tenant_id AND t.id = a.target_user_id
              WHERE a.tenant_id = ",
        );
        sql.arg(tenant);
        if let Some(actor) = filter.actor {
            sql.push(" AND a.actor_user_id = ").arg(actor);
        }
        if let Some(action) = &filter.action {
            sql.push(" AND a.action = ").arg(action.as_str());
        }
        if let Some(since) = filter.since_ms {
            sql.push(" AND a.created_at >= ").arg(since);
        }
        if let Some(until) = filter.until_ms {
            sql.push(" AND a.created_at < ").arg(until);
        }
        if let Some((created, id)) = at {
            sql.push(if newer {
                " AND (a.created_at, a.id) > ("
            } else {
                " AND (a.created_at, a.id) < ("
            });
            sql.arg(created).push(", ").arg(id).push(")");
        }
        sql.push(if newer {
            " ORDER BY a.created_at, a.id LIMIT "
        } else {
            " ORDER BY a.created_at DESC, a.id DESC LIMIT "
        });
        sql.arg(limit);
        let rows = conn.db().all(&sql).await?;
        let name = |first: Option<String>, last: Option<String>| {
            first.zip(last).map(|(f, l)| format!("{f} {l}"))
        };
        let mut records = rows
            .iter()
            .map(|r| {
                Ok(ActivityRecord {
                    record: AuditRecord {
                        id: r.get("id")?,
                        actor: r.get::<Option<i64>>("actor_user_id")?.map(UserId),
                        actor_name: name(r.get("actor_first")?, r.get("actor_last")?),
                        action: r.get("action")?,
                        changes: r.get("changes")?,
                        created_at: r.get("created_at")?,
                    },
                    actor_email: r.get("actor_email")?,
                    target: r.get::<Option<i64>>("target_user_id")?.map(UserId),
                    target_name: name(r.get("target_first")?, r.get("target_last")?),
                    target_email: r.get("target_email")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if newer {
            records.reverse();
        }
        Ok(records)
    }
}
