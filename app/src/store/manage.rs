//! User management: the table's query (filters, sort, keyset pages, match count, roles of the
//! page in one query) and the admin's writes with their rules (stale versions, self-suspension,
//! the last active tenant admin, roles of the tenant only).

use std::collections::HashMap;

use sqlx::Row;

use super::{Store, StoreError, TenantId, UserId, audit, classify, now_ms, on_pool, write_tx};
use crate::users::model::{
    MATCH_COUNT_CAP, MatchCount, RoleOption, RoleTag, SortKey, Status, UserQuery, UserType,
    ValidUser, email_key, name_key, search_key,
};

/// A user row as the store reads it; the server function turns it into the wire `UserRow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedUser {
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
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

/// One page of the table as the store reads it.
#[derive(Debug, Clone)]
pub struct ListedPage {
    pub rows: Vec<ListedUser>,
    pub matches: MatchCount,
    pub next: Option<i64>,
    pub prev: Option<i64>,
}

/// A bind value of a query built at run time.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
}

/// SQL text with numbered placeholders and the values that go with them.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `arg`.
    fn arg(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }
}

/// Binds a built query's values onto `sqlx::query`/`query_scalar` for either backend.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// The sort expression of a key. `last_login` sorts "never" as the oldest.
fn sort_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Name => "u.name_key",
        SortKey::Email => "u.email_norm",
        SortKey::Type => "u.user_type",
        SortKey::Status => "u.status",
        SortKey::LastLogin => "COALESCE(u.last_login_at, 0)",
        SortKey::Created => "u.created_at",
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Past this many matches a search reads the sort index in order rather than the trigram table.
const BROAD_SEARCH_MATCHES: i64 = 2_000;

/// Searches this short or shorter use the prefix fast path: a trigram index needs three
/// characters.
pub const PREFIX_SEARCH_MAX_CHARS: usize = 2;

/// How a search of three characters or more finds its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigram {
    /// SQLite: the candidates come from the FTS5 trigram table.
    Table,
    /// PostgreSQL: `LIKE` on `search_key`, which the planner may answer from the pg_trgm index.
    Index,
    /// Either: `LIKE` checked row by row while the sort index is read in order (for a broad
    /// search, where the page fills after a few thousand rows). On PostgreSQL the expression
    /// hides the column from the trigram index, whose estimate would otherwise win.
    Bypass,
}

/// An FTS5 query matching `text` as a substring of `search_key` (with the trigram tokenizer)
/// among the rows of `tenant` only: its token is the `search_tenant` column's three private-use
/// characters (migrations/sqlite/0006_search_by_tenant.sql), so FTS5 reads the tenant's doclist
/// and seeks through the text's, whatever other tenants hold.
fn fts_query(tenant: TenantId, text: &str) -> String {
    let t = tenant.0;
    let token: String = [(t >> 16) & 255, (t >> 8) & 255, t & 255]
        .into_iter()
        .filter_map(|b| char::from_u32(0xE000 + b as u32))
        .collect();
    format!(
        "search_tenant : \"{token}\" AND search_key : \"{}\"",
        text.replace('"', "\"\"")
    )
}

/// `FROM users u WHERE <tenant, search and filters>`, appended to `sql`.
///
/// Search is a case-insensitive substring of "first last email" (`search_key`), found through
/// the trigram index of each backend; one or two characters match the start of the name
/// ("first last") instead, a range of the name index. (The start of the email too was tried:
/// its rows come in another order than the name's, and sorting tens of thousands of them made
/// a one-letter search take 100 ms to a second on PostgreSQL.)
fn filtered(sql: &mut Sql, tenant: TenantId, q: &UserQuery, trigram: Trigram) {
    sql.push(" FROM users u WHERE u.tenant_id = ")
        .arg(Arg::Int(tenant.0));
    let search = q.q.trim().to_lowercase();
    let chars = search.chars().count();
    if chars > PREFIX_SEARCH_MAX_CHARS {
        if trigram == Trigram::Table {
            // The FTS5 trigram table finds the candidates, and the filters are checked on the
            // narrow `users_filter_probe` index (a covering index: no wide row is read), so
            // only the survivors' rows are fetched for the LIKE below, which keeps the exact
            // meaning.
            sql.push(
                " AND u.id IN (SELECT c.id FROM users c WHERE c.id IN \
                   (SELECT rowid FROM users_search WHERE users_search MATCH ",
            )
            .arg(Arg::Text(fts_query(tenant, &search)))
            .push(") AND c.tenant_id = ")
            .arg(Arg::Int(tenant.0));
            filters(sql, "c", q);
            sql.push(")");
        }
        let column = if trigram == Trigram::Bypass {
            "(u.search_key || '')"
        } else {
            "u.search_key"
        };
        sql.push(&format!(" AND {column} LIKE "))
            .arg(Arg::Text(format!("%{}%", like_escape(&search))))
            .push(" ESCAPE '\\'");
        if trigram == Trigram::Table {
            return;
        }
    } else if chars > 0 {
        // The start of the name: a range of the name index (a trigram needs three characters).
        let (from, to) = prefix_range(&search);
        sql.push(" AND u.name_key >= ")
            .arg(Arg::Text(from))
            .push(" AND u.name_key < ")
            .arg(Arg::Text(to));
    }
    filters(sql, "u", q);
}

/// The status, type and role filters of `q` on the users row `alias`.
fn filters(sql: &mut Sql, alias: &str, q: &UserQuery) {
    if let Some(s) = q.status {
        sql.push(&format!(" AND {alias}.status = "))
            .arg(Arg::Text(s.as_str().into()));
    }
    if let Some(t) = q.user_type {
        sql.push(&format!(" AND {alias}.user_type = "))
            .arg(Arg::Text(t.as_str().into()));
    }
    if let Some(r) = q.role {
        // Correlated, so the page is read in sort order through the status/type indexes and
        // stops at the page size (driving from user_roles would read every holder of the role).
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.tenant_id = {alias}.tenant_id \
               AND ur.user_id = {alias}.id AND ur.role_id = "
        ))
        .arg(Arg::Int(r))
        .push(")");
    }
}

/// The byte-order range of strings that start with `prefix`: `[prefix, prefix + U+10FFFF)`.
fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_string(), format!("{prefix}{}", char::MAX))
}

const LIST_COLUMNS: &str = "u.id, u.first_name, u.last_name, u.email, u.phone, u.external_id,
    u.timezone, u.user_type, u.status, u.last_login_at, u.created_at, u.version";

/// Reads the common columns of a user row (roles are filled in afterwards).
macro_rules! listed_from_row {
    ($r:expr) => {{
        let r = $r;
        let user_type: String = r.try_get("user_type")?;
        let status: String = r.try_get("status")?;
        ListedUser {
            id: r.try_get("id")?,
            first_name: r.try_get("first_name")?,
            last_name: r.try_get("last_name")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            external_id: r.try_get("external_id")?,
            timezone: r.try_get("timezone")?,
            user_type: UserType::parse(&user_type).ok_or(StoreError::NotFound)?,
            status: Status::parse(&status).ok_or(StoreError::NotFound)?,
            roles: Vec::new(),
            last_login_at: r.try_get("last_login_at")?,
            created_at: r.try_get("created_at")?,
            version: r.try_get("version")?,
        }
    }};
}

impl Store {
    /// The roles of a tenant, by name.
    pub async fn roles(&self, tenant: TenantId) -> Result<Vec<RoleOption>, StoreError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, name, description FROM roles WHERE tenant_id = $1 ORDER BY name",
            )
            .bind(tenant.0)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok(RoleOption { id: r.try_get("id")?, name: r.try_get("name")?, description: r.try_get("description")? }))
                .collect()
        })
    }

    /// One page of the table: the filters of `q`, sorted, after or before a cursor row; the
    /// roles of the page's users in one more query; and the capped match count.
    pub async fn list_users(
        &self,
        tenant: TenantId,
        q: &UserQuery,
    ) -> Result<ListedPage, StoreError> {
        let size = q.page_size() as i64;
        // Going back a page reads backwards from the cursor, then flips the rows.
        let backwards = q.before.is_some();
        let count = self.count_statement(tenant, q);
        let broad = self.broad_search(tenant, q).await?;
        let sql = self.page_statement(tenant, q, broad).await?;
        // The count and the page are independent reads: two connections, both cores.
        let counting = async {
            let matched: i64 = on_pool!(self, pool => {
                bind_all!(sqlx::query_scalar(&count.text), &count.args).fetch_one(pool).await?
            });
            Ok::<_, StoreError>(matched)
        };
        let paging = async {
            let rows: Vec<ListedUser> = on_pool!(self, pool => {
                let fetched = bind_all!(sqlx::query(&sql.text), &sql.args).fetch_all(pool).await?;
                let mut rows = Vec::with_capacity(fetched.len());
                for r in &fetched {
                    rows.push(listed_from_row!(r));
                }
                rows
            });
            Ok::<_, StoreError>(rows)
        };
        let (matched, mut rows) = tokio::try_join!(counting, paging)?;

        let more = rows.len() as i64 > size;
        rows.truncate(size as usize);
        if backwards {
            rows.reverse();
        }
        let (next, prev) = match (backwards, q.after.is_some()) {
            // Came back: there is always a next page (the one we came from).
            (true, _) => (
                rows.last().map(|r| r.id),
                more.then(|| rows.first().map(|r| r.id)).flatten(),
            ),
            (false, after) => (
                more.then(|| rows.last().map(|r| r.id)).flatten(),
                after.then(|| rows.first().map(|r| r.id)).flatten(),
            ),
        };
        self.attach_roles(tenant, &mut rows).await?;
        Ok(ListedPage {
            rows,
            matches: MatchCount {
                count: matched.min(MATCH_COUNT_CAP),
                capped: matched > MATCH_COUNT_CAP,
            },
            next,
            prev,
        })
    }

    /// The capped match count of `q` (through the trigram table on SQLite).
    pub fn count_statement(&self, tenant: TenantId, q: &UserQuery) -> Sql {
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) FROM (SELECT 1");
        let trigram = if matches!(self, Store::Sqlite(_)) {
            Trigram::Table
        } else {
            Trigram::Index
        };
        filtered(&mut count, tenant, q, trigram);
        count.push(&format!(" LIMIT {}) capped", MATCH_COUNT_CAP + 1));
        count
    }

    /// Whether the search text of `q` (three characters or more) is held by more than
    /// `BROAD_SEARCH_MATCHES` users of the tenant: the page's plan depends on it, not on the
    /// filters nor on other tenants. On SQLite the trigram table alone answers (no row is
    /// read), on PostgreSQL the tenant's part of the trigram index.
    pub async fn broad_search(&self, tenant: TenantId, q: &UserQuery) -> Result<bool, StoreError> {
        let search = q.q.trim().to_lowercase();
        if search.chars().count() <= PREFIX_SEARCH_MAX_CHARS {
            return Ok(false);
        }
        let held: i64 = match self {
            Store::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM users_search WHERE users_search MATCH $1 LIMIT $2)",
                )
                .bind(fts_query(tenant, &search))
                .bind(BROAD_SEARCH_MATCHES + 1)
                .fetch_one(pool)
                .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE u.tenant_id = $1
                       AND u.search_key LIKE $2 ESCAPE '\\' LIMIT $3) held",
                )
                .bind(tenant.0)
                .bind(format!("%{}%", like_escape(&search)))
                .bind(BROAD_SEARCH_MATCHES + 1)
                .fetch_one(pool)
                .await?
            }
        };
        Ok(held > BROAD_SEARCH_MATCHES)
    }

    /// The rows of a page, one more than the page size to know whether a next page exists.
    /// A `broad` search reads the sort index in order and checks each row until the page is
    /// full (a few thousand rows at most), which beats collecting and sorting every match from
    /// the trigram index; a rare one goes through the trigram index. Public so the benchmark
    /// can time the bare SQL.
    pub async fn page_statement(
        &self,
        tenant: TenantId,
        q: &UserQuery,
        broad: bool,
    ) -> Result<Sql, StoreError> {
        let size = q.page_size() as i64;
        let key = sort_expr(q.sort);
        let backwards = q.before.is_some();
        let descending = q.desc != backwards;
        let (cmp, dir) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let trigram = if broad {
            Trigram::Bypass
        } else if matches!(self, Store::Sqlite(_)) {
            Trigram::Table
        } else {
            Trigram::Index
        };
        // The cursor row's sort key, so the page is a range scan of the sort index.
        let cursor = match q.after.or(q.before) {
            None => None,
            Some(id) => self.cursor_key(tenant, q.sort, id).await?.map(|k| (k, id)),
        };
        let mut sql = Sql::default();
        // PostgreSQL, broad search: the ids of the page first, from the name index alone (it
        // holds the searched text and the filtered columns), then their rows.
        let ids_first = broad && matches!(self, Store::Postgres(_));
        if ids_first {
            sql.push(&format!(
                "SELECT {LIST_COLUMNS} FROM users u WHERE u.tenant_id = "
            ))
            .arg(Arg::Int(tenant.0))
            .push(" AND u.id IN (SELECT u.id");
        } else {
            sql.push(&format!("SELECT {LIST_COLUMNS}"));
        }
        filtered(&mut sql, tenant, q, trigram);
        if let Some((k, id)) = cursor {
            sql.push(&format!(" AND ({key}, u.id) {cmp} ("))
                .arg(k)
                .push(", ")
                .arg(Arg::Int(id))
                .push(")");
        }
        sql.push(&format!(" ORDER BY {key} {dir}, u.id {dir} LIMIT "))
            .arg(Arg::Int(size + 1));
        if ids_first {
            sql.push(&format!(") ORDER BY {key} {dir}, u.id {dir}"));
        }
        Ok(sql)
    }

    /// The sort key of the cursor row, if it is still there.
    async fn cursor_key(
        &self,
        tenant: TenantId,
        sort: SortKey,
        id: i64,
    ) -> Result<Option<Arg>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users u WHERE u.tenant_id = $1 AND u.id = $2",
            sort_expr(sort)
        );
        let numeric = matches!(sort, SortKey::LastLogin | SortKey::Created);
        let key = on_pool!(self, pool => {
            if numeric {
                sqlx::query_scalar::<_, i64>(&sql).bind(tenant.0).bind(id).fetch_optional(pool).await?.map(Arg::Int)
            } else {
                sqlx::query_scalar::<_, String>(&sql).bind(tenant.0).bind(id).fetch_optional(pool).await?.map(Arg::Text)
            }
        });
        Ok(key)
    }

    /// Fills in the roles of `rows` with one query.
    async fn attach_roles(
        &self,
        tenant: TenantId,
        rows: &mut [ListedUser],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::default();
        sql.push(
            "SELECT ur.user_id, r.id, r.name FROM user_roles ur
               JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
              WHERE ur.tenant_id = ",
        )
        .arg(Arg::Int(tenant.0))
        .push(" AND ur.user_id IN (");
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.arg(Arg::Int(row.id));
        }
        sql.push(") ORDER BY r.name");
        let pairs: Vec<(i64, i64, String)> = on_pool!(self, pool => {
            bind_all!(sqlx::query_as(&sql.text), &sql.args).fetch_all(pool).await?
        });
        let mut by_user: HashMap<i64, Vec<RoleTag>> = HashMap::new();
        for (user, id, name) in pairs {
            by_user.entry(user).or_default().push(RoleTag { id, name });
        }
        for row in rows {
            row.roles = by_user.remove(&row.id).unwrap_or_default();
        }
        Ok(())
    }

    /// One user of the tenant with their roles.
    pub async fn listed_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<ListedUser, StoreError> {
        let sql =
            format!("SELECT {LIST_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.id = $2");
        let row = on_pool!(self, pool => {
            let r = sqlx::query(&sql).bind(tenant.0).bind(user.0).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            listed_from_row!(&r)
        });
        let mut rows = [row];
        self.attach_roles(tenant, &mut rows).await?;
        let [row] = rows;
        Ok(row)
    }

    /// Creates a user with roles (all of this tenant) and a temporary password hash, with an
    /// audit record, in one transaction.
    pub async fn add_user(
        &self,
        tenant: TenantId,
        actor: UserId,
        user: &ValidUser,
        user_type: UserType,
        password_hash: &str,
        password_expires_at: i64,
    ) -> Result<UserId, StoreError> {
        let new = super::NewUser {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
            phone: user.phone.clone(),
            external_id: user.external_id.clone(),
            timezone: user.timezone.clone(),
            user_type,
            status: Status::Active,
            password_hash: Some(password_hash.to_string()),
            password_temporary: true,
            password_expires_at: Some(password_expires_at),
        };
        let now = now_ms();
        let id = write_tx!(self, tx => {
            check_roles!(tx, tenant, &user.role_ids);
            let id = super::users::insert_user!(tx, tenant, &new, now);
            insert_roles!(tx, tenant, id, &user.role_ids);
            audit!(tx, tenant, Some(actor), Some(id), "user.create", serde_json::json!({
                "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
                "phone": user.phone, "external_id": user.external_id, "timezone": user.timezone,
                "user_type": user_type.as_str(), "role_ids": user.role_ids,
            }));
            id
        });
        Ok(id)
    }

    /// Saves an edit if the user is still at `version`; refuses a stale save with
    /// [`StoreError::Conflict`]. Suspending through an edit follows the same rules as
    /// [`Store::change_status`] and ends the user's sessions in the same transaction.
    pub async fn edit_user(
        &self,
        tenant: TenantId,
        actor: UserId,
        user: UserId,
        version: i64,
        fields: &ValidUser,
        status: Status,
    ) -> Result<(), StoreError> {
        let before = self.listed_user(tenant, user).await?;
        if before.version != version {
            return Err(StoreError::Conflict);
        }
        let now = now_ms();
        write_tx!(self, tx => {
            lock_tenant!(tx, tenant);
            if status == Status::Suspended && before.status == Status::Active {
                check_may_suspend!(tx, tenant, actor, user, before.user_type);
            }
            check_roles!(tx, tenant, &fields.role_ids);
            let changed = sqlx::query(
                "UPDATE users SET first_name = $1, last_name = $2, email = $3, email_norm = $4,
                        phone = $5, external_id = $6, timezone = $7, status = $8, name_key = $9,
                        search_key = $10, updated_at = $11, version = version + 1
                  WHERE tenant_id = $12 AND id = $13 AND version = $14",
            )
            .bind(&fields.first_name)
            .bind(&fields.last_name)
            .bind(&fields.email)
            .bind(email_key(&fields.email))
            .bind(&fields.phone)
            .bind(&fields.external_id)
            .bind(&fields.timezone)
            .bind(status.as_str())
            .bind(name_key(&fields.first_name, &fields.last_name))
            .bind(search_key(&fields.first_name, &fields.last_name, &fields.email))
            .bind(now)
            .bind(tenant.0)
            .bind(user.0)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(classify)?
            .rows_affected();
            if changed == 0 {
                // The version check is in the UPDATE itself: nothing was written.
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2")
                .bind(tenant.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            insert_roles!(tx, tenant, user, &fields.role_ids);
            if status == Status::Suspended {
                end_sessions!(tx, tenant, user);
            }
            let old_roles: Vec<i64> = before.roles.iter().map(|r| r.id).collect();
            let mut changes = serde_json::Map::new();
            let mut note = |k: &str, old: serde_json::Value, new: serde_json::Value| {
                if old != new {
                    changes.insert(k.into(), serde_json::json!({ "from": old, "to": new }));
                }
            };
            note("first_name", before.first_name.clone().into(), fields.first_name.clone().into());
            note("last_name", before.last_name.clone().into(), fields.last_name.clone().into());
            note("email", before.email.clone().into(), fields.email.clone().into());
            note("phone", before.phone.clone().into(), fields.phone.clone().into());
            note("external_id", before.external_id.clone().into(), fields.external_id.clone().into());
            note("timezone", before.timezone.clone().into(), fields.timezone.clone().into());
            note("status", before.status.as_str().into(), status.as_str().into());
            note("role_ids", old_roles.into(), fields.role_ids.clone().into());
            audit!(tx, tenant, Some(actor), Some(user), "user.update", serde_json::Value::Object(changes));
        });
        Ok(())
    }

    /// Suspends or reactivates a user. Suspension ends their sessions in the same transaction;
    /// an admin cannot suspend themself, nor the last active tenant admin.
    pub async fn change_status(
        &self,
        tenant: TenantId,
        actor: UserId,
        user: UserId,
        status: Status,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        write_tx!(self, tx => {
            lock_tenant!(tx, tenant);
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT user_type, status FROM users WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant.0)
            .bind(user.0)
            .fetch_optional(&mut *tx)
            .await?;
            let (user_type, current) = row.ok_or(StoreError::NotFound)?;
            if current == status.as_str() {
                return Ok(());
            }
            if status == Status::Suspended {
                let user_type = UserType::parse(&user_type).ok_or(StoreError::NotFound)?;
                check_may_suspend!(tx, tenant, actor, user, user_type);
            }
            sqlx::query(
                "UPDATE users SET status = $1, updated_at = $2, version = version + 1
                  WHERE tenant_id = $3 AND id = $4",
            )
            .bind(status.as_str())
            .bind(now)
            .bind(tenant.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
            if status == Status::Suspended {
                end_sessions!(tx, tenant, user);
            }
            let action = if status == Status::Suspended { "user.suspend" } else { "user.reactivate" };
            audit!(tx, tenant, Some(actor), Some(user), action,
                serde_json::json!({ "status": { "from": current, "to": status.as_str() } }));
        });
        Ok(())
    }
}

/// Takes the tenant's row lock (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the
/// database's), so two admins cannot both pass the "last active admin" check at once.
macro_rules! lock_tenant {
    ($tx:expr, $tenant:expr) => {
        // A non-key column: writing the key, even unchanged, makes SQLite check every user row
        // that refers to the tenant.
        sqlx::query("UPDATE tenants SET active_users = active_users WHERE id = $1")
            .bind($tenant.0)
            .execute(&mut *$tx)
            .await?;
    };
}
use lock_tenant;

/// Refuses suspending oneself and the last active tenant admin.
macro_rules! check_may_suspend {
    ($tx:expr, $tenant:expr, $actor:expr, $user:expr, $user_type:expr) => {
        if $actor == $user {
            return Err(StoreError::SelfSuspend);
        }
        if $user_type == UserType::TenantAdmin {
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND user_type = 'tenant_admin'
                    AND status = 'active' AND id <> $2",
            )
            .bind($tenant.0)
            .bind($user.0)
            .fetch_one(&mut *$tx)
            .await?;
            if others == 0 {
                return Err(StoreError::LastAdmin);
            }
        }
    };
}
use check_may_suspend;

/// Refuses role ids that are not this tenant's.
macro_rules! check_roles {
    ($tx:expr, $tenant:expr, $roles:expr) => {
        let roles: &[i64] = $roles;
        if !roles.is_empty() {
            let placeholders: Vec<String> =
                (0..roles.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT COUNT(*) FROM roles WHERE tenant_id = $1 AND id IN ({})",
                placeholders.join(", ")
            );
            let mut q = sqlx::query_scalar(&sql).bind($tenant.0);
            for r in roles {
                q = q.bind(*r);
            }
            let found: i64 = q.fetch_one(&mut *$tx).await?;
            if found != roles.len() as i64 {
                return Err(StoreError::UnknownRole);
            }
        }
    };
}
use check_roles;

macro_rules! insert_roles {
    ($tx:expr, $tenant:expr, $user:expr, $roles:expr) => {
        for role in $roles {
            sqlx::query("INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)")
                .bind($tenant.0)
                .bind($user.0)
                .bind(*role)
                .execute(&mut *$tx)
                .await?;
        }
    };
}
use insert_roles;

macro_rules! end_sessions {
    ($tx:expr, $tenant:expr, $user:expr) => {
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
            .bind($tenant.0)
            .bind($user.0)
            .execute(&mut *$tx)
            .await?;
    };
}
use end_sessions;
