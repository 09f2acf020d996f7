//! A whole view of the table, for the CSV export: the same filters and order as the pages,
//! read in keyset batches. Each batch is one statement on a connection taken for it and given
//! back, so a slow download holds no connection and a million rows stream in constant memory.
//!
//! A walk can be cut into pieces ([`Export::boundary`], [`Export::split`]) that separate
//! readers read side by side, each piece a range of the view's order: the export of a million
//! rows keeps both cores reading (server/src/export.rs).

use super::list::{Plan, Search, filtered, order_expr, sort_expr};
use super::users::{USER_COLUMNS, User};
use super::{Arg, Sql, Store, StoreError, TenantId, UserId, audit};
use crate::users::query::{SortKey, UserQuery};

/// Rows a batch reads.
pub const EXPORT_BATCH: usize = 1_000;

/// Up to this many holders, a search's export reads them from the search index, each batch
/// collecting and sorting them again (20 batches of 20,000 at most); past it, it walks the sort
/// index once, checking each row. The pages switch at 2,000 (`BROAD_SEARCH_MATCHES`), where a
/// page fills within a few thousand rows; an export reads every holder, and walking the last-
/// login index for 17,822 holders of "smith" read a million rows (14 s at a million users).
const EXPORT_FROM_INDEX: i64 = 20_000;

/// One row of an export: the user, and the names of their roles, sorted.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub user: User,
    pub roles: Vec<String>,
}

/// The separator of the role names a batch's statement joins per user (the unit separator:
/// no role name holds a control character).
const NAME_SEPARATOR: char = '\u{1f}';

/// A walk through every row of one view, in the view's order (ties by id, as the pages).
#[derive(Debug, Clone)]
pub struct Export {
    tenant: TenantId,
    view: UserQuery,
    plan: Plan,
    /// The last row read: its sort key and id.
    after: Option<(Arg, i64)>,
    /// The last row of this piece of the walk (inclusive), if it is a piece.
    until: Option<(Arg, i64)>,
    done: bool,
}

impl Export {
    /// The view `q` of `tenant`, from its first row (its cursor, if any, is ignored).
    pub async fn start(
        store: &Store,
        tenant: TenantId,
        q: &UserQuery,
    ) -> Result<Export, StoreError> {
        let view = q.first_page();
        let held = store
            .search_holders(tenant, &view, EXPORT_FROM_INDEX + 1)
            .await?;
        let plan = if held.is_some_and(|n| n > EXPORT_FROM_INDEX) {
            Plan::Bypass
        } else if matches!(store, Store::Sqlite(_)) {
            Plan::Table
        } else {
            Plan::Index
        };
        Ok(Export {
            tenant,
            view,
            plan,
            after: None,
            until: None,
            done: false,
        })
    }

    /// Whether the view is read in the order of an index, so that finding where a piece ends
    /// reads index entries, not rows: no search, or a broad one checked row by row while the
    /// sort index is walked. A search read from its own index collects and sorts its holders
    /// for each statement; its export stays one piece.
    pub fn walks_index(&self) -> bool {
        self.plan == Plan::Bypass || Search::of(&self.view) == Search::Everyone
    }

    /// The sort key and id of the `n`-th row past where this walk stands (`n` ≥ 1), or `None`
    /// when fewer than `n` rows are left.
    pub async fn boundary(
        &self,
        store: &Store,
        n: usize,
    ) -> Result<Option<(Arg, i64)>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let mut sql = Sql::new(&format!(
            "SELECT {} AS export_key, u.id",
            sort_expr(self.view.sort)
        ));
        self.rest(&mut sql, 1, n.saturating_sub(1));
        let row = store.conn().await?.db().optional(&sql).await?;
        row.map(|r| Ok((self.key_of(&r)?, r.get("id")?)))
            .transpose()
    }

    /// Whether this walk (or piece) goes on to the view's last row.
    pub fn reaches_end(&self) -> bool {
        self.until.is_none()
    }

    /// The piece of this walk up to and including the row `until` (`None`: to the end); the
    /// walk goes on after it.
    pub fn split(&mut self, until: Option<(Arg, i64)>) -> Export {
        let piece = Export {
            until: until.clone(),
            ..self.clone()
        };
        match until {
            Some(last) => self.after = Some(last),
            None => self.done = true,
        }
        piece
    }

    /// The next batch of rows, with their roles' names; `None` once every row has been read.
    /// The names come in the same statement, one small index probe per row: a second
    /// statement for a thousand users' roles cost more than the rows themselves (SQLite read
    /// them role by role, 20-45 ms a batch at a million users).
    pub async fn next_batch(
        &mut self,
        store: &Store,
    ) -> Result<Option<Vec<ExportRow>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let sort = self.view.sort;
        let names = match store {
            Store::Sqlite(_) => "group_concat(r.name, char(31))",
            Store::Postgres(_) => "string_agg(r.name, chr(31) ORDER BY r.name)",
        };
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT {}, {} AS export_key,
                    (SELECT {names} FROM user_roles ur
                       JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                      WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id) AS role_names",
            *USER_COLUMNS,
            sort_expr(sort)
        ));
        self.rest(&mut sql, EXPORT_BATCH, 0);
        let fetched = store.conn().await?.db().all(&sql).await?;
        let Some(last) = fetched.last() else {
            self.done = true;
            return Ok(None);
        };
        let last_id: i64 = last.get("id")?;
        self.after = Some((self.key_of(last)?, last_id));
        // A piece ends at its last row; a read of fewer rows than asked ends any walk.
        self.done = fetched.len() < EXPORT_BATCH
            || self.until.as_ref().is_some_and(|(_, id)| *id == last_id);
        let rows = fetched
            .iter()
            .map(|r| {
                let names: Option<String> = r.get("role_names")?;
                let mut roles: Vec<String> = names
                    .iter()
                    .flat_map(|n| n.split(NAME_SEPARATOR))
                    .map(str::to_string)
                    .collect();
                roles.sort_unstable();
                Ok(ExportRow {
                    user: User::from_row(r)?,
                    roles,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(rows))
    }

    /// The ids of the view's first `limit` rows, in its order, and nothing else of them (is a
    /// selection small enough for one request?).
    pub async fn first_ids(&self, store: &Store, limit: usize) -> Result<Vec<UserId>, StoreError> {
        let mut sql = Sql::new("SELECT u.id");
        self.rest(&mut sql, limit, 0);
        let rows = store.conn().await?.db().all(&sql).await?;
        rows.iter().map(|r| Ok(UserId(r.get("id")?))).collect()
    }

    /// The sort key `export_key` of a row this walk read.
    fn key_of(&self, row: &super::Row) -> Result<Arg, StoreError> {
        Ok(match self.view.sort {
            SortKey::LastLogin | SortKey::Created => Arg::Int(row.get("export_key")?),
            SortKey::Name | SortKey::Email | SortKey::Type | SortKey::Status => {
                Arg::Text(row.get("export_key")?)
            }
        })
    }

    /// The statement after its column list: the view's filters, after the last row read and
    /// up to the piece's last, in the view's order (ties by id), at most `limit` rows after
    /// skipping `offset`.
    fn rest(&self, sql: &mut Sql, limit: usize, offset: usize) {
        let sort = self.view.sort;
        let key = sort_expr(sort);
        let (after, until, dir) = if self.view.desc {
            ("<", ">=", "DESC")
        } else {
            (">", "<=", "ASC")
        };
        filtered(sql, self.tenant, &self.view, self.plan);
        for (cmp, bound) in [(after, &self.after), (until, &self.until)] {
            if let Some((k, id)) = bound.clone() {
                sql.push(&format!(" AND ({key}, u.id) {cmp} ("))
                    .arg(k)
                    .push(", ")
                    .arg(id)
                    .push(")");
            }
        }
        let order = order_expr(self.plan, &Search::of(&self.view), sort);
        sql.push(&format!(" ORDER BY {order} {dir}, u.id {dir} LIMIT "))
            .arg(limit as i64);
        if offset > 0 {
            sql.push(" OFFSET ").arg(offset as i64);
        }
    }
}

impl Store {
    /// Records an export of `rows` users of the view `view` (its URL query) by `actor`:
    /// `complete` is false when the download stopped before its last row.
    pub async fn record_export(
        &self,
        tenant: TenantId,
        actor: UserId,
        rows: u64,
        view: &str,
        complete: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let changes = serde_json::json!({ "rows": rows, "view": view, "complete": complete });
        audit(&mut tx, tenant, Some(actor), None, "users.export", changes).await?;
        tx.commit().await
    }
}
