//! The store: owns every SQL statement and hides which database runs.
//!
//! `DATABASE_URL` picks SQLite (`sqlite://…`, the embedded default) or PostgreSQL
//! (`postgres://…`). Both run the same SQL text: placeholders are `$1`-style (SQLite accepts
//! them), times are integer milliseconds. A statement is a [`Sql`] run through `db.rs`'s one
//! connection type per backend, as a plain function; the few real differences between the
//! databases are `match`es on [`Store`] or [`Tx`]. Every function that touches tenant data takes
//! the [`TenantId`] explicitly.

mod audit;
mod bulk;
mod db;
mod export;
mod jobs;
mod list;
mod seed;
mod sessions;
mod tenants;
pub mod throttle;
mod users;

pub use audit::{ActivityCursor, ActivityFilter, ActivityRecord, AuditRecord};
pub use db::{Arg, Sql};
pub use export::{EXPORT_BATCH, Export, ExportRow};
pub use jobs::{JOB_BATCH, LEASE_MS, Step};
pub use list::ListedPage;
pub use seed::SeedUser;
pub use sessions::{SessionRecord, SessionUser};
pub use tenants::{NewTenant, RoleSeed, Tenant, TenantCounts, default_roles};
pub use users::{Credentials, Password, User};

pub(crate) use db::{Row, Stored, Tx};

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

/// A tenant's id. Every store function on tenant data takes one, so a query without a tenant
/// does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantId(pub i64);

/// A user's id, meaningful only together with its [`TenantId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// What can go wrong in the store. Unique violations are named so callers can turn them into
/// field errors; everything else is unexpected and must never reach the browser as text.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated: {0}")]
    Unique(UniqueField),
    #[error("not found")]
    NotFound,
    #[error("the row changed since it was read")]
    Conflict,
    #[error("an admin cannot suspend themself")]
    SelfSuspend,
    #[error("the last active tenant admin cannot be suspended")]
    LastAdmin,
    #[error("a role id is not one of the tenant's")]
    UnknownRole,
    #[error("column {column} holds {value:?}, which is none of its values")]
    Corrupt { column: &'static str, value: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    TenantSlug,
    Email,
    ExternalId,
    RoleName,
    Other,
}

impl std::fmt::Display for UniqueField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Turns a unique violation into a named [`StoreError::Unique`]; passes other errors through.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        // PostgreSQL names the constraint; SQLite names the columns in its message.
        let hint = db
            .constraint()
            .map(str::to_string)
            .unwrap_or_else(|| db.message().to_string());
        let field = if hint.contains("slug") {
            UniqueField::TenantSlug
        } else if hint.contains("email") {
            UniqueField::Email
        } else if hint.contains("external_id") {
            UniqueField::ExternalId
        } else if hint.contains("roles") || hint.contains("name") {
            UniqueField::RoleName
        } else {
            UniqueField::Other
        };
        return StoreError::Unique(field);
    }
    StoreError::Database(err)
}

/// The connection pool of whichever database runs.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A pool of at most `connections`, each waited for at most ten seconds.
fn pool_options<DB: sqlx::Database>(connections: u32) -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(10))
}

/// Rows SQLite samples per index when it refreshes statistics on its own (`PRAGMA optimize`
/// at connect).
const SQLITE_ANALYSIS_LIMIT: &str = "400";

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). A SQLite file and its folder are
    /// created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = pool_options::<sqlx::Postgres>(16)
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                // Statistics for the planner, refreshed where missing or stale, on every new
                // connection (SQLite's advice for long-lived connections; cheap when fresh).
                .pragma("analysis_limit", SQLITE_ANALYSIS_LIMIT)
                .pragma("optimize", "0x10002")
                // Reads through the OS page cache instead of copying into SQLite's 2 MB one: a
                // search checks thousands of rows scattered over a gigabyte at a million users.
                .pragma("mmap_size", "2147418112");
            if let Some(dir) = opts.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(e.into()))?;
            }
            let pool = pool_options::<sqlx::Sqlite>(8).connect_with(opts).await?;
            Ok(Store::Sqlite(pool))
        } else {
            Err(StoreError::Database(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            )))
        }
    }

    /// Applies the migrations of this backend (`migrations/sqlite` or `migrations/postgres`), then
    /// the data step SQL cannot do (the word starts of users stored before migration 0007).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        let filled = self.backfill_word_keys().await?;
        if filled > 0 {
            tracing::info!(filled, "search: filled the word starts of existing users");
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.execute(&Sql::new("SELECT 1")).await.is_ok()
    }

    /// Refreshes the planner's statistics of the user tables after a bulk load, so plans see
    /// the real sizes: PostgreSQL plans its foreign-key checks once per connection, and SQLite
    /// without statistics read a page's roles by scanning every grant of the tenant (360 ms at a
    /// million users instead of 1.6). On SQLite the two tables are read whole (1.8 s at a
    /// million): `PRAGMA optimize` skipped a table grown less than tenfold since its last
    /// statistics, and a million users planned on the figures of 300,000 served the list
    /// function 10 % slower.
    pub async fn analyze_users(&self) -> Result<(), StoreError> {
        match self {
            Store::Postgres(pool) => {
                // VACUUM too: it sets the visibility map of the new pages, without which an
                // index-only scan (the broad search's read of the name index) fetches every
                // row from the heap anyway, and a count through a bitmap reads each page.
                sqlx::query("VACUUM (ANALYZE) users").execute(pool).await?;
                sqlx::query("VACUUM (ANALYZE) user_roles")
                    .execute(pool)
                    .await?;
            }
            Store::Sqlite(pool) => {
                // Whole tables for this one run, then the connection's sampling limit again.
                let sql = format!(
                    "PRAGMA analysis_limit = 0; ANALYZE users; ANALYZE user_roles;
                     PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}"
                );
                let mut conn = pool.acquire().await?;
                sqlx::raw_sql(&sql).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    /// Which backend runs, for logs.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// Milliseconds since the Unix epoch, the time format of every table.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Writes one audit record inside the caller's transaction. `changes` is a JSON object of the
/// changed fields and must never hold a password or hash.
pub(crate) async fn audit(
    tx: &mut Tx,
    tenant: TenantId,
    actor: Option<UserId>,
    target: Option<UserId>,
    action: &str,
    changes: serde_json::Value,
) -> Result<(), StoreError> {
    let sql = Sql::new(
        "INSERT INTO audit_log (tenant_id, actor_user_id, target_user_id, action, changes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(actor.map(|u| u.0))
    .bind(target.map(|u| u.0))
    .bind(action)
    .bind(changes.to_string())
    .bind(now_ms());
    tx.db().execute(&sql).await?;
    Ok(())
}
