//! A whole view of the table, for the CSV export: the same filters and order as the pages,
//! read in keyset batches. Each batch is one statement on a connection taken for it and given
//! back, so a slow download holds no connection and a million rows stream in constant memory.

use super::list::{Plan, Search, filtered, order_expr, sort_expr};
use super::users::{USER_COLUMNS, User};
use super::{Arg, Sql, Store, StoreError, TenantId, UserId, audit};
use crate::users::query::{SortKey, UserQuery};

/// Rows a batch reads.
pub const EXPORT_BATCH: usize = 1_000;

/// A walk through every row of one view, in the view's order (ties by id, as the pages).
#[derive(Debug, Clone)]
pub struct Export {
    tenant: TenantId,
    view: UserQuery,
    plan: Plan,
    /// The last row read: its sort key and id.
    after: Option<(Arg, i64)>,
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
        // A broad search reads the sort index in order and checks each row (the whole walk
        // reads the index once); a rare one collects its rows from the search index.
        let plan = if store.broad_search(tenant, &view).await? {
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
            done: false,
        })
    }

    /// The next batch of rows, with their roles; `None` once every row has been read.
    pub async fn next_batch(&mut self, store: &Store) -> Result<Option<Vec<User>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let sort = self.view.sort;
        let key = sort_expr(sort);
        let (cmp, dir) = if self.view.desc {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let mut sql = Sql::default();
        sql.push(&format!("SELECT {}, {key} AS export_key", *USER_COLUMNS));
        filtered(&mut sql, self.tenant, &self.view, self.plan);
        if let Some((k, id)) = self.after.clone() {
            sql.push(&format!(" AND ({key}, u.id) {cmp} ("))
                .arg(k)
                .push(", ")
                .arg(id)
                .push(")");
        }
        let order = order_expr(self.plan, &Search::of(&self.view), sort);
        sql.push(&format!(" ORDER BY {order} {dir}, u.id {dir} LIMIT "))
            .arg(EXPORT_BATCH as i64);
        let fetched = store.conn().await?.db().all(&sql).await?;
        let Some(last) = fetched.last() else {
            self.done = true;
            return Ok(None);
        };
        let last_key = match sort {
            SortKey::LastLogin | SortKey::Created => Arg::Int(last.get("export_key")?),
            SortKey::Name | SortKey::Email | SortKey::Type | SortKey::Status => {
                Arg::Text(last.get("export_key")?)
            }
        };
        self.after = Some((last_key, last.get("id")?));
        self.done = fetched.len() < EXPORT_BATCH;
        let mut rows = fetched
            .iter()
            .map(User::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        store.attach_roles(self.tenant, &mut rows).await?;
        Ok(Some(rows))
    }

    /// Whether the last batch has been read.
    pub fn is_done(&self) -> bool {
        self.done
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
