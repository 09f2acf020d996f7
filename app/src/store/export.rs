//! A whole view of the table, for the CSV export: the same filters and order as the pages,
//! read in keyset batches. Each batch is one statement on a connection taken for it and given
//! back, so a slow download holds no connection and a million rows stream in constant memory.
//!
//! A walk can be cut into pieces ([`Export::boundary`], [`Export::split`]) that separate
//! readers read side by side, each piece a range of the view's order: the export of a million
//! rows keeps both cores reading (server/src/export.rs).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::db::Stored;
use super::list::{Plan, Search, filtered, keyset_bound, order_expr, sort_expr};
use super::{Arg, Sql, Store, StoreError, TenantId, UserId, audit};
use crate::users::model::{Status, UserType};
use crate::users::query::{SortKey, UserQuery};

/// Rows a batch reads.
pub const EXPORT_BATCH: usize = 1_000;

/// Up to this many holders, a search's export reads them from the search index, each batch
/// collecting and sorting them again (20 batches of 20,000 at most); past it, it walks the sort
/// index once, checking each row. The pages switch at 2,000 (`BROAD_SEARCH_MATCHES`), where a
/// page fills within a few thousand rows; an export reads every holder, and walking the last-
/// login index for 17,822 holders of "smith" read a million rows (14 s at a million users).
const EXPORT_FROM_INDEX: i64 = 20_000;

/// One row of an export: what the file shows of a user, their roles' names sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_type: UserType,
    pub status: Status,
    pub roles: Vec<String>,
    pub last_login_at: Option<i64>,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub timezone: Option<String>,
    pub created_at: i64,
}

/// A batch's row as its statement writes it into the batch's JSON array (see
/// [`Export::next_batch`]): the columns of `BATCH_COLUMNS` in their order.
#[derive(Deserialize)]
struct BatchRow(
    i64,
    serde_json::Value,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
);

/// What a batch reads of each row, in [`BatchRow`]'s order; `export_key` (the sort key) and
/// `role_ids` (the ids of the user's roles, comma-separated) are the inner statement's.
const BATCH_COLUMNS: &str = "b.id, b.export_key, b.first_name, b.last_name, b.email, \
     b.user_type, b.status, b.last_login_at, b.phone, b.external_id, b.timezone, b.created_at, \
     b.role_ids";

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
    /// The names of the tenant's roles by id, read again when a batch names a role created
    /// since.
    roles: Arc<HashMap<i64, String>>,
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
        Ok(Export {
            tenant,
            plan: Plan::of(store, held.is_some_and(|n| n > EXPORT_FROM_INDEX)),
            view,
            after: None,
            until: None,
            done: false,
            roles: Arc::new(store.role_names(tenant).await?),
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
        let mut sql = Sql::new(format!(
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
    ///
    /// The database hands the batch over as one value, a JSON array of its rows, instead of a
    /// thousand rows: each row crossing from the database driver's side to the server's cost
    /// more than reading it (the SQLite driver's thread wakes the server's once a row; a
    /// million-row export spent a third of its time switching between them). Each row's roles
    /// come as ids, one index probe in `user_roles`, and are named from the tenant's roles.
    pub async fn next_batch(
        &mut self,
        store: &Store,
    ) -> Result<Option<Vec<ExportRow>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let dir = if self.view.desc { "DESC" } else { "ASC" };
        let (batch, role_ids) = match store {
            Store::Sqlite(_) => (
                format!(
                    "json_group_array(json_array({BATCH_COLUMNS}) \
                     ORDER BY b.export_key {dir}, b.id {dir})"
                ),
                "group_concat(ur.role_id)",
            ),
            Store::Postgres(_) => (
                format!(
                    "json_agg(json_build_array({BATCH_COLUMNS}) \
                     ORDER BY b.export_key {dir}, b.id {dir})::text"
                ),
                "string_agg(ur.role_id::text, ',')",
            ),
        };
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT {batch} AS batch FROM (SELECT u.id, {} AS export_key, u.first_name,
                    u.last_name, u.email, u.user_type, u.status, u.last_login_at, u.phone,
                    u.external_id, u.timezone, u.created_at,
                    (SELECT {role_ids} FROM user_roles ur WHERE ur.user_id = u.id) AS role_ids",
            sort_expr(self.view.sort)
        ));
        self.rest(&mut sql, EXPORT_BATCH, 0);
        sql.push(") b");
        let batch: Option<String> = store.conn().await?.db().one(&sql).await?.get("batch")?;
        let read: Vec<BatchRow> = match batch {
            Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                column: "batch",
                value: e.to_string(),
            })?,
            None => Vec::new(),
        };
        let Some(last) = read.last() else {
            self.done = true;
            return Ok(None);
        };
        let last_id = last.0;
        self.after = Some((self.key_of(&last.1)?, last_id));
        // A piece ends at its last row; a read of fewer rows than asked ends any walk.
        self.done =
            read.len() < EXPORT_BATCH || self.until.as_ref().is_some_and(|(_, id)| *id == last_id);
        let read: Vec<(BatchRow, Vec<i64>)> = read
            .into_iter()
            .map(|r| {
                let ids = r.12.iter().flat_map(|ids| ids.split(','));
                let ids = ids.filter_map(|id| id.parse().ok()).collect();
                (r, ids)
            })
            .collect();
        if read
            .iter()
            .flat_map(|(_, ids)| ids)
            .any(|id| !self.roles.contains_key(id))
        {
            self.roles = Arc::new(store.role_names(self.tenant).await?);
        }
        let rows = read
            .into_iter()
            .map(|(r, ids)| {
                // A role deleted since the row was read is no longer one of theirs.
                let mut roles: Vec<String> = ids
                    .iter()
                    .filter_map(|id| self.roles.get(id).cloned())
                    .collect();
                roles.sort_unstable();
                Ok(ExportRow {
                    user_type: parse("user_type", &r.5)?,
                    status: parse("status", &r.6)?,
                    first_name: r.2,
                    last_name: r.3,
                    email: r.4,
                    roles,
                    last_login_at: r.7,
                    phone: r.8,
                    external_id: r.9,
                    timezone: r.10,
                    created_at: r.11,
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

    /// The sort key of a row this walk read, as its statement gave it (a row's `export_key`,
    /// or a batch row's key in JSON).
    fn key_of(&self, key: &impl ExportKey) -> Result<Arg, StoreError> {
        Ok(match self.view.sort {
            SortKey::LastLogin | SortKey::Created => Arg::Int(key.int()?),
            SortKey::Name | SortKey::Email | SortKey::Type | SortKey::Status => {
                Arg::Text(key.text()?)
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
            if let Some(row) = bound.clone() {
                keyset_bound(sql, key, cmp, row);
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

/// A value of a stored enum column as a batch gives it.
fn parse<T: Stored>(column: &'static str, text: &str) -> Result<T, StoreError> {
    T::parse(text).ok_or_else(|| StoreError::Corrupt {
        column,
        value: text.to_string(),
    })
}

/// Where a walk reads a row's sort key from.
trait ExportKey {
    fn int(&self) -> Result<i64, StoreError>;
    fn text(&self) -> Result<String, StoreError>;
}

impl ExportKey for super::Row {
    fn int(&self) -> Result<i64, StoreError> {
        self.get("export_key")
    }
    fn text(&self) -> Result<String, StoreError> {
        self.get("export_key")
    }
}

impl ExportKey for serde_json::Value {
    fn int(&self) -> Result<i64, StoreError> {
        self.as_i64().ok_or_else(|| corrupt_key(self))
    }
    fn text(&self) -> Result<String, StoreError> {
        self.as_str()
            .map(str::to_string)
            .ok_or_else(|| corrupt_key(self))
    }
}

fn corrupt_key(key: &serde_json::Value) -> StoreError {
    StoreError::Corrupt {
        column: "export_key",
        value: key.to_string(),
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
