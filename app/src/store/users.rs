//! Users: creation, the sign-in lookup, passwords and last login.

use sqlx::Row;

use super::{Store, StoreError, TenantId, UserId, audit, now_ms, on_pool, write_tx};
use crate::users::model::{Status, UserType};

/// A user to insert. The email must already be validated; `email_norm` is derived here.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub timezone: Option<String>,
    pub user_type: UserType,
    pub status: Status,
    /// Argon2id PHC string of the (temporary) password.
    pub password_hash: Option<String>,
    pub password_temporary: bool,
    /// When an unused temporary password stops working (ms since epoch).
    pub password_expires_at: Option<i64>,
}

/// A user row as the server needs it (never sent to the browser as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub timezone: Option<String>,
    pub user_type: UserType,
    pub status: Status,
    pub password_temporary: bool,
    pub last_login_at: Option<i64>,
    pub version: i64,
}

/// What sign-in checks a password against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user_id: UserId,
    pub status: Status,
    pub user_type: UserType,
    pub password_hash: Option<String>,
    pub password_temporary: bool,
    pub password_expires_at: Option<i64>,
}

/// Inserts a user inside the caller's transaction and evaluates to its [`UserId`]; a unique
/// violation becomes [`StoreError::Unique`].
macro_rules! insert_user {
    ($tx:expr, $tenant:expr, $user:expr, $now:expr) => {{
        let user: &$crate::store::NewUser = $user;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (tenant_id, first_name, last_name, email, email_norm, phone,
                                external_id, timezone, user_type, status, password_hash,
                                password_temporary, password_expires_at, created_at, updated_at,
                                name_key, search_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)
             RETURNING id",
        )
        .bind($tenant.0)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&user.email)
        .bind($crate::users::model::email_key(&user.email))
        .bind(&user.phone)
        .bind(&user.external_id)
        .bind(&user.timezone)
        .bind(user.user_type.as_str())
        .bind(user.status.as_str())
        .bind(&user.password_hash)
        .bind(user.password_temporary)
        .bind(user.password_expires_at)
        .bind($now)
        .bind($crate::users::model::name_key(
            &user.first_name,
            &user.last_name,
        ))
        .bind($crate::users::model::search_key(
            &user.first_name,
            &user.last_name,
            &user.email,
        ))
        .fetch_one(&mut *$tx)
        .await
        .map_err($crate::store::classify)?;
        $crate::store::UserId(id)
    }};
}
pub(crate) use insert_user;

const USER_COLUMNS: &str = "id, tenant_id, first_name, last_name, email, timezone, user_type,
     status, password_temporary, last_login_at, version";

fn user_from_row<R>(r: &R) -> Result<UserRecord, StoreError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    bool: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let user_type: String = r.try_get("user_type")?;
    let status: String = r.try_get("status")?;
    Ok(UserRecord {
        id: UserId(r.try_get("id")?),
        tenant_id: TenantId(r.try_get("tenant_id")?),
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        email: r.try_get("email")?,
        timezone: r.try_get("timezone")?,
        user_type: UserType::parse(&user_type).ok_or(StoreError::NotFound)?,
        status: Status::parse(&status).ok_or(StoreError::NotFound)?,
        password_temporary: r.try_get("password_temporary")?,
        last_login_at: r.try_get("last_login_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// Creates one user (used by the operator commands and, later, the Add User flow).
    pub async fn create_user(
        &self,
        tenant: TenantId,
        actor: Option<UserId>,
        user: &NewUser,
    ) -> Result<UserId, StoreError> {
        let now = now_ms();
        let id = write_tx!(self, tx => {
            let id = insert_user!(tx, tenant, user, now);
            audit!(tx, tenant, actor, Some(id), "user.create", serde_json::json!({
                "first_name": user.first_name, "last_name": user.last_name,
                "email": user.email, "user_type": user.user_type.as_str(),
                "status": user.status.as_str(),
            }));
            id
        });
        Ok(id)
    }

    /// One user of the tenant.
    pub async fn user(&self, tenant: TenantId, user: UserId) -> Result<UserRecord, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2");
        on_pool!(self, pool => {
            let row = sqlx::query(&sql)
                .bind(tenant.0)
                .bind(user.0)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)?;
            user_from_row(&row)
        })
    }

    /// The sign-in record of the user with this email (any letter case) in the tenant.
    pub async fn credentials(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<Credentials>, StoreError> {
        let key = crate::users::model::email_key(email);
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT id, status, user_type, password_hash, password_temporary,
                        password_expires_at
                   FROM users WHERE tenant_id = $1 AND email_norm = $2",
            )
            .bind(tenant.0)
            .bind(&key)
            .fetch_optional(pool)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let status: String = r.try_get("status")?;
            let user_type: String = r.try_get("user_type")?;
            Ok(Some(Credentials {
                user_id: UserId(r.try_get("id")?),
                status: Status::parse(&status).ok_or(StoreError::NotFound)?,
                user_type: UserType::parse(&user_type).ok_or(StoreError::NotFound)?,
                password_hash: r.try_get("password_hash")?,
                password_temporary: r.try_get("password_temporary")?,
                password_expires_at: r.try_get("password_expires_at")?,
            }))
        })
    }

    /// The tenant of a workspace and the sign-in record of the user with this email (any
    /// letter case) in it, in one statement: an unknown workspace, an unknown email and a known
    /// one cost the same query, so its time tells nothing.
    pub async fn sign_in_lookup(
        &self,
        slug: &str,
        email: &str,
    ) -> Result<(Option<TenantId>, Option<Credentials>), StoreError> {
        let key = crate::users::model::email_key(email);
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT t.id AS tenant_id, u.id, u.status, u.user_type, u.password_hash,
                        u.password_temporary, u.password_expires_at
                   FROM tenants t
                   LEFT JOIN users u ON u.tenant_id = t.id AND u.email_norm = $2
                  WHERE t.slug = $1",
            )
            .bind(slug)
            .bind(&key)
            .fetch_optional(pool)
            .await?;
            let Some(r) = row else { return Ok((None, None)) };
            let tenant = TenantId(r.try_get("tenant_id")?);
            let Some(id) = r.try_get::<Option<i64>, _>("id")? else {
                return Ok((Some(tenant), None));
            };
            let status: String = r.try_get("status")?;
            let user_type: String = r.try_get("user_type")?;
            Ok((
                Some(tenant),
                Some(Credentials {
                    user_id: UserId(id),
                    status: Status::parse(&status).ok_or(StoreError::NotFound)?,
                    user_type: UserType::parse(&user_type).ok_or(StoreError::NotFound)?,
                    password_hash: r.try_get("password_hash")?,
                    password_temporary: r.try_get("password_temporary")?,
                    password_expires_at: r.try_get("password_expires_at")?,
                }),
            ))
        })
    }

    /// The stored password hash of a user, for checking the current password.
    pub async fn password_hash(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant.0)
            .bind(user.0)
            .fetch_optional(pool)
            .await?
            .flatten())
        })
    }

    /// Sets a user's password and ends all their sessions, with an audit record, in one
    /// transaction. A chosen password clears the temporary flag and the expiry.
    pub async fn set_password(
        &self,
        tenant: TenantId,
        actor: Option<UserId>,
        user: UserId,
        hash: &str,
        temporary: bool,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        write_tx!(self, tx => {
            let changed = sqlx::query(
                "UPDATE users SET password_hash = $1, password_temporary = $2,
                        password_expires_at = $3, updated_at = $4, version = version + 1
                  WHERE tenant_id = $5 AND id = $6",
            )
            .bind(hash)
            .bind(temporary)
            .bind(expires_at)
            .bind(now)
            .bind(tenant.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
                .bind(tenant.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            let action = if temporary { "user.reset_password" } else { "user.change_password" };
            audit!(tx, tenant, actor, Some(user), action, serde_json::json!({ "password": "changed" }));
        });
        Ok(())
    }

    /// Records a successful sign-in.
    pub async fn record_login(&self, tenant: TenantId, user: UserId) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE users SET last_login_at = $1 WHERE tenant_id = $2 AND id = $3")
                .bind(now_ms())
                .bind(tenant.0)
                .bind(user.0)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

/// A generated user for `seed-demo`: the user, when they last signed in, and their roles.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub user: NewUser,
    pub last_login_at: Option<i64>,
    /// When the user was created (default: now).
    pub created_at: Option<i64>,
    pub role_ids: Vec<i64>,
}

/// `rows` parenthesised groups of `cols` placeholders for a multi-row `VALUES`: numbered on
/// PostgreSQL, anonymous `?` on SQLite. SQLite finds a numbered parameter by walking the list
/// of all of them, and sqlx asks for every parameter's name, so a statement with 9,500 `$n`
/// spent most of seeding's time there (quadratic; a profile showed 69 % of the CPU in
/// `sqlite3_bind_parameter_name`).
fn value_rows(postgres: bool, rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 7);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
            }
            if postgres {
                sql.push_str(&format!("${}", r * cols + c + 1));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

impl Store {
    /// Inserts generated users in one transaction, many rows per statement, skipping any whose
    /// email already exists; returns how many were inserted. Ids are assigned here, under the
    /// write lock, so each user's roles go in without a look-up.
    pub async fn seed_users(
        &self,
        tenant: TenantId,
        users: &[SeedUser],
    ) -> Result<u64, StoreError> {
        // 19 values a row: well inside SQLite's 32,766 and PostgreSQL's 65,535 bind limits.
        const ROWS: usize = 500;
        let postgres = matches!(self, Store::Postgres(_));
        let now = now_ms();
        let inserted = write_tx!(self, tx => {
            if postgres {
                sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
            }
            let mut next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM users")
                .fetch_one(&mut *tx)
                .await?;
            let start = next;
            // SQLite: the trigram index is filled once per batch below instead of row by row
            // through its trigger (dropped and re-created inside this transaction, so no other
            // writer ever sees it missing), and a large page cache keeps the ten B-trees the
            // rows go into from thrashing the default 2 MB one.
            let fts_trigger: Option<String> = if postgres {
                None
            } else {
                sqlx::query("PRAGMA cache_size = -524288").execute(&mut *tx).await?;
                let sql = sqlx::query_scalar(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'users_search_insert'",
                )
                .fetch_optional(&mut *tx)
                .await?;
                if sql.is_some() {
                    sqlx::query("DROP TRIGGER users_search_insert").execute(&mut *tx).await?;
                }
                sql
            };
            let mut inserted = 0u64;
            for chunk in users.chunks(ROWS) {
                let mut sql = String::from(
                    "INSERT INTO users (id, tenant_id, first_name, last_name, email, email_norm, phone,
                        external_id, timezone, user_type, status, password_hash, password_temporary,
                        password_expires_at, last_login_at, created_at, updated_at, name_key, search_key)
                     VALUES ",
                );
                sql.push_str(&value_rows(postgres, chunk.len(), 19));
                sql.push_str(" ON CONFLICT DO NOTHING RETURNING id");
                let mut q = sqlx::query_scalar::<_, i64>(&sql);
                let first = next;
                for (i, s) in chunk.iter().enumerate() {
                    let u = &s.user;
                    q = q
                        .bind(first + i as i64)
                        .bind(tenant.0)
                        .bind(&u.first_name)
                        .bind(&u.last_name)
                        .bind(&u.email)
                        .bind(crate::users::model::email_key(&u.email))
                        .bind(&u.phone)
                        .bind(&u.external_id)
                        .bind(&u.timezone)
                        .bind(u.user_type.as_str())
                        .bind(u.status.as_str())
                        .bind(&u.password_hash)
                        .bind(u.password_temporary)
                        .bind(u.password_expires_at)
                        .bind(s.last_login_at)
                        .bind(s.created_at.unwrap_or(now))
                        .bind(s.created_at.unwrap_or(now)) // updated_at
                        .bind(crate::users::model::name_key(&u.first_name, &u.last_name))
                        .bind(crate::users::model::search_key(&u.first_name, &u.last_name, &u.email));
                }
                let ids: std::collections::HashSet<i64> = q.fetch_all(&mut *tx).await?.into_iter().collect();
                next += chunk.len() as i64;
                inserted += ids.len() as u64;
                let pairs: Vec<(i64, i64)> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (first + i as i64, s))
                    .filter(|(id, _)| ids.contains(id))
                    .flat_map(|(id, s)| s.role_ids.iter().map(move |r| (id, *r)))
                    .collect();
                for part in pairs.chunks(1_000) {
                    let sql = format!(
                        "INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES {}",
                        value_rows(postgres, part.len(), 3)
                    );
                    let mut q = sqlx::query(&sql);
                    for (user, role) in part {
                        q = q.bind(tenant.0).bind(*user).bind(*role);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            if postgres {
                sqlx::query("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))")
                    .execute(&mut *tx)
                    .await?;
            } else {
                if let Some(trigger) = fts_trigger {
                    sqlx::query(
                        "INSERT INTO users_search (rowid, search_tenant, search_key)
                         SELECT id, search_tenant, search_key FROM users
                          WHERE id >= $1 AND id < $2 ORDER BY id",
                    )
                    .bind(start)
                    .bind(next)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(&trigger).execute(&mut *tx).await?;
                }
                sqlx::query("PRAGMA cache_size = -2000").execute(&mut *tx).await?;
            }
            inserted
        });
        Ok(inserted)
    }

    /// The user with this email (any letter case) in the tenant, if any.
    pub async fn user_id_by_email(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let key = crate::users::model::email_key(email);
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT id FROM users WHERE tenant_id = $1 AND email_norm = $2")
                .bind(tenant.0)
                .bind(&key)
                .fetch_optional(pool)
                .await?
                .map(UserId))
        })
    }
}
