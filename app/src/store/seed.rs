//! Bulk loading of generated users (`seed-demo`, benchmarks): many rows a statement, roles
//! without a look-up, the FTS5 indexes filled once per batch.

use std::collections::HashSet;

use super::users::{INSERT_COLUMNS, user_values};
use super::{Sql, Store, StoreError, TenantId, now_ms};
use crate::users::model::NewUser;

/// The FTS5 tables of SQLite the users table fills through an insert trigger, with their column
/// beside `search_tenant`: the trigram index and the word starts.
const FTS_TABLES: [(&str, &str); 2] = [("users_search", "search_key"), ("users_words", "word_key")];

/// A generated user for `seed-demo`: the user (with their roles), when they last signed in and
/// when they were created (default: now). Seeded users have no password until an admin resets
/// it.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub user: NewUser,
    pub last_login_at: Option<i64>,
    pub created_at: Option<i64>,
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
        let now = now_ms();
        let mut tx = self.write().await?;
        let postgres = tx.is_postgres();
        if postgres {
            let lock = Sql::new("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
            tx.db().execute(&lock).await?;
        }
        let mut next: i64 = tx
            .db()
            .scalar(&Sql::new("SELECT COALESCE(MAX(id), 0) + 1 FROM users"))
            .await?;
        let start = next;
        // SQLite: the two FTS5 indexes (trigrams, word starts) are filled once per batch below
        // instead of row by row through their triggers (dropped and re-created inside this
        // transaction, so no other writer ever sees them missing), and a large page cache keeps
        // the B-trees the rows go into from thrashing the default 2 MB one.
        let mut fts_triggers: Vec<(&str, &str, String)> = Vec::new();
        if !postgres {
            tx.db()
                .execute(&Sql::new("PRAGMA cache_size = -524288"))
                .await?;
            for (table, column) in FTS_TABLES {
                let find =
                    Sql::new("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1")
                        .bind(format!("{table}_insert"));
                if let Some(r) = tx.db().optional(&find).await? {
                    fts_triggers.push((table, column, r.get::<String>(0)?));
                    let drop = format!("DROP TRIGGER {table}_insert");
                    tx.db().execute(&Sql::new(drop)).await?;
                }
            }
        }
        let mut inserted = 0u64;
        for chunk in users.chunks(ROWS) {
            let mut sql = Sql::new(format!(
                "INSERT INTO users (id, {}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
                INSERT_COLUMNS.join(", "),
                value_rows(postgres, chunk.len(), INSERT_COLUMNS.len() + 1)
            ));
            let first = next;
            for (i, s) in chunk.iter().enumerate() {
                sql.args.push((first + i as i64).into());
                let created = s.created_at.unwrap_or(now);
                user_values(&mut sql, tenant, &s.user, None, s.last_login_at, created);
            }
            let mut ids = HashSet::with_capacity(chunk.len());
            for r in tx.db().all(&sql).await? {
                ids.insert(r.get::<i64>(0)?);
            }
            next += chunk.len() as i64;
            inserted += ids.len() as u64;
            let pairs: Vec<(i64, i64)> = chunk
                .iter()
                .enumerate()
                .map(|(i, s)| (first + i as i64, s))
                .filter(|(id, _)| ids.contains(id))
                .flat_map(|(id, s)| s.user.role_ids.iter().map(move |r| (id, *r)))
                .collect();
            for part in pairs.chunks(1_000) {
                let mut sql = Sql::new(format!(
                    "INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES {}",
                    value_rows(postgres, part.len(), 3)
                ));
                for (user, role) in part {
                    sql = sql.bind(tenant).bind(*user).bind(*role);
                }
                tx.db().execute(&sql).await?;
            }
        }
        if postgres {
            let sequence = Sql::new(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))",
            );
            tx.db().execute(&sequence).await?;
        } else {
            for (table, column, trigger) in fts_triggers {
                let fill = Sql::new(format!(
                    "INSERT INTO {table} (rowid, search_tenant, {column})
                     SELECT id, search_tenant, {column} FROM users
                      WHERE id >= $1 AND id < $2 ORDER BY id"
                ))
                .bind(start)
                .bind(next);
                tx.db().execute(&fill).await?;
                tx.db().execute(&Sql::new(trigger)).await?;
            }
            tx.db()
                .execute(&Sql::new("PRAGMA cache_size = -2000"))
                .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }
}
