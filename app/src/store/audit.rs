//! The audit records of one user, for their History (newest first, keyset-paged by id).

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
