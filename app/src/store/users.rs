//! Users: the stored record ([`User`], one column list, one decoder), creating, editing,
//! suspending and reactivating with their rules, passwords, and the sign-in look-ups.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{Arg, Row, Sql, Store, StoreError, Stored, TenantId, Tx, UserId, audit, now_ms};
use crate::users::model::{NewUser, Profile, RoleTag, Status, UserType};
use crate::users::rules::email_key;

/// A user as stored, with their roles (never sent to the browser as is: the server function
/// turns it into a `UserSummary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub profile: Profile,
    pub user_type: UserType,
    pub status: Status,
    pub roles: Vec<RoleTag>,
    pub password_temporary: bool,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

/// The columns of a [`Profile`], in the order of [`profile_values`]. A new field of the
/// profile is added here, in `profile_values` and in `Profile::from_row`, and nowhere else in
/// the store.
const PROFILE_COLUMNS: [&str; 6] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "external_id",
    "timezone",
];

/// The values of [`PROFILE_COLUMNS`] for `p`.
fn profile_values(p: &Profile) -> [Arg; 6] {
    [
        (&p.first_name).into(),
        (&p.last_name).into(),
        (&p.email).into(),
        (&p.phone).into(),
        (&p.external_id).into(),
        (&p.timezone).into(),
    ]
}

impl Profile {
    fn from_row(r: &Row) -> Result<Profile, StoreError> {
        Ok(Profile {
            first_name: r.get("first_name")?,
            last_name: r.get("last_name")?,
            email: r.get("email")?,
            phone: r.get("phone")?,
            external_id: r.get("external_id")?,
            timezone: r.get("timezone")?,
        })
    }
}

/// The columns derived from a profile for look-ups, sorting and search: the email's uniqueness
/// key, the name's sort key, the search text and its word starts, in the order of
/// [`key_values`].
const KEY_COLUMNS: [&str; 4] = ["email_norm", "name_key", "search_key", "word_key"];

/// What Search looks for substrings in: "first last email", lower-cased. The search text is
/// lower-cased the same way, so matching ignores letter case in every script.
fn search_key(first_name: &str, last_name: &str, email: &str) -> String {
    format!("{first_name} {last_name} {email}").to_lowercase()
}

fn key_values(p: &Profile) -> [Arg; 4] {
    let search = search_key(&p.first_name, &p.last_name, &p.email);
    let words = word_key(&search);
    [
        email_key(&p.email).into(),
        format!("{} {}", p.first_name, p.last_name)
            .to_lowercase()
            .into(),
        search.into(),
        words.into(),
    ]
}

/// The first one and two characters of each word of `search_key`, each once, between spaces
/// (" a an l li "): what a search of one or two characters matches, as whole tokens of the
/// word index (the `users_words` table on SQLite, a GIN index of the array on PostgreSQL).
/// A word is a run of letters and digits (`char::is_alphanumeric`), so "li.wang@example.com"
/// holds the words li, wang, example and com. Never empty for a stored user (an email has
/// letters), which is how the backfill of `Store::migrate` knows a row it has not reached.
pub fn word_key(search_key: &str) -> String {
    let mut starts: Vec<String> = Vec::new();
    for word in search_key.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        let Some(first) = chars.next() else { continue };
        starts.push(first.to_string());
        if let Some(second) = chars.next() {
            starts.push(format!("{first}{second}"));
        }
    }
    starts.sort();
    starts.dedup();
    format!(" {} ", starts.join(" "))
}

/// Rows a transaction of [`Store::backfill_word_keys`] fills.
const BACKFILL_ROWS: usize = 1_000;

impl Store {
    /// Fills `word_key` for the users stored before the column existed (migration 0007 adds it
    /// empty: SQL cannot split words the way [`word_key`] does), a thousand rows a transaction
    /// so writers wait at most one batch. Finds them through the partial index of empty keys,
    /// so once done it costs one index probe per start. Returns how many rows it filled.
    pub(super) async fn backfill_word_keys(&self) -> Result<u64, StoreError> {
        let mut filled = 0;
        loop {
            let mut tx = self.write().await?;
            let pending = Sql::new(format!(
                "SELECT id, first_name, last_name, email FROM users WHERE word_key = '' LIMIT {BACKFILL_ROWS}"
            ));
            let rows = tx.db().all(&pending).await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            // One statement a batch: `VALUES` names its columns column1, column2 on both backends.
            let mut sql = Sql::new("UPDATE users SET word_key = v.column2 FROM (VALUES ");
            for (i, r) in rows.iter().enumerate() {
                let key = search_key(
                    &r.get::<String>("first_name")?,
                    &r.get::<String>("last_name")?,
                    &r.get::<String>("email")?,
                );
                sql.push(if i == 0 { "(" } else { ", (" })
                    .arg(r.get::<i64>("id")?)
                    .push(", ")
                    .arg(word_key(&key))
                    .push(")");
            }
            sql.push(") AS v WHERE users.id = v.column1");
            tx.db().execute(&sql).await?;
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }
}

/// The columns [`User::from_row`] reads, on the users row `u`.
pub(super) static USER_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let mut columns: Vec<&str> = vec![
        "id",
        "tenant_id",
        "user_type",
        "status",
        "password_temporary",
        "last_login_at",
        "created_at",
        "version",
    ];
    columns.extend(PROFILE_COLUMNS);
    let prefixed: Vec<String> = columns.iter().map(|c| format!("u.{c}")).collect();
    prefixed.join(", ")
});

impl User {
    /// Reads [`USER_COLUMNS`]; the roles are filled in by [`Store::attach_roles`].
    pub(super) fn from_row(r: &Row) -> Result<User, StoreError> {
        Ok(User {
            id: UserId(r.get("id")?),
            tenant_id: TenantId(r.get("tenant_id")?),
            profile: Profile::from_row(r)?,
            user_type: r.parsed("user_type")?,
            status: r.parsed("status")?,
            roles: Vec::new(),
            password_temporary: r.get("password_temporary")?,
            last_login_at: r.get("last_login_at")?,
            created_at: r.get("created_at")?,
            version: r.get("version")?,
        })
    }
}

/// What the audit log records of a user's fields (never a password).
fn audited(
    profile: &Profile,
    status: Status,
    user_type: UserType,
    role_ids: &[i64],
) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = match serde_json::to_value(profile) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    fields.insert("user_type".into(), user_type.as_str().into());
    fields.insert("status".into(), status.as_str().into());
    fields.insert("role_ids".into(), role_ids.into());
    fields
}

impl Stored for UserType {
    fn parse(s: &str) -> Option<Self> {
        UserType::parse(s)
    }
}

impl Stored for Status {
    fn parse(s: &str) -> Option<Self> {
        Status::parse(s)
    }
}

/// A password as stored: the Argon2id PHC string, whether it must be replaced at the next
/// sign-in, and when an unused temporary one stops working (ms since epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Password {
    pub hash: String,
    pub temporary: bool,
    pub expires_at: Option<i64>,
}

/// What sign-in checks a password against: the user, and their password (`None` until an
/// admin gives them one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user_id: UserId,
    pub status: Status,
    pub user_type: UserType,
    pub password: Option<Password>,
}

/// The columns [`Credentials::from_row`] reads, on the users row `u`.
const CREDENTIAL_COLUMNS: &str = "u.id, u.status, u.user_type, u.password_hash,
    u.password_temporary, u.password_expires_at";

impl Credentials {
    fn from_row(r: &Row) -> Result<Credentials, StoreError> {
        Ok(Credentials {
            user_id: UserId(r.get("id")?),
            status: r.parsed("status")?,
            user_type: r.parsed("user_type")?,
            password: match r.get::<Option<String>>("password_hash")? {
                None => None,
                Some(hash) => Some(Password {
                    hash,
                    temporary: r.get("password_temporary")?,
                    expires_at: r.get("password_expires_at")?,
                }),
            },
        })
    }
}

/// The columns a new user row is written with, in the order of [`user_values`].
pub(super) static INSERT_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut columns = vec![
        "tenant_id",
        "user_type",
        "status",
        "password_hash",
        "password_temporary",
        "password_expires_at",
        "last_login_at",
        "created_at",
        "updated_at",
    ];
    columns.extend(PROFILE_COLUMNS);
    columns.extend(KEY_COLUMNS);
    columns
});

/// Appends the values of [`INSERT_COLUMNS`] for one user. Without a password the user has none
/// until an admin resets it (and must then replace the temporary one).
pub(super) fn user_values(
    sql: &mut Sql,
    tenant: TenantId,
    user: &NewUser,
    password: Option<&Password>,
    last_login_at: Option<i64>,
    created_at: i64,
) {
    let values: [Arg; 9] = [
        tenant.into(),
        user.user_type.as_str().into(),
        user.status.as_str().into(),
        password.map(|p| p.hash.as_str()).into(),
        password.is_none_or(|p| p.temporary).into(),
        password.and_then(|p| p.expires_at).into(),
        last_login_at.into(),
        created_at.into(),
        created_at.into(),
    ];
    sql.args.extend(values);
    sql.args.extend(profile_values(&user.profile));
    sql.args.extend(key_values(&user.profile));
}

/// Inserts a user and their roles inside the caller's transaction; a unique violation becomes
/// [`StoreError::Unique`].
pub(super) async fn insert_user(
    tx: &mut Tx,
    tenant: TenantId,
    user: &NewUser,
    password: Option<&Password>,
) -> Result<UserId, StoreError> {
    let placeholders: Vec<String> = (1..=INSERT_COLUMNS.len())
        .map(|i| format!("${i}"))
        .collect();
    let mut sql = Sql::new(format!(
        "INSERT INTO users ({}) VALUES ({}) RETURNING id",
        INSERT_COLUMNS.join(", "),
        placeholders.join(", ")
    ));
    user_values(&mut sql, tenant, user, password, None, now_ms());
    let id = UserId(tx.db().scalar(&sql).await?);
    insert_roles(tx, tenant, id, &user.role_ids).await?;
    Ok(id)
}

/// Refuses role ids that are not this tenant's.
pub(super) async fn check_roles(
    tx: &mut Tx,
    tenant: TenantId,
    roles: &[i64],
) -> Result<(), StoreError> {
    if roles.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::default();
    sql.push("SELECT COUNT(*) FROM roles WHERE tenant_id = ")
        .arg(tenant)
        .push(" AND id IN ")
        .in_list(roles.iter().copied());
    let found: i64 = tx.db().scalar(&sql).await?;
    if found != roles.len() as i64 {
        return Err(StoreError::UnknownRole);
    }
    Ok(())
}

async fn insert_roles(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    roles: &[i64],
) -> Result<(), StoreError> {
    for role in roles {
        let sql =
            Sql::new("INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)")
                .bind(tenant)
                .bind(user)
                .bind(*role);
        tx.db().execute(&sql).await?;
    }
    Ok(())
}

/// Takes the tenant's row lock (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the
/// database's), so two admins cannot both pass the "last active admin" check at once.
pub(super) async fn lock_tenant(tx: &mut Tx, tenant: TenantId) -> Result<(), StoreError> {
    // A non-key column: writing the key, even unchanged, makes SQLite check every user row
    // that refers to the tenant.
    let sql = Sql::new("UPDATE tenants SET active_users = active_users WHERE id = $1").bind(tenant);
    tx.db().execute(&sql).await?;
    Ok(())
}

/// Refuses suspending oneself and the last active tenant admin.
async fn check_may_suspend(
    tx: &mut Tx,
    tenant: TenantId,
    actor: UserId,
    user: UserId,
    user_type: UserType,
) -> Result<(), StoreError> {
    if actor == user {
        return Err(StoreError::SelfSuspend);
    }
    if user_type == UserType::TenantAdmin {
        let sql = Sql::new(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND user_type = 'tenant_admin'
                AND status = 'active' AND id <> $2",
        )
        .bind(tenant)
        .bind(user);
        let others: i64 = tx.db().scalar(&sql).await?;
        if others == 0 {
            return Err(StoreError::LastAdmin);
        }
    }
    Ok(())
}

/// Ends every session of a user, inside the transaction that suspends them or changes their
/// password.
async fn end_sessions(tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<(), StoreError> {
    let sql = Sql::new("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(user);
    tx.db().execute(&sql).await?;
    Ok(())
}

impl Store {
    /// Creates a user with their roles (all of this tenant) and, if given, a password, with
    /// an audit record, in one transaction. `actor` is `None` for the operator's commands.
    pub async fn create_user(
        &self,
        tenant: TenantId,
        actor: Option<UserId>,
        user: &NewUser,
        password: Option<&Password>,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.write().await?;
        check_roles(&mut tx, tenant, &user.role_ids).await?;
        let id = insert_user(&mut tx, tenant, user, password).await?;
        let changes = audited(&user.profile, user.status, user.user_type, &user.role_ids);
        let changes = serde_json::Value::Object(changes);
        audit(&mut tx, tenant, actor, Some(id), "user.create", changes).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One user of the tenant, with their roles.
    pub async fn user(&self, tenant: TenantId, user: UserId) -> Result<User, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {} FROM users u WHERE u.tenant_id = $1 AND u.id = $2",
            *USER_COLUMNS
        ))
        .bind(tenant)
        .bind(user);
        let row = self.conn().await?.db().optional(&sql).await?;
        let mut users = [User::from_row(&row.ok_or(StoreError::NotFound)?)?];
        self.attach_roles(tenant, &mut users).await?;
        let [user] = users;
        Ok(user)
    }

    /// Fills in the roles of `users` with one query.
    pub(super) async fn attach_roles(
        &self,
        tenant: TenantId,
        users: &mut [User],
    ) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::default();
        sql.push(
            "SELECT ur.user_id, r.id, r.name FROM user_roles ur
               JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
              WHERE ur.tenant_id = ",
        )
        .arg(tenant)
        .push(" AND ur.user_id IN ")
        .in_list(users.iter().map(|u| u.id))
        .push(" ORDER BY r.name");
        let mut by_user: HashMap<i64, Vec<RoleTag>> = HashMap::new();
        for r in self.conn().await?.db().all(&sql).await? {
            by_user.entry(r.get(0)?).or_default().push(RoleTag {
                id: r.get(1)?,
                name: r.get(2)?,
            });
        }
        for user in users {
            user.roles = by_user.remove(&user.id.0).unwrap_or_default();
        }
        Ok(())
    }

    /// Saves an edit of `before` (the user as just read with [`Store::user`]) made on
    /// `version`; refuses a stale save with [`StoreError::Conflict`]. The user's type is fixed at
    /// creation: `fields.user_type` is not written. Suspending through an edit follows the same
    /// rules as [`Store::change_status`] and ends the user's sessions in the same transaction.
    pub async fn edit_user(
        &self,
        tenant: TenantId,
        actor: UserId,
        before: &User,
        version: i64,
        fields: &NewUser,
    ) -> Result<(), StoreError> {
        let user = before.id;
        if before.version != version {
            return Err(StoreError::Conflict);
        }
        let status = fields.status;
        let mut tx = self.write().await?;
        lock_tenant(&mut tx, tenant).await?;
        if status == Status::Suspended && before.status == Status::Active {
            check_may_suspend(&mut tx, tenant, actor, user, before.user_type).await?;
        }
        check_roles(&mut tx, tenant, &fields.role_ids).await?;
        // The profile, its keys and the status; the type never changes.
        let mut sql = Sql::new("UPDATE users SET ");
        let values = profile_values(&fields.profile)
            .into_iter()
            .chain(key_values(&fields.profile));
        for (column, value) in PROFILE_COLUMNS.iter().chain(&KEY_COLUMNS).zip(values) {
            sql.push(column).push(" = ").arg(value).push(", ");
        }
        sql.push("status = ").arg(status.as_str());
        sql.push(", updated_at = ").arg(now_ms());
        sql.push(", version = version + 1 WHERE tenant_id = ")
            .arg(tenant);
        sql.push(" AND id = ").arg(user);
        sql.push(" AND version = ").arg(version);
        if tx.db().execute(&sql).await? == 0 {
            // The version check is in the UPDATE itself: nothing was written.
            return Err(StoreError::Conflict);
        }
        let clear = Sql::new("DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user);
        tx.db().execute(&clear).await?;
        insert_roles(&mut tx, tenant, user, &fields.role_ids).await?;
        if status == Status::Suspended {
            end_sessions(&mut tx, tenant, user).await?;
        }
        // Each field that changed, from and to.
        let old_roles: Vec<i64> = before.roles.iter().map(|r| r.id).collect();
        let old = audited(&before.profile, before.status, before.user_type, &old_roles);
        let new = audited(&fields.profile, status, before.user_type, &fields.role_ids);
        let changes: serde_json::Map<String, serde_json::Value> = new
            .into_iter()
            .filter(|(k, v)| old.get(k) != Some(v))
            .map(|(k, v)| {
                let from = old.get(&k).cloned().unwrap_or_default();
                (k, serde_json::json!({ "from": from, "to": v }))
            })
            .collect();
        let changes = serde_json::Value::Object(changes);
        audit(
            &mut tx,
            tenant,
            Some(actor),
            Some(user),
            "user.update",
            changes,
        )
        .await?;
        tx.commit().await
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
        let mut tx = self.write().await?;
        lock_tenant(&mut tx, tenant).await?;
        let sql = Sql::new("SELECT user_type, status FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(user);
        let row = tx.db().optional(&sql).await?.ok_or(StoreError::NotFound)?;
        let user_type: UserType = row.parsed("user_type")?;
        let current: Status = row.parsed("status")?;
        if current == status {
            return Ok(());
        }
        if status == Status::Suspended {
            check_may_suspend(&mut tx, tenant, actor, user, user_type).await?;
        }
        let sql = Sql::new(
            "UPDATE users SET status = $1, updated_at = $2, version = version + 1
              WHERE tenant_id = $3 AND id = $4",
        )
        .bind(status.as_str())
        .bind(now_ms())
        .bind(tenant)
        .bind(user);
        tx.db().execute(&sql).await?;
        if status == Status::Suspended {
            end_sessions(&mut tx, tenant, user).await?;
        }
        let action = match status {
            Status::Suspended => "user.suspend",
            Status::Active => "user.reactivate",
        };
        let changes =
            serde_json::json!({ "status": { "from": current.as_str(), "to": status.as_str() } });
        audit(&mut tx, tenant, Some(actor), Some(user), action, changes).await?;
        tx.commit().await
    }

    /// The sign-in record of the user with this email (any letter case) in the tenant.
    pub async fn credentials(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<Credentials>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.email_norm = $2"
        ))
        .bind(tenant)
        .bind(email_key(email));
        let row = self.conn().await?.db().optional(&sql).await?;
        row.as_ref().map(Credentials::from_row).transpose()
    }

    /// The tenant of a workspace and the sign-in record of the user with this email (any
    /// letter case) in it, in one statement: an unknown workspace, an unknown email and a known
    /// one cost the same query, so its time tells nothing.
    pub async fn sign_in_lookup(
        &self,
        slug: &str,
        email: &str,
    ) -> Result<(Option<TenantId>, Option<Credentials>), StoreError> {
        let sql = Sql::new(format!(
            "SELECT t.id AS tenant, {CREDENTIAL_COLUMNS}
               FROM tenants t
               LEFT JOIN users u ON u.tenant_id = t.id AND u.email_norm = $2
              WHERE t.slug = $1"
        ))
        .bind(slug)
        .bind(email_key(email));
        let Some(r) = self.conn().await?.db().optional(&sql).await? else {
            return Ok((None, None));
        };
        let tenant = TenantId(r.get("tenant")?);
        if r.get::<Option<i64>>("id")?.is_none() {
            return Ok((Some(tenant), None));
        }
        Ok((Some(tenant), Some(Credentials::from_row(&r)?)))
    }

    /// The stored password hash of a user, for checking the current password.
    pub async fn password_hash(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Option<String>, StoreError> {
        let sql = Sql::new("SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(user);
        let row = self.conn().await?.db().optional(&sql).await?;
        Ok(row.map(|r| r.get(0)).transpose()?.flatten())
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
        let mut tx = self.write().await?;
        let sql = Sql::new(
            "UPDATE users SET password_hash = $1, password_temporary = $2,
                    password_expires_at = $3, updated_at = $4, version = version + 1
              WHERE tenant_id = $5 AND id = $6",
        )
        .bind(hash)
        .bind(temporary)
        .bind(expires_at)
        .bind(now_ms())
        .bind(tenant)
        .bind(user);
        if tx.db().execute(&sql).await? == 0 {
            return Err(StoreError::NotFound);
        }
        end_sessions(&mut tx, tenant, user).await?;
        let action = if temporary {
            "user.reset_password"
        } else {
            "user.change_password"
        };
        let changes = serde_json::json!({ "password": "changed" });
        audit(&mut tx, tenant, actor, Some(user), action, changes).await?;
        tx.commit().await
    }

    /// Records a successful sign-in.
    pub async fn record_login(&self, tenant: TenantId, user: UserId) -> Result<(), StoreError> {
        let sql = Sql::new("UPDATE users SET last_login_at = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(now_ms())
            .bind(tenant)
            .bind(user);
        self.execute(&sql).await
    }

    /// The user with this email (any letter case) in the tenant, if any.
    pub async fn user_id_by_email(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let sql = Sql::new("SELECT id FROM users WHERE tenant_id = $1 AND email_norm = $2")
            .bind(tenant)
            .bind(email_key(email));
        let row = self.conn().await?.db().optional(&sql).await?;
        Ok(row.map(|r| r.get(0)).transpose()?.map(UserId))
    }
}

#[cfg(test)]
mod tests {
    use super::{search_key, word_key};

    #[test]
    fn word_starts_split_names_and_emails_at_anything_but_letters_and_digits() {
        let key = search_key("Ana", "O'Lima-Søndergaard", "LI.wang+2@Example.com");
        assert_eq!(
            word_key(&key),
            " 2 a an c co e ex l li o s sø w wa ",
            "one and two characters of each word, sorted, each once"
        );
        assert_eq!(word_key("x y"), " x y ", "a one-letter word has one start");
    }
}
