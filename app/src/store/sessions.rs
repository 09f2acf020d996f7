//! Sessions: created at sign-in, found by the hash of the cookie token, ended on sign-out,
//! expiry, suspension and password changes.
//!
//! [`Store::session_user`] is the one lookup that takes no tenant: it is how a request's tenant
//! is learned in the first place, from an unguessable token.

use super::{Sql, Store, StoreError, TenantId, UserId, now_ms};
use crate::users::model::{Status, UserType};

/// A new session to store.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// Absolute end of the session (ms since epoch), whatever the activity.
    pub expires_at: i64,
    /// The password hash the sign-in verified (`None` for a user without a password): the
    /// session is created only if the user still has exactly this one.
    pub password_hash: Option<String>,
}

/// Inserts the session only if its user is still active and still has the verified password
/// hash. PostgreSQL appends `FOR SHARE`, so the check waits for a password change or suspension
/// in flight and then sees its result; SQLite's `BEGIN IMMEDIATE` already runs writers one at a
/// time.
const CREATE_SESSION_SQL: &str =
    "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, last_seen_at, expires_at)
     SELECT $1, $2, $3, $4, $4, $5 FROM users
      WHERE tenant_id = $2 AND id = $3 AND status = 'active'
        AND (password_hash = $6 OR (password_hash IS NULL AND $6 IS NULL))";

/// The signed-in user behind a live session, with their tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub session_id: i64,
    pub tenant_id: TenantId,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub tenant_timezone: String,
    pub user_id: UserId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub timezone: Option<String>,
    pub user_type: UserType,
    pub password_temporary: bool,
    pub last_seen_at: i64,
}

impl Store {
    /// Stores a new session, if its user is still active and still has the password hash the
    /// sign-in verified; returns whether it did. One statement decides, so a password change
    /// or a suspension that commits while the sign-in hashed wins: either it committed first
    /// and no session is made, or it commits after and ends the new session with the others
    /// (both update the user's row before they delete its sessions).
    pub async fn create_session(&self, s: &SessionRecord) -> Result<bool, StoreError> {
        let now = now_ms();
        let sql = match self {
            Store::Sqlite(_) => CREATE_SESSION_SQL.to_string(),
            Store::Postgres(_) => format!("{CREATE_SESSION_SQL} FOR SHARE"),
        };
        let sql = Sql::new(sql)
            .bind(&s.token_hash)
            .bind(s.tenant_id)
            .bind(s.user_id)
            .bind(now)
            .bind(s.expires_at)
            .bind(s.password_hash.as_deref());
        let mut tx = self.write().await?;
        let created = tx.db().execute(&sql).await?;
        tx.commit().await?;
        Ok(created == 1)
    }

    /// The user behind a session token hash, if the session is live: not past its absolute
    /// end, used within `idle_ms`, and its user active. Expired sessions found here are deleted.
    pub async fn session_user(
        &self,
        token_hash: &str,
        idle_ms: i64,
    ) -> Result<Option<SessionUser>, StoreError> {
        let now = now_ms();
        let sql = Sql::new(
            "SELECT s.id AS session_id, s.last_seen_at, s.expires_at,
                    t.id AS tenant_id, t.slug, t.name AS tenant_name,
                    t.default_timezone, u.id AS user_id, u.first_name, u.last_name,
                    u.email, u.timezone, u.user_type, u.status, u.password_temporary
               FROM sessions s
               JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
               JOIN tenants t ON t.id = s.tenant_id
              WHERE s.token_hash = $1",
        )
        .bind(token_hash);
        let mut conn = self.conn().await?;
        let Some(r) = conn.db().optional(&sql).await? else {
            return Ok(None);
        };
        let session_id: i64 = r.get("session_id")?;
        let last_seen_at: i64 = r.get("last_seen_at")?;
        let expires_at: i64 = r.get("expires_at")?;
        let status: Status = r.parsed("status")?;
        let live = now < expires_at && now - last_seen_at < idle_ms && status == Status::Active;
        if !live {
            let end = Sql::new("DELETE FROM sessions WHERE id = $1").bind(session_id);
            conn.db().execute(&end).await?;
            return Ok(None);
        }
        Ok(Some(SessionUser {
            session_id,
            tenant_id: TenantId(r.get("tenant_id")?),
            tenant_slug: r.get("slug")?,
            tenant_name: r.get("tenant_name")?,
            tenant_timezone: r.get("default_timezone")?,
            user_id: UserId(r.get("user_id")?),
            first_name: r.get("first_name")?,
            last_name: r.get("last_name")?,
            email: r.get("email")?,
            timezone: r.get("timezone")?,
            user_type: r.parsed::<UserType>("user_type")?,
            password_temporary: r.get("password_temporary")?,
            last_seen_at,
        }))
    }

    /// Marks a session as used now, which moves its idle deadline.
    pub async fn touch_session(&self, session_id: i64) -> Result<(), StoreError> {
        let sql = Sql::new("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(session_id);
        self.execute(&sql).await
    }

    /// Ends one session (sign-out).
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let sql = Sql::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash);
        self.execute(&sql).await
    }

    /// How many sessions a user has (tests and operators).
    pub async fn session_count(&self, tenant: TenantId, user: UserId) -> Result<i64, StoreError> {
        let sql = Sql::new("SELECT COUNT(*) FROM sessions WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user);
        self.conn().await?.db().scalar(&sql).await
    }
}
